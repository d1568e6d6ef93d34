package archive_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/elmosoftware/eventprotocol/archive"
	"github.com/elmosoftware/eventprotocol/config"
	"github.com/elmosoftware/eventprotocol/envelope"
	"github.com/elmosoftware/eventprotocol/eventstore"
	"github.com/elmosoftware/eventprotocol/naming"
	"github.com/elmosoftware/eventprotocol/transport"
)

// handled is what payroll handled, in order: event ids and their
// replays ("" for none).
type handled struct {
	mu   sync.Mutex
	seen [][2]string
}

func (h *handled) list() [][2]string {
	h.mu.Lock()
	defer h.mu.Unlock()
	return append([][2]string(nil), h.seen...)
}

// startPayroll starts payroll's consumer.
func startPayroll(t *testing.T, bus *transport.Bus) *handled {
	ctx := context.Background()
	h := &handled{}
	c, err := bus.Consumer(ctx, "payroll", &transport.ConsumerConfig{Concurrency: 1})
	require.NoError(t, err)
	require.NoError(t, c.HandleFunc(typeHired, func(_ context.Context, d *transport.Delivery) error {
		h.mu.Lock()
		defer h.mu.Unlock()
		h.seen = append(h.seen, [2]string{d.Envelope.ID, d.Replayed()})
		return nil
	}))
	require.NoError(t, c.Start(ctx))
	t.Cleanup(func() { _ = c.Shutdown(context.Background()) })
	return h
}

// archivedWorld publishes 40 events, archived, and handled by payroll.
func archivedWorld(t *testing.T, bus *transport.Bus, store *eventstore.Store) ([]*envelope.Envelope, *handled) {
	startArchive(t, bus, store, nil)
	payroll := startPayroll(t, bus)
	evs := events(t, 40, 4)
	require.NoError(t, bus.Publisher().Publish(context.Background(), evs...))
	archived(t, store, len(evs))
	require.Eventually(t, func() bool { return len(payroll.list()) == 20 }, 10*time.Second, 5*time.Millisecond)
	return evs, payroll
}

// waitFor waits until payroll handled n in all.
func waitFor(t *testing.T, h *handled, n int) [][2]string {
	t.Helper()
	require.Eventually(t, func() bool { return len(h.list()) >= n }, 20*time.Second, 5*time.Millisecond, "payroll handles %d", n)
	return h.list()
}

// TestReplay: a dry run reports; a replay sends the selected events to
// payroll alone, in order, marked; without the bypass payroll skips what
// it handled; a type payroll does not receive is refused.
func TestReplay(t *testing.T) {
	for _, s := range stores {
		t.Run(s.name, func(t *testing.T) {
			ctx := context.Background()
			bus := memoryBus(t, nil)
			store := s.open(t)()
			evs, payroll := archivedWorld(t, bus, store)

			rep, err := archive.Replay(ctx, store, bus, &archive.ReplayConfig{Service: "payroll", DryRun: true})
			require.NoError(t, err)
			assert.Equal(t, map[string]int{typeHired: 20}, rep.Selected, "payroll's types by default")
			assert.Equal(t, 20, rep.Total)
			assert.Zero(t, rep.Sent)
			assert.Less(t, rep.First, rep.Last)

			rep, err = archive.Replay(ctx, store, bus, &archive.ReplayConfig{Service: "payroll", Name: "acme-again", Tenant: "acme", BypassDedup: true, BatchSize: 3})
			require.NoError(t, err)
			assert.Equal(t, 10, rep.Sent)
			var want [][2]string // a standard queue keeps no order: see TestReplayFIFO
			for rec, err := range store.ReadAll(ctx, 0) {
				require.NoError(t, err)
				e, err := rec.Envelope()
				require.NoError(t, err)
				if e.Type == typeHired && e.TenantID == "acme" {
					want = append(want, [2]string{e.ID, "acme-again"})
				}
			}
			got := waitFor(t, payroll, 30)
			assert.ElementsMatch(t, want, got[20:30], "the acme hires, marked")

			rep, err = archive.Replay(ctx, store, bus, &archive.ReplayConfig{Service: "payroll"})
			require.NoError(t, err)
			assert.Equal(t, 20, rep.Sent)
			_, err = archive.Replay(ctx, store, bus, &archive.ReplayConfig{Service: "payroll", Types: []string{"elmo.leave.*"}})
			require.ErrorIs(t, err, transport.ErrNotReceived)
			assert.ErrorContains(t, err, typeAdjusted)
			// A marker after the skipped ones: only it arrives.
			_, err = archive.Replay(ctx, store, bus, &archive.ReplayConfig{Service: "payroll", Name: "marker", Subject: evs[0].Subject, BypassDedup: true})
			require.NoError(t, err)
			got = waitFor(t, payroll, 35)
			assert.Equal(t, "marker", got[30][1], "the 20 without bypass were skipped")
			assert.Equal(t, evs[0].Subject, subjectOf(t, evs, got[30][0]))
		})
	}
}

