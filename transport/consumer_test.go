package transport_test

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/elmosoftware/eventprotocol/envelope"
	"github.com/elmosoftware/eventprotocol/event"
	"github.com/elmosoftware/eventprotocol/schema"
	"github.com/elmosoftware/eventprotocol/transport"
	"github.com/elmosoftware/eventprotocol/transport/driver"
	"github.com/elmosoftware/eventprotocol/transport/memory"
)

func TestHandlerPanicIsAFailedDelivery(t *testing.T) {
	r := newRig(t, memory.SubscriptionConfig{})
	var calls counter
	done := make(chan int, 1)
	r.start(t, transport.ConsumerConfig{}, func(ctx context.Context, d *transport.Delivery) error {
		if calls.inc() == 1 {
			panic("nil map somewhere")
		}
		done <- d.ReceiveCount
		return nil
	})
	require.NoError(t, r.pub.Publish(context.Background(), signedUp(t, 1)))
	assert.Equal(t, 2, within(t, done, "the redelivery after the panic"))
}

func TestHandlerAlwaysPanicsIsDeadLettered(t *testing.T) {
	r := newRig(t, memory.SubscriptionConfig{})
	r.start(t, transport.ConsumerConfig{MaxAttempts: 2}, func(ctx context.Context, d *transport.Delivery) error {
		panic("always")
	})
	require.NoError(t, r.pub.Publish(context.Background(), signedUp(t, 1)))
	dl := r.deadLetters(t, "email", 1)
	assert.Contains(t, dl[0].Attributes[driver.AttrDeadLetterReason], "handler panicked: always")
}

func TestFailsThreeTimesThenSucceeds(t *testing.T) {
	r := newRig(t, memory.SubscriptionConfig{})
	var calls counter
	done := make(chan int, 1)
	r.start(t, transport.ConsumerConfig{MaxAttempts: 5}, func(ctx context.Context, d *transport.Delivery) error {
		if calls.inc() <= 3 {
			return errors.New("provider down")
		}
		done <- d.ReceiveCount
		return nil
	})
	require.NoError(t, r.pub.Publish(context.Background(), signedUp(t, 1)))
	assert.Equal(t, 4, within(t, done, "the fourth delivery"))
	assert.Equal(t, 4, calls.get())
	dl, err := r.broker.DeadLetters("email")
	require.NoError(t, err)
	assert.Empty(t, dl)
}

func TestAlwaysFailsIsDeadLetteredAfterMaxAttempts(t *testing.T) {
	r := newRig(t, memory.SubscriptionConfig{MaxReceiveCount: 10})
	var calls counter
	r.start(t, transport.ConsumerConfig{MaxAttempts: 3}, func(ctx context.Context, d *transport.Delivery) error {
		calls.inc()
		return errors.New("invoice service rejects the plan")
	})
	require.NoError(t, r.pub.Publish(context.Background(), signedUp(t, 1)))
	dl := r.deadLetters(t, "email", 1)
	assert.Equal(t, 3, calls.get())
	assert.Contains(t, dl[0].Attributes[driver.AttrDeadLetterReason], "failed 3 times")
	assert.Contains(t, dl[0].Attributes[driver.AttrDeadLetterReason], "invoice service rejects the plan")
	assert.Equal(t, "3", dl[0].Attributes[driver.AttrDeadLetterReceiveCount])
}

// TestReleasesDoNotConsumeAttempts: a message released by two shutdowns
// (rolling deploys) and then failing once is retried, not dead-lettered:
// MaxAttempts counts handler failures, not receives.
func TestReleasesDoNotConsumeAttempts(t *testing.T) {
	r := newRig(t, memory.SubscriptionConfig{MaxReceiveCount: 10})
	require.NoError(t, r.pub.Publish(context.Background(), signedUp(t, 1)))
	for range 2 { // two deploys: the handler is still running at shutdown
		started := make(chan struct{}, 1)
		c := r.start(t, transport.ConsumerConfig{MaxAttempts: 2}, func(ctx context.Context, d *transport.Delivery) error {
			started <- struct{}{}
			<-ctx.Done()
			return ctx.Err()
		})
		within(t, started, "the delivery before the deploy")
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
		require.Error(t, c.Shutdown(ctx), "the handler did not finish: released")
		cancel()
	}
	var calls counter
	done := make(chan int, 1)
	r.start(t, transport.ConsumerConfig{MaxAttempts: 2}, func(ctx context.Context, d *transport.Delivery) error {
		if calls.inc() == 1 {
			return errors.New("a passing outage")
		}
		done <- d.ReceiveCount
		return nil
	})
	assert.Equal(t, 4, within(t, done, "the delivery after one failure"), "two releases, one failure, one success")
	dl, err := r.broker.DeadLetters("email")
	require.NoError(t, err)
	assert.Empty(t, dl)
}

