package snssqs_test

import (
	"context"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sqs"

	"github.com/elmosoftware/eventprotocol/naming"
	"github.com/elmosoftware/eventprotocol/transport/driver"
	"github.com/elmosoftware/eventprotocol/transport/snssqs"
	"github.com/elmosoftware/eventprotocol/transport/topology"
	"github.com/elmosoftware/eventprotocol/transport/transporttest"
)

// goawsBatch is the largest PublishBatch GoAws accepts (it refuses 10).
const goawsBatch = 9

// envs numbers the environments, so each gets its own names.
var envs atomic.Int64

func newEnvName() string { return "t" + strconv.FormatInt(envs.Add(1), 10) }

// harness runs the conformance suite on one of the test servers. Where a
// server falls short of AWS, the harness says so in its capabilities or
// works around it:
//   - GoAws: no queue policy (not implemented), batches of 9, FIFO not
//     claimed (GoAws ignores FIFO topics), receive counts not exact (always
//     1), and dead letters read once and remembered (GoAws ignores a
//     receive's VisibilityTimeout of 0, so it cannot peek);
//   - fauxqs: exact receive counts and batches of 10; FIFO through SNS not
//     claimed (fauxqs reorders the last entry of a PublishBatch to a FIFO
//     topic; FIFO order is tested with direct SQS sends instead); deleting
//     with an invalid receipt handle succeeds silently, so that part of the
//     error contract is checked on GoAws and memory only.
type harness struct{ testServer }

func (h harness) Capabilities() transporttest.Capabilities {
	return transporttest.Capabilities{FIFO: false, ExactReceiveCount: h.name == "fauxqs", Tick: time.Second, SendBatchLimit: h.batch,
		AckReportsInvalidHandle: h.name == "goaws", Parallel: true}
}

func (h harness) Open(ctx context.Context, t *testing.T, subs []transporttest.Subscription) (transporttest.Env, error) {
	snsC, sqsC := clientsOf(t, h.endpoint)
	topo := &topology.Topology{Env: newEnvName()}
	for _, s := range subs {
		svc := topology.Service{Name: s.Name, MaxReceiveCount: s.MaxReceiveCount, VisibilityTimeoutSeconds: int(s.VisibilityTimeout / time.Second)}
		if svc.MaxReceiveCount == 0 {
			svc.MaxReceiveCount = 1000
		}
		for _, d := range s.Domains {
			if _, ok := topo.Domain(d); !ok {
				topo.Domains = append(topo.Domains, topology.Domain{Name: d})
			}
			if len(s.Types) == 0 {
				svc.Consumes = append(svc.Consumes, naming.DefaultOrg+"."+d+".*")
			}
		}
		svc.Consumes = append(svc.Consumes, s.Types...)
		topo.Services = append(topo.Services, svc)
	}
	p := provision(t, snsC, sqsC, topo)
	sender, err := snssqs.NewSender(snsC, p.TopicARNs, &snssqs.SenderConfig{MaxBatch: h.batch})
	if err != nil {
		return nil, err
	}
	return &env{sqs: sqsC, sender: sender, p: p, dead: map[string][]*driver.Message{}}, nil
}

type env struct {
	sqs    *sqs.Client
	sender *snssqs.Sender
	p      *provisioned

	mu   sync.Mutex
	dead map[string][]*driver.Message
}

func (e *env) Topic(t naming.Type) string { return t.Domain() }
func (e *env) Sender() driver.Sender      { return e.sender }

func (e *env) Receiver(sub string) driver.Receiver {
	r, err := snssqs.NewReceiver(e.sqs, e.p.QueueURLs[sub], &snssqs.ReceiverConfig{WaitTime: time.Second})
	if err != nil {
		panic(err) // the suite only asks for subscriptions it created
	}
	return r
}

func (e *env) DeadLetters(ctx context.Context, sub string) ([]*driver.Message, error) {
	out, err := e.sqs.ReceiveMessage(ctx, &sqs.ReceiveMessageInput{
		QueueUrl: aws.String(e.p.DLQURLs[sub]), MaxNumberOfMessages: 10, WaitTimeSeconds: 0,
		MessageAttributeNames: []string{"All"}, VisibilityTimeout: 3600,
	})
	if err != nil {
		return nil, err
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	for _, m := range out.Messages {
		attrs := map[string]string{}
		for k, v := range m.MessageAttributes {
			attrs[k] = aws.ToString(v.StringValue)
		}
		e.dead[sub] = append(e.dead[sub], &driver.Message{Body: []byte(aws.ToString(m.Body)), Attributes: attrs})
	}
	return slices.Clone(e.dead[sub]), nil
}

func TestConformance(t *testing.T) {
	// Not beside the parallel tests: one test of the suite looks at every
	// goroutine of the process. The suite runs its other tests in parallel.
	for _, srv := range testServers() {
		t.Run(srv.name, func(t *testing.T) { transporttest.Run(t, harness{srv}) })
	}
}

// TestBus runs the portable wiring and the dead-letter tooling on both
// servers, through a Driver.
func TestBus(t *testing.T) {
	onEachServer(t, func(t *testing.T, srv testServer) { transporttest.RunBus(t, driverOn(srv), newEnvName()) })
}

// driverOn returns a factory of Drivers on a test server.
func driverOn(srv testServer) func(t *testing.T) driver.Driver {
	return func(t *testing.T) driver.Driver {
		snsC, sqsC := clientsOf(t, srv.endpoint)
		d, err := snssqs.NewDriver(snsC, sqsC, &snssqs.DriverConfig{WaitTime: time.Second})
		if err != nil {
			t.Fatal(err)
		}
		return d
	}
}

// TestRequests runs request and reply on both servers.
func TestRequests(t *testing.T) {
	onEachServer(t, func(t *testing.T, srv testServer) { transporttest.RunRequests(t, driverOn(srv), newEnvName()) })
}

// BenchmarkRequestsOnGoAws: request and reply round trips with 16
// requesters at once, on GoAws.
func BenchmarkRequestsOnGoAws(b *testing.B) {
	snsC, sqsC := clientsOf(b, testServers()[0].endpoint)
	d, err := snssqs.NewDriver(snsC, sqsC, &snssqs.DriverConfig{WaitTime: time.Second})
	if err != nil {
		b.Fatal(err)
	}
	transporttest.BenchRequests(b, d, newEnvName(), 16, 64)
}
