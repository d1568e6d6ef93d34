package storetest

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/elmosoftware/eventprotocol/config"
	"github.com/elmosoftware/eventprotocol/envelope"
	"github.com/elmosoftware/eventprotocol/eventstore"
)

// Capabilities declares what a backend does, as transporttest's do for a
// transport.
type Capabilities struct {
	// Parallel: Open may be called from tests running in parallel, and
	// its backends share nothing. The suite then runs its tests in
	// parallel.
	Parallel bool
}

// Harness opens backends for the suite: the same shape as
// transporttest.Harness.
type Harness interface {
	// Capabilities says what the backend can show.
	Capabilities() Capabilities
	// Open opens a new, empty backend for one test, and registers its
	// closing with t.Cleanup.
	Open(ctx context.Context, t *testing.T) (eventstore.Backend, error)
}

// Opener is a Harness of one function, with no capabilities claimed.
type Opener func(ctx context.Context, t *testing.T) (eventstore.Backend, error)

// Capabilities returns none.
func (Opener) Capabilities() Capabilities { return Capabilities{} }

// Open calls o.
func (o Opener) Open(ctx context.Context, t *testing.T) (eventstore.Backend, error) { return o(ctx, t) }

// opener is what each test calls: a new backend, or the test fails.
type opener func(t *testing.T) eventstore.Backend

// Run runs every conformance test against the harness.
func Run(t *testing.T, h Harness) {
	caps := h.Capabilities()
	open := func(t *testing.T) eventstore.Backend {
		b, err := h.Open(context.Background(), t)
		require.NoError(t, err, "the harness opens a backend")
		return b
	}
	tests := []struct {
		name string
		run  func(*testing.T, opener)
	}{
		{"Conflict", testConflict},
		{"Idempotent", testIdempotent},
		{"RecordedTime", testRecordedTime},
		{"EnvelopeUnchanged", testEnvelopeUnchanged},
		{"LargeEvents", testLargeEvents},
		{"BadInput", testBadInput},
		{"HoleFreeOrder", testHoleFreeOrder},
		{"ConcurrentAppends", testConcurrentAppends},
		{"Bitemporal", testBitemporal},
		{"Branches", testBranches},
		{"Snapshots", testSnapshots},
		{"SubscriptionResume", testSubscriptionResume},
		{"SubscriptionLive", testSubscriptionLive},
		{"Parked", testParked},
		{"DuplicateAcrossStreams", testDuplicateAcrossStreams},
		{"DuplicateOnBranch", testDuplicateOnBranch},
		{"PositionsWithBranches", testPositionsWithBranches},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if caps.Parallel {
				t.Parallel()
			}
			tc.run(t, open)
		})
	}
}

// epoch is where the suite's clocks start.
var epoch = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

// newStore opens a backend and a store over it with a settable clock and
// a small page, so that reads cross pages.
func newStore(t *testing.T, open opener) (*eventstore.Store, *config.ManualClock) {
	clock := config.NewManualClock(epoch)
	s, err := eventstore.New(open(t), &eventstore.Config{Clock: clock, PageSize: 7, PollInterval: 20 * time.Millisecond})
	require.NoError(t, err)
	return s, clock
}

// Event returns a valid envelope about subject, effective at eff (zero:
// its time), with a payload of size bytes or so.
func Event(t testing.TB, subject string, eff time.Time, size int) *envelope.Envelope {
	p := &envelope.Producer{Source: "urn:elmo:service:storetest"}
	data := fmt.Appendf(nil, `{"note":%q}`, strings.Repeat("x", max(size-12, 0)))
	e, err := p.New("elmo.leave.balance.adjusted.v1", data)
	require.NoError(t, err)
	e.Subject, e.TenantID = subject, "acme"
	if !eff.IsZero() {
		e.EffectiveTime = eff.UTC().Truncate(time.Millisecond)
	}
	return &e
}

// Events returns n events about subject, each with a payload of size
// bytes or so (the benchmarks' too).
func Events(t testing.TB, subject string, n, size int) []*envelope.Envelope {
	out := make([]*envelope.Envelope, n)
	for i := range out {
		out[i] = Event(t, subject, time.Time{}, size)
	}
	return out
}

