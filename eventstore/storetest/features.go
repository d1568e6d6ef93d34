package storetest

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/elmosoftware/eventprotocol/eventstore"
)

func testBranches(t *testing.T, open opener) {
	s, clock := newStore(t, open)
	ctx := context.Background()
	main := eventstore.Stream{Name: stream}
	before := events(t, stream, 3)
	res, err := s.Append(ctx, main, eventstore.Exactly(0), before[:2]...)
	require.NoError(t, err)
	firstRecorded := res.Recorded
	clock.Set(epoch.Add(time.Minute))
	_, err = s.Append(ctx, main, eventstore.Exactly(2), before[2])
	require.NoError(t, err)

	// A branch of now sees all three; one of the first append's time sees two.
	now, err := s.Fork(ctx, stream, time.Time{})
	require.NoError(t, err)
	assert.Equal(t, int64(3), now.Base)
	past, err := s.Fork(ctx, stream, firstRecorded)
	require.NoError(t, err)
	assert.Equal(t, int64(2), past.Base)
	assert.Equal(t, firstRecorded, past.ForkedAt)

	clock.Set(epoch.Add(2 * time.Minute))
	afterFork := events(t, stream, 1)
	_, err = s.Append(ctx, main, eventstore.Exactly(3), afterFork...)
	require.NoError(t, err)
	own := events(t, stream, 2)
	pastSt := eventstore.Stream{Name: stream, Branch: past.ID}
	_, err = s.Append(ctx, pastSt, eventstore.Exactly(3), own...)
	require.ErrorIs(t, err, eventstore.ErrConflict, "the branch is at its base, 2")
	res, err = s.Append(ctx, pastSt, eventstore.Exactly(2), own...)
	require.NoError(t, err)
	assert.Equal(t, int64(4), res.Version)
	// An event the main timeline recorded after the fork is not on the
	// branch's timeline: the branch stores it too.
	_, err = s.Append(ctx, pastSt, eventstore.Exactly(4), before[2])
	require.NoError(t, err)

	branchRead := collect(t, s.ReadStream(ctx, pastSt, 0))
	assert.Equal(t, append(envIDs(before[:2]), append(envIDs(own), before[2].ID)...), ids(t, branchRead))
	assert.Equal(t, []int64{1, 2, 3, 4, 5}, versions(branchRead))
	assert.Equal(t, envIDs(own[1:]), ids(t, collect(t, s.ReadStream(ctx, pastSt, 3)))[:1])
	assert.Equal(t, append(envIDs(before), afterFork[0].ID), ids(t, collect(t, s.ReadStream(ctx, main, 0))), "the main timeline never shows a branch")
	assert.Equal(t, append(envIDs(before), afterFork[0].ID), ids(t, collect(t, s.ReadAll(ctx, 0))), "nor does the global order")
	assert.Len(t, collect(t, s.ReadAsOf(ctx, eventstore.Stream{Name: stream, Branch: now.ID}, eventstore.AsOf{})), 3, "a branch never shows what the main timeline recorded after its fork")

	list, err := s.Branches(ctx, stream)
	require.NoError(t, err)
	require.Len(t, list, 2)
	assert.Equal(t, []string{now.ID, past.ID}, []string{list[0].ID, list[1].ID})
	assert.Equal(t, past, list[1])

	other := eventstore.Stream{Name: stream + "-other", Branch: past.ID}
	require.ErrorIs(t, firstErr(s.ReadStream(ctx, other, 0)), eventstore.ErrUnknownBranch, "a branch of another stream")

	headBefore, err := s.Head(ctx)
	require.NoError(t, err)
	require.NoError(t, s.Discard(ctx, pastSt))
	require.ErrorIs(t, s.Discard(ctx, pastSt), eventstore.ErrUnknownBranch)
	head, err := s.Head(ctx)
	require.NoError(t, err)
	assert.Equal(t, headBefore, head, "the head never goes back: a waiter for it would wait for nothing")
	require.ErrorIs(t, firstErr(s.ReadStream(ctx, pastSt, 0)), eventstore.ErrUnknownBranch)
	list, err = s.Branches(ctx, stream)
	require.NoError(t, err)
	assert.Equal(t, []eventstore.Branch{now}, list)
	assert.Len(t, collect(t, s.ReadAll(ctx, 0)), 4)

	// The discarded branch's events were the newest: their positions and
	// recorded times are never taken again, and a waiter wakes.
	woke := make(chan error, 1)
	go func() { woke <- s.Wait(ctx, head) }()
	clock.Set(epoch) // behind: the store still moves forward
	res, err = s.Append(ctx, main, eventstore.Exactly(4), events(t, stream, 1)...)
	require.NoError(t, err)
	assert.Greater(t, res.FirstPosition, head)
	assert.True(t, res.Recorded.After(branchRead[len(branchRead)-1].Recorded))
	select {
	case err := <-woke:
		require.NoError(t, err)
	case <-time.After(10 * time.Second):
		t.Fatal("Wait never woke")
	}
}

