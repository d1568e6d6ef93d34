package outbox_test

import (
	"context"
	"fmt"
	"maps"
	"net/url"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/elmosoftware/eventprotocol/envelope"
	"github.com/elmosoftware/eventprotocol/eventstore"
	"github.com/elmosoftware/eventprotocol/eventstore/postgres"
	"github.com/elmosoftware/eventprotocol/eventstore/sqlite"
	"github.com/elmosoftware/eventprotocol/eventstore/storetest"
	pgserver "github.com/elmosoftware/eventprotocol/internal/postgres"
	"github.com/elmosoftware/eventprotocol/internal/tcpproxy"
	"github.com/elmosoftware/eventprotocol/outbox"
	"github.com/elmosoftware/eventprotocol/transport"
	"github.com/elmosoftware/eventprotocol/transport/snssqs"
	"github.com/elmosoftware/eventprotocol/transport/snssqs/snssqstest"
	"github.com/elmosoftware/eventprotocol/transport/topology"
)

// goawsBus opens a provisioned bus on a GoAws the test starts: the leave
// topic and, with sink, a "sink" queue of eventType.
func goawsBus(t testing.TB, sink bool) *transport.Bus {
	bus, _ := goawsBusAt(t, sink)
	return bus
}

// goawsBusAt is goawsBus, with the server's endpoint.
func goawsBusAt(t testing.TB, sink bool) (*transport.Bus, string) {
	ctx := context.Background()
	srv := snssqstest.StartForTest(t)
	d, err := srv.Driver(ctx, nil)
	require.NoError(t, err)
	bus, err := transport.Open(ctx, d, sinkTopology(sink), &transport.OpenConfig{Provision: true})
	require.NoError(t, err)
	return bus, srv.Endpoint
}

func sinkTopology(sink bool) *topology.Topology {
	topo := &topology.Topology{Env: "outbox", Domains: []topology.Domain{{Name: "leave"}}}
	if sink {
		topo.Services = []topology.Service{{Name: "sink", Consumes: []string{eventType}, MaxReceiveCount: 1000}}
	}
	return topo
}

// sinkConsumer starts a consumer of the sink queue that counts the
// distinct events handled, and closes all when there are n.
func sinkConsumer(t *testing.T, bus *transport.Bus, n int) (handled func() map[string]int, all <-chan struct{}) {
	ctx := context.Background()
	var mu sync.Mutex
	seen := map[string]int{}
	done := make(chan struct{})
	consumer, err := bus.Consumer(ctx, "sink", nil)
	require.NoError(t, err)
	require.NoError(t, consumer.HandleFunc(eventType, func(_ context.Context, d *transport.Delivery) error {
		mu.Lock()
		defer mu.Unlock()
		seen[d.Envelope.ID]++
		if len(seen) == n && seen[d.Envelope.ID] == 1 {
			close(done)
		}
		return nil
	}))
	require.NoError(t, consumer.Start(ctx))
	t.Cleanup(func() {
		sctx, cancel := context.WithTimeout(ctx, 10*time.Second)
		defer cancel()
		_ = consumer.Shutdown(sctx)
	})
	return func() map[string]int {
		mu.Lock()
		defer mu.Unlock()
		return maps.Clone(seen)
	}, done
}

// sqliteStore is a store in a SQLite file of the test's.
func sqliteStore(t testing.TB) (*eventstore.Store, eventstore.Backend) {
	b, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "outbox.db"), nil)
	require.NoError(t, err)
	t.Cleanup(func() { _ = b.Close() })
	s, err := eventstore.New(b, &eventstore.Config{PollInterval: 50 * time.Millisecond})
	require.NoError(t, err)
	return s, b
}

// appendMany appends n events to 20 streams, 100 per append; with keys >
// 0, over that many partition keys, interleaved.
func appendMany(t testing.TB, s *eventstore.Store, n, keys int) []*envelope.Envelope {
	out := make([]*envelope.Envelope, 0, n)
	for len(out) < n {
		subject := fmt.Sprintf("ern:elmo:hr:acme:employee/e-%d", len(out)/100%20)
		evs := make([]*envelope.Envelope, min(100, n-len(out)))
		for i := range evs {
			e := storetest.Event(t, subject, time.Time{}, 200)
			e.Type = eventType
			if keys > 0 {
				e.PartitionKey = fmt.Sprint("key-", (len(out)+i)%keys)
			}
			evs[i] = e
		}
		_, err := s.Append(context.Background(), eventstore.Stream{Name: subject}, eventstore.Any, evs...)
		require.NoError(t, err)
		out = append(out, evs...)
	}
	return out
}

// TestCrashRestartGoAws: 10,000 events from a SQLite store through a
// relay killed after publishing and before saving, then restarted, all
// arrive at a consumer on SNS/SQS (GoAws), each handled once.
func TestCrashRestartGoAws(t *testing.T) {
	const n = 10_000
	ctx := context.Background()
	bus := goawsBus(t, true)
	store, backend := sqliteStore(t)
	appended := appendMany(t, store, n, 500)

	handled, all := sinkConsumer(t, bus, n)

	dying := &dyingSaves{Backend: backend}
	dyingStore, err := eventstore.New(dying, nil)
	require.NoError(t, err)
	killed := make(chan struct{})
	var once sync.Once
	first, err := outbox.New(dyingStore, bus.Publisher(), &outbox.Config{Hooks: &outbox.Hooks{Published: func(_ context.Context, _ int, pos int64) {
		if pos >= 3_000 {
			dying.mu.Lock()
			dying.dead = true
			dying.mu.Unlock()
			once.Do(func() { close(killed) })
		}
	}}})
	require.NoError(t, err)
	rctx, stop := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() { done <- first.Run(rctx) }()
	select {
	case <-killed:
	case <-time.After(60 * time.Second):
		t.Fatal("the first relay never published 3,000 events")
	}
	stop()
	require.ErrorIs(t, <-done, context.Canceled)
	saved, err := store.Checkpoint(ctx, "outbox")
	require.NoError(t, err)
	require.Less(t, saved, int64(3_000))

	second, err := outbox.New(store, bus.Publisher(), nil)
	require.NoError(t, err)
	rctx, stop = context.WithCancel(ctx)
	defer stop()
	go func() { done <- second.Run(rctx) }()
	select {
	case <-all:
	case <-time.After(120 * time.Second):
		t.Fatalf("%d of %d events arrived", len(handled()), n)
	}
	got := handled()
	for _, e := range appended {
		require.Equal(t, 1, got[e.ID], "handled once (the consumer drops the relay's duplicates)")
	}
}