func TestPermanentErrorIsDeadLetteredAtOnce(t *testing.T) {
	r := newRig(t, memory.SubscriptionConfig{})
	var calls counter
	r.start(t, transport.ConsumerConfig{}, func(ctx context.Context, d *transport.Delivery) error {
		calls.inc()
		return transport.Permanent(errors.New("client is on a blocked list"))
	})
	require.NoError(t, r.pub.Publish(context.Background(), signedUp(t, 1)))
	dl := r.deadLetters(t, "email", 1)
	assert.Equal(t, 1, calls.get())
	assert.Contains(t, dl[0].Attributes[driver.AttrDeadLetterReason], "blocked list")
}

func TestDuplicateDeliveredTwiceIsProcessedOnce(t *testing.T) {
	r := newRig(t, memory.SubscriptionConfig{})
	var calls counter
	handled := make(chan string, 10)
	r.start(t, transport.ConsumerConfig{}, func(ctx context.Context, d *transport.Delivery) error {
		calls.inc()
		handled <- d.Envelope.ID
		return nil
	})
	e := signedUp(t, 1)
	other := signedUp(t, 2)
	// The same event published twice (a producer retry) is delivered twice.
	require.NoError(t, r.pub.Publish(context.Background(), e))
	require.NoError(t, r.pub.Publish(context.Background(), e, other))
	assert.ElementsMatch(t, []string{e.ID, other.ID}, []string{within(t, handled, "a delivery"), within(t, handled, "a delivery")})
	require.Eventually(t, func() bool {
		st, err := r.broker.Stats("email")
		require.NoError(t, err)
		return st.Visible == 0 && st.InFlight == 0
	}, 5*time.Second, time.Millisecond, "all three deliveries settled")
	assert.Equal(t, 2, calls.get())
}

func TestIdempotentMiddleware(t *testing.T) {
	store := mustStore(t, nil)
	var calls counter
	fail := true
	h := transport.Idempotent(store)(func(ctx context.Context, d *transport.Delivery) error {
		calls.inc()
		if fail {
			return errors.New("boom")
		}
		return nil
	})
	d := &transport.Delivery{Envelope: signedUp(t, 1)}
	ctx := context.Background()
	require.Error(t, h(ctx, d), "a failure is reported")
	fail = false
	require.NoError(t, h(ctx, d), "a failure released the claim")
	require.NoError(t, h(ctx, d), "a duplicate succeeds")
	assert.Equal(t, 2, calls.get(), "the duplicate did not run the handler")

	// A claim held by a delivery in progress makes the twin retry later.
	busy := signedUp(t, 2)
	res, err := store.Claim(ctx, busy.Source+"\x00"+busy.ID)
	require.NoError(t, err)
	require.Equal(t, transport.Claimed, res)
	assert.ErrorIs(t, h(ctx, &transport.Delivery{Envelope: busy}), transport.ErrInProgress)

	// A panicking handler releases its claim too.
	p := signedUp(t, 3)
	panicky := transport.Recover(transport.Idempotent(store)(func(context.Context, *transport.Delivery) error { panic("x") }))
	assert.ErrorIs(t, panicky(ctx, &transport.Delivery{Envelope: p}), transport.ErrPanic)
	res, err = store.Claim(ctx, p.Source+"\x00"+p.ID)
	require.NoError(t, err)
	assert.Equal(t, transport.Claimed, res)
}

func TestMemoryStoreBounds(t *testing.T) {
	clock := memory.NewManualClock(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))
	store := mustStore(t, &transport.MemoryStoreConfig{MaxEntries: 3, TTL: time.Hour, Clock: clock})
	ctx := context.Background()
	for i := range 5 {
		require.NoError(t, store.Complete(ctx, fmt.Sprint(i)))
	}
	assert.Equal(t, 3, store.Len(), "size bound")
	res, _ := store.Claim(ctx, "0")
	assert.Equal(t, transport.Claimed, res, "the oldest key was evicted")
	res, _ = store.Claim(ctx, "4")
	assert.Equal(t, transport.AlreadyDone, res)
	clock.Advance(2 * time.Hour)
	res, _ = store.Claim(ctx, "4")
	assert.Equal(t, transport.Claimed, res, "expired after the TTL")
	assert.Equal(t, 2, store.Len(), `"4" claimed again, and "0" still in progress: claims never expire`)
}