// TestReplayWindow: a window on recorded time, and the archive as known
// before the events were archived.
func TestReplayWindow(t *testing.T) {
	ctx := context.Background()
	bus := memoryBus(t, nil)
	store := stores[0].open(t)()
	before := time.Now()
	archivedWorld(t, bus, store)
	for _, tc := range []struct {
		name string
		cfg  archive.ReplayConfig
		want int
	}{
		{"recorded since before", archive.ReplayConfig{From: before}, 20},
		{"recorded before then", archive.ReplayConfig{To: before}, 0},
		{"known before then", archive.ReplayConfig{KnownAt: before}, 0},
		{"effective since before", archive.ReplayConfig{Axis: archive.Effective, From: before.Add(-time.Minute)}, 20},
		{"effective in the future", archive.ReplayConfig{Axis: archive.Effective, From: time.Now().Add(time.Hour)}, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cfg := tc.cfg
			cfg.Service, cfg.DryRun = "payroll", true
			rep, err := archive.Replay(ctx, store, bus, &cfg)
			require.NoError(t, err)
			assert.Equal(t, tc.want, rep.Total)
		})
	}
}

// TestReplayResumes: a replay interrupted after its first batch resumes
// from its checkpoint when run again under its name.
func TestReplayResumes(t *testing.T) {
	ctx := context.Background()
	bus := memoryBus(t, nil)
	store := stores[0].open(t)()
	_, payroll := archivedWorld(t, bus, store)
	interrupted, interrupt := context.WithCancel(ctx)
	cfg := &archive.ReplayConfig{Service: "payroll", Name: "week", BypassDedup: true, BatchSize: 5, Progress: func(archive.Report) { interrupt() }}
	rep, err := archive.Replay(interrupted, store, bus, cfg)
	require.ErrorIs(t, err, context.Canceled)
	assert.Equal(t, 5, rep.Sent)

	cfg.Progress = nil
	rep, err = archive.Replay(ctx, store, bus, cfg)
	require.NoError(t, err)
	assert.Equal(t, 15, rep.Sent, "the rest")
	assert.Positive(t, rep.Resumed)
	got := waitFor(t, payroll, 40)
	ids := map[string]int{}
	for _, g := range got[20:] {
		assert.Equal(t, "week", g[1])
		ids[g[0]]++
	}
	assert.Len(t, ids, 20, "every hire once")
}

// TestReplayPaces: at 10 events a second, the second batch of 10 waits a
// second of the replay's clock.
func TestReplayPaces(t *testing.T) {
	ctx := context.Background()
	bus := memoryBus(t, nil)
	store := stores[0].open(t)()
	archivedWorld(t, bus, store)
	clock := config.NewManualClock(time.Now())
	sent := make(chan int, 4)
	done := make(chan error, 1)
	go func() {
		_, err := archive.Replay(ctx, store, bus, &archive.ReplayConfig{Service: "payroll", BypassDedup: true, Rate: 10, Clock: clock,
			Progress: func(r archive.Report) { sent <- r.Sent }})
		done <- err
	}()
	assert.Equal(t, 10, <-sent)
	require.Eventually(t, func() bool { return clock.Waiting() > 0 }, 10*time.Second, time.Millisecond, "the second batch waits")
	select {
	case n := <-sent:
		t.Fatalf("sent %d before its time", n)
	default:
	}
	clock.Advance(time.Second)
	assert.Equal(t, 20, <-sent)
	require.NoError(t, <-done)
}