func testSnapshots(t *testing.T, open opener) {
	s, clock := newStore(t, open)
	ctx := context.Background()
	main := eventstore.Stream{Name: stream}
	day := func(n int) time.Time { return epoch.AddDate(0, 0, n) }
	_, err := s.Append(ctx, main, eventstore.Any, Event(t, stream, day(1), 10), Event(t, stream, day(3), 10))
	require.NoError(t, err)
	r1 := epoch

	s0 := eventstore.Snapshot{Stream: stream, Recorded: r1, Effective: day(1), Version: 2, State: []byte("s0")}
	s1 := eventstore.Snapshot{Stream: stream, Recorded: r1, Effective: day(2), Version: 2, State: []byte("s1")}
	require.NoError(t, s.SaveSnapshot(ctx, s0))
	require.NoError(t, s.SaveSnapshot(ctx, s1))
	load := func(knownAt, effective time.Time) string {
		t.Helper()
		snap, ok, err := s.LoadSnapshot(ctx, main, knownAt, effective)
		require.NoError(t, err)
		if !ok {
			return ""
		}
		return string(snap.State)
	}
	assert.Equal(t, "s1", load(time.Time{}, day(4)), "the latest effective")
	assert.Equal(t, "s0", load(time.Time{}, day(1)), "never one covering more than the read")
	assert.Equal(t, "", load(time.Time{}, day(0)))

	// Recorded later, effective earlier than s1 but after s0: s1 is stale.
	clock.Set(epoch.Add(time.Hour))
	res, err := s.Append(ctx, main, eventstore.Any, Event(t, stream, day(1).Add(12*time.Hour), 10))
	require.NoError(t, err)
	r2 := res.Recorded
	assert.Equal(t, "s0", load(time.Time{}, day(4)), "s1 is invalidated")
	assert.Equal(t, "s1", load(r1, day(4)), "but serves a read of what was known before")

	// A later-effective event invalidates nothing.
	clock.Set(epoch.Add(2 * time.Hour))
	_, err = s.Append(ctx, main, eventstore.Any, Event(t, stream, day(9), 10))
	require.NoError(t, err)
	s2 := eventstore.Snapshot{Stream: stream, Recorded: r2, Effective: day(2), Version: 3, State: []byte("s2")}
	require.NoError(t, s.SaveSnapshot(ctx, s2))
	got, ok, err := s.LoadSnapshot(ctx, main, time.Time{}, day(4))
	require.NoError(t, err)
	require.True(t, ok)
	assert.Equal(t, s2, got)
	// Saving the same coverage again replaces it.
	s2.State = []byte("s2'")
	require.NoError(t, s.SaveSnapshot(ctx, s2))
	assert.Equal(t, "s2'", load(time.Time{}, day(4)))

	// A branch's snapshots are its own; the main timeline's events up to
	// the fork can invalidate them, later ones cannot.
	br, err := s.Fork(ctx, stream, time.Time{})
	require.NoError(t, err)
	bst := eventstore.Stream{Name: stream, Branch: br.ID}
	bs := eventstore.Snapshot{Stream: stream, Branch: br.ID, Recorded: r1, Effective: day(2), State: []byte("b")}
	require.NoError(t, s.SaveSnapshot(ctx, bs))
	_, ok, err = s.LoadSnapshot(ctx, bst, time.Time{}, day(4))
	require.NoError(t, err)
	assert.False(t, ok, "the main timeline's event recorded at r2 invalidates it")
	bs.Recorded = r2
	require.NoError(t, s.SaveSnapshot(ctx, bs))
	clock.Set(epoch.Add(3 * time.Hour))
	_, err = s.Append(ctx, main, eventstore.Any, Event(t, stream, day(0), 10))
	require.NoError(t, err)
	got, ok, err = s.LoadSnapshot(ctx, bst, time.Time{}, day(4))
	require.NoError(t, err)
	require.True(t, ok, "the main timeline after the fork is not the branch's")
	assert.Equal(t, "b", string(got.State))
	assert.Equal(t, "", load(time.Time{}, day(4)), "but it invalidates the main timeline's")
	_, err = s.Append(ctx, bst, eventstore.Any, Event(t, stream, day(1), 10))
	require.NoError(t, err)
	_, ok, err = s.LoadSnapshot(ctx, bst, time.Time{}, day(4))
	require.NoError(t, err)
	assert.False(t, ok, "the branch's own event invalidates it")
}

