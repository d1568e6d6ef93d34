package transport_test

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
	"github.com/elmosoftware/eventprotocol/transport"
	"github.com/elmosoftware/eventprotocol/transport/driver"
	"github.com/elmosoftware/eventprotocol/transport/memory"
)

var errThrottled = errors.New("throttled")

// fakeSender records batches and fails the messages its fail function
// names, per attempt.
type fakeSender struct {
	limits driver.Limits
	fail   func(attempt int, m *driver.Message) error // nil: accept

	mu       sync.Mutex
	attempts map[string]int // by DedupID
	batches  [][]string
	accepted []string
}

func (f *fakeSender) Limits() driver.Limits      { return f.limits }
func (f *fakeSender) IsRetryable(err error) bool { return errors.Is(err, errThrottled) }
func (f *fakeSender) Send(_ context.Context, topic string, msgs []*driver.Message) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.attempts == nil {
		f.attempts = map[string]int{}
	}
	var ids []string
	var failed []driver.BatchFailure
	for i, m := range msgs {
		ids = append(ids, m.DedupID)
		f.attempts[m.DedupID]++
		if f.fail != nil {
			if err := f.fail(f.attempts[m.DedupID], m); err != nil {
				failed = append(failed, driver.BatchFailure{Index: i, Err: err})
				continue
			}
		}
		f.accepted = append(f.accepted, m.DedupID)
	}
	f.batches = append(f.batches, ids)
	if len(failed) > 0 {
		return &driver.BatchError{Failed: failed}
	}
	return nil
}

func fastPublisher(t *testing.T, s driver.Sender) *transport.Publisher {
	t.Helper()
	p, err := transport.NewPublisher(s, &transport.PublisherConfig{MaxAttempts: 3, Backoff: &transport.Backoff{Initial: time.Millisecond, Max: time.Millisecond}})
	require.NoError(t, err)
	return p
}

func TestPublishBatchesWithinLimits(t *testing.T) {
	s := &fakeSender{limits: driver.Limits{MaxBatch: 4, MaxBatchBytes: 3000}}
	p := fastPublisher(t, s)
	var events []*envelope.Envelope
	for i := range 10 {
		events = append(events, signedUp(t, i))
	}
	require.NoError(t, p.Publish(context.Background(), events...))
	assert.Len(t, s.accepted, 10)
	for _, b := range s.batches {
		assert.LessOrEqual(t, len(b), 4)
	}
	// About 700 bytes a message: the byte limit allows 4 per batch too,
	// so 10 messages take 3 batches (4, 4, 2); check the byte limit with
	// a tighter one.
	assert.Len(t, s.batches, 3)
	s2 := &fakeSender{limits: driver.Limits{MaxBatch: 10, MaxBatchBytes: 1500}}
	require.NoError(t, fastPublisher(t, s2).Publish(context.Background(), events...))
	assert.Len(t, s2.accepted, 10)
	assert.Greater(t, len(s2.batches), 4, "batches split by bytes")
}

func TestPublishRetriesPartialFailures(t *testing.T) {
	events := []*envelope.Envelope{signedUp(t, 0), signedUp(t, 1), signedUp(t, 2), signedUp(t, 3)}
	flaky, broken, hopeless := events[1].ID, events[2].ID, events[3].ID
	s := &fakeSender{fail: func(attempt int, m *driver.Message) error {
		switch {
		case m.DedupID == flaky && attempt < 3:
			return errThrottled // succeeds on the third attempt
		case m.DedupID == broken:
			return errors.New("authorization error") // not retryable
		case m.DedupID == hopeless:
			return errThrottled // never succeeds
		}
		return nil
	}}
	err := fastPublisher(t, s).Publish(context.Background(), events...)
	var perr *transport.PublishError
	require.ErrorAs(t, err, &perr)
	var failedIDs []string
	for _, f := range perr.Failed {
		failedIDs = append(failedIDs, f.ID)
		assert.Equal(t, events[f.Index].ID, f.ID)
	}
	assert.ElementsMatch(t, []string{broken, hopeless}, failedIDs)
	assert.ElementsMatch(t, []string{events[0].ID, flaky}, s.accepted)
	assert.Equal(t, 1, s.attempts[broken], "a non-retryable error is not retried")
	assert.Equal(t, 3, s.attempts[hopeless], "retried up to MaxAttempts")
	assert.ErrorIs(t, err, errThrottled)
}