// TestMemoryStoreNeverDropsClaims: however many events complete meanwhile,
// and however long it takes, a claim in progress stays, so a twin of the
// event never runs alongside it. The window is a time: a duplicate within
// TTL is caught whatever the count of events in between (under MaxEntries).
func TestMemoryStoreNeverDropsClaims(t *testing.T) {
	clock := memory.NewManualClock(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))
	store := mustStore(t, &transport.MemoryStoreConfig{MaxEntries: 2, TTL: time.Minute, Clock: clock})
	ctx := context.Background()
	res, _ := store.Claim(ctx, "slow")
	require.Equal(t, transport.Claimed, res)
	for i := range 100 {
		require.NoError(t, store.Complete(ctx, fmt.Sprint(i)))
	}
	clock.Advance(time.Hour)
	res, _ = store.Claim(ctx, "slow")
	assert.Equal(t, transport.InProgress, res, "neither the count bound nor the TTL drops a claim")
	require.NoError(t, store.Complete(ctx, "slow"))
	res, _ = store.Claim(ctx, "slow")
	assert.Equal(t, transport.AlreadyDone, res)

	window := mustStore(t, &transport.MemoryStoreConfig{TTL: time.Hour, Clock: clock})
	require.NoError(t, window.Complete(ctx, "first"))
	for i := range 200_000 { // more than the old count-based default in between
		require.NoError(t, window.Complete(ctx, fmt.Sprint(i)))
	}
	clock.Advance(59 * time.Minute)
	res, _ = window.Claim(ctx, "first")
	assert.Equal(t, transport.AlreadyDone, res, "a duplicate within the window")
	clock.Advance(2 * time.Minute)
	res, _ = window.Claim(ctx, "first")
	assert.Equal(t, transport.Claimed, res, "after the window")
}

func TestValidatePayloadDeadLetters(t *testing.T) {
	cat, err := schema.Load(os.DirFS("../testdata/catalog"))
	require.NoError(t, err)
	r := newRig(t, memory.SubscriptionConfig{})
	handled := make(chan string, 2)
	r.start(t, transport.ConsumerConfig{Catalog: cat}, func(ctx context.Context, d *transport.Delivery) error {
		handled <- d.Envelope.ID
		return nil
	})
	good, bad := signedUp(t, 1), signedUp(t, 2)
	bad.Data = []byte(`{"client":"ern:elmo:identity:acme:client/c-2","companyName":7,"plan":"STANDARD","contactEmail":"ops@acme.example"}`)
	require.NoError(t, r.pub.Publish(context.Background(), good, bad))
	assert.Equal(t, good.ID, within(t, handled, "the valid event"))
	dl := r.deadLetters(t, "email", 1)
	reason := dl[0].Attributes[driver.AttrDeadLetterReason]
	assert.Contains(t, reason, "payload does not match")
	assert.Contains(t, reason, "/companyName")
}

func TestNoHandlerIsDeadLettered(t *testing.T) {
	r := newRig(t, memory.SubscriptionConfig{})
	recv, err := r.broker.Receiver("email")
	require.NoError(t, err)
	c, err := transport.NewConsumer(recv, nil)
	require.NoError(t, err)
	require.NoError(t, c.HandleFunc("elmo.identity.client.closed.v1", func(context.Context, *transport.Delivery) error { return nil }))
	require.NoError(t, c.Start(context.Background()))
	defer c.Shutdown(context.Background()) //nolint:errcheck
	require.NoError(t, r.pub.Publish(context.Background(), signedUp(t, 1)))
	dl := r.deadLetters(t, "email", 1)
	assert.Contains(t, dl[0].Attributes[driver.AttrDeadLetterReason], "no handler")
}

type signedUpPayload struct {
	Client      string `json:"client"`
	CompanyName string `json:"companyName"`
	Plan        string `json:"plan"`
}