// Rows returns events as a backend stores them: the rows of a raw SQL
// floor that benchmarks set beside the store.
func Rows(t testing.TB, events []*envelope.Envelope) []eventstore.Pending {
	out := make([]eventstore.Pending, len(events))
	for i, e := range events {
		raw, err := e.AppendJSON(nil)
		require.NoError(t, err)
		out[i] = eventstore.Pending{Source: e.Source, ID: e.ID, Effective: e.Time.UnixNano(), Raw: raw}
	}
	return out
}

func events(t testing.TB, subject string, n int) []*envelope.Envelope {
	return Events(t, subject, n, 64)
}

// collect drains a read.
func collect(t *testing.T, seq func(func(eventstore.Record, error) bool)) []eventstore.Record {
	t.Helper()
	var out []eventstore.Record
	for r, err := range seq {
		require.NoError(t, err)
		out = append(out, r)
	}
	return out
}

func versions(rs []eventstore.Record) []int64 {
	out := make([]int64, len(rs))
	for i, r := range rs {
		out[i] = r.Version
	}
	return out
}

func ids(t *testing.T, rs []eventstore.Record) []string {
	out := make([]string, len(rs))
	for i, r := range rs {
		e, err := r.Envelope()
		require.NoError(t, err)
		out[i] = e.ID
	}
	return out
}

func envIDs(es []*envelope.Envelope) []string {
	out := make([]string, len(es))
	for i, e := range es {
		out[i] = e.ID
	}
	return out
}

const stream = "ern:elmo:hr:acme:employee/e-1"

func testConflict(t *testing.T, open opener) {
	s, _ := newStore(t, open)
	ctx := context.Background()
	st := eventstore.Stream{Name: stream}
	res, err := s.Append(ctx, st, eventstore.Exactly(0), events(t, stream, 2)...)
	require.NoError(t, err)
	assert.Equal(t, int64(2), res.Version)
	assert.Equal(t, 2, res.Stored)

	for _, expect := range []int64{0, 1, 3} {
		_, err = s.Append(ctx, st, eventstore.Exactly(expect), events(t, stream, 1)...)
		require.ErrorIs(t, err, eventstore.ErrConflict)
		var ce *eventstore.ConflictError
		require.ErrorAs(t, err, &ce)
		assert.Equal(t, eventstore.ConflictError{Stream: stream, Expected: expect, Actual: 2}, *ce)
	}
	res, err = s.Append(ctx, st, eventstore.Exactly(2), events(t, stream, 1)...)
	require.NoError(t, err)
	assert.Equal(t, int64(3), res.Version)
	res, err = s.Append(ctx, st, eventstore.Any, events(t, stream, 1)...)
	require.NoError(t, err)
	assert.Equal(t, int64(4), res.Version)
	assert.Equal(t, []int64{1, 2, 3, 4}, versions(collect(t, s.ReadStream(ctx, st, 0))))
	assert.Equal(t, []int64{3, 4}, versions(collect(t, s.ReadStream(ctx, st, 2))))
	assert.Empty(t, collect(t, s.ReadStream(ctx, eventstore.Stream{Name: "ern:elmo:hr:acme:employee/none"}, 0)))
}

