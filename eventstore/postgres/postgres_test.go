package postgres_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/elmosoftware/eventprotocol/config"
	"github.com/elmosoftware/eventprotocol/eventstore"
	"github.com/elmosoftware/eventprotocol/eventstore/postgres"
	"github.com/elmosoftware/eventprotocol/eventstore/storetest"
	pgserver "github.com/elmosoftware/eventprotocol/internal/postgres"
)

// server is the package's PostgreSQL 15, started by TestMain.
var server *pgserver.Server

func TestMain(m *testing.M) {
	s, err := pgserver.Start(context.Background())
	if err != nil {
		fmt.Fprintln(os.Stderr, "eventstore/postgres tests need a PostgreSQL 15 server:", err)
		os.Exit(1)
	}
	server = s
	code := m.Run()
	s.Stop()
	os.Exit(code)
}

var schemas atomic.Int64

// open returns a backend in a schema of its own.
func open(t testing.TB) *postgres.Backend {
	b, err := postgres.Open(context.Background(), server.DSN, &postgres.Config{Schema: fmt.Sprintf("t%d", schemas.Add(1))})
	require.NoError(t, err)
	t.Cleanup(func() { _ = b.Close() })
	return b
}

// harness opens each test's backend in a schema of its own: the tests
// share nothing and run in parallel.
type harness struct{}

func (harness) Capabilities() storetest.Capabilities { return storetest.Capabilities{Parallel: true} }

func (harness) Open(_ context.Context, t *testing.T) (eventstore.Backend, error) { return open(t), nil }

func TestConformance(t *testing.T) { storetest.Run(t, harness{}) }

