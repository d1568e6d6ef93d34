package transporttest

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"runtime"
	"strings"
	"sync"
	"testing"
	"testing/fstest"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/elmosoftware/eventprotocol/config"
	"github.com/elmosoftware/eventprotocol/envelope"
	"github.com/elmosoftware/eventprotocol/naming"
	"github.com/elmosoftware/eventprotocol/schema"
	"github.com/elmosoftware/eventprotocol/transport"
	"github.com/elmosoftware/eventprotocol/transport/driver"
)

// The event types of the suite: one domain, so one topic.
const (
	typeCreated = "elmo.conformance.item.created.v1"
	typeDeleted = "elmo.conformance.item.deleted.v1"
)

// Run runs every conformance test against the harness.
func Run(t *testing.T, h Harness) {
	caps := h.Capabilities()
	require.Positive(t, caps.Tick, "Capabilities.Tick must be set")
	s := &suite{h: h, caps: caps}
	tests := []struct {
		name string
		fn   func(t *testing.T)
	}{
		{"RoundTrip", s.testRoundTrip},
		{"FanOut", s.testFanOut},
		{"Filter", s.testFilter},
		{"AckRemoves", s.testAckRemoves},
		{"RedeliveryAfterBackoff", s.testRedelivery},
		{"DeadLetterAfterRepeatedFailure", s.testDeadLetterAfterFailures},
		{"VisibilityExtendedForLongHandler", s.testVisibilityExtended},
		{"ConcurrentConsumers", s.testConcurrentConsumers},
		{"ShutdownDrains", s.testShutdownDrains},
		{"ShutdownReleasesUnfinished", s.testShutdownReleases},
		{"LargerThanBatchLimit", s.testLargeBatch},
		{"InvalidRefusedOnPublish", s.testInvalidRefused},
		{"UndecodableDeadLettered", s.testUndecodableDeadLettered},
		{"InvalidPayloadDeadLettered", s.testInvalidPayloadDeadLettered},
		{"NewerMinorVersionHandled", s.testNewerMinorHandled},
		{"ErrorContract", s.testErrorContract},
		{"PartitionOrder", s.testPartitionOrder},
	}
	// It looks at every goroutine of the process: it runs alone, first.
	t.Run("NothingRunsAfterShutdown", s.testNothingRunsAfterShutdown)
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if caps.Parallel {
				t.Parallel()
			}
			tc.fn(t)
		})
	}
}

type suite struct {
	h    Harness
	caps Capabilities
}

func (s *suite) ticks(n int) time.Duration { return time.Duration(n) * s.caps.Tick }

// wait is how long the suite waits for something that should happen.
func (s *suite) wait() time.Duration { return s.ticks(60) + 10*time.Second }

var producer = &envelope.Producer{Source: "urn:elmo:service:conformance"}

func newEvent(t *testing.T, typ string, n int) *envelope.Envelope {
	t.Helper()
	e, err := producer.New(typ, []byte(fmt.Sprintf(`{"n":%d}`, n)))
	require.NoError(t, err)
	e.Subject = "ern:elmo:conformance:acme:item/i-" + fmt.Sprint(n)
	e.TenantID = "acme"
	return &e
}

// fixture is an opened environment with a publisher.
type fixture struct {
	s   *suite
	env Env
	pub *transport.Publisher
}

func (s *suite) open(t *testing.T, subs ...Subscription) *fixture {
	t.Helper()
	for i := range subs {
		subs[i].Domains = []string{naming.MustParseType(typeCreated).Domain()}
		if subs[i].VisibilityTimeout == 0 {
			subs[i].VisibilityTimeout = s.ticks(20)
		}
	}
	env, err := s.h.Open(context.Background(), t, subs)
	require.NoError(t, err)
	pub, err := transport.NewPublisher(env.Sender(), &transport.PublisherConfig{Topic: env.Topic, Clock: clockOf(env)})
	require.NoError(t, err)
	return &fixture{s: s, env: env, pub: pub}
}

