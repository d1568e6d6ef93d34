package sqlite_test

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/elmosoftware/eventprotocol/eventstore"
	"github.com/elmosoftware/eventprotocol/eventstore/sqlite"
	"github.com/elmosoftware/eventprotocol/eventstore/storetest"
)

func TestConformance(t *testing.T) {
	for _, where := range []string{"file", "memory"} {
		t.Run(where, func(t *testing.T) {
			storetest.Run(t, func(t *testing.T) eventstore.Backend {
				path := ":memory:"
				if where == "file" {
					path = filepath.Join(t.TempDir(), "events.db")
				}
				b, err := sqlite.Open(context.Background(), path, nil)
				require.NoError(t, err)
				t.Cleanup(func() { _ = b.Close() })
				return b
			})
		})
	}
}
