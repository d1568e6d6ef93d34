package outbox_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/elmosoftware/eventprotocol/config"
	"github.com/elmosoftware/eventprotocol/envelope"
	"github.com/elmosoftware/eventprotocol/eventstore"
	esmemory "github.com/elmosoftware/eventprotocol/eventstore/memory"
	"github.com/elmosoftware/eventprotocol/eventstore/storetest"
	"github.com/elmosoftware/eventprotocol/outbox"
	"github.com/elmosoftware/eventprotocol/transport"
	"github.com/elmosoftware/eventprotocol/transport/driver"
	"github.com/elmosoftware/eventprotocol/transport/memory"
)

const eventType = "elmo.leave.balance.adjusted.v1"

// flaky is a sender that fails as told: fail returns the error of one
// message, after delivering it when deliver says so (a lost reply).
type flaky struct {
	driver.Sender
	mu   sync.Mutex
	fail func(m *driver.Message) (err error, deliver bool)
	sent []*driver.Message // what went out, in order, copies included
}

func (f *flaky) Send(ctx context.Context, topic string, msgs []*driver.Message) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	var failures []driver.BatchFailure
	var pass []*driver.Message
	for i, m := range msgs {
		var err error
		deliver := true
		if f.fail != nil {
			err, deliver = f.fail(m)
		}
		if err == nil || deliver {
			pass = append(pass, m)
		}
		if err != nil {
			failures = append(failures, driver.BatchFailure{Index: i, Err: err})
		}
	}
	if len(pass) > 0 {
		if err := f.Sender.Send(ctx, topic, pass); err != nil {
			return err
		}
		f.sent = append(f.sent, pass...)
	}
	if len(failures) > 0 {
		return &driver.BatchError{Failed: failures}
	}
	return nil
}

func (f *flaky) setFail(fail func(m *driver.Message) (error, bool)) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.fail = fail
}

// sink records every delivery, duplicates included, in arrival order.
type sink struct {
	mu       sync.Mutex
	arrivals []*envelope.Envelope
	changed  chan struct{}
}

func (s *sink) distinct() map[string]int {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := map[string]int{}
	for _, e := range s.arrivals {
		out[e.ID]++
	}
	return out
}

// waitFor waits until n distinct events arrived.
func (s *sink) waitFor(t *testing.T, n int) map[string]int {
	t.Helper()
	deadline := time.After(20 * time.Second)
	for {
		d := s.distinct()
		if len(d) >= n {
			return d
		}
		select {
		case <-s.changed:
		case <-deadline:
			t.Fatalf("%d distinct events arrived, want %d", len(d), n)
		}
	}
}

type rig struct {
	backend eventstore.Backend
	store   *eventstore.Store
	sender  *flaky
	pub     *transport.Publisher
	sink    *sink
}

func newRig(t *testing.T) *rig {
	broker, err := memory.New(nil)
	require.NoError(t, err)
	require.NoError(t, broker.CreateSubscription(memory.SubscriptionConfig{Name: "sink", Topics: []string{"leave"}}))
	r := &rig{backend: esmemory.New(), sender: &flaky{Sender: broker.Sender()}, sink: &sink{changed: make(chan struct{}, 1)}}
	r.store, err = eventstore.New(r.backend, &eventstore.Config{PollInterval: 20 * time.Millisecond})
	require.NoError(t, err)
	r.pub, err = transport.NewPublisher(r.sender, &transport.PublisherConfig{MaxAttempts: 1})
	require.NoError(t, err)
	recv, err := broker.Receiver("sink")
	require.NoError(t, err)
	c, err := transport.NewConsumer(recv, &transport.ConsumerConfig{Idempotency: transport.NoIdempotency{}})
	require.NoError(t, err)
	require.NoError(t, c.HandleFunc(eventType, func(_ context.Context, d *transport.Delivery) error {
		r.sink.mu.Lock()
		r.sink.arrivals = append(r.sink.arrivals, d.Envelope)
		r.sink.mu.Unlock()
		select {
		case r.sink.changed <- struct{}{}:
		default:
		}
		return nil
	}))
	require.NoError(t, c.Start(context.Background()))
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = c.Shutdown(ctx)
	})
	return r
}

// appendEvents appends n events spread over keys partition keys, each
// its own stream, and returns them in append order.
func (r *rig) appendEvents(t *testing.T, n, keys int) []*envelope.Envelope {
	out := make([]*envelope.Envelope, n)
	for i := range out {
		subject := fmt.Sprintf("ern:elmo:hr:acme:employee/e-%d", i%keys)
		e := storetest.Event(t, subject, time.Time{}, 40)
		e.Type, e.PartitionKey = eventType, subject
		_, err := r.store.Append(context.Background(), eventstore.Stream{Name: subject}, eventstore.Any, e)
		require.NoError(t, err)
		out[i] = e
	}
	return out
}

