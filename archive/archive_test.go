package archive_test

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/elmosoftware/eventprotocol/archive"
	"github.com/elmosoftware/eventprotocol/config"
	"github.com/elmosoftware/eventprotocol/eventstore"
	"github.com/elmosoftware/eventprotocol/transport"
	"github.com/elmosoftware/eventprotocol/transport/memory"
	"github.com/elmosoftware/eventprotocol/transport/topology"
)

func memoryBus(t *testing.T, topo *topology.Topology) *transport.Bus {
	if topo == nil {
		topo = world("dev")
	}
	broker, err := memory.New(nil)
	require.NoError(t, err)
	bus, err := transport.Open(context.Background(), broker, topo, &transport.OpenConfig{Provision: true})
	require.NoError(t, err)
	return bus
}

// TestArchive: every event of the domains is stored once, in its
// subject's stream, byte for byte as it came, duplicates included.
func TestArchive(t *testing.T) {
	for _, s := range stores {
		t.Run(s.name, func(t *testing.T) {
			ctx := context.Background()
			bus := memoryBus(t, nil)
			store := s.open(t)()
			startArchive(t, bus, store, nil)
			evs := events(t, 40, 4)
			require.NoError(t, bus.Publisher().Publish(ctx, evs...))
			require.NoError(t, bus.Publisher().Publish(ctx, evs[:5]...), "published again")
			odd := events(t, 1, 1)[0]
			raw, err := odd.MarshalJSON()
			require.NoError(t, err)
			raw = append([]byte("\n  "), raw...) // not as the Publisher writes
			_, err = bus.Resend(ctx, "archive", transport.Replay{ID: "r"}, transport.Stored{Envelope: odd, Raw: raw})
			require.NoError(t, err)

			got := archived(t, store, 41)
			assert.Len(t, got, 41)
			for _, e := range evs {
				want, err := e.MarshalJSON()
				require.NoError(t, err)
				assert.Equal(t, []string{string(want)}, got[e.ID], "stored once, as published")
			}
			assert.Equal(t, []string{string(raw)}, got[odd.ID], "byte for byte")
		})
	}
}

// dying is a backend that dies after some appends: the first of them
// stored but reported failed (killed before the acknowledgement), the
// others refused.
type dying struct {
	eventstore.Backend
	mu    sync.Mutex
	after int
}

var errKilled = errors.New("killed")

func (d *dying) Append(ctx context.Context, b *eventstore.Batch) (eventstore.Appended, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	switch {
	case d.after > 0:
		d.after--
		return d.Backend.Append(ctx, b)
	case d.after == 0:
		d.after--
		if _, err := d.Backend.Append(ctx, b); err != nil {
			return eventstore.Appended{}, err
		}
		return eventstore.Appended{}, errKilled
	}
	return eventstore.Appended{}, errKilled
}

// AppendAll is dying's for the archive's batches: one call counts as one
// append.
func (d *dying) AppendAll(ctx context.Context, bs []*eventstore.Batch) ([]eventstore.Appended, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	all, ok := d.Backend.(interface {
		AppendAll(context.Context, []*eventstore.Batch) ([]eventstore.Appended, error)
	})
	store := func() ([]eventstore.Appended, error) {
		if ok {
			return all.AppendAll(ctx, bs)
		}
		out := make([]eventstore.Appended, len(bs))
		for i, b := range bs {
			var err error
			if out[i], err = d.Backend.Append(ctx, b); err != nil {
				return nil, err
			}
		}
		return out, nil
	}
	switch {
	case d.after > 0:
		d.after--
		return store()
	case d.after == 0:
		d.after--
		if _, err := store(); err != nil {
			return nil, err
		}
	}
	return nil, errKilled
}

// TestArchiveKilled: an archive killed in the middle of a stream of
// events, then restarted, has stored every event once.
func TestArchiveKilled(t *testing.T) {
	for _, s := range stores {
		t.Run(s.name, func(t *testing.T) {
			ctx := context.Background()
			// What the dead archive held comes back within a second; it
			// may have failed it many times.
			topo := world("dev")
			topo.Services[1].VisibilityTimeoutSeconds, topo.Services[1].MaxReceiveCount = 1, 1000
			bus := memoryBus(t, topo)
			open := s.open(t)
			store := open()
			dead := &dying{Backend: store.Backend(), after: 25}
			deadStore, err := eventstore.New(dead, nil)
			require.NoError(t, err)
			stop := startArchive(t, bus, deadStore, &transport.ConsumerConfig{Concurrency: 4})
			evs := events(t, 100, 10)
			require.NoError(t, bus.Publisher().Publish(ctx, evs...))
			require.Eventually(t, func() bool {
				dead.mu.Lock()
				defer dead.mu.Unlock()
				return dead.after < 0
			}, 20*time.Second, 10*time.Millisecond, "the archive dies after 26 appends")
			stop()

			startArchive(t, bus, open(), nil)
			got := archived(t, store, len(evs))
			assert.Len(t, got, len(evs))
			for _, e := range evs {
				assert.Len(t, got[e.ID], 1, "stored once")
			}
		})
	}
}

// TestRefusals: New without a store, and Service of an unknown domain.
func TestRefusals(t *testing.T) {
	_, err := archive.New(nil)
	assert.ErrorIs(t, err, config.ErrInvalid)
	_, err = archive.Service(world("dev"), "archive", "payroll")
	assert.ErrorIs(t, err, archive.ErrUnknownDomain)
	svc, err := archive.Service(world("dev"), "archive", "leave")
	require.NoError(t, err)
	assert.Equal(t, []string{"elmo.leave.*"}, svc.Consumes)
}