// TestConnectionsCutGoAws: the relay's connections to PostgreSQL and to
// SNS/SQS (GoAws) are cut for two seconds while it publishes 3,000
// events: it retries through the outage, and every event arrives.
func TestConnectionsCutGoAws(t *testing.T) {
	const n = 3000
	ctx := context.Background()
	bus, endpoint := goawsBusAt(t, true)
	handled, all := sinkConsumer(t, bus, n)

	pg := pgserver.StartForTest(t)
	pgProxy := tcpproxy.StartForTest(t, fmt.Sprintf("127.0.0.1:%d", pg.Port))
	backend, err := postgres.Open(ctx, fmt.Sprintf("postgres://postgres@%s/postgres?sslmode=disable&connect_timeout=2", pgProxy.Addr()), nil)
	require.NoError(t, err)
	t.Cleanup(func() { _ = backend.Close() })
	store, err := eventstore.New(backend, &eventstore.Config{PollInterval: 100 * time.Millisecond})
	require.NoError(t, err)
	appended := appendMany(t, store, n, 50)

	u, err := url.Parse(endpoint)
	require.NoError(t, err)
	snsProxy := tcpproxy.StartForTest(t, u.Host)
	snsC, sqsC, err := snssqs.Connect(ctx, &snssqs.ConnectConfig{Region: snssqstest.Region, Endpoint: "http://" + snsProxy.Addr(), LocalServer: true})
	require.NoError(t, err)
	d, err := snssqs.NewDriver(snsC, sqsC, nil)
	require.NoError(t, err)
	proxied, err := transport.Open(ctx, d, sinkTopology(true), nil)
	require.NoError(t, err)

	var retries atomic.Int64
	var once sync.Once
	cut := make(chan struct{})
	relay, err := outbox.New(store, proxied.Publisher(), &outbox.Config{
		Backoff: &transport.Backoff{Initial: 50 * time.Millisecond, Max: 500 * time.Millisecond},
		Hooks: &outbox.Hooks{
			Published: func(_ context.Context, _ int, pos int64) {
				if pos >= 600 {
					once.Do(func() { close(cut) })
				}
			},
			Retrying: func(context.Context, error, time.Duration) { retries.Add(1) },
		}})
	require.NoError(t, err)
	rctx, stop := context.WithCancel(ctx)
	defer stop()
	go func() { _ = relay.Run(rctx) }()
	select {
	case <-cut:
	case <-time.After(60 * time.Second):
		t.Fatal("the relay never published 600 events")
	}
	pgProxy.Cut()
	snsProxy.Cut()
	outage := time.AfterFunc(2*time.Second, func() { // the outage itself
		pgProxy.Restore()
		snsProxy.Restore()
	})
	defer outage.Stop()
	select {
	case <-all:
	case <-time.After(120 * time.Second):
		t.Fatalf("%d of %d events arrived", len(handled()), n)
	}
	got := handled()
	for _, e := range appended {
		require.Equal(t, 1, got[e.ID])
	}
	assert.Positive(t, retries.Load(), "the outage was retried through")
	require.Eventually(t, func() bool { return relay.Health() == nil }, 10*time.Second, 10*time.Millisecond)
}

// BenchmarkRelayGoAws publishes the same events (without partition keys)
// from a SQLite store through the relay, and straight through the
// Publisher in calls of the relay's batch size from one goroutine, on
// GoAws. Compare events/s:
//
//	go test -run '^$' -bench RelayGoAws -benchtime 5000x ./outbox/
func BenchmarkRelayGoAws(b *testing.B) {
	ctx := context.Background()
	// No queue: a queue filling up slows GoAws, which would favour
	// whichever side runs first.
	bus := goawsBus(b, false)
	b.Run("publisher", func(b *testing.B) {
		store, _ := sqliteStore(b)
		evs := appendMany(b, store, b.N, 0)
		b.ResetTimer()
		for i := 0; i < len(evs); i += 100 {
			if err := bus.Publisher().Publish(ctx, evs[i:min(i+100, len(evs))]...); err != nil {
				b.Fatal(err)
			}
		}
		b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "events/s")
	})
	b.Run("relay", func(b *testing.B) {
		store, _ := sqliteStore(b)
		appendMany(b, store, b.N, 0)
		head, err := store.Head(ctx)
		if err != nil {
			b.Fatal(err)
		}
		done := make(chan struct{})
		relay, err := outbox.New(store, bus.Publisher(), &outbox.Config{Hooks: &outbox.Hooks{Published: func(_ context.Context, _ int, pos int64) {
			if pos == head {
				close(done)
			}
		}}})
		if err != nil {
			b.Fatal(err)
		}
		rctx, stop := context.WithCancel(ctx)
		defer stop()
		b.ResetTimer()
		go func() { _ = relay.Run(rctx) }()
		<-done
		b.StopTimer()
		b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "events/s")
	})
}
