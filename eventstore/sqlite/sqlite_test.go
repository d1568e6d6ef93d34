package sqlite_test

import (
	"context"
	"io/fs"
	"path/filepath"
	"testing"

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