// consumer starts a consumer of sub with handler h for both suite types;
// it is shut down at the end of the test.
func (f *fixture) consumer(t *testing.T, sub string, cfg transport.ConsumerConfig, h transport.HandlerFunc) *transport.Consumer {
	t.Helper()
	if cfg.Backoff == nil {
		cfg.Backoff = &transport.Backoff{Initial: f.s.ticks(2), Max: f.s.ticks(4)}
	}
	cfg.Name = sub
	cfg.Clock = clockOf(f.env)
	c, err := transport.NewConsumer(f.env.Receiver(sub), &cfg)
	require.NoError(t, err)
	require.NoError(t, c.HandleFunc(typeCreated, h))
	require.NoError(t, c.HandleFunc(typeDeleted, h))
	require.NoError(t, c.Start(context.Background()))
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), f.s.wait())
		defer cancel()
		_ = c.Shutdown(ctx)
	})
	return c
}

// clockOf returns the clock of a Clocked environment, else nil (the
// system's).
func clockOf(env Env) config.Clock {
	if c, ok := env.(Clocked); ok {
		return c.Clock()
	}
	return nil
}

func (f *fixture) publish(t *testing.T, events ...*envelope.Envelope) {
	t.Helper()
	require.NoError(t, f.pub.Publish(context.Background(), events...))
}

// receive waits for one value from ch.
func receive[T any](t *testing.T, s *suite, ch <-chan T, what string) T {
	t.Helper()
	select {
	case v := <-ch:
		return v
	case <-time.After(s.wait()):
		t.Fatalf("timed out waiting for %s", what)
		panic("unreachable")
	}
}

// quiet asserts that nothing arrives on ch for d.
func quiet[T any](t *testing.T, ch <-chan T, d time.Duration, what string) {
	t.Helper()
	select {
	case v := <-ch:
		t.Fatalf("unexpected %s: %v", what, v)
	case <-time.After(d):
	}
}

// deadLetters polls the dead-letter queue until it holds n messages.
func (f *fixture) deadLetters(t *testing.T, sub string, n int) []*driver.Message {
	t.Helper()
	var got []*driver.Message
	require.Eventually(t, func() bool {
		var err error
		got, err = f.env.DeadLetters(context.Background(), sub)
		require.NoError(t, err)
		return len(got) >= n
	}, f.s.wait(), f.s.caps.Tick/2+time.Millisecond, "waiting for %d dead letters", n)
	return got
}

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

func (s *suite) testShutdownDrains(t *testing.T) {
	const n = 5
	f := s.open(t, Subscription{Name: "a"})
	started := make(chan string, n)
	release := make(chan struct{})
	var mu sync.Mutex
	var finished []string
	c := f.consumer(t, "a", transport.ConsumerConfig{Concurrency: n}, func(ctx context.Context, d *transport.Delivery) error {
		started <- d.Envelope.ID
		<-release
		mu.Lock()
		finished = append(finished, d.Envelope.ID)
		mu.Unlock()
		return nil
	})
	var events []*envelope.Envelope
	for i := range n {
		events = append(events, newEvent(t, typeCreated, i))
	}
	f.publish(t, events...)
	for range n {
		receive(t, s, started, "a handler start")
	}
	ctx, cancel := context.WithTimeout(context.Background(), s.wait())
	defer cancel()
	shut := make(chan error)
	go func() { shut <- c.Shutdown(ctx) }()
	close(release)
	require.NoError(t, receive(t, s, shut, "Shutdown"))
	mu.Lock()
	defer mu.Unlock()
	assert.Len(t, finished, n)
	assert.NoError(t, c.Shutdown(ctx), "Shutdown is idempotent")
}

