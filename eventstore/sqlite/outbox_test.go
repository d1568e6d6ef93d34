package sqlite_test

import (
	"context"
	"database/sql"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/elmosoftware/eventprotocol/eventstore"
	"github.com/elmosoftware/eventprotocol/eventstore/sqlite"
	"github.com/elmosoftware/eventprotocol/eventstore/storetest"
)

// TestAppendTx: events appended in the caller's transaction commit with
// its own changes, or roll back with them; a conflict changes nothing.
func TestAppendTx(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "service.db")
	backend, err := sqlite.Open(ctx, path, nil)
	require.NoError(t, err)
	t.Cleanup(func() { _ = backend.Close() })
	store, err := eventstore.New(backend, nil)
	require.NoError(t, err)
	// The service's own handle on the same file.
	db, err := sql.Open("sqlite", "file:"+path+"?_txlock=immediate&_pragma=busy_timeout(5000)")
	require.NoError(t, err)
	t.Cleanup(func() { _ = db.Close() })
	_, err = db.ExecContext(ctx, `CREATE TABLE orders (id TEXT PRIMARY KEY)`)
	require.NoError(t, err)

	st := eventstore.Stream{Name: "ern:elmo:hr:acme:employee/e-1"}
	change := func(order string, expect eventstore.Expect, commit bool) (eventstore.Appended, error) {
		tx, err := db.BeginTx(ctx, nil)
		require.NoError(t, err)
		_, err = tx.ExecContext(ctx, `INSERT INTO orders VALUES (?)`, order)
		require.NoError(t, err)
		batch, err := store.Prepare(ctx, st, expect, storetest.Event(t, st.Name, time.Time{}, 30))
		require.NoError(t, err)
		res, err := backend.AppendTx(ctx, tx, batch)
		if err != nil || !commit {
			require.NoError(t, tx.Rollback())
			return res, err
		}
		require.NoError(t, tx.Commit())
		store.Appended(res)
		return res, nil
	}
	res, err := change("o-1", eventstore.Exactly(0), true)
	require.NoError(t, err)
	assert.Equal(t, eventstore.Appended{Version: 1, Stored: 1, FirstPosition: 1, Recorded: res.Recorded}, res)
	_, err = change("o-2", eventstore.Exactly(1), false)
	require.NoError(t, err)
	_, err = change("o-3", eventstore.Exactly(0), true)
	require.ErrorIs(t, err, eventstore.ErrConflict)

	var orders []string
	rows, err := db.QueryContext(ctx, `SELECT id FROM orders ORDER BY id`)
	require.NoError(t, err)
	for rows.Next() {
		var id string
		require.NoError(t, rows.Scan(&id))
		orders = append(orders, id)
	}
	require.NoError(t, rows.Close())
	assert.Equal(t, []string{"o-1"}, orders, "the rolled back changes are gone")
	n := 0
	for r, err := range store.ReadAll(ctx, 0) {
		require.NoError(t, err)
		n++
		assert.Equal(t, int64(n), r.Position)
	}
	assert.Equal(t, 1, n, "and so are their events")
	res, err = change("o-4", eventstore.Exactly(1), true)
	require.NoError(t, err)
	assert.Equal(t, int64(2), res.FirstPosition, "no hole where the rolled back append was")
}