func testIdempotent(t *testing.T, open opener) {
	s, _ := newStore(t, open)
	ctx := context.Background()
	st := eventstore.Stream{Name: stream}
	evs := events(t, stream, 3)
	_, err := s.Append(ctx, st, eventstore.Exactly(0), evs[:2]...)
	require.NoError(t, err)

	// A redelivery, whatever its expectation: nothing stored, no conflict.
	res, err := s.Append(ctx, st, eventstore.Exactly(0), evs[:2]...)
	require.NoError(t, err)
	assert.Equal(t, eventstore.Result{Version: 2, Duplicates: []eventstore.Duplicate{
		{Index: 0, Stream: stream, Version: 1, Position: 1},
		{Index: 1, Stream: stream, Version: 2, Position: 2},
	}}, res)
	// Part old, part new, and a duplicate inside the batch: only the new
	// one is stored, under the expectation.
	res, err = s.Append(ctx, st, eventstore.Exactly(2), evs[1], evs[2], evs[2])
	require.NoError(t, err)
	assert.Equal(t, int64(3), res.Version)
	assert.Equal(t, 1, res.Stored)
	assert.Equal(t, []eventstore.Duplicate{
		{Index: 0, Stream: stream, Version: 2, Position: 2},
		{Index: 2, Stream: stream, Version: 3, Position: 3}, // the copy this call stored
	}, res.Duplicates)
	// The same event under another stream is the same event: skipped.
	res, err = s.Append(ctx, eventstore.Stream{Name: stream + "-other"}, eventstore.Any, evs[0])
	require.NoError(t, err)
	assert.Zero(t, res.Stored)
	assert.Equal(t, envIDs(evs), ids(t, collect(t, s.ReadAll(ctx, 0))))
}

func testRecordedTime(t *testing.T, open opener) {
	s, clock := newStore(t, open)
	ctx := context.Background()
	st := eventstore.Stream{Name: stream}
	var got []time.Time
	for _, at := range []time.Time{epoch.Add(time.Hour), epoch, epoch, epoch.Add(2 * time.Hour)} {
		clock.Set(at) // backwards too: the store never records earlier
		res, err := s.Append(ctx, st, eventstore.Any, events(t, stream, 2)...)
		require.NoError(t, err)
		got = append(got, res.Recorded)
	}
	assert.Equal(t, epoch.Add(time.Hour), got[0])
	assert.Equal(t, epoch.Add(2*time.Hour), got[3])
	for i := 1; i < len(got); i++ {
		assert.True(t, got[i].After(got[i-1]), "recorded times must increase: %v", got)
	}
	rs := collect(t, s.ReadStream(ctx, st, 0))
	require.Len(t, rs, 8)
	for i, r := range rs {
		assert.Equal(t, got[i/2], r.Recorded, "event %d of one append shares its recorded time", i)
		assert.Equal(t, int64(i+1), r.Position)
	}
}

func testEnvelopeUnchanged(t *testing.T, open opener) {
	s, _ := newStore(t, open)
	ctx := context.Background()
	e := Event(t, stream, epoch.Add(-48*time.Hour), 100)
	e.Extensions = map[string]any{"zzcustom": "kept", "count": int32(3)}
	e.TraceParent = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"
	_, err := s.Append(ctx, eventstore.Stream{Name: stream}, eventstore.Any, e)
	require.NoError(t, err)
	rs := collect(t, s.ReadStream(ctx, eventstore.Stream{Name: stream}, 0))
	require.Len(t, rs, 1)
	got, err := rs[0].Envelope()
	require.NoError(t, err)
	assert.Equal(t, *e, got)
	assert.Equal(t, e.EffectiveTime, rs[0].Effective)
	want, err := e.AppendJSON(nil)
	require.NoError(t, err)
	assert.JSONEq(t, string(want), string(rs[0].Raw))
	assert.Equal(t, stream, rs[0].Stream)
	assert.Empty(t, rs[0].Branch)
}

func testLargeEvents(t *testing.T, open opener) {
	s, _ := newStore(t, open)
	ctx := context.Background()
	// Up to the envelope's default limit, which every consumer decodes.
	big := []*envelope.Envelope{Event(t, stream, time.Time{}, envelope.DefaultMaxBytes-1024), Event(t, stream, time.Time{}, 256<<10)}
	_, err := s.Append(ctx, eventstore.Stream{Name: stream}, eventstore.Any, big...)
	require.NoError(t, err)
	rs := collect(t, s.ReadStream(ctx, eventstore.Stream{Name: stream}, 0))
	require.Len(t, rs, 2)
	for i, r := range rs {
		got, err := r.Envelope()
		require.NoError(t, err)
		assert.Equal(t, string(big[i].Data), string(got.Data))
	}
	_, err = s.Append(ctx, eventstore.Stream{Name: stream}, eventstore.Any, Event(t, stream, time.Time{}, envelope.DefaultMaxBytes))
	require.ErrorIs(t, err, eventstore.ErrInvalidEvent)
	require.ErrorIs(t, err, envelope.ErrInputTooLarge)
}