// run starts a relay until the test ends or stop is called.
func (r *rig) run(t *testing.T, relay *outbox.Relay) (stop func() error) {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- relay.Run(ctx) }()
	var once sync.Once
	var err error
	stop = func() error {
		once.Do(func() { cancel(); err = <-done })
		return err
	}
	t.Cleanup(func() { _ = stop() })
	return stop
}

func newRelay(t *testing.T, r *rig, cfg *outbox.Config) *outbox.Relay {
	if cfg == nil {
		cfg = &outbox.Config{}
	}
	if cfg.Backoff == nil {
		cfg.Backoff = &transport.Backoff{Initial: 5 * time.Millisecond, Max: 20 * time.Millisecond}
	}
	relay, err := outbox.New(r.store, r.pub, cfg)
	require.NoError(t, err)
	return relay
}

// assertOrder checks that each partition key's events went out, first
// copies counted, in append order, and returns how many went out twice
// or more.
func assertOrder(t *testing.T, f *flaky, appended []*envelope.Envelope) (again int) {
	t.Helper()
	want := map[string][]string{}
	for _, e := range appended {
		want[e.PartitionKey] = append(want[e.PartitionKey], e.ID)
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	copies := map[string]int{}
	got := map[string][]string{}
	for _, m := range f.sent {
		copies[m.DedupID]++
		if copies[m.DedupID] == 1 {
			got[m.GroupID] = append(got[m.GroupID], m.DedupID)
		} else if copies[m.DedupID] == 2 {
			again++
		}
	}
	assert.Equal(t, want, got)
	return again
}

func TestRelayPublishesInOrder(t *testing.T) {
	r := newRig(t)
	appended := r.appendEvents(t, 250, 5)
	relay := newRelay(t, r, &outbox.Config{BatchSize: 7})
	stop := r.run(t, relay)
	got := r.sink.waitFor(t, 250)
	for _, e := range appended {
		assert.Equal(t, 1, got[e.ID], "delivered once: %s", e.ID)
	}
	assert.Zero(t, assertOrder(t, r.sender, appended))
	// Live: events appended while it runs.
	more := r.appendEvents(t, 20, 3)
	r.sink.waitFor(t, 270)
	require.ErrorIs(t, stop(), context.Canceled)
	head, err := r.store.Head(context.Background())
	require.NoError(t, err)
	assert.Equal(t, head, relay.Position())
	cp, err := r.store.Checkpoint(context.Background(), "outbox")
	require.NoError(t, err)
	assert.Equal(t, head, cp, "saved")
	assert.NoError(t, relay.Health())
	assert.Len(t, more, 20)
}

// dyingSaves fails every checkpoint save once killed: a relay whose
// process dies after publishing and before saving.
type dyingSaves struct {
	eventstore.Backend
	mu   sync.Mutex
	dead bool
}

func (d *dyingSaves) SaveCheckpoint(ctx context.Context, name string, pos int64) error {
	d.mu.Lock()
	dead := d.dead
	d.mu.Unlock()
	if dead {
		return errors.New("the process died")
	}
	return d.Backend.SaveCheckpoint(ctx, name, pos)
}

// TestRelayCrashRepublishes: a relay killed after publishing and before
// saving its position publishes those events again on restart: some
// arrive twice, none is lost.
func TestRelayCrashRepublishes(t *testing.T) {
	r := newRig(t)
	appended := r.appendEvents(t, 100, 4)
	dying := &dyingSaves{Backend: r.backend}
	dyingStore, err := eventstore.New(dying, nil)
	require.NoError(t, err)
	published := make(chan int64, 100)
	relay, err := outbox.New(dyingStore, r.pub, &outbox.Config{BatchSize: 10, Backoff: &transport.Backoff{Initial: time.Millisecond, Max: time.Millisecond},
		Hooks: &outbox.Hooks{Published: func(_ context.Context, _ int, pos int64) {
			if pos >= 40 {
				dying.mu.Lock()
				dying.dead = true
				dying.mu.Unlock()
			}
			published <- pos
		}}})
	require.NoError(t, err)
	stop := r.run(t, relay)
	for pos := range published {
		if pos >= 40 {
			break
		}
	}
	require.ErrorIs(t, stop(), context.Canceled)
	saved, err := r.store.Checkpoint(context.Background(), "outbox")
	require.NoError(t, err)
	assert.Less(t, saved, int64(40), "nothing saved after the kill")

	r.run(t, newRelay(t, r, &outbox.Config{BatchSize: 10}))
	got := r.sink.waitFor(t, 100)
	for _, e := range appended {
		require.GreaterOrEqual(t, got[e.ID], 1)
	}
	assert.Positive(t, assertOrder(t, r.sender, appended), "the events published before the kill and not saved go again")
}

// TestRelayRetriesOutcomeUnknown: publishes whose reply is lost (the
// message went out) or that were not sent are retried until they go;
// Health reports the failures while they last.
func TestRelayRetriesOutcomeUnknown(t *testing.T) {
	r := newRig(t)
	appended := r.appendEvents(t, 60, 3)
	lost := errors.New("reply lost")
	calls := 0
	r.sender.setFail(func(*driver.Message) (error, bool) {
		calls++
		switch {
		case calls <= 20:
			return lost, calls%2 == 0 // half went out anyway
		case calls <= 30:
			return fmt.Errorf("throttled: %w", driver.ErrNotSent), false
		}
		return nil, false
	})
	unhealthy := make(chan error, 1)
	var retries int
	var relay *outbox.Relay
	relay = newRelay(t, r, &outbox.Config{BatchSize: 5, UnhealthyAfter: 2, Hooks: &outbox.Hooks{Retrying: func(context.Context, error, time.Duration) {
		retries++
		if err := relay.Health(); err != nil {
			select {
			case unhealthy <- err:
			default:
			}
		}
	}}})
	r.run(t, relay)
	got := r.sink.waitFor(t, 60)
	for _, e := range appended {
		require.GreaterOrEqual(t, got[e.ID], 1)
	}
	assertOrder(t, r.sender, appended)
	select {
	case err := <-unhealthy:
		require.ErrorIs(t, err, transport.ErrUnhealthy)
		require.ErrorIs(t, err, transport.ErrOutcomeUnknown)
	default:
		t.Fatal("Health never reported the failures")
	}
	assert.GreaterOrEqual(t, retries, 2)
	require.Eventually(t, func() bool { return relay.Health() == nil }, 5*time.Second, 5*time.Millisecond, "healthy once publishing works")
}

// TestRelayParksInvalid: an event the transport refuses for what it is
// (here too large for SNS/SQS, which the store allows) is parked with its
// reason; the others go; a restarted relay does not try it again.
func TestRelayParksInvalid(t *testing.T) {
	r := newRig(t)
	first := r.appendEvents(t, 5, 2)
	big := bigEvent(t)
	res, err := r.store.Append(context.Background(), eventstore.Stream{Name: big.Subject}, eventstore.Any, big)
	require.NoError(t, err)
	rest := r.appendEvents(t, 5, 2)
	parked := make(chan int64, 10)
	relay := newRelay(t, r, &outbox.Config{Hooks: &outbox.Hooks{Parked: func(_ context.Context, pos int64, reason error) {
		parked <- pos
	}}})
	stop := r.run(t, relay)
	got := r.sink.waitFor(t, 10)
	assert.NotContains(t, got, big.ID)
	assertOrder(t, r.sender, append(first, rest...))
	assert.Equal(t, res.FirstPosition, <-parked)
	list, err := r.store.Parked(context.Background(), "outbox")
	require.NoError(t, err)
	require.Len(t, list, 1)
	assert.Equal(t, res.FirstPosition, list[0].Position)
	assert.Contains(t, list[0].Reason, "over the limit")

	// Events that are all refused, at the end: parked, and stepped over.
	for range 3 {
		_, err := r.store.Append(context.Background(), eventstore.Stream{Name: big.Subject}, eventstore.Any, bigEvent(t))
		require.NoError(t, err)
	}
	head, err := r.store.Head(context.Background())
	require.NoError(t, err)
	require.Eventually(t, func() bool { return relay.Position() == head }, 10*time.Second, 5*time.Millisecond)
	list, err = r.store.Parked(context.Background(), "outbox")
	require.NoError(t, err)
	assert.Len(t, list, 4)
	require.ErrorIs(t, stop(), context.Canceled)

	// A restart goes on after them, and never tries them again.
	r.appendEvents(t, 1, 1)
	relay2 := newRelay(t, r, &outbox.Config{Hooks: &outbox.Hooks{Parked: func(context.Context, int64, error) { t.Error("parked again") }}})
	r.run(t, relay2)
	r.sink.waitFor(t, 11)
}

// bigEvent is valid for the store and too large for SNS/SQS.
func bigEvent(t *testing.T) *envelope.Envelope {
	e := storetest.Event(t, "ern:elmo:hr:acme:employee/e-0", time.Time{}, 300<<10)
	e.Type, e.PartitionKey = eventType, "ern:elmo:hr:acme:employee/e-0"
	return e
}

// TestTwoRelays: two relays at once lose nothing and keep each partition
// key's order (each copy in order, so the first copies are too).
func TestTwoRelays(t *testing.T) {
	r := newRig(t)
	appended := r.appendEvents(t, 200, 6)
	for range 2 {
		r.run(t, newRelay(t, r, &outbox.Config{BatchSize: 9}))
	}
	got := r.sink.waitFor(t, 200)
	for _, e := range appended {
		require.GreaterOrEqual(t, got[e.ID], 1)
	}
	assertOrder(t, r.sender, appended)
}

func TestConfig(t *testing.T) {
	r := newRig(t)
	for _, tc := range []struct {
		name     string
		store    *eventstore.Store
		pub      *transport.Publisher
		cfg      *outbox.Config
		settings []string
	}{
		{"defaults", r.store, r.pub, nil, nil},
		{"no store or publisher", nil, nil, nil, []string{"outbox.New store", "outbox.New publisher"}},
		{"invalid", r.store, r.pub, &outbox.Config{BatchSize: -1, UnhealthyAfter: -1, Backoff: &transport.Backoff{}}, []string{"outbox.Config.BatchSize", "outbox.Config.UnhealthyAfter", "outbox.Config.Backoff.Initial"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := outbox.New(tc.store, tc.pub, tc.cfg)
			if tc.settings == nil {
				require.NoError(t, err)
				return
			}
			require.ErrorIs(t, err, transport.ErrInvalidConfig)
			for _, s := range tc.settings {
				assert.ErrorContains(t, err, s)
			}
		})
	}
}

// TestRelayRetriesFollowItsClock: a failed publish is retried when the
// relay's clock reaches the backoff's delay, not before, and the failures
// Health reports are dated by that clock.
func TestRelayRetriesFollowItsClock(t *testing.T) {
	r := newRig(t)
	appended := r.appendEvents(t, 1, 1)
	var calls atomic.Int32
	r.sender.setFail(func(*driver.Message) (error, bool) {
		if calls.Add(1) == 1 {
			return fmt.Errorf("throttled: %w", driver.ErrNotSent), false
		}
		return nil, false
	})
	t0 := time.Date(2026, 1, 1, 9, 0, 0, 0, time.UTC)
	clock := config.NewManualClock(t0)
	retrying := make(chan time.Duration, 1)
	relay := newRelay(t, r, &outbox.Config{Clock: clock, UnhealthyAfter: 1,
		Backoff: &transport.Backoff{Initial: time.Hour, Max: time.Hour},
		Hooks:   &outbox.Hooks{Retrying: func(_ context.Context, _ error, d time.Duration) { retrying <- d }}})
	r.run(t, relay)
	select {
	case d := <-retrying:
		assert.Equal(t, time.Hour, d)
	case <-time.After(10 * time.Second):
		t.Fatal("the first publish never failed")
	}
	var he *transport.HealthError
	require.ErrorAs(t, relay.Health(), &he)
	assert.Equal(t, t0, he.Since, "dated by the relay's clock")
	clock.Advance(59 * time.Minute)
	assert.Equal(t, int32(1), calls.Load(), "no retry before the delay")
	clock.Advance(time.Minute)
	got := r.sink.waitFor(t, 1)
	assert.Equal(t, 1, got[appended[0].ID])
	assert.NoError(t, relay.Health())
}

// TestRelayPublishFilter: the events Config.Publish refuses are passed
// over, the others published in order, and the position moves past both.
func TestRelayPublishFilter(t *testing.T) {
	r := newRig(t)
	appended := r.appendEvents(t, 30, 3)
	even := map[string]bool{}
	for i, e := range appended {
		even[e.ID] = i%2 == 0
	}
	relay := newRelay(t, r, &outbox.Config{BatchSize: 4, Publish: func(e *envelope.Envelope) bool { return even[e.ID] }})
	stop := r.run(t, relay)
	head, err := r.store.Head(context.Background())
	require.NoError(t, err)
	require.Eventually(t, func() bool { return relay.Position() == head }, 10*time.Second, 5*time.Millisecond)
	require.ErrorIs(t, stop(), context.Canceled)
	got := r.sink.waitFor(t, 15)
	var want []*envelope.Envelope
	for _, e := range appended {
		if even[e.ID] {
			want = append(want, e)
			assert.Equal(t, 1, got[e.ID])
		} else {
			assert.Zero(t, got[e.ID], "passed over")
		}
	}
	assert.Zero(t, assertOrder(t, r.sender, want))
}