// TestTwoProcesses appends to one stream from two backends over the same
// schema, as two processes of a service would: every append lands, the
// versions and positions are dense, and expectations conflict as they
// should, though each backend's look-ups race the other's commits.
func TestTwoProcesses(t *testing.T) {
	ctx := context.Background()
	schema := fmt.Sprintf("t%d", schemas.Add(1))
	var stores [2]*eventstore.Store
	for i := range stores {
		b, err := postgres.Open(ctx, server.DSN, &postgres.Config{Schema: schema})
		require.NoError(t, err)
		t.Cleanup(func() { _ = b.Close() })
		stores[i], err = eventstore.New(b, nil)
		require.NoError(t, err)
	}
	const writers, appends = 8, 20
	st := eventstore.Stream{Name: "ern:elmo:hr:acme:employee/shared"}
	var wg sync.WaitGroup
	var conflicts atomic.Int64
	errs := make(chan error, writers)
	for w := range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			s := stores[w%2]
			for i := range appends {
				_, err := s.Append(ctx, st, eventstore.Any, storetest.Event(t, st.Name, time.Time{}, 50))
				if err != nil {
					errs <- err
					return
				}
				if i%5 == 0 { // a stale expectation: always a conflict
					_, err := s.Append(ctx, st, eventstore.Exactly(0), storetest.Event(t, st.Name, time.Time{}, 50))
					if !errors.Is(err, eventstore.ErrConflict) {
						errs <- fmt.Errorf("a stale expectation gave %v", err)
						return
					}
					conflicts.Add(1)
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		require.NoError(t, err)
	}
	assert.Equal(t, int64(writers*appends/5), conflicts.Load())
	var n int64
	for r, err := range stores[0].ReadAll(ctx, 0) {
		require.NoError(t, err)
		n++
		require.Equal(t, n, r.Position)
		require.Equal(t, n, r.Version)
	}
	assert.Equal(t, int64(writers*appends), n)
}

// TestAppendTx: events appended in the caller's transaction, pgx or
// database/sql, commit with its own changes or roll back with them; a
// conflict changes nothing.
func TestAppendTx(t *testing.T) {
	ctx := context.Background()
	b := open(t)
	schema := fmt.Sprintf("t%d", schemas.Load())
	store, err := eventstore.New(b, nil)
	require.NoError(t, err)
	pc, err := pgx.ParseConfig(server.DSN)
	require.NoError(t, err)
	pc.RuntimeParams["search_path"] = schema
	conn, err := pgx.ConnectConfig(ctx, pc)
	require.NoError(t, err)
	t.Cleanup(func() { _ = conn.Close(ctx) })
	db := stdlib.OpenDB(*pc)
	t.Cleanup(func() { _ = db.Close() })
	_, err = conn.Exec(ctx, `CREATE TABLE orders (id text PRIMARY KEY)`)
	require.NoError(t, err)

	st := eventstore.Stream{Name: "ern:elmo:hr:acme:employee/e-1"}
	type appendIn func(order string, expect eventstore.Expect, commit bool) (eventstore.Appended, error)
	viaPgx := func(order string, expect eventstore.Expect, commit bool) (eventstore.Appended, error) {
		tx, err := conn.Begin(ctx)
		require.NoError(t, err)
		_, err = tx.Exec(ctx, `INSERT INTO orders VALUES ($1)`, order)
		require.NoError(t, err)
		batch, err := store.Prepare(ctx, st, expect, storetest.Event(t, st.Name, time.Time{}, 30))
		require.NoError(t, err)
		res, err := b.AppendTx(ctx, tx, batch)
		if err != nil || !commit {
			require.NoError(t, tx.Rollback(ctx))
			return res, err
		}
		return res, tx.Commit(ctx)
	}
	viaSQL := func(order string, expect eventstore.Expect, commit bool) (eventstore.Appended, error) {
		tx, err := db.BeginTx(ctx, nil)
		require.NoError(t, err)
		_, err = tx.ExecContext(ctx, `INSERT INTO orders VALUES ($1)`, order)
		require.NoError(t, err)
		batch, err := store.Prepare(ctx, st, expect, storetest.Event(t, st.Name, time.Time{}, 30))
		require.NoError(t, err)
		res, err := b.AppendSQLTx(ctx, tx, batch)
		if err != nil || !commit {
			require.NoError(t, tx.Rollback())
			return res, err
		}
		return res, tx.Commit()
	}
	version := int64(0)
	for i, do := range []appendIn{viaPgx, viaSQL} {
		res, err := do(fmt.Sprint("o-", i, "-committed"), eventstore.Exactly(version), true)
		require.NoError(t, err)
		version++
		assert.Equal(t, version, res.Version)
		assert.Equal(t, version, res.FirstPosition, "no hole where a rolled back append was")
		_, err = do(fmt.Sprint("o-", i, "-rolled-back"), eventstore.Exactly(version), false)
		require.NoError(t, err)
		_, err = do(fmt.Sprint("o-", i, "-conflict"), eventstore.Exactly(0), true)
		require.ErrorIs(t, err, eventstore.ErrConflict)
	}
	var orders []string
	rows, err := conn.Query(ctx, `SELECT id FROM orders ORDER BY id`)
	require.NoError(t, err)
	for rows.Next() {
		var id string
		require.NoError(t, rows.Scan(&id))
		orders = append(orders, id)
	}
	require.NoError(t, rows.Err())
	assert.Equal(t, []string{"o-0-committed", "o-1-committed"}, orders)
	var n int64
	for r, err := range store.ReadAll(ctx, 0) {
		require.NoError(t, err)
		n++
		assert.Equal(t, n, r.Position)
	}
	assert.Equal(t, int64(2), n, "the rolled back events are gone")
}

// TestSchemaFromDSN: without Config.Schema the DSN's search_path names
// the schema; several are refused.
func TestSchemaFromDSN(t *testing.T) {
	ctx := context.Background()
	b, err := postgres.Open(ctx, server.DSN+"&search_path=fromdsn", nil)
	require.NoError(t, err)
	defer b.Close()
	s, err := eventstore.New(b, nil)
	require.NoError(t, err)
	_, err = s.Append(ctx, eventstore.Stream{Name: "ern:elmo:hr:acme:employee/e-1"}, eventstore.Any, storetest.Event(t, "ern:elmo:hr:acme:employee/e-1", time.Time{}, 10))
	require.NoError(t, err)
	out, err := server.Psql(ctx, "SELECT count(*) FROM fromdsn.es_events")
	require.NoError(t, err)
	assert.Equal(t, "1", out)

	_, err = postgres.Open(ctx, server.DSN+"&search_path=a,b", nil)
	require.ErrorIs(t, err, config.ErrInvalid)
}

// TestStaleLookUp: an append looks its stream's version up before it
// takes the head's lock. When another process appends in between, the
// expectation is judged against the version under the lock: a false
// conflict is never reported. The other process here holds the lock in
// a transaction of the test's and appends in it while the append waits.
func TestStaleLookUp(t *testing.T) {
	ctx := context.Background()
	schema := fmt.Sprintf("t%d", schemas.Add(1))
	b, err := postgres.Open(ctx, server.DSN, &postgres.Config{Schema: schema})
	require.NoError(t, err)
	t.Cleanup(func() { _ = b.Close() })
	store, err := eventstore.New(b, nil)
	require.NoError(t, err)
	st := eventstore.Stream{Name: "ern:elmo:hr:acme:employee/e-1"}
	_, err = store.Append(ctx, st, eventstore.Exactly(0), storetest.Event(t, st.Name, time.Time{}, 50))
	require.NoError(t, err)

	other, err := pgx.Connect(ctx, strings.Replace(server.DSN, "sslmode=disable", "sslmode=disable&search_path="+schema, 1))
	require.NoError(t, err)
	defer other.Close(ctx)
	tx, err := other.Begin(ctx)
	require.NoError(t, err)
	defer func() { _ = tx.Rollback(ctx) }()
	_, err = tx.Exec(ctx, `SELECT 1 FROM es_head FOR UPDATE`)
	require.NoError(t, err)

	done := make(chan error, 1)
	go func() {
		// Expects version 2: true once the other process's append commits.
		_, err := store.Append(ctx, st, eventstore.Exactly(2), storetest.Event(t, st.Name, time.Time{}, 50))
		done <- err
	}()
	// Wait until the append has looked its version (1) up and waits for
	// the lock.
	require.Eventually(t, func() bool {
		var waiting int
		err := other.QueryRow(ctx, `SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND query LIKE '%es_append%'`).Scan(&waiting)
		return err == nil && waiting == 1
	}, 10*time.Second, 5*time.Millisecond)
	e := storetest.Event(t, st.Name, time.Time{}, 50)
	raw, err := e.AppendJSON(nil)
	require.NoError(t, err)
	_, err = tx.Exec(ctx, `SELECT * FROM es_append(ARRAY[$1], ARRAY[''], ARRAY[0::bigint], ARRAY[1::bigint], ARRAY[false], ARRAY[$2::bigint], ARRAY[1], ARRAY[$3], ARRAY[$4], ARRAY[$2::bigint], ARRAY[$5::bytea], true)`,
		st.Name, time.Now().UnixNano(), e.Source, e.ID, raw)
	require.NoError(t, err)
	require.NoError(t, tx.Commit(ctx))
	require.NoError(t, <-done, "the expectation holds under the lock")
	var versions []int64
	for r, err := range store.ReadStream(ctx, st, 0) {
		require.NoError(t, err)
		versions = append(versions, r.Version)
	}
	assert.Equal(t, []int64{1, 2, 3}, versions)
}

// TestStreamsTableFilledOnce: a store made before es_streams kept the
// timelines' versions (here: the table dropped) gets it filled when it is
// opened, and appends judge expectations by it.
func TestStreamsTableFilledOnce(t *testing.T) {
	ctx := context.Background()
	schema := fmt.Sprintf("t%d", schemas.Add(1))
	b, err := postgres.Open(ctx, server.DSN, &postgres.Config{Schema: schema})
	require.NoError(t, err)
	store, err := eventstore.New(b, nil)
	require.NoError(t, err)
	streams := []eventstore.Stream{{Name: "ern:elmo:hr:acme:employee/a"}, {Name: "ern:elmo:hr:acme:employee/b"}}
	for i, st := range streams {
		for range i + 2 {
			_, err := store.Append(ctx, st, eventstore.Any, storetest.Event(t, st.Name, time.Time{}, 50))
			require.NoError(t, err)
		}
	}
	br, err := store.Fork(ctx, streams[0].Name, time.Time{})
	require.NoError(t, err)
	onBranch := eventstore.Stream{Name: streams[0].Name, Branch: br.ID}
	_, err = store.Append(ctx, onBranch, eventstore.Exactly(2), storetest.Event(t, streams[0].Name, time.Time{}, 50))
	require.NoError(t, err)
	require.NoError(t, store.Close())

	conn, err := pgx.Connect(ctx, strings.Replace(server.DSN, "sslmode=disable", "sslmode=disable&search_path="+schema, 1))
	require.NoError(t, err)
	defer conn.Close(ctx)
	_, err = conn.Exec(ctx, `DROP TABLE es_streams`)
	require.NoError(t, err)

	b, err = postgres.Open(ctx, server.DSN, &postgres.Config{Schema: schema})
	require.NoError(t, err)
	store, err = eventstore.New(b, nil)
	require.NoError(t, err)
	defer store.Close()
	for _, tc := range []struct {
		st      eventstore.Stream
		version int64
	}{{streams[0], 2}, {streams[1], 3}, {onBranch, 3}} {
		_, err := store.Append(ctx, tc.st, eventstore.Exactly(tc.version-1), storetest.Event(t, tc.st.Name, time.Time{}, 50))
		var conflict *eventstore.ConflictError
		require.ErrorAs(t, err, &conflict, "%+v", tc.st)
		assert.Equal(t, tc.version, conflict.Actual)
		_, err = store.Append(ctx, tc.st, eventstore.Exactly(tc.version), storetest.Event(t, tc.st.Name, time.Time{}, 50))
		require.NoError(t, err, "%+v", tc.st)
	}
	// A discarded branch leaves no version behind.
	require.NoError(t, store.Discard(ctx, onBranch))
	var left int
	require.NoError(t, conn.QueryRow(ctx, `SELECT count(*) FROM es_streams WHERE branch <> ''`).Scan(&left))
	assert.Zero(t, left)
}
