package awslambda_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/elmosoftware/eventprotocol/config"
	"github.com/elmosoftware/eventprotocol/envelope"
	"github.com/elmosoftware/eventprotocol/naming"
	"github.com/elmosoftware/eventprotocol/transport"
	"github.com/elmosoftware/eventprotocol/transport/awslambda"
	"github.com/elmosoftware/eventprotocol/transport/awslambda/awslambdatest"
	"github.com/elmosoftware/eventprotocol/transport/memory"
	"github.com/elmosoftware/eventprotocol/transport/snssqs"
	"github.com/elmosoftware/eventprotocol/transport/snssqs/snssqstest"
	"github.com/elmosoftware/eventprotocol/transport/topology"
	"github.com/elmosoftware/eventprotocol/transport/transporttest"
)

const typeSignedUp = "elmo.identity.client.signed_up.v1"

var topo = &topology.Topology{Env: "dev", Domains: []topology.Domain{{Name: "identity"}},
	Services: []topology.Service{{Name: "billing", Consumes: []string{typeSignedUp}}}}

// rig is billing's queue on GoAws, a push consumer of it behind the
// handler, and a mapping that feeds the handler in process.
type rig struct {
	bus     *transport.Bus
	handler *awslambda.Handler
	mapping *awslambdatest.Mapping
	mu      sync.Mutex
	handled []string
}

func newRig(t *testing.T, cfg *awslambda.Config, h func(*transport.Delivery) error) *rig {
	return newRigWith(t, cfg, nil, h)
}

// newRigWith is newRig with the consumer's hooks.
func newRigWith(t *testing.T, cfg *awslambda.Config, hooks *transport.ConsumerHooks, h func(*transport.Delivery) error) *rig {
	return newRigOn(t, topo, nil, "billing", typeSignedUp, cfg, &transport.ConsumerConfig{Hooks: hooks}, h)
}

// newRigOn is newRig on any topology: service's queue, its handler of
// eventType, with the bus's catalogue cat (none when nil), and the
// consumer's configuration ccfg (in push mode).
func newRigOn(t *testing.T, topo *topology.Topology, cat transport.PayloadValidator, service, eventType string, cfg *awslambda.Config, ccfg *transport.ConsumerConfig, h func(*transport.Delivery) error) *rig {
	t.Helper()
	ctx := context.Background()
	srv := snssqstest.StartForTest(t)
	d, err := srv.Driver(ctx, nil)
	require.NoError(t, err)
	bus, err := transport.Open(ctx, d, topo, &transport.OpenConfig{Provision: true, Catalog: cat})
	require.NoError(t, err)
	r := &rig{bus: bus}
	c := transport.ConsumerConfig{}
	if ccfg != nil {
		c = *ccfg
	}
	c.Push = true
	cons, err := bus.Consumer(ctx, service, &c)
	require.NoError(t, err)
	require.NoError(t, cons.HandleFunc(eventType, func(_ context.Context, dl *transport.Delivery) error {
		if err := h(dl); err != nil {
			return err
		}
		r.mu.Lock()
		defer r.mu.Unlock()
		r.handled = append(r.handled, dl.Envelope.ID)
		return nil
	}))
	require.NoError(t, cons.Start(ctx))
	t.Cleanup(func() { _ = cons.Shutdown(context.Background()) })
	r.handler, err = awslambda.New(cons, cfg)
	require.NoError(t, err)
	_, sqsC, err := snssqs.Connect(ctx, &snssqs.ConnectConfig{Region: snssqstest.Region, Endpoint: srv.Endpoint, LocalServer: true})
	require.NoError(t, err)
	name, err := naming.AWSNames{Env: topo.Env}.Queue(service, false)
	require.NoError(t, err)
	q, err := sqsC.GetQueueUrl(ctx, &sqs.GetQueueUrlInput{QueueName: aws.String(name)})
	require.NoError(t, err)
	r.mapping = &awslambdatest.Mapping{SQS: sqsC, QueueURL: aws.ToString(q.QueueUrl), QueueARN: "arn:aws:sqs:us-east-1:000000000000:" + name, Invoke: r.handler.SQS}
	return r
}

