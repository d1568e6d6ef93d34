package transporttest

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/elmosoftware/eventprotocol/envelope"
	"github.com/elmosoftware/eventprotocol/transport"
	"github.com/elmosoftware/eventprotocol/transport/driver"
	"github.com/elmosoftware/eventprotocol/transport/topology"
)

// RunBus checks the portable wiring on a driver: a topology opened with
// transport.Open (provisioned), events published and consumed through
// the Bus, and the dead-letter tooling: a dead letter listed with its
// reason and original bytes, redriven to its own service's queue and
// handled there while another subscriber of the topic receives nothing
// again, an unknown id refused with driver.ErrNotFound, and a purge. newDriver
// returns a driver for a fresh environment named env; the topology is
// torn down when the test ends.
func RunBus(t *testing.T, newDriver func(t *testing.T) driver.Driver, env string) {
	ctx := context.Background()
	topo := &topology.Topology{Env: env, Domains: []topology.Domain{{Name: "conformance"}},
		Services: []topology.Service{{Name: "store", Consumes: []string{typeCreated}, VisibilityTimeoutSeconds: 5},
			{Name: "audit", Consumes: []string{typeCreated}, VisibilityTimeoutSeconds: 5}}}
	d := newDriver(t)
	bus, err := transport.Open(ctx, d, topo, &transport.OpenConfig{Provision: true})
	require.NoError(t, err)
	t.Cleanup(func() { assert.NoError(t, bus.Teardown(context.Background())) })

	// The handler refuses items until told otherwise.
	var mu sync.Mutex
	accept := false
	handled := make(chan string, 10)
	cons, err := bus.Consumer(ctx, "store", &transport.ConsumerConfig{MaxAttempts: 1})
	require.NoError(t, err)
	require.NoError(t, cons.HandleFunc(typeCreated, func(_ context.Context, dl *transport.Delivery) error {
		mu.Lock()
		defer mu.Unlock()
		if !accept {
			return transport.Permanent(errors.New("refused at /n by the test"))
		}
		handled <- dl.Envelope.ID
		return nil
	}))
	require.NoError(t, cons.Start(ctx))
	t.Cleanup(func() { _ = cons.Shutdown(context.Background()) })
	// Another subscriber of the topic, which takes everything and, not
	// deduplicating, would see any copy a redrive sent it.
	audited := make(chan string, 10)
	audit, err := bus.Consumer(ctx, "audit", &transport.ConsumerConfig{Idempotency: transport.NoIdempotency{}})
	require.NoError(t, err)
	require.NoError(t, audit.HandleFunc(typeCreated, func(_ context.Context, dl *transport.Delivery) error {
		audited <- dl.Envelope.ID
		return nil
	}))
	require.NoError(t, audit.Start(ctx))
	t.Cleanup(func() { _ = audit.Shutdown(context.Background()) })

	first, second := newEvent(t, typeCreated, 1), newEvent(t, typeCreated, 2)
	wire, err := first.MarshalJSON()
	require.NoError(t, err)
	require.NoError(t, bus.Publisher().Publish(ctx, first, second))

	var dead []driver.DeadLetter
	require.Eventually(t, func() bool {
		dead, err = bus.DeadLetters(ctx, "store", 10)
		return err == nil && len(dead) == 2
	}, time.Minute, 100*time.Millisecond, "both events dead-lettered (last error: %v)", err)
	byEvent := map[string]driver.DeadLetter{}
	for _, dl := range dead {
		e, err := envelope.Decode(dl.Body)
		require.NoError(t, err, "the dead letter's body is the event")
		byEvent[e.ID] = dl
	}
	dl, ok := byEvent[first.ID]
	require.True(t, ok)
	assert.JSONEq(t, string(wire), string(dl.Body), "the original bytes")
	assert.Contains(t, dl.Reason, "refused at /n by the test")
	assert.Equal(t, dl.Reason, dl.Attributes[driver.AttrDeadLetterReason])
	assert.Equal(t, typeCreated, dl.Attributes[driver.AttrType])
	assert.Equal(t, 1, dl.ReceiveCount)
	assert.NotEmpty(t, dl.ID)

	again, err := bus.DeadLetters(ctx, "store", 10)
	require.NoError(t, err)
	assert.Len(t, again, 2, "listing leaves the dead letters in place")
	for range 2 {
		select {
		case <-audited:
		case <-time.After(time.Minute):
			t.Fatal("the other subscriber did not receive the events")
		}
	}

	_, err = bus.Redrive(ctx, "store", "no-such-dead-letter")
	assert.ErrorIs(t, err, driver.ErrNotFound)
	_, err = bus.DeadLetters(ctx, "nobody", 10)
	assert.ErrorIs(t, err, topology.ErrUnknownService)

	mu.Lock()
	accept = true
	mu.Unlock()
	done, err := bus.Redrive(ctx, "store", dl.ID)
	require.NoError(t, err)
	assert.Equal(t, []string{dl.ID}, done)
	select {
	case id := <-handled:
		assert.Equal(t, first.ID, id, "the redriven event is handled")
	case <-time.After(time.Minute):
		t.Fatal("the redriven event was not handled")
	}
	quiet(t, audited, 2*time.Second, "redelivery to another subscriber of the topic")
	left, err := bus.DeadLetters(ctx, "store", 10)
	require.NoError(t, err)
	require.Len(t, left, 1, "the redriven dead letter left the queue")

	n, err := bus.Purge(ctx, "store")
	require.NoError(t, err)
	assert.Equal(t, 1, n)
	left, err = bus.DeadLetters(ctx, "store", 10)
	require.NoError(t, err)
	assert.Empty(t, left, fmt.Sprintf("purged: %v", left))
}
