package main

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	sqstypes "github.com/aws/aws-sdk-go-v2/service/sqs/types"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/elmosoftware/eventprotocol/envelope"
	"github.com/elmosoftware/eventprotocol/event"
	"github.com/elmosoftware/eventprotocol/internal/fauxqs"
	"github.com/elmosoftware/eventprotocol/naming"
	"github.com/elmosoftware/eventprotocol/transport"
	"github.com/elmosoftware/eventprotocol/transport/awslambda/awslambdatest"
	"github.com/elmosoftware/eventprotocol/transport/snssqs"
	"github.com/elmosoftware/eventprotocol/transport/snssqs/snssqstest"
	"github.com/elmosoftware/eventprotocol/transport/topology"
)

// world is billing's queue on an SNS/SQS server, and the function under
// the emulator.
type world struct {
	bus      *transport.Bus
	sqs      *sqs.Client
	queueURL string
	fn       *awslambdatest.Function
}

// setUp provisions the topology on the server, and starts the example,
// built as bootstrap, under the emulator with ELMO_TRANSPORT naming them.
func setUp(t *testing.T, bin, endpoint, region string, topo *topology.Topology) *world {
	t.Helper()
	ctx := context.Background()
	file := filepath.Join(t.TempDir(), "topology.json")
	b, err := topologyJSON(topo)
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(file, b, 0o600))
	snsC, sqsC, err := snssqs.Connect(ctx, &snssqs.ConnectConfig{Region: region, Endpoint: endpoint, LocalServer: true})
	require.NoError(t, err)
	d, err := snssqs.NewDriver(snsC, sqsC, &snssqs.DriverConfig{WaitTime: time.Second})
	require.NoError(t, err)
	bus, err := transport.Open(ctx, d, topo, &transport.OpenConfig{Provision: true}) // no catalogue: it publishes a poison message too
	require.NoError(t, err)
	t.Cleanup(func() { _ = bus.Teardown(context.Background()) })
	name, err := naming.AWSNames{Env: topo.Env}.Queue("billing", topo.Domains[0].FIFO)
	require.NoError(t, err)
	q, err := sqsC.GetQueueUrl(ctx, &sqs.GetQueueUrlInput{QueueName: aws.String(name)})
	require.NoError(t, err)
	fn := awslambdatest.StartForTest(t, bin,
		"ELMO_TRANSPORT=snssqs://?region="+region+"&endpoint="+endpoint+"&wait=1s&topology="+file)
	return &world{bus: bus, sqs: sqsC, queueURL: aws.ToString(q.QueueUrl), fn: fn}
}

// drain runs the event source mapping until the function invoiced every
// one of want, and returns the records it passed and those reported
// failed.
func (w *world) drain(t *testing.T, want []string) (records, failed int) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	m := &awslambdatest.Mapping{SQS: w.sqs, QueueURL: w.queueURL, QueueARN: "arn:aws:sqs:us-east-1:000000000000:billing", Invoke: w.fn.Invoke}
	for len(w.invoiced(t)) < len(want) {
		n, f, err := m.Poll(ctx)
		require.NoError(t, err, "the function's output:\n%s", w.output(t))
		records, failed = records+n, failed+f
	}
	// Whatever is left must be nothing: a last look finds the queue empty.
	n, _, err := m.Poll(ctx)
	require.NoError(t, err)
	assert.Zero(t, n, "nothing redelivered after the last event was handled")
	t.Logf("%d records passed to the function, %d reported failed", records, failed)
	return records, failed
}

var invoicedLine = regexp.MustCompile(`billing: invoiced \S+ on the \S+ plan \(event (\S+)\)`)

// invoiced returns the ids of the events the function invoiced, in order.
func (w *world) invoiced(t *testing.T) []string {
	var ids []string
	for _, m := range invoicedLine.FindAllStringSubmatch(w.output(t), -1) {
		ids = append(ids, m[1])
	}
	return ids
}

func (w *world) output(t *testing.T) string {
	out, err := w.fn.Log()
	require.NoError(t, err)
	return out
}

func buildFunction(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "bootstrap")
	out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput()
	require.NoError(t, err, "go build: %s", out)
	return bin
}

func signUp(t *testing.T, n int, company, plan string) *envelope.Envelope {
	t.Helper()
	client := naming.MustParseERN(fmt.Sprintf("ern:elmo:identity:acme:client/c-%d", n))
	e, err := signedUp.New(&envelope.Producer{Source: "urn:elmo:service:signup"},
		ClientSignedUp{Client: client, CompanyName: company, Plan: plan, ContactEmail: "ops@acme.example"}, event.WithSubject(client))
	require.NoError(t, err)
	return &e
}

