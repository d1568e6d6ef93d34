package snssqs_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	sqstypes "github.com/aws/aws-sdk-go-v2/service/sqs/types"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"net/http"
	"sync/atomic"

	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/sns"
	"github.com/elmosoftware/eventprotocol/envelope"
	"github.com/elmosoftware/eventprotocol/transport"
	"github.com/elmosoftware/eventprotocol/transport/driver"
	"github.com/elmosoftware/eventprotocol/transport/snssqs"
	"github.com/elmosoftware/eventprotocol/transport/snssqs/snssqstest"
)

// TestMirroredAttributesCannotBeBypassed sends messages straight into a
// queue on GoAws, as a misbehaving sender could: mirrored attributes that
// contradict the envelope are refused in the SQS message around an SNS
// notification as well as inside it, and whatever their data type.
func TestMirroredAttributesCannotBeBypassed(t *testing.T) {
	onEachServer(t, testMirroredAttributesCannotBeBypassed)
}

func testMirroredAttributesCannotBeBypassed(t *testing.T, srv testServer) {
	ctx := context.Background()
	p, _, sqsC := ledgerTopology(t, srv, false, 30, 0)

	producer := &envelope.Producer{Source: "urn:elmo:service:leave"}
	newBody := func() (string, string) {
		e, err := producer.New("elmo.leave.absence.approved.v1", []byte(`{}`))
		require.NoError(t, err)
		e.Subject, e.TenantID = "ern:elmo:hr:acme:employee/e-1", "acme"
		b, err := e.MarshalJSON()
		require.NoError(t, err)
		return e.ID, string(b)
	}
	str := func(v string) sqstypes.MessageAttributeValue {
		return sqstypes.MessageAttributeValue{DataType: aws.String("String"), StringValue: aws.String(v)}
	}
	cases := []struct {
		name    string
		wrap    bool
		attrs   map[string]sqstypes.MessageAttributeValue
		refused bool
	}{
		{"raw, agreeing", false, map[string]sqstypes.MessageAttributeValue{"type": str("elmo.leave.absence.approved.v1")}, false},
		{"notification, agreeing outer attribute", true, map[string]sqstypes.MessageAttributeValue{"type": str("elmo.leave.absence.approved.v1")}, false},
		{"notification, contradicting outer type", true, map[string]sqstypes.MessageAttributeValue{"type": str("elmo.payroll.pay_run.completed.v1")}, true},
		{"notification, contradicting outer tenant", true, map[string]sqstypes.MessageAttributeValue{"tenantid": str("globex")}, true},
		{"raw, contradicting Binary type", false, map[string]sqstypes.MessageAttributeValue{"type": {DataType: aws.String("Binary"), BinaryValue: []byte("elmo.payroll.pay_run.completed.v1")}}, true},
	}
	want := map[string]bool{} // id -> refused
	for _, tc := range cases {
		id, body := newBody()
		want[id] = tc.refused
		if tc.wrap {
			// The notification's own attributes agree with the envelope.
			body = `{"Type":"Notification","MessageId":"m-` + id + `","TopicArn":"` + p.TopicARNs["leave"] + `","Message":` + quoteJSON(body) +
				`,"Timestamp":"2026-11-26T10:00:00.000Z","SignatureVersion":"1","Signature":"abc","SigningCertURL":"https://sns/cert.pem",` +
				`"UnsubscribeURL":"https://sns/unsub","MessageAttributes":{"type":{"Type":"String","Value":"elmo.leave.absence.approved.v1"},` +
				`"tenantid":{"Type":"String","Value":"acme"}}}`
		}
		_, err := sqsC.SendMessage(ctx, &sqs.SendMessageInput{QueueUrl: aws.String(p.QueueURLs["ledger"]), MessageBody: aws.String(body), MessageAttributes: tc.attrs})
		require.NoError(t, err, tc.name)
	}

	r, err := snssqs.NewReceiver(sqsC, p.QueueURLs["ledger"], &snssqs.ReceiverConfig{DeadLetterQueueURL: p.DLQURLs["ledger"], WaitTime: time.Second})
	require.NoError(t, err)
	cons, err := transport.NewConsumer(r, &transport.ConsumerConfig{VisibilityTimeout: 30 * time.Second})
	require.NoError(t, err)
	handled := make(chan string, len(cases))
	require.NoError(t, cons.HandleFunc("elmo.leave.absence.approved.v1", func(_ context.Context, d *transport.Delivery) error {
		handled <- d.Envelope.ID
		return nil
	}))
	require.NoError(t, cons.Start(ctx))
	t.Cleanup(func() { _ = cons.Shutdown(context.Background()) })

	dlq, err := snssqs.NewReceiver(sqsC, p.DLQURLs["ledger"], &snssqs.ReceiverConfig{WaitTime: time.Second})
	require.NoError(t, err)
	refused := map[string]string{}
	deadline := time.Now().Add(30 * time.Second)
	for len(refused) < 3 && time.Now().Before(deadline) {
		msgs, err := dlq.Receive(ctx, 10)
		require.NoError(t, err)
		for _, m := range msgs {
			e, err := envelope.Decode(m.Body)
			require.NoError(t, err)
			refused[e.ID] = m.Attributes[driver.AttrDeadLetterReason]
		}
	}
	for id, reason := range refused {
		assert.True(t, want[id], "refused although its attributes agree: %s", reason)
		assert.True(t, strings.Contains(reason, "contradicts") || strings.Contains(reason, "SNS notification"), reason)
	}
	for range 2 {
		select {
		case id := <-handled:
			assert.False(t, want[id], "handled although an attribute contradicts the envelope")
		case <-time.After(30 * time.Second):
			t.Fatal("the agreeing messages were not handled")
		}
	}
	assert.Len(t, refused, 3)
}