func TestPublishWholeCallFailure(t *testing.T) {
	s := &failingSender{err: errors.New("connection refused")}
	err := fastPublisher(t, s).Publish(context.Background(), signedUp(t, 1), signedUp(t, 2))
	var perr *transport.PublishError
	require.ErrorAs(t, err, &perr)
	assert.Len(t, perr.Failed, 2)
	assert.Equal(t, 1, s.calls, "not retryable")
}

type failingSender struct {
	err   error
	calls int
}

func (f *failingSender) Limits() driver.Limits  { return driver.Limits{} }
func (f *failingSender) IsRetryable(error) bool { return false }
func (f *failingSender) Send(context.Context, string, []*driver.Message) error {
	f.calls++
	return f.err
}

func TestPublishRefusesInvalidBeforeSending(t *testing.T) {
	s := &fakeSender{}
	p := fastPublisher(t, s)
	bad := signedUp(t, 2)
	bad.Time = time.Time{}
	err := p.Publish(context.Background(), signedUp(t, 1), bad, nil)
	var perr *transport.PublishError
	require.ErrorAs(t, err, &perr)
	require.Len(t, perr.Failed, 2)
	assert.ErrorIs(t, perr.Failed[0].Err, envelope.ErrRequired)
	assert.Equal(t, 2, perr.Failed[1].Index)
	assert.True(t, perr.Failed[0].Invalid && perr.Failed[1].Invalid, "refused for what they are")
	assert.Empty(t, s.batches, "nothing is sent when any event is invalid")
}

// TestConfigIdiom: nil means the defaults; each invalid setting is a
// *config.Error naming it, all reported at once; nothing is silently
// replaced.
func TestConfigIdiom(t *testing.T) {
	s := &fakeSender{}
	recv, err := newRig(t, memory.SubscriptionConfig{}).broker.Receiver("email")
	require.NoError(t, err)
	publisher := func(cfg *transport.PublisherConfig) error { _, err := transport.NewPublisher(s, cfg); return err }
	consumer := func(cfg *transport.ConsumerConfig) error { _, err := transport.NewConsumer(recv, cfg); return err }
	store := func(cfg *transport.MemoryStoreConfig) error { _, err := transport.NewMemoryStore(cfg); return err }
	for _, tc := range []struct {
		name     string
		err      error
		settings []string // the settings named, in order
	}{
		{"publisher defaults", publisher(nil), nil},
		{"publisher zero", publisher(&transport.PublisherConfig{}), nil},
		{"publisher nil sender", func() error { _, err := transport.NewPublisher(nil, nil); return err }(), []string{"NewPublisher's sender"}},
		{"publisher invalid", publisher(&transport.PublisherConfig{MaxAttempts: -1, Validator: &envelope.Validator{Tolerant: true},
			Backoff: &transport.Backoff{Initial: 0, Max: -1, Multiplier: 0.5, Jitter: 2}}),
			[]string{"PublisherConfig.Validator", "PublisherConfig.MaxAttempts", "PublisherConfig.Backoff.Initial", "PublisherConfig.Backoff.Max", "PublisherConfig.Backoff.Multiplier", "PublisherConfig.Backoff.Jitter"}},
		{"consumer defaults", consumer(nil), nil},
		{"consumer nil receiver", func() error { _, err := transport.NewConsumer(nil, nil); return err }(), []string{"NewConsumer's receiver"}},
		{"consumer invalid", consumer(&transport.ConsumerConfig{Concurrency: -1, Pollers: -1, MaxAttempts: -1, VisibilityTimeout: -1, AckDelay: -1,
			Backoff: &transport.Backoff{Initial: time.Second, Max: time.Millisecond}}),
			[]string{"ConsumerConfig.Concurrency", "ConsumerConfig.Pollers", "ConsumerConfig.MaxAttempts", "ConsumerConfig.VisibilityTimeout", "ConsumerConfig.AckDelay", "ConsumerConfig.Backoff.Max"}},
		{"consumer tolerant validator", consumer(&transport.ConsumerConfig{Validator: &envelope.Validator{Tolerant: true}}), nil},
		{"store defaults", store(nil), nil},
		{"store invalid", store(&transport.MemoryStoreConfig{TTL: -1, MaxEntries: -1}), []string{"MemoryStoreConfig.TTL", "MemoryStoreConfig.MaxEntries"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if tc.settings == nil {
				require.NoError(t, tc.err)
				return
			}
			require.ErrorIs(t, tc.err, transport.ErrInvalidConfig)
			errs := []error{tc.err}
			if joined, ok := tc.err.(interface{ Unwrap() []error }); ok {
				errs = joined.Unwrap()
			}
			var named []string
			for _, e := range errs {
				var ce *config.Error
				require.ErrorAs(t, e, &ce)
				named = append(named, ce.Setting)
			}
			assert.Equal(t, tc.settings, named)
		})
	}
}

