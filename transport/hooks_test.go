package transport_test

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/elmosoftware/eventprotocol/envelope"
	"github.com/elmosoftware/eventprotocol/transport"
	"github.com/elmosoftware/eventprotocol/transport/driver"
	"github.com/elmosoftware/eventprotocol/transport/memory"
)

// hookLog records what the hooks saw.
type hookLog struct {
	mu        sync.Mutex
	handling  []string                          // event ids
	settled   map[string][]transport.Settlement // by event id
	refused   []error
	received  int
	published []error
	settledCh chan transport.Settlement
}

func newHookLog() *hookLog {
	return &hookLog{settled: map[string][]transport.Settlement{}, settledCh: make(chan transport.Settlement, 32)}
}

type hookKey struct{}

func (l *hookLog) consumer() *transport.ConsumerHooks {
	return &transport.ConsumerHooks{
		Received: func(_ context.Context, msgs []*driver.Message, err error) {
			l.mu.Lock()
			defer l.mu.Unlock()
			if err == nil {
				l.received += len(msgs)
			}
		},
		Handling: func(ctx context.Context, d *transport.Delivery) context.Context {
			l.mu.Lock()
			defer l.mu.Unlock()
			l.handling = append(l.handling, d.Envelope.ID)
			return context.WithValue(ctx, hookKey{}, d.Envelope.ID)
		},
		Settled: func(ctx context.Context, d *transport.Delivery, s transport.Settlement) {
			l.mu.Lock()
			if ctx.Value(hookKey{}) != d.Envelope.ID {
				panic("Settled did not get Handling's context")
			}
			l.settled[d.Envelope.ID] = append(l.settled[d.Envelope.ID], s)
			l.mu.Unlock()
			l.settledCh <- s
		},
		Refused: func(_ context.Context, _ *driver.Message, e *envelope.Envelope, reason error) {
			l.mu.Lock()
			defer l.mu.Unlock()
			l.refused = append(l.refused, reason)
		},
	}
}

// TestConsumerHooks: every outcome reaches the hooks, with the handler's
// context and error.
func TestConsumerHooks(t *testing.T) {
	r := newRig(t, memory.SubscriptionConfig{})
	l := newHookLog()
	ok, flaky, bad := signedUp(t, 1), signedUp(t, 2), signedUp(t, 3)
	var mu sync.Mutex
	tries := 0
	r.start(t, transport.ConsumerConfig{Hooks: l.consumer(), MaxAttempts: 3}, func(ctx context.Context, d *transport.Delivery) error {
		require.Equal(t, d.Envelope.ID, ctx.Value(hookKey{}), "the handler runs in Handling's context")
		switch d.Envelope.ID {
		case flaky.ID:
			mu.Lock()
			defer mu.Unlock()
			if tries++; tries == 1 {
				return errors.New("down")
			}
		case bad.ID:
			return transport.Permanent(errors.New("never"))
		}
		return nil
	})
	require.NoError(t, r.pub.Publish(context.Background(), ok, flaky, bad))
	require.NoError(t, r.pub.Publish(context.Background(), ok)) // a duplicate
	require.NoError(t, r.broker.Sender().Send(context.Background(), "identity", []*driver.Message{{Body: []byte(`{"not":"an event"}`), DedupID: "x"}}))
	for range 5 {
		within(t, l.settledCh, "a settlement")
	}
	require.Eventually(t, func() bool {
		l.mu.Lock()
		defer l.mu.Unlock()
		return len(l.refused) == 1
	}, 5*time.Second, time.Millisecond)

	l.mu.Lock()
	defer l.mu.Unlock()
	outcomes := func(id string) []transport.Outcome {
		var out []transport.Outcome
		for _, s := range l.settled[id] {
			out = append(out, s.Outcome)
		}
		return out
	}
	assert.ElementsMatch(t, []transport.Outcome{transport.Handled, transport.Duplicate}, outcomes(ok.ID))
	assert.Equal(t, []transport.Outcome{transport.Retried, transport.Handled}, outcomes(flaky.ID))
	assert.Equal(t, 1, l.settled[flaky.ID][0].Failures)
	assert.Positive(t, l.settled[flaky.ID][0].Delay)
	assert.EqualError(t, l.settled[flaky.ID][0].Err, "down")
	assert.Equal(t, []transport.Outcome{transport.DeadLettered}, outcomes(bad.ID))
	assert.ErrorIs(t, l.settled[bad.ID][0].Err, transport.ErrPermanent)
	assert.ErrorIs(t, l.refused[0], transport.ErrUndecodable)
	assert.Equal(t, 6, l.received, "five deliveries and the refused message")
	assert.Equal(t, "dead_lettered", transport.DeadLettered.String())
}

// TestPublishHooks: the trace context Publishing sets goes into the events
// that carry none, and Published sees the outcome.
func TestPublishHooks(t *testing.T) {
	s := &captureSender{}
	l := newHookLog()
	const traceparent = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"
	p, err := transport.NewPublisher(s, &transport.PublisherConfig{Hooks: &transport.PublishHooks{
		Publishing: func(ctx context.Context, events []*envelope.Envelope) context.Context {
			return transport.WithTraceContext(ctx, traceparent, "")
		},
		Published: func(_ context.Context, _ []*envelope.Envelope, err error) {
			l.mu.Lock()
			defer l.mu.Unlock()
			l.published = append(l.published, err)
		},
	}})
	require.NoError(t, err)
	require.NoError(t, p.Publish(context.Background(), signedUp(t, 1)))
	bad := signedUp(t, 2)
	bad.Time = time.Time{}
	require.Error(t, p.Publish(context.Background(), bad))
	require.Len(t, l.published, 2)
	assert.NoError(t, l.published[0])
	var perr *transport.PublishError
	assert.ErrorAs(t, l.published[1], &perr)
	require.Len(t, s.bodies, 1)
	e, err := envelope.Decode(s.bodies[0])
	require.NoError(t, err)
	assert.Equal(t, traceparent, e.TraceParent)
}

// captureSender keeps the bodies it is sent.
type captureSender struct {
	mu     sync.Mutex
	bodies [][]byte
}

func (c *captureSender) Limits() driver.Limits  { return driver.Limits{} }
func (c *captureSender) IsRetryable(error) bool { return false }
func (c *captureSender) Send(_ context.Context, _ string, msgs []*driver.Message) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, m := range msgs {
		c.bodies = append(c.bodies, m.Body)
	}
	return nil
}
