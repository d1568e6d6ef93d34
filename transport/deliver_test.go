package transport_test

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/elmosoftware/eventprotocol/transport"
	"github.com/elmosoftware/eventprotocol/transport/driver"
	"github.com/elmosoftware/eventprotocol/transport/memory"
)

// pushRig is a memory subscription read by hand, as an AWS Lambda event
// source mapping reads its queue, and a push consumer of it.
type pushRig struct {
	*rig
	recv driver.Receiver
	cons *transport.Consumer
}

func newPushRig(t *testing.T, sub memory.SubscriptionConfig, cfg transport.ConsumerConfig, h transport.HandlerFunc) *pushRig {
	t.Helper()
	r := newRig(t, sub)
	recv, err := r.broker.Receiver("email")
	require.NoError(t, err)
	cfg.Push, cfg.Name = true, "email"
	if cfg.Backoff == nil {
		cfg.Backoff = &transport.Backoff{Initial: time.Hour, Max: time.Hour}
	}
	cons, err := transport.NewConsumer(recv, &cfg)
	require.NoError(t, err)
	require.NoError(t, cons.HandleFunc(typeSignedUp, h))
	require.NoError(t, cons.Start(context.Background()))
	t.Cleanup(func() { _ = cons.Shutdown(context.Background()) })
	return &pushRig{rig: r, recv: recv, cons: cons}
}

// batch publishes raw bodies (or events) and receives them as one batch.
func (p *pushRig) batch(t *testing.T, n int) []*driver.Message {
	t.Helper()
	var msgs []*driver.Message
	require.Eventually(t, func() bool {
		got, err := p.recv.Receive(context.Background(), 10)
		require.NoError(t, err)
		msgs = append(msgs, got...)
		return len(msgs) >= n
	}, 5*time.Second, time.Millisecond)
	return msgs
}

// TestDeliverOutcomes: a delivered batch goes through the whole pipeline,
// and each message's fate comes back in order.
func TestDeliverOutcomes(t *testing.T) {
	p := newPushRig(t, memory.SubscriptionConfig{}, transport.ConsumerConfig{}, func(_ context.Context, d *transport.Delivery) error {
		switch {
		case strings.HasSuffix(d.Envelope.Subject, "c-2"):
			return errors.New("the mail server is down")
		case strings.HasSuffix(d.Envelope.Subject, "c-3"):
			return transport.Permanent(errors.New("no such client at /client"))
		}
		return nil
	})
	ctx := context.Background()
	first := signedUp(t, 1)
	require.NoError(t, p.pub.Publish(ctx, first, signedUp(t, 2), signedUp(t, 3), first))
	require.NoError(t, p.broker.Sender().Send(ctx, "identity", []*driver.Message{{Body: []byte(`{"not":"an event"}`)}}))
	msgs := p.batch(t, 5)

	out, err := p.cons.Deliver(ctx, msgs)
	require.NoError(t, err)
	want := map[string][]transport.Outcome{ // by the body's client
		"c-1": {transport.Handled, transport.Duplicate}, "c-2": {transport.Retried},
		"c-3": {transport.DeadLettered}, "": {transport.DeadLettered},
	}
	got := map[string][]transport.Outcome{}
	for i, m := range msgs {
		client := ""
		if _, rest, ok := strings.Cut(string(m.Body), "client/"); ok {
			client, _, _ = strings.Cut(rest, `"`)
		}
		got[client] = append(got[client], out[i])
	}
	for _, o := range got {
		slices.Sort(o) // the copies of c-1 run at once: either is the duplicate
	}
	assert.Equal(t, want, got)
	dead := p.deadLetters(t, "email", 2)
	var reasons []string
	for _, m := range dead {
		reasons = append(reasons, m.Attributes[driver.AttrDeadLetterReason])
	}
	assert.Len(t, reasons, 2)
	assert.Contains(t, strings.Join(reasons, "\n"), "no such client at /client")
	assert.Contains(t, strings.Join(reasons, "\n"), "not a valid event")
}

// TestDeliverGroups: in a message group, a message left for a retry
// releases the group's later messages of the batch, so order holds.
func TestDeliverGroups(t *testing.T) {
	p := newPushRig(t, memory.SubscriptionConfig{FIFO: true}, transport.ConsumerConfig{}, func(_ context.Context, d *transport.Delivery) error {
		if strings.HasSuffix(d.Envelope.Subject, "c-2") {
			return errors.New("not yet")
		}
		return nil
	})
	ctx := context.Background()
	for i := 1; i <= 3; i++ {
		e := signedUp(t, i)
		e.PartitionKey = "acme"
		require.NoError(t, p.pub.Publish(ctx, e))
	}
	msgs := p.batch(t, 3)
	out, err := p.cons.Deliver(ctx, msgs)
	require.NoError(t, err)
	assert.Equal(t, []transport.Outcome{transport.Handled, transport.Retried, transport.Released}, out)
}

// TestDeliverDeadline: once the context is done, nothing starts: the
// messages are released, not cut off.
func TestDeliverDeadline(t *testing.T) {
	calls := &counter{}
	p := newPushRig(t, memory.SubscriptionConfig{}, transport.ConsumerConfig{}, func(context.Context, *transport.Delivery) error {
		calls.inc()
		return nil
	})
	require.NoError(t, p.pub.Publish(context.Background(), signedUp(t, 1), signedUp(t, 2)))
	msgs := p.batch(t, 2)
	done, cancel := context.WithCancel(context.Background())
	cancel()
	out, err := p.cons.Deliver(done, msgs)
	require.NoError(t, err)
	assert.Equal(t, []transport.Outcome{transport.Released, transport.Released}, out)
	assert.Zero(t, calls.get())
	again := p.batch(t, 2)
	assert.Len(t, again, 2, "released messages come back at once")
}

// TestDeliverRefused: only a started push consumer takes deliveries.
func TestDeliverRefused(t *testing.T) {
	r := newRig(t, memory.SubscriptionConfig{})
	polling := r.start(t, transport.ConsumerConfig{}, func(context.Context, *transport.Delivery) error { return nil })
	_, err := polling.Deliver(context.Background(), nil)
	assert.ErrorIs(t, err, transport.ErrNotPush)

	recv, err := r.broker.Receiver("email")
	require.NoError(t, err)
	push, err := transport.NewConsumer(recv, &transport.ConsumerConfig{Push: true})
	require.NoError(t, err)
	_, err = push.Deliver(context.Background(), nil)
	assert.ErrorIs(t, err, transport.ErrNotPush, "not started")
	assert.Equal(t, recv, push.Receiver())
}