func (s *suite) testShutdownReleases(t *testing.T) {
	f := s.open(t, Subscription{Name: "a", VisibilityTimeout: s.ticks(30)})
	started := make(chan string, 1)
	first := f.consumer(t, "a", transport.ConsumerConfig{}, func(ctx context.Context, d *transport.Delivery) error {
		started <- d.Envelope.ID
		<-ctx.Done() // a handler that only stops when cancelled
		return ctx.Err()
	})
	e := newEvent(t, typeCreated, 1)
	f.publish(t, e)
	assert.Equal(t, e.ID, receive(t, s, started, "the delivery"))
	ctx, cancel := context.WithTimeout(context.Background(), s.ticks(2))
	defer cancel()
	err := first.Shutdown(ctx)
	var serr *transport.ShutdownError
	require.ErrorAs(t, err, &serr)
	assert.Equal(t, []string{e.ID}, serr.Unfinished)
	assert.ErrorIs(t, err, context.DeadlineExceeded)
	// Released at once: another consumer gets it well before the
	// visibility timeout of 30 ticks.
	again := make(chan string, 1)
	f.consumer(t, "a", transport.ConsumerConfig{}, func(ctx context.Context, d *transport.Delivery) error {
		again <- d.Envelope.ID
		return nil
	})
	select {
	case id := <-again:
		assert.Equal(t, e.ID, id)
	case <-time.After(s.ticks(20)):
		t.Fatal("the unfinished message was not released for redelivery")
	}
}

func (s *suite) testLargeBatch(t *testing.T) {
	n := 25
	if s.caps.SendBatchLimit > 0 {
		n = 2*s.caps.SendBatchLimit + 3
	}
	f := s.open(t, Subscription{Name: "a"})
	got := make(chan string, n)
	f.consumer(t, "a", transport.ConsumerConfig{}, func(ctx context.Context, d *transport.Delivery) error {
		got <- d.Envelope.ID
		return nil
	})
	var events []*envelope.Envelope
	var want []string
	for i := range n {
		e := newEvent(t, typeCreated, i)
		events, want = append(events, e), append(want, e.ID)
	}
	f.publish(t, events...)
	var seen []string
	for range n {
		seen = append(seen, receive(t, s, got, "a delivery"))
	}
	assert.ElementsMatch(t, want, seen)
}

func (s *suite) testInvalidRefused(t *testing.T) {
	f := s.open(t, Subscription{Name: "a"})
	good := newEvent(t, typeCreated, 1)
	noSubject := newEvent(t, typeCreated, 2)
	noSubject.Subject = ""
	huge := newEvent(t, typeCreated, 3)
	huge.Data = []byte(`{"blob":"` + strings.Repeat("x", transport.MaxMessageBytes) + `"}`)
	err := f.pub.Publish(context.Background(), good, noSubject, huge)
	var perr *transport.PublishError
	require.ErrorAs(t, err, &perr)
	require.Len(t, perr.Failed, 2)
	assert.Equal(t, 1, perr.Failed[0].Index)
	assert.ErrorIs(t, perr.Failed[0].Err, envelope.ErrRequired)
	assert.Equal(t, 2, perr.Failed[1].Index)
	assert.ErrorIs(t, perr.Failed[1].Err, transport.ErrTooLarge)
	assert.ErrorIs(t, err, transport.ErrTooLarge)
	// Nothing was sent, not even the valid event.
	assert.Empty(t, f.drain(t, "a", s.ticks(5)))
}

func (s *suite) testUndecodableDeadLettered(t *testing.T) {
	f := s.open(t, Subscription{Name: "a"})
	handled := make(chan string, 10)
	f.consumer(t, "a", transport.ConsumerConfig{}, func(ctx context.Context, d *transport.Delivery) error {
		handled <- d.Envelope.ID
		return nil
	})
	topic := f.env.Topic(naming.MustParseType(typeCreated))
	forged := newEvent(t, typeCreated, 2)
	body, err := forged.MarshalJSON()
	require.NoError(t, err)
	attrs := transport.MirroredAttributes(forged)
	attrs[driver.AttrTenantID] = "globex" // contradicts the envelope
	require.NoError(t, f.env.Sender().Send(context.Background(), topic, []*driver.Message{
		{Body: []byte(`{"specversion":"1.0","id":`), Attributes: map[string]string{driver.AttrType: typeCreated}},
	}))
	require.NoError(t, f.env.Sender().Send(context.Background(), topic, []*driver.Message{{Body: body, Attributes: attrs}}))
	dl := f.deadLetters(t, "a", 2)
	reasons := []string{dl[0].Attributes[driver.AttrDeadLetterReason], dl[1].Attributes[driver.AttrDeadLetterReason]}
	assert.True(t, strings.Contains(reasons[0]+reasons[1], "not a valid event"), "reasons: %q", reasons)
	assert.True(t, strings.Contains(reasons[0]+reasons[1], "tenantid"), "reasons: %q", reasons)
	quiet(t, handled, s.ticks(2), "handling of a refused message")
}

