package toolcache_test

import (
	"errors"
	"os"
	"path/filepath"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/elmosoftware/eventprotocol/internal/toolcache"
)

// A failed fill leaves nothing behind, and the next call fills again.
func TestFailedFillLeavesNothing(t *testing.T) {
	root := t.TempDir()
	broken := errors.New("the build failed")
	_, err := toolcache.Dir(root, "tool-v1", "tool", func(tmp string) error {
		require.NoError(t, os.WriteFile(filepath.Join(tmp, "half"), nil, 0o644))
		return broken
	})
	require.ErrorIs(t, err, broken)
	left, err := os.ReadDir(root)
	require.NoError(t, err)
	assert.Empty(t, left, "the temporary folder is removed")

	dir, err := toolcache.Dir(root, "tool-v1", "tool", func(tmp string) error {
		return os.WriteFile(filepath.Join(tmp, "tool"), nil, 0o755)
	})
	require.NoError(t, err)
	assert.FileExists(t, filepath.Join(dir, "tool"))
}

// Fills at the same time end with one whole folder, which every caller
// gets.
func TestConcurrentFills(t *testing.T) {
	root := t.TempDir()
	var wg sync.WaitGroup
	dirs := make([]string, 8)
	errs := make([]error, 8)
	for i := range dirs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			dirs[i], errs[i] = toolcache.Dir(root, "tool-v1", "tool", func(tmp string) error {
				return os.WriteFile(filepath.Join(tmp, "tool"), []byte("whole"), 0o755)
			})
		}()
	}
	wg.Wait()
	for i := range dirs {
		require.NoError(t, errs[i])
		assert.Equal(t, filepath.Join(root, "tool-v1"), dirs[i])
	}
	b, err := os.ReadFile(filepath.Join(root, "tool-v1", "tool"))
	require.NoError(t, err)
	assert.Equal(t, "whole", string(b))
	left, err := os.ReadDir(root)
	require.NoError(t, err)
	assert.Len(t, left, 1, "no temporary folder left")
}