func (r *rig) publish(t *testing.T, n int) []string {
	t.Helper()
	var ids []string
	for i := range n {
		e, err := (&envelope.Producer{Source: "urn:elmo:service:signup"}).New(typeSignedUp,
			[]byte(fmt.Sprintf(`{"client":"ern:elmo:identity:acme:client/c-%d","companyName":"Acme","plan":"STANDARD","contactEmail":"ops@acme.example"}`, i)))
		require.NoError(t, err)
		e.Subject, e.TenantID = fmt.Sprintf("ern:elmo:identity:acme:client/c-%d", i), "acme"
		require.NoError(t, r.bus.Publisher().Publish(context.Background(), &e))
		ids = append(ids, e.ID)
	}
	return ids
}

// pollUntil polls the mapping until n messages were handled, and returns
// how many records it passed and how many the handler reported failed.
func (r *rig) pollUntil(t *testing.T, n int) (records, failed int) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	for {
		r.mu.Lock()
		done := len(r.handled)
		r.mu.Unlock()
		if done == n {
			return records, failed
		}
		got, f, err := r.mapping.Poll(ctx)
		require.NoError(t, err)
		records, failed = records+got, failed+f
	}
}

// TestHandlerReportsFailures: the handler returns the failed records only;
// the mapping deletes the rest, and the failed one comes back.
func TestHandlerReportsFailures(t *testing.T) {
	var once sync.Once
	r := newRig(t, nil, func(d *transport.Delivery) error {
		var err error
		if d.Envelope.Subject == "ern:elmo:identity:acme:client/c-1" {
			once.Do(func() { err = errors.New("a passing outage") })
		}
		return err
	})
	ids := r.publish(t, 3)
	records, failed := r.pollUntil(t, len(ids))
	assert.ElementsMatch(t, ids, r.handled)
	assert.Equal(t, 1, failed)
	assert.Equal(t, 4, records)
}

// TestHandlerDeadline: with less time left than the reserve, nothing
// starts and every record is reported, to come back.
func TestHandlerDeadline(t *testing.T) {
	var calls atomic.Int32
	r := newRig(t, &awslambda.Config{Reserve: time.Hour}, func(*transport.Delivery) error { calls.Add(1); return nil })
	r.publish(t, 2)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	got := 0
	for got < 2 {
		n, f, err := r.mapping.Poll(ctx)
		require.NoError(t, err)
		assert.Equal(t, n, f, "every record reported")
		got += n
	}
	assert.Zero(t, calls.Load(), "no handler started")
}

// TestNewRefuses: a consumer that cannot be fed by a mapping, and an
// invalid reserve.
func TestNewRefuses(t *testing.T) {
	_, err := awslambda.New(nil, nil)
	assert.ErrorIs(t, err, config.ErrInvalid)
	b, err := memory.New(nil)
	require.NoError(t, err)
	require.NoError(t, b.CreateSubscription(memory.SubscriptionConfig{Name: "billing", Topics: []string{"identity"}}))
	recv, err := b.Receiver("billing")
	require.NoError(t, err)
	cons, err := transport.NewConsumer(recv, &transport.ConsumerConfig{Push: true})
	require.NoError(t, err)
	_, err = awslambda.New(cons, nil)
	assert.ErrorIs(t, err, config.ErrInvalid)
	assert.ErrorContains(t, err, "must receive from SQS")
}