// TestLambda runs the example under the AWS Lambda Runtime Interface
// Emulator, fed by an event source mapping on GoAws (a standard queue) and
// on fauxqs (FIFO).
func TestLambda(t *testing.T) {
	bin := buildFunction(t)

	t.Run("GoAws", func(t *testing.T) {
		srv := snssqstest.StartForTest(t)
		w := setUp(t, bin, srv.Endpoint, snssqstest.Region, signupTopology(false))
		ctx := context.Background()
		var want []*envelope.Envelope
		for i := range 8 {
			company := "Acme Pty Ltd"
			if i == 5 {
				company = "Flaky Pty Ltd"
			}
			want = append(want, signUp(t, i, company, "STANDARD"))
		}
		poison := signUp(t, 99, "Acme Pty Ltd", "STANDARD")
		poison.Data = []byte(`{"client":"ern:elmo:identity:acme:client/c-99","companyName":"Acme Pty Ltd","plan":"STANDARD"}`) // no contactEmail
		require.NoError(t, w.bus.Publisher().Publish(ctx, append(want, poison)...))

		records, failed := w.drain(t, ids(want))
		assert.ElementsMatch(t, ids(want), w.invoiced(t), "every event invoiced once, none lost, the poison message never")
		assert.Equal(t, 1, failed, "only the flaky event's first attempt came back")
		assert.Equal(t, len(want)+1+1, records, "each record passed once, the failed one twice")
		var dead []string
		require.Eventually(t, func() bool {
			dls, err := w.bus.DeadLetters(ctx, "billing", 10)
			if err != nil {
				return false
			}
			dead = dead[:0]
			for _, dl := range dls {
				dead = append(dead, dl.Reason)
			}
			return len(dls) == 1
		}, 10*time.Second, 100*time.Millisecond)
		assert.Contains(t, dead[0], "contactEmail", "the reason names the member")
		assert.NotContains(t, dead[0], "Acme", "and no value")
	})

	t.Run("fauxqs FIFO", func(t *testing.T) {
		srv := fauxqs.StartForTest(t)
		w := setUp(t, bin, srv.Endpoint, fauxqs.Region, signupTopology(true))
		ctx := context.Background()
		var want []*envelope.Envelope
		for i := range 6 {
			company := "Acme Pty Ltd"
			if i == 2 {
				company = "Flaky Pty Ltd"
			}
			e := signUp(t, i, company, "STANDARD")
			e.PartitionKey = "acme"
			want = append(want, e)
			body, err := e.MarshalJSON()
			require.NoError(t, err)
			// Sent to the queue one by one: fauxqs reorders PublishBatch to a FIFO topic.
			_, err = w.sqs.SendMessage(ctx, &sqs.SendMessageInput{QueueUrl: aws.String(w.queueURL), MessageBody: aws.String(string(body)),
				MessageGroupId: aws.String("acme"), MessageDeduplicationId: aws.String(e.ID),
				MessageAttributes: map[string]sqstypes.MessageAttributeValue{"type": {DataType: aws.String("String"), StringValue: aws.String(e.Type)}}})
			require.NoError(t, err)
		}
		records, failed := w.drain(t, ids(want))
		assert.Equal(t, ids(want), w.invoiced(t), "the group's order kept across the retry")
		assert.Positive(t, failed)
		assert.Equal(t, len(want)+failed, records, "only the failed record and the group's later ones came back")
	})
}

func ids(es []*envelope.Envelope) []string {
	var out []string
	for _, e := range es {
		out = append(out, e.ID)
	}
	return out
}

func signupTopology(fifo bool) *topology.Topology {
	return &topology.Topology{Env: "dev", Domains: []topology.Domain{{Name: "identity", FIFO: fifo}},
		Services: []topology.Service{{Name: "billing", Consumes: []string{"elmo.identity.client.signed_up.v1"}}}}
}

func topologyJSON(t *topology.Topology) ([]byte, error) {
	var b strings.Builder
	fmt.Fprintf(&b, `{"env":%q,"domains":[{"name":"identity","fifo":%t}],"services":[{"name":"billing","consumes":["elmo.identity.client.signed_up.v1"]}]}`,
		t.Env, t.Domains[0].FIFO)
	return []byte(b.String()), nil
}