func TestTypedHandlerAndTraceContext(t *testing.T) {
	r := newRig(t, memory.SubscriptionConfig{Name: "provisioning"})
	require.NoError(t, r.broker.CreateSubscription(memory.SubscriptionConfig{Name: "audit", Topics: []string{"platform"}}))
	def := event.MustDefine[signedUpPayload](typeSignedUp)
	recv, err := r.broker.Receiver("provisioning")
	require.NoError(t, err)
	c, err := transport.NewConsumer(recv, &transport.ConsumerConfig{Name: "provisioning"})
	require.NoError(t, err)
	plans := make(chan string, 1)
	p := &envelope.Producer{Source: "urn:elmo:service:provisioning"}
	require.NoError(t, transport.Handle(c, def, func(ctx context.Context, e *envelope.Envelope, payload signedUpPayload) error {
		if d, ok := transport.DeliveryFrom(ctx); !ok || d.Envelope.ID != e.ID {
			return errors.New("the context does not carry the delivery")
		}
		plans <- payload.Plan
		out, err := p.New("elmo.platform.tenant.provisioned.v1", []byte(`{"tenant":"acme"}`))
		if err != nil {
			return err
		}
		out.Subject, out.TenantID = "ern:elmo:platform:acme:tenant/acme", "acme"
		return r.pub.Publish(ctx, &out) // no trace context of its own: it inherits the delivery's
	}))
	noop := func(context.Context, *envelope.Envelope, signedUpPayload) error { return nil }
	require.ErrorIs(t, transport.Handle(c, def, noop), transport.ErrHandlerExists)
	require.NoError(t, c.Start(context.Background()))
	defer c.Shutdown(context.Background()) //nolint:errcheck
	require.ErrorIs(t, c.Start(context.Background()), transport.ErrStarted)

	e := signedUp(t, 1)
	e.TraceParent = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"
	e.TraceState = "elmo=1"
	require.NoError(t, r.pub.Publish(context.Background(), e))
	assert.Equal(t, "STANDARD", within(t, plans, "the typed payload"))

	audit, err := r.broker.Receiver("audit")
	require.NoError(t, err)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	msgs, err := audit.Receive(ctx, 1)
	require.NoError(t, err)
	got, err := envelope.Decode(msgs[0].Body)
	require.NoError(t, err)
	assert.Equal(t, e.TraceParent, got.TraceParent)
	assert.Equal(t, e.TraceState, got.TraceState)
}

func TestShutdownIsIdempotentAndConcurrent(t *testing.T) {
	r := newRig(t, memory.SubscriptionConfig{})
	recv, err := r.broker.Receiver("email")
	require.NoError(t, err)
	never, err := transport.NewConsumer(recv, nil)
	require.NoError(t, err)
	require.NoError(t, never.Shutdown(context.Background()), "shutting down a consumer never started")
	require.ErrorIs(t, never.Start(context.Background()), transport.ErrShutdown)

	started := make(chan struct{}, 1)
	c := r.start(t, transport.ConsumerConfig{}, func(ctx context.Context, d *transport.Delivery) error {
		started <- struct{}{}
		<-ctx.Done()
		return ctx.Err()
	})
	e := signedUp(t, 1)
	require.NoError(t, r.pub.Publish(context.Background(), e))
	within(t, started, "the handler")
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	errs := make(chan error, 2)
	for range 2 {
		go func() { errs <- c.Shutdown(ctx) }()
	}
	first, second := within(t, errs, "a Shutdown"), within(t, errs, "the other Shutdown")
	var serr *transport.ShutdownError
	require.ErrorAs(t, first, &serr)
	assert.Equal(t, []string{e.ID}, serr.Unfinished)
	assert.Equal(t, first, second, "both calls report the same result")
	assert.Equal(t, first, c.Shutdown(context.Background()), "and so do later ones")
}

