package snssqs_test

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sns"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	sqstypes "github.com/aws/aws-sdk-go-v2/service/sqs/types"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/elmosoftware/eventprotocol/envelope"
	"github.com/elmosoftware/eventprotocol/transport"
	"github.com/elmosoftware/eventprotocol/transport/snssqs"
	"github.com/elmosoftware/eventprotocol/transport/topology"
)

// topicAdmin is a fake of the SNS client's provisioning calls that records
// the topic attributes set: GoAws and fauxqs refuse MaximumMessageSize.
type topicAdmin struct {
	snssqs.SNSAPI
	mu  sync.Mutex
	set []string
}

func (f *topicAdmin) CreateTopic(_ context.Context, in *sns.CreateTopicInput, _ ...func(*sns.Options)) (*sns.CreateTopicOutput, error) {
	return &sns.CreateTopicOutput{TopicArn: aws.String("arn:aws:sns:ap-southeast-2:123456789012:" + aws.ToString(in.Name))}, nil
}

func (f *topicAdmin) SetTopicAttributes(_ context.Context, in *sns.SetTopicAttributesInput, _ ...func(*sns.Options)) (*sns.SetTopicAttributesOutput, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.set = append(f.set, fmt.Sprintf("%s %s=%s", aws.ToString(in.TopicArn), aws.ToString(in.AttributeName), aws.ToString(in.AttributeValue)))
	return &sns.SetTopicAttributesOutput{}, nil
}

// noQueues is an SQS client for a topology without services: never called.
type noQueues struct{ snssqs.SQSAPI }

// TestProvisionTopicSize: on AWS, a domain's size raises its topic's
// MaximumMessageSize; a domain that sets none is left alone.
func TestProvisionTopicSize(t *testing.T) {
	f := &topicAdmin{}
	d, err := snssqs.NewDriver(f, noQueues{}, nil)
	require.NoError(t, err)
	topo := &topology.Topology{Env: "prod", Domains: []topology.Domain{{Name: "payroll", MaxMessageBytes: 1 << 20}, {Name: "hr"}}}
	require.NoError(t, d.Provision(context.Background(), topo))
	assert.Equal(t, []string{"arn:aws:sns:ap-southeast-2:123456789012:prod-elmo-payroll-events MaximumMessageSize=1048576"}, f.set)
	steps, err := d.Plan(topo)
	require.NoError(t, err)
	assert.Equal(t, "max message 1048576 bytes", steps[0].Detail)
	assert.Empty(t, steps[1].Detail)
}

func sizeSpec(limit int) *topology.Topology {
	return &topology.Topology{Env: newEnvName(), Domains: []topology.Domain{{Name: "payroll", MaxMessageBytes: limit}, {Name: "hr"}},
		Services: []topology.Service{{Name: "ledger", Consumes: []string{"elmo.payroll.pay_run.completed.v1", "elmo.hr.employee.hired.v1"}}}}
}

// TestProvisionQueueSize: the queue and the dead-letter queue of a service
// take its domains' largest message; a second run converges on a changed
// size; the plan shows it, and that a local server gets no topic size.
func TestProvisionQueueSize(t *testing.T) { onEachServer(t, testProvisionQueueSize) }

func testProvisionQueueSize(t *testing.T, srv testServer) {
	ctx := context.Background()
	snsC, sqsC := clientsOf(t, srv.endpoint)
	topo := sizeSpec(1 << 20)
	p := provision(t, snsC, sqsC, topo)
	size := func(url string) string {
		out, err := sqsC.GetQueueAttributes(ctx, &sqs.GetQueueAttributesInput{QueueUrl: aws.String(url),
			AttributeNames: []sqstypes.QueueAttributeName{sqstypes.QueueAttributeNameMaximumMessageSize}})
		require.NoError(t, err)
		return out.Attributes[string(sqstypes.QueueAttributeNameMaximumMessageSize)]
	}
	assert.Equal(t, "1048576", size(p.QueueURLs["ledger"]))
	assert.Equal(t, "1048576", size(p.DLQURLs["ledger"]))

	topo.Domains[0].MaxMessageBytes = 512 << 10
	require.NoError(t, p.driver.Provision(ctx, topo))
	assert.Equal(t, "524288", size(p.QueueURLs["ledger"]), "converged")
	assert.Equal(t, "524288", size(p.DLQURLs["ledger"]))

	steps, err := p.driver.Plan(topo)
	require.NoError(t, err)
	var details []string
	for _, s := range steps {
		details = append(details, s.Detail)
	}
	plan := strings.Join(details, "\n")
	assert.Contains(t, plan, "max message 524288 bytes (not set: local servers lack the attribute)")
	assert.Contains(t, plan, "dead-letter queue, retention 14d, max message 524288 bytes")
}

// TestLargeEventOnGoAws: on a 1 MiB domain a 900 KiB event goes end to
// end (GoAws publishes any size); one over 1 MiB is refused before
// anything is sent.
func TestLargeEventOnGoAws(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	srv := testServers()[0]
	snsC, sqsC := clientsOf(t, srv.endpoint)
	topo := sizeSpec(1 << 20)
	provision(t, snsC, sqsC, topo)
	d, err := snssqs.NewDriver(snsC, sqsC, &snssqs.DriverConfig{WaitTime: time.Second})
	require.NoError(t, err)
	bus, err := transport.Open(ctx, d, topo, nil)
	require.NoError(t, err)
	got := make(chan int, 1)
	cons, err := bus.Consumer(ctx, "ledger", nil)
	require.NoError(t, err)
	require.NoError(t, cons.HandleFunc("elmo.payroll.pay_run.completed.v1", func(_ context.Context, dl *transport.Delivery) error {
		got <- len(dl.Envelope.Data)
		return nil
	}))
	require.NoError(t, cons.Start(ctx))
	t.Cleanup(func() { _ = cons.Shutdown(context.Background()) })

	big := payRun(t, 900<<10)
	require.NoError(t, bus.Publisher().Publish(ctx, big))
	select {
	case n := <-got:
		assert.Equal(t, len(big.Data), n)
	case <-time.After(30 * time.Second):
		t.Fatal("the 900 KiB event was not delivered")
	}
	err = bus.Publisher().Publish(ctx, payRun(t, 1100<<10))
	var tooLarge *transport.TooLargeError
	require.ErrorAs(t, err, &tooLarge)
	assert.Equal(t, 1<<20, tooLarge.Limit)
	err = bus.Publisher().Publish(ctx, hired(t, 300<<10))
	require.ErrorAs(t, err, &tooLarge, "hr keeps the default")
	assert.Equal(t, 256<<10, tooLarge.Limit)
}

// payRun is a pay run event whose data is about n bytes.
func payRun(t *testing.T, n int) *envelope.Envelope {
	t.Helper()
	return sized(t, "elmo.payroll.pay_run.completed.v1", n)
}

func hired(t *testing.T, n int) *envelope.Envelope {
	t.Helper()
	return sized(t, "elmo.hr.employee.hired.v1", n)
}

func sized(t testing.TB, typ string, n int) *envelope.Envelope {
	t.Helper()
	e, err := (&envelope.Producer{Source: "urn:elmo:service:payroll"}).New(typ, []byte(`{"note":"`+strings.Repeat("x", n)+`"}`))
	require.NoError(t, err)
	e.Subject, e.TenantID = "ern:elmo:payroll:acme:pay_run/2026-11", "acme"
	return &e
}