// dying is a backend that fails every call once killed, as a process
// that crashed would make none.
type dying struct {
	eventstore.Backend
	mu   sync.Mutex
	dead bool
}

var errDead = errors.New("the process died")

func (d *dying) kill() { d.mu.Lock(); d.dead = true; d.mu.Unlock() }

func (d *dying) alive() error {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.dead {
		return errDead
	}
	return nil
}

func (d *dying) Read(ctx context.Context, q *eventstore.Query, max int) ([]eventstore.Record, error) {
	if err := d.alive(); err != nil {
		return nil, err
	}
	return d.Backend.Read(ctx, q, max)
}

func (d *dying) SaveCheckpoint(ctx context.Context, name string, pos int64) error {
	if err := d.alive(); err != nil {
		return err
	}
	return d.Backend.SaveCheckpoint(ctx, name, pos)
}

func testSubscriptionResume(t *testing.T, open opener) {
	b := open(t)
	d := &dying{Backend: b}
	s, err := eventstore.New(d, &eventstore.Config{PageSize: 7})
	require.NoError(t, err)
	ctx := context.Background()
	for range 6 {
		_, err := s.Append(ctx, eventstore.Stream{Name: stream}, eventstore.Any, events(t, stream, 5)...)
		require.NoError(t, err)
	}
	var handled []int64
	err = s.Subscribe(ctx, "projection", func(_ context.Context, r eventstore.Record) error {
		handled = append(handled, r.Position)
		if r.Position == 17 {
			d.kill() // mid-page: 15 to 21 handled, never saved
		}
		return nil
	}, nil)
	require.ErrorIs(t, err, errDead)
	assert.Equal(t, int64(21), handled[len(handled)-1])

	s2, err := eventstore.New(b, &eventstore.Config{PageSize: 7})
	require.NoError(t, err)
	saved, err := s2.Checkpoint(ctx, "projection")
	require.NoError(t, err)
	assert.Equal(t, int64(14), saved, "saved after each page")
	rctx, cancel := context.WithCancel(ctx)
	var again []int64
	err = s2.Subscribe(rctx, "projection", func(_ context.Context, r eventstore.Record) error {
		again = append(again, r.Position)
		return nil
	}, &eventstore.SubscribeConfig{CaughtUp: cancel})
	require.ErrorIs(t, err, context.Canceled)
	assert.Equal(t, int64(15), again[0], "resumes after the saved checkpoint")
	for p := int64(1); p <= 30; p++ {
		assert.True(t, contains(handled, p) || contains(again, p), "position %d lost", p)
	}
	assert.Equal(t, int64(30), again[len(again)-1])
	saved, err = s2.Checkpoint(ctx, "projection")
	require.NoError(t, err)
	assert.Equal(t, int64(30), saved, "saved when it stopped")
}