// TestShutdownReturnsWhileAHandlerIgnoresItsContext: Shutdown returns by
// its deadline (plus the grace of its last calls) and names the handler
// that is still running; the handler's late success changes nothing, and
// the released message is delivered again.
func TestShutdownReturnsWhileAHandlerIgnoresItsContext(t *testing.T) {
	r := newRig(t, memory.SubscriptionConfig{})
	e := signedUp(t, 1)
	require.NoError(t, r.pub.Publish(context.Background(), e))
	started, unblock := make(chan struct{}), make(chan struct{})
	stubborn := r.start(t, transport.ConsumerConfig{}, func(ctx context.Context, d *transport.Delivery) error {
		close(started)
		<-unblock // ignores ctx
		return nil
	})
	within(t, started, "the stubborn handler")
	returned := make(chan error, 1)
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Millisecond)
		defer cancel()
		returned <- stubborn.Shutdown(ctx)
	}()
	err := within(t, returned, "Shutdown, while the handler still runs")
	var serr *transport.ShutdownError
	require.ErrorAs(t, err, &serr)
	assert.Equal(t, []string{e.ID}, serr.Unfinished)
	assert.ErrorIs(t, err, context.DeadlineExceeded)
	close(unblock) // the late success must not ack (nor panic on a closed queue)

	again := make(chan string, 1)
	r.start(t, transport.ConsumerConfig{}, func(ctx context.Context, d *transport.Delivery) error {
		again <- d.Envelope.ID
		return nil
	})
	assert.Equal(t, e.ID, within(t, again, "the released message"))
}

// flakyReceiver fails every Receive while failing is set.
type flakyReceiver struct {
	driver.Receiver
	failing atomic.Bool
}

var errExpiredCredentials = errors.New("ExpiredToken: the security token included in the request is expired")

func (f *flakyReceiver) Receive(ctx context.Context, max int) ([]*driver.Message, error) {
	if f.failing.Load() {
		return nil, errExpiredCredentials
	}
	return f.Receiver.Receive(ctx, max)
}

// TestReceiveFailuresAreSeen: with no Logger configured, receiving that
// keeps failing reaches slog.Default at Error, and Health reports it until
// a receive succeeds.
func TestReceiveFailuresAreSeen(t *testing.T) {
	logs := &lockedBuffer{}
	previous := slog.Default()
	slog.SetDefault(slog.New(slog.NewJSONHandler(logs, nil)))
	t.Cleanup(func() { slog.SetDefault(previous) })

	r := newRig(t, memory.SubscriptionConfig{})
	inner, err := r.broker.Receiver("email")
	require.NoError(t, err)
	recv := &flakyReceiver{Receiver: inner}
	recv.failing.Store(true)
	c, err := transport.NewConsumer(recv, &transport.ConsumerConfig{Backoff: &transport.Backoff{Initial: time.Millisecond, Max: time.Millisecond}})
	require.NoError(t, err)
	handled := make(chan string, 1)
	require.NoError(t, c.HandleFunc(typeSignedUp, func(_ context.Context, d *transport.Delivery) error {
		handled <- d.Envelope.ID
		return nil
	}))
	require.NoError(t, c.Health(), "healthy before the first receive")
	require.NoError(t, c.Start(context.Background()))
	t.Cleanup(func() { _ = c.Shutdown(context.Background()) })

	require.Eventually(t, func() bool { return c.Health() != nil }, 5*time.Second, time.Millisecond)
	assert.ErrorIs(t, c.Health(), transport.ErrUnhealthy)
	assert.ErrorIs(t, c.Health(), errExpiredCredentials)
	require.Eventually(t, func() bool { return strings.Contains(logs.String(), `"level":"ERROR"`) }, 5*time.Second, time.Millisecond)
	assert.Contains(t, logs.String(), "receiving keeps failing")

	recv.failing.Store(false)
	e := signedUp(t, 1)
	require.NoError(t, r.pub.Publish(context.Background(), e))
	assert.Equal(t, e.ID, within(t, handled, "the event after recovery"))
	assert.NoError(t, c.Health())
	require.NoError(t, c.Shutdown(context.Background()))
	assert.ErrorIs(t, c.Health(), transport.ErrShutdown)
}

