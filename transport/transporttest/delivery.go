package transporttest

import (
	"context"
	"encoding/json"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/elmosoftware/eventprotocol/config"
	"github.com/elmosoftware/eventprotocol/envelope"
	"github.com/elmosoftware/eventprotocol/transport"
	"github.com/elmosoftware/eventprotocol/transport/driver"
)

func (s *suite) testRoundTrip(t *testing.T) {
	f := s.open(t, Subscription{Name: "a"})
	e := newEvent(t, typeCreated, 1)
	e.CausationID = "019a6b20-0000-7000-8000-0000000000aa"
	e.EffectiveTime = time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
	e.TraceParent = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"
	e.TraceState = "elmo=p1"
	e.PartitionKey = "item-1"
	e.Sequence = "0000000001"
	e.AuthType = "user"
	e.AuthID = "ern:elmo:identity:acme:user/u-1"
	e.DataClassification = envelope.ClassificationConfidential
	e.DataSchema = "https://schemas.elmo.example/elmo.conformance.item.created/1.0"
	e.Extensions = map[string]any{"region": "apac", "retries": int32(2), "replay": true}
	got := make(chan *transport.Delivery, 1)
	f.consumer(t, "a", transport.ConsumerConfig{}, func(ctx context.Context, d *transport.Delivery) error {
		got <- d
		return nil
	})
	f.publish(t, e)
	d := receive(t, s, got, "the delivery")
	want, err := e.MarshalJSON()
	require.NoError(t, err)
	have, err := d.Envelope.MarshalJSON()
	require.NoError(t, err)
	assert.JSONEq(t, string(want), string(have))
	assert.Equal(t, string(want), string(have), "attribute order and encoding survive the trip")
	assert.Equal(t, e.Type, d.Attributes[driver.AttrType])
	assert.Equal(t, e.Source, d.Attributes[driver.AttrSource])
	assert.Equal(t, "acme", d.Attributes[driver.AttrTenantID])
	assert.GreaterOrEqual(t, d.ReceiveCount, 1)
}

func (s *suite) testFanOut(t *testing.T) {
	f := s.open(t, Subscription{Name: "billing"}, Subscription{Name: "email"}, Subscription{Name: "provisioning"})
	got := make(chan string, 10)
	for _, name := range []string{"billing", "email", "provisioning"} {
		f.consumer(t, name, transport.ConsumerConfig{}, func(ctx context.Context, d *transport.Delivery) error {
			got <- name + "/" + d.Envelope.ID
			return nil
		})
	}
	e := newEvent(t, typeCreated, 1)
	f.publish(t, e)
	var seen []string
	for range 3 {
		seen = append(seen, receive(t, s, got, "a fan-out delivery"))
	}
	assert.ElementsMatch(t, []string{"billing/" + e.ID, "email/" + e.ID, "provisioning/" + e.ID}, seen)
}

func (s *suite) testFilter(t *testing.T) {
	f := s.open(t, Subscription{Name: "deletions", Types: []string{typeDeleted}}, Subscription{Name: "all"})
	deletions, all := make(chan string, 10), make(chan string, 10)
	f.consumer(t, "deletions", transport.ConsumerConfig{}, func(ctx context.Context, d *transport.Delivery) error {
		deletions <- d.Envelope.Type
		return nil
	})
	f.consumer(t, "all", transport.ConsumerConfig{}, func(ctx context.Context, d *transport.Delivery) error {
		all <- d.Envelope.Type
		return nil
	})
	f.publish(t, newEvent(t, typeCreated, 1), newEvent(t, typeDeleted, 2))
	assert.Equal(t, typeDeleted, receive(t, s, deletions, "the deletion"))
	assert.ElementsMatch(t, []string{typeCreated, typeDeleted}, []string{receive(t, s, all, "an event"), receive(t, s, all, "an event")})
	quiet(t, deletions, s.ticks(5), "delivery of a filtered-out type")
}

func (s *suite) testAckRemoves(t *testing.T) {
	f := s.open(t, Subscription{Name: "a", VisibilityTimeout: s.ticks(3)})
	got := make(chan string, 10)
	c := f.consumer(t, "a", transport.ConsumerConfig{AckDelay: time.Millisecond}, func(ctx context.Context, d *transport.Delivery) error {
		got <- d.Envelope.ID
		return nil
	})
	e := newEvent(t, typeCreated, 1)
	f.publish(t, e)
	assert.Equal(t, e.ID, receive(t, s, got, "the delivery"))
	ctx, cancel := context.WithTimeout(context.Background(), s.wait())
	defer cancel()
	require.NoError(t, c.Shutdown(ctx)) // flushes the acknowledgement
	// Until long after the visibility timeout, the queue stays empty.
	assert.Empty(t, f.drain(t, "a", s.ticks(8)), "an acknowledged message was delivered again")
}

// drain receives from a subscription for d and returns what arrived.
func (f *fixture) drain(t *testing.T, sub string, d time.Duration) []*driver.Message {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), d)
	defer cancel()
	var got []*driver.Message
	r := f.env.Receiver(sub)
	for ctx.Err() == nil {
		msgs, err := r.Receive(ctx, 10)
		if err != nil && ctx.Err() == nil {
			t.Fatalf("receive: %v", err)
		}
		got = append(got, msgs...)
	}
	return got
}

type attempt struct {
	at    time.Time
	count int
}