// TestReplayRefuses: invalid configurations are refused before anything
// is read.
func TestReplayRefuses(t *testing.T) {
	ctx := context.Background()
	bus := memoryBus(t, nil)
	store := stores[0].open(t)()
	for _, tc := range []struct {
		name string
		cfg  *archive.ReplayConfig
		want error
	}{
		{"no service", nil, config.ErrInvalid},
		{"an unknown service", &archive.ReplayConfig{Service: "billing"}, transport.ErrNotReceived},
		{"a negative rate", &archive.ReplayConfig{Service: "payroll", Rate: -1}, config.ErrInvalid},
		{"an empty window", &archive.ReplayConfig{Service: "payroll", From: time.Now(), To: time.Now().Add(-time.Hour)}, config.ErrInvalid},
		{"a bad pattern", &archive.ReplayConfig{Service: "payroll", Types: []string{"elmo.*.hired.v1"}}, config.ErrInvalid},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := archive.Replay(ctx, store, bus, tc.cfg)
			assert.ErrorIs(t, err, tc.want)
		})
	}
}

func subjectOf(t *testing.T, evs []*envelope.Envelope, id string) string {
	for _, e := range evs {
		if e.ID == id {
			return e.Subject
		}
	}
	t.Fatalf("no event %s", id)
	return ""
}

// TestReplayUpcasts: a replay with upcasters sends the v1 hires as v2,
// which payroll's new code handles, each saying the type it was archived
// as.
func TestReplayUpcasts(t *testing.T) {
	ctx := context.Background()
	const hiredV2 = "elmo.hr.employee.hired.v2"
	topo := world("dev")
	topo.Services[0].Consumes = append(topo.Services[0].Consumes, hiredV2)
	bus := memoryBus(t, topo)
	store := stores[0].open(t)()
	startArchive(t, bus, store, nil)
	require.NoError(t, bus.Publisher().Publish(ctx, events(t, 40, 4)...))
	archived(t, store, 40)
	c, err := bus.Consumer(ctx, "payroll", nil)
	require.NoError(t, err)
	require.NoError(t, c.HandleFunc(typeHired, func(context.Context, *transport.Delivery) error { return nil })) // the originals
	got := make(chan string, 32)
	require.NoError(t, c.HandleFunc(hiredV2, func(_ context.Context, d *transport.Delivery) error {
		got <- d.Envelope.Type + " from " + fmt.Sprint(d.Envelope.Extensions[envelope.ExtUpcastFrom])
		return nil
	}))
	require.NoError(t, c.Start(ctx))
	t.Cleanup(func() { _ = c.Shutdown(context.Background()) })

	from, err := naming.ParseType(typeHired)
	require.NoError(t, err)
	to, err := naming.ParseType(hiredV2)
	require.NoError(t, err)
	ups, err := envelope.NewUpcasters(envelope.Upcast{From: from, To: to, Convert: func(d []byte) ([]byte, error) { return d, nil }})
	require.NoError(t, err)
	rep, err := archive.Replay(ctx, store, bus, &archive.ReplayConfig{Service: "payroll", Types: []string{typeHired}, Upcasters: ups, BypassDedup: true})
	require.NoError(t, err)
	assert.Equal(t, map[string]int{hiredV2: 20}, rep.Selected, "counted as sent")
	for range 20 {
		select {
		case g := <-got:
			assert.Equal(t, hiredV2+" from "+typeHired, g)
		case <-time.After(10 * time.Second):
			t.Fatal("the upcast hires did not all arrive")
		}
	}
}