// TestFIFOGroupsRunInOrder: on a FIFO subscription, one receive brings
// several messages of a group (as SQS FIFO does); the consumer runs them
// one at a time, in order, across its workers, and a message left for a
// retry holds its group until it succeeds.
func TestFIFOGroupsRunInOrder(t *testing.T) {
	r := newRig(t, memory.SubscriptionConfig{FIFO: true})
	groups := []string{"emp-1", "emp-2", "emp-3"}
	const perGroup = 6
	var mu sync.Mutex
	order := map[string][]string{}
	running := map[string]int{}
	overlaps := 0
	failedOnce := false
	var all []*envelope.Envelope
	for i := range perGroup {
		for _, g := range groups {
			e := signedUp(t, i)
			e.PartitionKey = g
			all = append(all, e)
		}
	}
	require.NoError(t, r.pub.Publish(context.Background(), all...))
	want := map[string][]string{}
	for _, e := range all {
		want[e.PartitionKey] = append(want[e.PartitionKey], e.ID)
	}
	done := make(chan struct{})
	r.start(t, transport.ConsumerConfig{Concurrency: 8, MaxAttempts: 3}, func(ctx context.Context, d *transport.Delivery) error {
		g := d.Envelope.PartitionKey
		mu.Lock()
		running[g]++
		if running[g] > 1 {
			overlaps++
		}
		first := d.Envelope.ID == want[g][0]
		fail := first && g == "emp-1" && !failedOnce
		failedOnce = failedOnce || fail
		mu.Unlock()
		if first {
			// Give the group's later messages every chance to overtake:
			// they must not.
			for range 1000 {
				runtime.Gosched()
			}
		}
		mu.Lock()
		defer mu.Unlock()
		running[g]--
		if fail {
			return errors.New("a passing outage")
		}
		order[g] = append(order[g], d.Envelope.ID)
		total := 0
		for _, ids := range order {
			total += len(ids)
		}
		if total == len(all) {
			close(done)
		}
		return nil
	})
	within(t, done, "every event")
	mu.Lock()
	defer mu.Unlock()
	assert.Zero(t, overlaps, "two messages of one group ran at once")
	assert.Equal(t, want, order, "each group in publish order, the retried one included")
	assert.True(t, failedOnce)
}

// TestVisibilityTimeoutComesFromTheQueue: the consumer takes the queue's
// visibility timeout, so a handler that works for several of them keeps
// its message invisible, is handled once and never dead-lettered; a
// contradicting setting fails at Start.
func TestVisibilityTimeoutComesFromTheQueue(t *testing.T) {
	const queueVisibility = 150 * time.Millisecond
	r := newRig(t, memory.SubscriptionConfig{VisibilityTimeout: queueVisibility, MaxReceiveCount: 10})

	recv, err := r.broker.Receiver("email")
	require.NoError(t, err)
	c, err := transport.NewConsumer(recv, &transport.ConsumerConfig{VisibilityTimeout: 30 * time.Second})
	require.NoError(t, err)
	require.NoError(t, c.HandleFunc(typeSignedUp, func(context.Context, *transport.Delivery) error { return nil }))
	require.ErrorIs(t, c.Start(context.Background()), transport.ErrVisibilityMismatch)

	var deliveries counter
	done := make(chan struct{})
	r.start(t, transport.ConsumerConfig{MaxAttempts: 2}, func(ctx context.Context, d *transport.Delivery) error {
		if deliveries.inc() == 1 {
			// Slow work, four visibility timeouts long.
			select {
			case <-time.After(4 * queueVisibility):
			case <-ctx.Done():
				return ctx.Err()
			}
			close(done)
		}
		return nil
	})
	require.NoError(t, r.pub.Publish(context.Background(), signedUp(t, 1)))
	within(t, done, "the slow handler")
	assert.Equal(t, 1, deliveries.get(), "the message never came back while its handler worked")
	dl, err := r.broker.DeadLetters("email")
	require.NoError(t, err)
	assert.Empty(t, dl)
}

// TestTwinInProgressNeverDeadLetters: a delivery whose twin is being
// handled is retried, never counted as a failure: once the twin is done it
// is acknowledged, even with MaxAttempts 1.
func TestTwinInProgressNeverDeadLetters(t *testing.T) {
	r := newRig(t, memory.SubscriptionConfig{})
	store := mustStore(t, nil)
	e := signedUp(t, 1)
	key := e.Source + "\x00" + e.ID
	res, err := store.Claim(context.Background(), key) // the twin, being handled elsewhere
	require.NoError(t, err)
	require.Equal(t, transport.Claimed, res)
	inner, err := r.broker.Receiver("email")
	require.NoError(t, err)
	recv := &countingReceiver{Receiver: inner}
	c, err := transport.NewConsumer(recv, &transport.ConsumerConfig{MaxAttempts: 1, Idempotency: store,
		Backoff: &transport.Backoff{Initial: time.Millisecond, Max: time.Millisecond}})
	require.NoError(t, err)
	var calls counter
	require.NoError(t, c.HandleFunc(typeSignedUp, func(context.Context, *transport.Delivery) error {
		calls.inc()
		return nil
	}))
	require.NoError(t, c.Start(context.Background()))
	t.Cleanup(func() { _ = c.Shutdown(context.Background()) })
	require.NoError(t, r.pub.Publish(context.Background(), e))
	require.Eventually(t, func() bool { return recv.received.Load() >= 3 }, 5*time.Second, time.Millisecond, "delivered again and again")
	st, err := r.broker.Stats("email")
	require.NoError(t, err)
	assert.Zero(t, st.DeadLettered, "retried, not dead-lettered")
	require.NoError(t, store.Complete(context.Background(), key)) // the twin is done
	require.Eventually(t, func() bool {
		st, _ := r.broker.Stats("email")
		return st.Visible+st.InFlight == 0
	}, 5*time.Second, time.Millisecond, "acknowledged as a duplicate")
	st, err = r.broker.Stats("email")
	require.NoError(t, err)
	assert.Zero(t, st.DeadLettered)
	assert.Zero(t, calls.get(), "the handler never ran for the twin")
}