// TestProducersStrictConsumersTolerant: by default the Publisher refuses
// what a producer must not write (an id that is not a canonical UUID),
// which a consumer by default accepts.
func TestProducersStrictConsumersTolerant(t *testing.T) {
	r := newRig(t, memory.SubscriptionConfig{})
	odd := signedUp(t, 1)
	odd.ID = "Not-A-UUID"
	err := r.pub.Publish(context.Background(), odd)
	require.ErrorIs(t, err, envelope.ErrUUID)

	body, err := odd.MarshalJSON()
	require.NoError(t, err)
	require.NoError(t, r.broker.Sender().Send(context.Background(), "identity", []*driver.Message{{Body: body, Attributes: transport.MirroredAttributes(odd), DedupID: odd.ID}}))
	handled := make(chan string, 1)
	r.start(t, transport.ConsumerConfig{}, func(_ context.Context, d *transport.Delivery) error {
		handled <- d.Envelope.ID
		return nil
	})
	select {
	case id := <-handled:
		assert.Equal(t, "Not-A-UUID", id)
	case <-time.After(10 * time.Second):
		t.Fatal("the consumer did not handle the event")
	}
}

func TestBackoffDelay(t *testing.T) {
	b := transport.Backoff{Initial: time.Second, Max: 10 * time.Second}
	for n, want := range map[int]time.Duration{0: time.Second, 1: time.Second, 2: 2 * time.Second, 3: 4 * time.Second, 4: 8 * time.Second, 5: 10 * time.Second, 50: 10 * time.Second} {
		assert.Equal(t, want, b.Delay(n, nil), "attempt %d", n)
	}
	j := transport.Backoff{Initial: time.Second, Max: time.Second, Jitter: 0.5}
	assert.Equal(t, 500*time.Millisecond, j.Delay(1, func() float64 { return 0 }))
	assert.Equal(t, 1500*time.Millisecond, j.Delay(1, func() float64 { return 1 }))
	assert.Equal(t, time.Second, j.Delay(1, func() float64 { return 0.5 }), "jitter centred")
	triple := transport.Backoff{Initial: time.Second, Max: time.Hour, Multiplier: 3}
	assert.Equal(t, 9*time.Second, triple.Delay(3, nil))
}

// lostReplySender delivers through next, then reports an error as if the
// reply had been lost: the outcome is unknown to the caller.
type lostReplySender struct {
	driver.Sender
	err error
}

func (s lostReplySender) IsRetryable(error) bool { return false }
func (s lostReplySender) Send(ctx context.Context, topic string, msgs []*driver.Message) error {
	if err := s.Sender.Send(ctx, topic, msgs); err != nil {
		return err
	}
	return s.err
}