func testBadInput(t *testing.T, open opener) {
	s, _ := newStore(t, open)
	ctx := context.Background()
	st := eventstore.Stream{Name: stream}
	noType := Event(t, stream, time.Time{}, 10)
	noType.Type = ""
	badData := Event(t, stream, time.Time{}, 10)
	badData.Data = []byte(`{"a":1,"a":2}`)
	tests := []struct {
		name   string
		call   func() error
		target error
	}{
		{"invalid envelope", func() error {
			_, err := s.Append(ctx, st, eventstore.Any, Event(t, stream, time.Time{}, 10), noType)
			var ee *eventstore.EventError
			if errors.As(err, &ee) && ee.Index != 1 {
				return fmt.Errorf("index %d, want 1", ee.Index)
			}
			return err
		}, eventstore.ErrInvalidEvent},
		{"duplicate payload keys", func() error { _, err := s.Append(ctx, st, eventstore.Any, badData); return err }, eventstore.ErrInvalidEvent},
		{"nil envelope", func() error { _, err := s.Append(ctx, st, eventstore.Any, nil); return err }, eventstore.ErrInvalidEvent},
		{"no events", func() error { _, err := s.Append(ctx, st, eventstore.Any); return err }, eventstore.ErrInvalidEvent},
		{"negative version", func() error {
			_, err := s.Append(ctx, st, eventstore.Exactly(-1), Event(t, stream, time.Time{}, 10))
			return err
		}, eventstore.ErrInvalidVersion},
		{"negative read", func() error { return firstErr(s.ReadStream(ctx, st, -1)) }, eventstore.ErrInvalidVersion},
		{"negative position", func() error { return firstErr(s.ReadAll(ctx, -5)) }, eventstore.ErrInvalidVersion},
		{"empty stream", func() error {
			_, err := s.Append(ctx, eventstore.Stream{}, eventstore.Any, Event(t, stream, time.Time{}, 10))
			return err
		}, eventstore.ErrInvalidStream},
		{"stream with NUL", func() error { return firstErr(s.ReadStream(ctx, eventstore.Stream{Name: "a\x00b"}, 0)) }, eventstore.ErrInvalidStream},
		{"long stream", func() error {
			return firstErr(s.ReadStream(ctx, eventstore.Stream{Name: strings.Repeat("s", eventstore.MaxNameBytes+1)}, 0))
		}, eventstore.ErrInvalidStream},
		{"unknown branch append", func() error {
			_, err := s.Append(ctx, eventstore.Stream{Name: stream, Branch: "0190f0c4-0000-7000-8000-000000000000"}, eventstore.Any, Event(t, stream, time.Time{}, 10))
			return err
		}, eventstore.ErrUnknownBranch},
		{"unknown branch read", func() error {
			return firstErr(s.ReadAsOf(ctx, eventstore.Stream{Name: stream, Branch: "nope"}, eventstore.AsOf{}))
		}, eventstore.ErrUnknownBranch},
		{"discard main", func() error { return s.Discard(ctx, st) }, eventstore.ErrUnknownBranch},
		{"snapshot of the future", func() error {
			return s.SaveSnapshot(ctx, eventstore.Snapshot{Stream: stream, Recorded: epoch.Add(time.Hour), Effective: epoch, State: []byte("{}")})
		}, eventstore.ErrInvalidSnapshot},
		{"fork in the future", func() error { _, err := s.Fork(ctx, stream, epoch.Add(time.Hour)); return err }, eventstore.ErrInvalidVersion},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			require.ErrorIs(t, tc.call(), tc.target)
		})
	}
	assert.Empty(t, collect(t, s.ReadAll(ctx, 0)), "nothing of a refused append is stored")
}

func firstErr(seq func(func(eventstore.Record, error) bool)) error {
	for _, err := range seq {
		if err != nil {
			return err
		}
	}
	return nil
}