// Versions 1.0 and 1.2 of the payload schema of typeCreated: 1.2 adds an
// optional member to the closed model and a value to the enumeration, as
// the evolution policy allows a minor version to.
const (
	itemCreatedV10 = `{
		"$id": "https://schemas.elmo.example/elmo.conformance.item.created/1.0",
		"type": "object", "additionalProperties": false, "required": ["n"],
		"properties": {"n": {"type": "integer", "maximum": 10}, "kind": {"enum": ["SMALL", "BIG"]}}
	}`
	itemCreatedV12 = `{
		"$id": "https://schemas.elmo.example/elmo.conformance.item.created/1.2",
		"type": "object", "additionalProperties": false, "required": ["n"],
		"properties": {"n": {"type": "integer", "maximum": 10}, "kind": {"enum": ["SMALL", "BIG", "HUGE"]},
			"note": {"type": "string"}}
	}`
)

// itemCatalog loads the given versions of the payload schema of typeCreated.
func itemCatalog(t *testing.T, versions ...string) *schema.Catalog {
	t.Helper()
	fsys := fstest.MapFS{}
	for _, v := range versions {
		var doc struct {
			ID string `json:"$id"`
		}
		require.NoError(t, json.Unmarshal([]byte(v), &doc))
		id, err := schema.ParseID(doc.ID)
		require.NoError(t, err)
		fsys[id.Path()] = &fstest.MapFile{Data: []byte(v)}
	}
	cat, err := schema.Load(fsys)
	require.NoError(t, err)
	return cat
}

// testNewerMinorHandled: a producer at 1.2 and a consumer whose catalogue
// stops at 1.0. The consumer reads tolerantly, so the event is handled; a
// payload that breaks a rule 1.0 states is dead-lettered.
func (s *suite) testNewerMinorHandled(t *testing.T) {
	f := s.open(t, Subscription{Name: "a"})
	handled := make(chan string, 10)
	f.consumer(t, "a", transport.ConsumerConfig{Catalog: itemCatalog(t, itemCreatedV10)}, func(ctx context.Context, d *transport.Delivery) error {
		handled <- string(d.Envelope.Data)
		return nil
	})
	producerAt12, err := transport.NewPublisher(f.env.Sender(), &transport.PublisherConfig{Topic: f.env.Topic, Clock: clockOf(f.env),
		Catalog: itemCatalog(t, itemCreatedV10, itemCreatedV12)})
	require.NoError(t, err)
	newer := newEvent(t, typeCreated, 1)
	newer.DataSchema = "https://schemas.elmo.example/elmo.conformance.item.created/1.2"
	newer.Data = json.RawMessage(`{"n":1,"kind":"HUGE","note":"added in 1.2"}`)
	require.NoError(t, producerAt12.Publish(context.Background(), newer), "valid at 1.2, strictly")
	assert.JSONEq(t, string(newer.Data), receive(t, s, handled, "the 1.2 event"))

	broken := newEvent(t, typeCreated, 2)
	broken.DataSchema = newer.DataSchema
	broken.Data = json.RawMessage(`{"n":"two","kind":"HUGE"}`)
	require.Error(t, producerAt12.Publish(context.Background(), broken), "a strict producer refuses it")
	f.publish(t, broken) // a producer without a catalogue sends it anyway
	dl := f.deadLetters(t, "a", 1)
	assert.Equal(t, broken.ID, decodedID(t, dl[0]))
	assert.Contains(t, dl[0].Attributes[driver.AttrDeadLetterReason], "/n")
	quiet(t, handled, s.ticks(2), "handling of an invalid payload")
}

