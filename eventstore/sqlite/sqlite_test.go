package sqlite_test

import (
	"context"
	"io/fs"
	"path/filepath"
	"testing"
	"time"

	"github.com/elmosoftware/eventprotocol/envelope"
	"github.com/elmosoftware/eventprotocol/eventstore"
	"github.com/elmosoftware/eventprotocol/eventstore/sqlite"
	"github.com/elmosoftware/eventprotocol/eventstore/storetest"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// harness opens each test's backend on a file of its own, or in memory:
// the tests share nothing and run in parallel.
type harness struct{ inMemory bool }

func (harness) Capabilities() storetest.Capabilities { return storetest.Capabilities{Parallel: true} }

func (h harness) Open(ctx context.Context, t *testing.T) (eventstore.Backend, error) {
	path := ":memory:"
	if !h.inMemory {
		path = filepath.Join(t.TempDir(), "events.db")
	}
	b, err := sqlite.Open(ctx, path, nil)
	if err != nil {
		return nil, err
	}
	t.Cleanup(func() { _ = b.Close() })
	return b, nil
}

func TestConformance(t *testing.T) {
	t.Run("file", func(t *testing.T) { storetest.Run(t, harness{}) })
	t.Run("memory", func(t *testing.T) { storetest.Run(t, harness{inMemory: true}) })
}

// TestOpenInAMissingFolder: a file in a folder that does not exist is
// refused with the folder named (SQLite itself says "out of memory").
func TestOpenInAMissingFolder(t *testing.T) {
	path := filepath.Join(t.TempDir(), "no-such-folder", "events.db")
	_, err := sqlite.Open(context.Background(), path, nil)
	require.ErrorIs(t, err, fs.ErrNotExist)
	assert.Contains(t, err.Error(), filepath.Dir(path))
	assert.Contains(t, err.Error(), "create it first")
	assert.NotContains(t, err.Error(), "out of memory")
}

// TestAppendAll: appends to several streams in one transaction, each as
// Append would make it: a repeated event is skipped, versions and
// positions follow on, and a failed append stores nothing of the others.
func TestAppendAll(t *testing.T) {
	ctx := context.Background()
	b, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "events.db"), nil)
	require.NoError(t, err)
	defer b.Close()
	store, err := eventstore.New(b, nil)
	require.NoError(t, err)
	first := storetest.Event(t, "ern:elmo:hr:acme:employee/e-1", time.Time{}, 10)
	_, err = store.Append(ctx, eventstore.Stream{Name: "a"}, eventstore.Any, first)
	require.NoError(t, err)
	prepare := func(stream string, expect eventstore.Expect, events ...*envelope.Envelope) *eventstore.Batch {
		batch, err := store.Prepare(ctx, eventstore.Stream{Name: stream}, expect, events...)
		require.NoError(t, err)
		return batch
	}
	second := storetest.Event(t, "ern:elmo:hr:acme:employee/e-1", time.Time{}, 10)
	third := storetest.Event(t, "ern:elmo:hr:acme:employee/e-2", time.Time{}, 10)
	res, err := b.AppendAll(ctx, []*eventstore.Batch{prepare("a", eventstore.Any, first, second), prepare("b", eventstore.Any, third)})
	require.NoError(t, err)
	require.Len(t, res, 2)
	assert.Equal(t, []int64{2, 1}, []int64{res[0].Version, res[1].Version})
	assert.Equal(t, []int{1, 1}, []int{res[0].Stored, res[1].Stored}, "the repeated event skipped")
	assert.Equal(t, res[0].FirstPosition+1, res[1].FirstPosition)

	fourth := storetest.Event(t, "ern:elmo:hr:acme:employee/e-3", time.Time{}, 10)
	_, err = b.AppendAll(ctx, []*eventstore.Batch{prepare("c", eventstore.Any, fourth), prepare("b", eventstore.Exactly(0), storetest.Event(t, "ern:elmo:hr:acme:employee/e-2", time.Time{}, 10))})
	require.ErrorIs(t, err, eventstore.ErrConflict)
	head, err := store.Head(ctx)
	require.NoError(t, err)
	assert.Equal(t, int64(3), head, "nothing of the failed call stored")

	res, err = b.AppendAll(ctx, []*eventstore.Batch{prepare("c", eventstore.Any, fourth), prepare("d", eventstore.Any, fourth)})
	require.NoError(t, err)
	assert.Equal(t, []int{1, 0}, []int{res[0].Stored, res[1].Stored}, "one event twice in one call: stored once")
}