func TestPublishOutcomes(t *testing.T) {
	notSent := fmt.Errorf("%w: access denied", driver.ErrNotSent)
	cases := []struct {
		name    string
		fail    func(attempt int) error // per attempt of the one event
		unknown bool
	}{
		{"refused", func(int) error { return notSent }, false},
		{"refused, retryable", func(int) error { return fmt.Errorf("%w: %w", driver.ErrNotSent, errThrottled) }, false},
		{"unknown", func(int) error { return errors.New("timeout reading the reply") }, true},
		{"unknown, retried, then refused", func(attempt int) error {
			if attempt == 1 {
				return errThrottled // no ErrNotSent: the first attempt may have gone out
			}
			return notSent
		}, true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			s := &fakeSender{fail: func(attempt int, _ *driver.Message) error { return tc.fail(attempt) }}
			err := fastPublisher(t, s).Publish(context.Background(), signedUp(t, 1))
			var perr *transport.PublishError
			require.ErrorAs(t, err, &perr)
			require.Len(t, perr.Failed, 1)
			assert.Equal(t, tc.unknown, perr.Failed[0].Unknown)
			assert.False(t, perr.Failed[0].Invalid, "the transport's failure, not the event's")
			assert.Equal(t, tc.unknown, errors.Is(err, transport.ErrOutcomeUnknown))
		})
	}
}

// TestLostRepliesAreOutcomeUnknown: every event a lost reply leaves
// undecided is reported as outcome unknown, never as refused, and was in
// fact delivered.
func TestLostRepliesAreOutcomeUnknown(t *testing.T) {
	r := newRig(t, memory.SubscriptionConfig{})
	pub := fastPublisher(t, lostReplySender{Sender: r.broker.Sender(), err: errors.New("read tcp: i/o timeout")})
	var events []*envelope.Envelope
	for i := range 5 {
		events = append(events, signedUp(t, i))
	}
	err := pub.Publish(context.Background(), events...)
	var perr *transport.PublishError
	require.ErrorAs(t, err, &perr)
	require.Len(t, perr.Failed, len(events))
	handled := make(chan string, len(events))
	r.start(t, transport.ConsumerConfig{}, func(ctx context.Context, d *transport.Delivery) error {
		handled <- d.Envelope.ID
		return nil
	})
	for _, f := range perr.Failed {
		assert.True(t, f.Unknown, "event %d: a lost reply is no refusal", f.Index)
		assert.ErrorIs(t, f.Err, transport.ErrOutcomeUnknown)
	}
	var got []string
	for range events {
		got = append(got, within(t, handled, "an event whose outcome was unknown"))
	}
	var want []string
	for _, e := range events {
		want = append(want, e.ID)
	}
	assert.ElementsMatch(t, want, got, "each was delivered")
}

// gatedSender holds every Send until the gate opens, so that other
// Publish calls gather behind those in flight.
type gatedSender struct {
	fakeSender
	gate  chan struct{}
	first atomic.Bool  // a Send has started
	held  atomic.Int32 // messages of the Sends held at the gate
}

func (g *gatedSender) Send(ctx context.Context, topic string, msgs []*driver.Message) error {
	g.first.Store(true)
	g.held.Add(int32(len(msgs)))
	<-g.gate
	return g.fakeSender.Send(ctx, topic, msgs)
}

// TestConcurrentPublishesShareBatches: 64 goroutines publishing one event
// each share batches (group commit), and each gets the result of its own
// event: the one the transport refuses is reported to its caller only.
func TestConcurrentPublishesShareBatches(t *testing.T) {
	const callers = 64
	events := make([]*envelope.Envelope, callers)
	for i := range events {
		events[i] = signedUp(t, i)
	}
	refused := events[17].ID
	s := &gatedSender{gate: make(chan struct{}), fakeSender: fakeSender{limits: driver.Limits{MaxBatch: 10},
		fail: func(_ int, m *driver.Message) error {
			if m.DedupID == refused {
				return fmt.Errorf("%w: refused", driver.ErrNotSent)
			}
			return nil
		}}}
	p := fastPublisher(t, s)
	var started sync.WaitGroup
	started.Add(callers)
	errs := make([]error, callers)
	var wg sync.WaitGroup
	for i := range callers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			started.Done()
			errs[i] = p.Publish(context.Background(), events[i])
		}()
	}
	started.Wait()
	// While a send is held, the publisher starts another only for a full
	// batch (10 here): once all but 9 events are held, the callers have
	// queued behind the first send.
	require.Eventually(t, func() bool { return s.held.Load() >= callers-9 }, 10*time.Second, time.Millisecond, "the events held in sends")
	close(s.gate)
	wg.Wait()
	for i, err := range errs {
		if events[i].ID == refused {
			var perr *transport.PublishError
			require.ErrorAs(t, err, &perr)
			require.Len(t, perr.Failed, 1)
			assert.Equal(t, 0, perr.Failed[0].Index, "the index in its own call")
			assert.False(t, perr.Failed[0].Unknown)
			continue
		}
		assert.NoError(t, err, "event %d", i)
	}
	assert.Len(t, s.accepted, callers-1, "each accepted once")
	assert.Less(t, len(s.batches), callers/2, "concurrent calls share batches: %d sends for %d events", len(s.batches), callers)
}