// testErrorContract checks the driver's error vocabulary: a handle that
// names no delivery gives ErrInvalidHandle, whether acknowledged or made
// visible, also after the message was acknowledged; a valid handle works.
func (s *suite) testErrorContract(t *testing.T) {
	f := s.open(t, Subscription{Name: "a"})
	r := f.env.Receiver("a")
	ctx := context.Background()
	for _, bad := range []string{"not-a-handle", ""} {
		err := r.SetVisibility(ctx, bad, 0)
		assert.ErrorIs(t, err, driver.ErrInvalidHandle, "SetVisibility(%q): %v", bad, err)
		if bad == "" || s.caps.AckReportsInvalidHandle {
			err = r.Ack(ctx, []string{bad})
			assert.ErrorIs(t, err, driver.ErrInvalidHandle, "Ack(%q): %v", bad, err)
		}
	}
	f.publish(t, newEvent(t, typeCreated, 1))
	var msgs []*driver.Message
	deadline := time.Now().Add(s.wait())
	for len(msgs) == 0 && time.Now().Before(deadline) {
		var err error
		msgs, err = r.Receive(ctx, 10)
		require.NoError(t, err)
	}
	require.Len(t, msgs, 1)
	require.NoError(t, r.SetVisibility(ctx, msgs[0].Handle, s.ticks(20)), "a current handle")
	require.NoError(t, r.Ack(ctx, []string{msgs[0].Handle}))
}

// testNothingRunsAfterShutdown: once Shutdown has returned, no goroutine of
// the consumer or of its receiver is left running.
func (s *suite) testNothingRunsAfterShutdown(t *testing.T) {
	f := s.open(t, Subscription{Name: "a"})
	handled := make(chan int, 10)
	c := f.consumer(t, "a", transport.ConsumerConfig{}, func(ctx context.Context, d *transport.Delivery) error {
		handled <- 1
		return nil
	})
	f.publish(t, newEvent(t, typeCreated, 1))
	receive(t, s, handled, "the event")
	ctx, cancel := context.WithTimeout(context.Background(), s.wait())
	defer cancel()
	require.NoError(t, c.Shutdown(ctx))
	// Shutdown has returned: nothing of the consumer may still run. (The
	// poll only lets goroutines that are returning finish returning.)
	var left []string
	require.Eventually(t, func() bool {
		left = runtimeGoroutines()
		return len(left) == 0
	}, time.Second, 5*time.Millisecond, "goroutines left after Shutdown:\n%s", strings.Join(left, "\n\n"))
}

// runtimeGoroutines returns the stacks of the goroutines running code of
// the consumer runtime or of a receiver.
func runtimeGoroutines() []string {
	buf := make([]byte, 1<<20)
	for {
		n := runtime.Stack(buf, true)
		if n < len(buf) {
			buf = buf[:n]
			break
		}
		buf = make([]byte, 2*len(buf))
	}
	var out []string
	for _, g := range strings.Split(string(buf), "\n\n") {
		if strings.Contains(g, "eventprotocol/transport.(*Consumer)") || strings.Contains(g, "eventprotocol/transport/snssqs.(*Receiver)") {
			out = append(out, g)
		}
	}
	return out
}

func decodedID(t *testing.T, m *driver.Message) string {
	t.Helper()
	e, err := envelope.Decode(m.Body)
	require.NoError(t, err)
	return e.ID
}

func (s *suite) testInvalidPayloadDeadLettered(t *testing.T) {
	cat := itemCatalog(t, itemCreatedV10)
	f := s.open(t, Subscription{Name: "a"})
	handled := make(chan int, 10)
	f.consumer(t, "a", transport.ConsumerConfig{Catalog: cat}, func(ctx context.Context, d *transport.Delivery) error {
		var p struct{ N int }
		if err := json.Unmarshal(d.Envelope.Data, &p); err != nil {
			return err
		}
		handled <- p.N
		return nil
	})
	f.publish(t, newEvent(t, typeCreated, 11), newEvent(t, typeCreated, 5))
	assert.Equal(t, 5, receive(t, s, handled, "the valid event"))
	dl := f.deadLetters(t, "a", 1)
	assert.Contains(t, dl[0].Attributes[driver.AttrDeadLetterReason], "/n")
	quiet(t, handled, s.ticks(2), "handling of an invalid payload")
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