func contains(s []int64, v int64) bool {
	for _, x := range s {
		if x == v {
			return true
		}
	}
	return false
}

// testSubscriptionLive: after the catch-up, events appended through the
// same store, and through another store over the same backend (as another
// process would), reach the subscription; a handler's error stops it with
// the event not counted as handled.
func testSubscriptionLive(t *testing.T, open opener) {
	b := open(t)
	s, err := eventstore.New(b, &eventstore.Config{PageSize: 7, PollInterval: 20 * time.Millisecond})
	require.NoError(t, err)
	other, err := eventstore.New(b, nil)
	require.NoError(t, err)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	st := eventstore.Stream{Name: stream}
	_, err = s.Append(ctx, st, eventstore.Any, events(t, stream, 3)...)
	require.NoError(t, err)

	got := make(chan int64, 100)
	caughtUp := make(chan struct{})
	done := make(chan error, 1)
	go func() {
		done <- s.Subscribe(ctx, "live", func(_ context.Context, r eventstore.Record) error {
			if r.Position == 9 {
				return errors.New("handler failed")
			}
			got <- r.Position
			return nil
		}, &eventstore.SubscribeConfig{CaughtUp: func() { close(caughtUp) }})
	}()
	next := func() int64 {
		select { // events handled before a failure come first
		case p := <-got:
			return p
		default:
		}
		select {
		case p := <-got:
			return p
		case err := <-done:
			t.Fatalf("the subscription stopped: %v", err)
		case <-ctx.Done():
			t.Fatal("no event in time")
		}
		return 0
	}
	for want := int64(1); want <= 3; want++ {
		require.Equal(t, want, next())
	}
	select {
	case <-caughtUp:
	case <-ctx.Done():
		t.Fatal("never caught up")
	}
	_, err = s.Append(ctx, st, eventstore.Any, events(t, stream, 2)...)
	require.NoError(t, err)
	require.Equal(t, int64(4), next())
	require.Equal(t, int64(5), next())
	_, err = other.Append(ctx, st, eventstore.Any, events(t, stream, 4)...)
	require.NoError(t, err)
	for want := int64(6); want <= 8; want++ {
		require.Equal(t, want, next())
	}
	select {
	case err := <-done:
		require.ErrorContains(t, err, "handler failed")
	case <-ctx.Done():
		t.Fatal("the handler's error did not stop the subscription")
	}
	saved, err := s.Checkpoint(ctx, "live")
	require.NoError(t, err)
	assert.Equal(t, int64(8), saved, "saved up to the last handled event")
}

func testParked(t *testing.T, open opener) {
	s, clock := newStore(t, open)
	ctx := context.Background()
	require.NoError(t, s.Park(ctx, "relay", 9, "too large"))
	clock.Set(epoch.Add(time.Minute))
	require.NoError(t, s.Park(ctx, "relay", 3, "invalid /a: required"))
	require.NoError(t, s.Park(ctx, "other", 5, "x"))
	require.NoError(t, s.Park(ctx, "relay", 9, "too large, again"))
	got, err := s.Parked(ctx, "relay")
	require.NoError(t, err)
	assert.Equal(t, []eventstore.Parked{
		{Position: 3, Reason: "invalid /a: required", At: epoch.Add(time.Minute)},
		{Position: 9, Reason: "too large, again", At: epoch.Add(time.Minute)},
	}, got)
	none, err := s.Parked(ctx, "nobody")
	require.NoError(t, err)
	assert.Empty(t, none)
	require.ErrorIs(t, s.Park(ctx, "relay", 0, "x"), eventstore.ErrInvalidVersion)
	require.ErrorIs(t, s.Park(ctx, "", 1, "x"), eventstore.ErrInvalidStream)
}