// TestReceiverCloseEndsLatePolls: a long poll whose Receive was cancelled
// goes on in the background; Close ends it, and nothing of the receiver
// runs afterwards.
func TestReceiverCloseEndsLatePolls(t *testing.T) { onEachServer(t, testReceiverCloseEndsLatePolls) }

func testReceiverCloseEndsLatePolls(t *testing.T, srv testServer) {
	ctx := context.Background()
	p, _, sqsC := ledgerTopology(t, srv, false, 0, 0)

	r, err := snssqs.NewReceiver(sqsC, p.QueueURLs["ledger"], &snssqs.ReceiverConfig{WaitTime: 20 * time.Second})
	require.NoError(t, err)
	rctx, cancel := context.WithCancel(ctx)
	received := make(chan error, 1)
	go func() {
		_, err := r.Receive(rctx, 10)
		received <- err
	}()
	cancel()
	require.ErrorIs(t, <-received, context.Canceled)

	closed := make(chan error, 1)
	go func() {
		cctx, ccancel := context.WithTimeout(ctx, 100*time.Millisecond)
		defer ccancel()
		closed <- r.Close(cctx)
	}()
	select {
	case err := <-closed:
		require.NoError(t, err)
	case <-time.After(15 * time.Second): // well inside the 20s long poll
		t.Fatal("Close waited for the abandoned long poll")
	}
	_, err = r.Receive(ctx, 10)
	assert.Error(t, err, "a closed receiver receives nothing")
}

// TestMissingQueueAndTopicAreNotFound: the service's errors for a queue or
// topic that does not exist match driver.ErrNotFound, and a publish to a
// missing topic is refused (driver.ErrNotSent), never of unknown outcome.
func TestMissingQueueAndTopicAreNotFound(t *testing.T) {
	onEachServer(t, testMissingQueueAndTopicAreNotFound)
}

func testMissingQueueAndTopicAreNotFound(t *testing.T, srv testServer) {
	ctx := context.Background()
	snsC, sqsC := clientsOf(t, srv.endpoint)
	topo := ledgerSpec(false, 0, 0)
	p := provision(t, snsC, sqsC, topo)
	require.NoError(t, p.driver.Teardown(ctx, topo))
	_, err := p.driver.OpenReceiver(ctx, topo, "ledger")
	assert.ErrorIs(t, err, driver.ErrNotFound, "the driver finds no queue")

	r, err := snssqs.NewReceiver(sqsC, p.QueueURLs["ledger"], &snssqs.ReceiverConfig{WaitTime: time.Second})
	require.NoError(t, err)
	_, err = r.Receive(ctx, 10)
	assert.ErrorIs(t, err, driver.ErrNotFound)

	s, err := snssqs.NewSender(snsC, map[string]string{"leave": p.TopicARNs["leave"]}, &snssqs.SenderConfig{MaxBatch: srv.batch})
	require.NoError(t, err)
	err = s.Send(ctx, "leave", []*driver.Message{{Body: []byte(`{}`), DedupID: "1"}})
	assert.ErrorIs(t, err, driver.ErrNotFound)
	assert.ErrorIs(t, err, driver.ErrNotSent)
}

// countingClient is an HTTP client that counts the requests it makes.
type countingClient struct {
	n atomic.Int64
}

func (c *countingClient) Do(r *http.Request) (*http.Response, error) {
	c.n.Add(1)
	return http.DefaultClient.Do(r)
}

// TestConnectTakesAnHTTPClientAndLoadOptions: the clients of Connect make
// their requests through ConnectConfig.HTTPClient, and LoadOptions apply
// after the other settings.
func TestConnectTakesAnHTTPClientAndLoadOptions(t *testing.T) {
	t.Setenv("AWS_CA_BUNDLE", "") // a CA bundle needs the SDK's own buildable client
	ctx := context.Background()
	hc := &countingClient{}
	snsC, sqsC, err := snssqs.Connect(ctx, &snssqs.ConnectConfig{Region: "ap-southeast-2", Endpoint: server.Endpoint, LocalServer: true, HTTPClient: hc,
		LoadOptions: []func(*config.LoadOptions) error{config.WithRegion(snssqstest.Region)}})
	require.NoError(t, err)
	assert.Equal(t, snssqstest.Region, sqsC.Options().Region, "the load options apply last")
	_, err = snsC.ListTopics(ctx, &sns.ListTopicsInput{})
	require.NoError(t, err)
	assert.Positive(t, hc.n.Load(), "the request went through the HTTP client")
}