func (s *suite) testRedelivery(t *testing.T) {
	f := s.open(t, Subscription{Name: "a"})
	attempts := make(chan attempt, 10)
	var mu sync.Mutex
	calls := 0
	clock := clockOf(f.env)
	if clock == nil {
		clock = config.SystemClock{}
	}
	f.consumer(t, "a", transport.ConsumerConfig{}, func(ctx context.Context, d *transport.Delivery) error {
		attempts <- attempt{clock.Now(), d.ReceiveCount} // the transport's time
		mu.Lock()
		defer mu.Unlock()
		if calls++; calls == 1 {
			return errors.New("provider down")
		}
		return nil
	})
	f.publish(t, newEvent(t, typeCreated, 1))
	first := receive(t, s, attempts, "the first delivery")
	second := receive(t, s, attempts, "the redelivery")
	backoff := s.ticks(2) // the fixture's Backoff.Initial, without jitter
	assert.GreaterOrEqual(t, second.at.Sub(first.at), backoff-s.caps.Tick/2, "redelivered before its backoff")
	if s.caps.ExactReceiveCount {
		assert.Equal(t, first.count+1, second.count)
	}
}

func (s *suite) testDeadLetterAfterFailures(t *testing.T) {
	const maxAttempts = 3
	f := s.open(t, Subscription{Name: "a", MaxReceiveCount: maxAttempts + 2})
	var mu sync.Mutex
	calls := 0
	f.consumer(t, "a", transport.ConsumerConfig{MaxAttempts: maxAttempts, Backoff: &transport.Backoff{Initial: s.caps.Tick, Max: s.caps.Tick}},
		func(ctx context.Context, d *transport.Delivery) error {
			mu.Lock()
			calls++
			mu.Unlock()
			return errors.New("always fails")
		})
	e := newEvent(t, typeCreated, 1)
	f.publish(t, e)
	dl := f.deadLetters(t, "a", 1)
	require.Len(t, dl, 1)
	got, err := envelope.Decode(dl[0].Body)
	require.NoError(t, err)
	assert.Equal(t, e.ID, got.ID)
	mu.Lock()
	defer mu.Unlock()
	if s.caps.ExactReceiveCount {
		assert.Equal(t, maxAttempts, calls)
		assert.Contains(t, dl[0].Attributes[driver.AttrDeadLetterReason], "always fails")
		assert.Contains(t, dl[0].Attributes[driver.AttrDeadLetterReason], "MaxAttempts")
	} else {
		assert.GreaterOrEqual(t, calls, 2, "dead-lettered without being retried")
	}
}

func (s *suite) testVisibilityExtended(t *testing.T) {
	f := s.open(t, Subscription{Name: "a", VisibilityTimeout: s.ticks(3)})
	started, done := make(chan int, 10), make(chan struct{})
	// Without deduplication, a redelivery would reach the handler.
	f.consumer(t, "a", transport.ConsumerConfig{Idempotency: transport.NoIdempotency{}}, func(ctx context.Context, d *transport.Delivery) error {
		started <- d.ReceiveCount
		<-done
		return nil
	})
	f.publish(t, newEvent(t, typeCreated, 1))
	receive(t, s, started, "the delivery")
	quiet(t, started, s.ticks(10), "redelivery of a message whose handler is still running")
	close(done)
}

func (s *suite) testConcurrentConsumers(t *testing.T) {
	const n = 120
	f := s.open(t, Subscription{Name: "a"})
	var mu sync.Mutex
	seen := map[string]int{}
	all := make(chan struct{})
	h := func(ctx context.Context, d *transport.Delivery) error {
		mu.Lock()
		defer mu.Unlock()
		seen[d.Envelope.ID]++
		if len(seen) == n {
			close(all)
		}
		return nil
	}
	f.consumer(t, "a", transport.ConsumerConfig{Concurrency: 4}, h)
	f.consumer(t, "a", transport.ConsumerConfig{Concurrency: 4}, h)
	var events []*envelope.Envelope
	for i := range n {
		events = append(events, newEvent(t, typeCreated, i))
	}
	f.publish(t, events...)
	receive(t, s, all, "every event")
	mu.Lock()
	defer mu.Unlock()
	for _, e := range events {
		assert.Equal(t, 1, seen[e.ID], "event %s", e.ID)
	}
}

func (s *suite) testPartitionOrder(t *testing.T) {
	if !s.caps.FIFO {
		t.Log("the transport does not claim FIFO ordering; checking that each partition's events all arrive")
	}
	const perKey = 15
	keys := []string{"emp-1", "emp-2", "emp-3"}
	f := s.open(t, Subscription{Name: "a", FIFO: s.caps.FIFO})
	var mu sync.Mutex
	order := map[string][]int{}
	total := 0
	all := make(chan struct{})
	f.consumer(t, "a", transport.ConsumerConfig{Concurrency: 4}, func(ctx context.Context, d *transport.Delivery) error {
		var p struct{ N int }
		if err := json.Unmarshal(d.Envelope.Data, &p); err != nil {
			return err
		}
		mu.Lock()
		defer mu.Unlock()
		order[d.Envelope.PartitionKey] = append(order[d.Envelope.PartitionKey], p.N)
		if total++; total == perKey*len(keys) {
			close(all)
		}
		return nil
	})
	var events []*envelope.Envelope
	for i := range perKey {
		for _, k := range keys {
			e := newEvent(t, typeCreated, i)
			e.PartitionKey = k
			events = append(events, e)
		}
	}
	f.publish(t, events...)
	receive(t, s, all, "every event")
	mu.Lock()
	defer mu.Unlock()
	for _, k := range keys {
		require.Len(t, order[k], perKey, k)
		if s.caps.FIFO {
			for i, n := range order[k] {
				assert.Equal(t, i, n, "partition %s out of order: %v", k, order[k])
			}
		}
	}
}