// TestHandlerNotStarted: a consumer that is not started fails the whole
// batch, which comes back whole.
func TestHandlerNotStarted(t *testing.T) {
	ctx := context.Background()
	srv := snssqstest.StartForTest(t)
	d, err := srv.Driver(ctx, nil)
	require.NoError(t, err)
	bus, err := transport.Open(ctx, d, topo, &transport.OpenConfig{Provision: true})
	require.NoError(t, err)
	cons, err := bus.Consumer(ctx, "billing", &transport.ConsumerConfig{Push: true})
	require.NoError(t, err)
	h, err := awslambda.New(cons, &awslambda.Config{Reserve: time.Second})
	require.NoError(t, err)
	_, err = h.SQS(ctx, events.SQSEvent{Records: []events.SQSMessage{{MessageId: "m-1", ReceiptHandle: "r-1", Body: "{}"}}})
	assert.ErrorIs(t, err, transport.ErrNotPush)
	_, err = awslambda.New(cons, &awslambda.Config{Reserve: -time.Second})
	assert.ErrorIs(t, err, config.ErrInvalid)
}

// TestCommandsOnLambda: a command reaches its owner's function as an event
// does, and a failed one comes back.
func TestCommandsOnLambda(t *testing.T) {
	payroll := &topology.Topology{Env: "dev", Domains: []topology.Domain{{Name: "payroll"}},
		Services: []topology.Service{{Name: "payslips", Accepts: []string{transporttest.TypeGenerate}}}}
	var once sync.Once
	r := newRigOn(t, payroll, transporttest.RequestCatalog(t), "payslips", transporttest.TypeGenerate, nil, nil, func(d *transport.Delivery) error {
		var err error
		once.Do(func() { err = errors.New("a passing outage") })
		return err
	})
	var ids []string
	for i := range 2 {
		subject := fmt.Sprintf("ern:elmo:hr:acme:employee/e-%d", i)
		e, err := (&envelope.Producer{Source: "urn:elmo:service:hr"}).New(transporttest.TypeGenerate, []byte(fmt.Sprintf(`{"employee":%q}`, subject)))
		require.NoError(t, err)
		e.Subject, e.TenantID = subject, "acme"
		require.NoError(t, r.bus.Publisher().Publish(context.Background(), &e))
		ids = append(ids, e.ID)
	}
	records, failed := r.pollUntil(t, len(ids))
	assert.ElementsMatch(t, ids, r.handled)
	assert.Equal(t, 1, failed)
	assert.Equal(t, 3, records)
}

// TestUpcastOnLambda: the function's handler for v2 receives the v1
// events upcast, as a consumer's does.
func TestUpcastOnLambda(t *testing.T) {
	const v1, v2 = "elmo.hr.employee.hired.v1", "elmo.hr.employee.hired.v2"
	hr := &topology.Topology{Env: "dev", Domains: []topology.Domain{{Name: "hr"}},
		Services: []topology.Service{{Name: "payroll", Consumes: []string{v1, v2}}}}
	from, err := naming.ParseType(v1)
	require.NoError(t, err)
	to, err := naming.ParseType(v2)
	require.NoError(t, err)
	ups, err := envelope.NewUpcasters(envelope.Upcast{From: from, To: to, Convert: func(d []byte) ([]byte, error) { return d, nil }})
	require.NoError(t, err)
	var mu sync.Mutex
	var from1 []string
	r := newRigOn(t, hr, nil, "payroll", v2, nil, &transport.ConsumerConfig{Upcasters: ups}, func(d *transport.Delivery) error {
		mu.Lock()
		defer mu.Unlock()
		from1 = append(from1, d.UpcastFrom)
		return nil
	})
	e, err := (&envelope.Producer{Source: "urn:elmo:service:hr"}).New(v1, []byte(`{}`))
	require.NoError(t, err)
	e.Subject, e.TenantID = "ern:elmo:hr:acme:employee/e-1", "acme"
	require.NoError(t, r.bus.Publisher().Publish(context.Background(), &e))
	records, failed := r.pollUntil(t, 1)
	assert.Equal(t, []int{1, 0}, []int{records, failed})
	assert.Equal(t, []string{v1}, from1)
}