// TestPublishCancelledWhileWaiting: a call whose context ends while its
// event waits behind another call's send reports it as not sent, and it
// is never sent.
func TestPublishCancelledWhileWaiting(t *testing.T) {
	s := &gatedSender{gate: make(chan struct{})}
	p := fastPublisher(t, s)
	first, waiting := signedUp(t, 1), signedUp(t, 2)
	firstDone := make(chan error, 1)
	go func() { firstDone <- p.Publish(context.Background(), first) }()
	require.Eventually(t, s.first.Load, 5*time.Second, time.Millisecond, "the first send is held")
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	err := p.Publish(ctx, waiting)
	var perr *transport.PublishError
	require.ErrorAs(t, err, &perr)
	assert.False(t, perr.Failed[0].Unknown, "never taken: not sent")
	assert.ErrorIs(t, err, context.Canceled)
	close(s.gate)
	require.NoError(t, <-firstDone)
	assert.Equal(t, []string{first.ID}, s.accepted)
}

// stuckSender never answers until its context ends, as a hung connection.
type stuckSender struct{ fakeSender }

func (s *stuckSender) Send(ctx context.Context, _ string, _ []*driver.Message) error {
	<-ctx.Done()
	return ctx.Err()
}

// TestPublishHonoursItsDeadline: a call alone in its batch stops sending
// when its context ends, and reports the outcome as unknown.
func TestPublishHonoursItsDeadline(t *testing.T) {
	p := fastPublisher(t, &stuckSender{})
	returned := make(chan error, 1)
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
		defer cancel()
		returned <- p.Publish(ctx, signedUp(t, 1))
	}()
	err := within(t, returned, "Publish, after its deadline")
	var perr *transport.PublishError
	require.ErrorAs(t, err, &perr)
	assert.True(t, perr.Failed[0].Unknown, "the request was on its way")
	assert.ErrorIs(t, err, transport.ErrOutcomeUnknown)
}

// TestPublishNilEvent: a nil event is an invalid one, named by its index,
// and nothing of the call is sent.
func TestPublishNilEvent(t *testing.T) {
	s := &fakeSender{}
	p := fastPublisher(t, s)
	err := p.Publish(context.Background(), signedUp(t, 1), nil)
	var perr *transport.PublishError
	require.ErrorAs(t, err, &perr)
	require.Len(t, perr.Failed, 1)
	assert.Equal(t, 1, perr.Failed[0].Index)
	assert.True(t, perr.Failed[0].Invalid)
	assert.ErrorIs(t, err, envelope.ErrInvalid)
	assert.Empty(t, s.batches, "nothing sent")
}

// TestPublishErrorWords: a PublishError says which events were refused
// (not published) and which are of unknown outcome, never mixing the two.
func TestPublishErrorWords(t *testing.T) {
	refused := transport.FailedEvent{Index: 0, ID: "a", Err: errors.New("schema says no")}
	unknown := transport.FailedEvent{Index: 1, ID: "b", Unknown: true, Err: transport.ErrOutcomeUnknown}
	cases := []struct {
		failed    []transport.FailedEvent
		want, not string
	}{
		{[]transport.FailedEvent{refused}, "transport: 1 event not published: event 0 (a): schema says no", "unknown"},
		{[]transport.FailedEvent{unknown}, "transport: 1 event of unknown outcome (they may have been published)", "not published"},
		{[]transport.FailedEvent{refused, unknown, unknown}, "1 event not published: event 0 (a): schema says no; and 2 events of unknown outcome", ""},
	}
	for _, tc := range cases {
		msg := (&transport.PublishError{Failed: tc.failed}).Error()
		assert.Contains(t, msg, tc.want)
		if tc.not != "" {
			assert.NotContains(t, msg, tc.not)
		}
	}
}