// countingReceiver counts the messages received.
type countingReceiver struct {
	driver.Receiver
	received atomic.Int64
}

func (c *countingReceiver) Receive(ctx context.Context, max int) ([]*driver.Message, error) {
	msgs, err := c.Receiver.Receive(ctx, max)
	c.received.Add(int64(len(msgs)))
	return msgs, err
}

// TestRegistrationMistakes: a registration that could never be dispatched
// to is an error, never a silent nil or a panic.
func TestRegistrationMistakes(t *testing.T) {
	r := newRig(t, memory.SubscriptionConfig{})
	recv, err := r.broker.Receiver("email")
	require.NoError(t, err)
	c, err := transport.NewConsumer(recv, nil)
	require.NoError(t, err)
	def := event.MustDefine[ClientSignedUp](typeSignedUp)
	noop := func(context.Context, *transport.Delivery) error { return nil }
	typed := func(context.Context, *envelope.Envelope, ClientSignedUp) error { return nil }
	for _, tc := range []struct {
		name string
		err  error
	}{
		{"invalid type", c.HandleFunc("signed up", noop)},
		{"type without version", c.HandleFunc("elmo.identity.client.signed_up", noop)},
		{"nil handler", c.HandleFunc(typeSignedUp, nil)},
		{"nil definition", transport.Handle[ClientSignedUp](c, nil, typed)},
		{"nil typed handler", transport.Handle(c, def, nil)},
		{"nil consumer", transport.Handle(nil, def, typed)},
	} {
		t.Run(tc.name, func(t *testing.T) { assert.ErrorIs(t, tc.err, transport.ErrInvalidHandler) })
	}
	require.NoError(t, transport.Handle(c, def, typed), "nothing was registered by the mistakes")
}

// TestTypedHandlerChecksMembersInOnePass: a typed handler's payload
// member names are checked in the decoder's pass over the data (the
// envelope says so), and a member that matches a field only in case is
// still a dead letter, named by its pointer.
func TestTypedHandlerChecksMembersInOnePass(t *testing.T) {
	r := newRig(t, memory.SubscriptionConfig{Name: "provisioning"})
	def := event.MustDefine[signedUpPayload](typeSignedUp)
	recv, err := r.broker.Receiver("provisioning")
	require.NoError(t, err)
	c, err := transport.NewConsumer(recv, &transport.ConsumerConfig{Name: "provisioning"})
	require.NoError(t, err)
	checked := make(chan bool, 2)
	require.NoError(t, transport.Handle(c, def, func(_ context.Context, e *envelope.Envelope, _ signedUpPayload) error {
		checked <- e.MembersCheckedBy(def.Members())
		return nil
	}))
	require.NoError(t, c.Start(context.Background()))
	defer c.Shutdown(context.Background()) //nolint:errcheck

	good, sly := signedUp(t, 1), signedUp(t, 2)
	sly.Data = []byte(`{"client":"ern:elmo:identity:acme:client/c-2","companyName":"Acme","plan":"STANDARD","PLAN":"ENTERPRISE","contactEmail":"ops@acme.example"}`)
	require.NoError(t, r.pub.Publish(context.Background(), good, sly))
	assert.True(t, within(t, checked, "the valid event"), "checked in the decoder's pass")
	dl := r.deadLetters(t, "provisioning", 1)
	assert.Contains(t, dl[0].Attributes[driver.AttrDeadLetterReason], "/PLAN")
	select {
	case <-checked:
		t.Fatal("the event with a case-only member reached the handler")
	default:
	}
}
