package process_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"testing/fstest"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/elmosoftware/eventprotocol/config"
	"github.com/elmosoftware/eventprotocol/eventstore"
	"github.com/elmosoftware/eventprotocol/outbox"
	"github.com/elmosoftware/eventprotocol/process"
	"github.com/elmosoftware/eventprotocol/schema"
	"github.com/elmosoftware/eventprotocol/transport"
	"github.com/elmosoftware/eventprotocol/transport/memory"
	"github.com/elmosoftware/eventprotocol/transport/topology"
)

// managerQueue opens a memory bus whose "manager" service accepts the
// approval command, and returns the ids of the commands it handled, each
// with how often it was delivered.
func managerQueue(t *testing.T) (*transport.Bus, func() map[string]int) {
	ctx := context.Background()
	broker, err := memory.New(nil)
	require.NoError(t, err)
	topo := &topology.Topology{Env: "kill", Domains: []topology.Domain{{Name: "leave"}},
		Services: []topology.Service{{Name: "manager", Accepts: []string{typeApprove}}}}
	bus, err := transport.Open(ctx, broker, topo, &transport.OpenConfig{Provision: true, Catalog: catalog(t)})
	require.NoError(t, err)
	consumer, err := bus.Consumer(ctx, "manager", nil)
	require.NoError(t, err)
	var mu sync.Mutex
	seen := map[string]int{}
	require.NoError(t, consumer.HandleFunc(typeApprove, func(_ context.Context, d *transport.Delivery) error {
		mu.Lock()
		defer mu.Unlock()
		seen[d.Envelope.ID]++
		return nil
	}))
	require.NoError(t, consumer.Start(ctx))
	t.Cleanup(func() { _ = consumer.Shutdown(ctx) })
	return bus, func() map[string]int {
		mu.Lock()
		defer mu.Unlock()
		out := map[string]int{}
		for k, v := range seen {
			out[k] = v
		}
		return out
	}
}

// catalog declares the types the relay publishes: the approval command
// and the notification.
func catalog(t *testing.T) *schema.Catalog {
	doc := func(typ, kind string) *fstest.MapFile {
		return &fstest.MapFile{Data: []byte(fmt.Sprintf(`{"$schema":"https://json-schema.org/draft/2020-12/schema",
			"$id":"https://schemas.elmo.example/%s/1.0","title":"A test","description":"A test.","x-elmo-kind":%q,"type":"object"}`, typ, kind))}
	}
	cat, err := schema.Load(fstest.MapFS{
		"leave/request.approve.v1.0.json":   doc("elmo.leave.request.approve", "command"),
		"leave/employee.notified.v1.0.json": doc("elmo.leave.employee.notified", "event"),
	})
	require.NoError(t, err)
	return cat
}

// runRelay runs a relay and returns stop, which stops it, and the number
// of events it published. killed kills it as soon as the transport
// accepted its first batch, before it records its position: then stop
// waits for that.
func runRelay(t *testing.T, store *eventstore.Store, bus *transport.Bus, killed bool) (stop func(), published func() int) {
	ctx, cancel := context.WithCancel(context.Background())
	var mu sync.Mutex
	n := 0
	hooks := &outbox.Hooks{Published: func(_ context.Context, k int, _ int64) {
		mu.Lock()
		n += k
		mu.Unlock()
		if killed {
			cancel() // the save of its position fails: it dies unrecorded
		}
	}}
	relay, err := outbox.New(store, bus.Publisher(), &outbox.Config{Publish: process.Publishable, Hooks: hooks})
	require.NoError(t, err)
	done := make(chan error, 1)
	go func() { done <- relay.Run(ctx) }()
	var stopped error
	var once sync.Once
	return func() {
			once.Do(func() {
				if !killed {
					cancel()
				}
				select {
				case stopped = <-done:
				case <-time.After(10 * time.Second):
					t.Fatal("the relay did not stop")
				}
			})
			require.ErrorIs(t, stopped, context.Canceled)
		}, func() int {
			mu.Lock()
			defer mu.Unlock()
			return n
		}
}

// TestKilled: a process killed between deciding and sending sends on
// restart; one killed between sending and recording that it sent sends
// again with the same ids, and the manager's consumer, which keeps the
// ids it handled, handles the command once. Only what the process sends
// is published.
func TestKilled(t *testing.T) {
	for _, b := range backends() {
		t.Run(b.name, func(t *testing.T) {
			ctx := context.Background()
			open := b.open(t)
			clock := config.NewManualClock(time.Date(2026, 12, 7, 9, 0, 0, 0, time.UTC))
			bus, handled := managerQueue(t)

			// Killed between deciding and sending: decided, no relay ran.
			m := manager(t, open(nil), clock)
			require.NoError(t, m.Handle(ctx, submitted(t)))
			assert.Empty(t, handled())

			// Restarted: the relay sends, and is killed before it records
			// that it did.
			store := open(nil)
			stop, published := runRelay(t, store, bus, true)
			stop()
			require.Equal(t, 1, published(), "the command was sent")
			pos, err := store.Checkpoint(ctx, "outbox")
			require.NoError(t, err)
			require.Zero(t, pos, "killed before recording")
			require.Eventually(t, func() bool { return len(handled()) == 1 }, 10*time.Second, 5*time.Millisecond)

			// Restarted again: the relay sends the same command again,
			// records it, and the manager has handled it once.
			head, err := store.Head(ctx)
			require.NoError(t, err)
			stop, published = runRelay(t, open(nil), bus, false)
			require.Eventually(t, func() bool {
				pos, err := store.Checkpoint(ctx, "outbox")
				return err == nil && pos == head
			}, 10*time.Second, 5*time.Millisecond)
			stop()
			assert.Equal(t, 1, published(), "sent again")
			got := handled()
			require.Len(t, got, 1, "one command")
			for _, n := range got {
				assert.Equal(t, 1, n, "handled once: the consumer drops the second delivery")
			}
		})
	}
}
