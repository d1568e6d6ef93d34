package sqlidempotency_test

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/stdlib"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	_ "modernc.org/sqlite"

	"github.com/elmosoftware/eventprotocol/config"
	"github.com/elmosoftware/eventprotocol/envelope"
	"github.com/elmosoftware/eventprotocol/internal/postgres"
	"github.com/elmosoftware/eventprotocol/transport"
	"github.com/elmosoftware/eventprotocol/transport/driver"
	"github.com/elmosoftware/eventprotocol/transport/memory"
	"github.com/elmosoftware/eventprotocol/transport/sqlidempotency"
)

// backend opens handles on one database, as separate instances of a
// service would.
type backend struct {
	name    string
	dialect sqlidempotency.Dialect
	open    func(t *testing.T) func() *sql.DB
}

var tables atomic.Int64

func backends() []backend {
	return []backend{
		{"SQLite", sqlidempotency.SQLite, func(t *testing.T) func() *sql.DB {
			path := filepath.Join(t.TempDir(), "events.db")
			return func() *sql.DB {
				db, err := sql.Open("sqlite", "file:"+path+"?_pragma=busy_timeout(5000)&_pragma=journal_mode(WAL)")
				require.NoError(t, err)
				t.Cleanup(func() { db.Close() })
				return db
			}
		}},
		{"PostgreSQL", sqlidempotency.PostgreSQL, func(t *testing.T) func() *sql.DB {
			srv := pgServer(t)
			return func() *sql.DB {
				db, err := sql.Open("pgx", srv.DSN)
				require.NoError(t, err)
				t.Cleanup(func() { db.Close() })
				return db
			}
		}},
	}
}

var (
	pgOnce sync.Once
	pg     *postgres.Server
	pgErr  error
)

// pgServer is one PostgreSQL for the package's tests.
func pgServer(t *testing.T) *postgres.Server {
	t.Helper()
	pgOnce.Do(func() { pg, pgErr = postgres.Start(context.Background()) })
	require.NoError(t, pgErr, "PostgreSQL 15 must start for this test")
	return pg
}

func TestMain(m *testing.M) {
	code := m.Run()
	if pg != nil {
		_ = pg.Stop()
	}
	os.Exit(code)
}

func open(t *testing.T, db *sql.DB, b backend, clock config.Clock, table string) *sqlidempotency.Store {
	t.Helper()
	s, err := sqlidempotency.New(context.Background(), db, &sqlidempotency.Config{Dialect: b.dialect, Clock: clock, Table: table,
		Lease: time.Minute, Retention: time.Hour})
	require.NoError(t, err)
	return s
}

const key = "urn:elmo:service:signup\x0001a24d48-114f-7f2c-a8b9-f7ed72d97196"

// TestStore: claims, completion, release, a stale claim taken over, and
// keys forgotten after the retention, seen from two instances.
func TestStore(t *testing.T) {
	ctx := context.Background()
	for _, b := range backends() {
		t.Run(b.name, func(t *testing.T) {
			handles := b.open(t)
			clock := config.NewManualClock(time.Date(2026, 12, 6, 9, 0, 0, 0, time.UTC))
			table := fmt.Sprintf("idem_%d", tables.Add(1))
			a, other := open(t, handles(), b, clock, table), open(t, handles(), b, clock, table)

			claim := func(s *sqlidempotency.Store) transport.ClaimResult {
				r, err := s.Claim(ctx, key)
				require.NoError(t, err)
				return r
			}
			assert.Equal(t, transport.Claimed, claim(a))
			assert.Equal(t, transport.InProgress, claim(other), "claimed by the first instance")
			require.NoError(t, a.Release(ctx, key))
			assert.Equal(t, transport.Claimed, claim(other), "released: free again")
			require.NoError(t, other.Complete(ctx, key))
			assert.Equal(t, transport.AlreadyDone, claim(a))

			stale := key + "-stale"
			r, err := a.Claim(ctx, stale)
			require.NoError(t, err)
			require.Equal(t, transport.Claimed, r)
			clock.Advance(59 * time.Second)
			r, err = other.Claim(ctx, stale)
			require.NoError(t, err)
			assert.Equal(t, transport.InProgress, r, "within the lease")
			clock.Advance(2 * time.Second)
			r, err = other.Claim(ctx, stale)
			require.NoError(t, err)
			assert.Equal(t, transport.Claimed, r, "the lease ran out: taken over")

			clock.Advance(2 * time.Hour)
			assert.Equal(t, transport.Claimed, claim(a), "done longer ago than the retention: forgotten")
		})
	}
}

// TestOneClaimWins: instances claiming one key at once: exactly one wins.
func TestOneClaimWins(t *testing.T) {
	ctx := context.Background()
	for _, b := range backends() {
		t.Run(b.name, func(t *testing.T) {
			handles := b.open(t)
			table := fmt.Sprintf("idem_%d", tables.Add(1))
			var stores []*sqlidempotency.Store
			for range 4 {
				stores = append(stores, open(t, handles(), b, nil, table))
			}
			var wins atomic.Int32
			var wg sync.WaitGroup
			for _, s := range stores {
				for range 4 {
					wg.Add(1)
					go func() {
						defer wg.Done()
						r, err := s.Claim(ctx, key)
						assert.NoError(t, err)
						if r == transport.Claimed {
							wins.Add(1)
						}
					}()
				}
			}
			wg.Wait()
			assert.Equal(t, int32(1), wins.Load())
		})
	}
}

// TestNewRefuses: every invalid setting, at once.
func TestNewRefuses(t *testing.T) {
	db, err := sql.Open("sqlite", ":memory:")
	require.NoError(t, err)
	defer db.Close()
	_, err = sqlidempotency.New(context.Background(), nil, &sqlidempotency.Config{Table: "x; DROP TABLE y", Lease: -1})
	require.ErrorIs(t, err, config.ErrInvalid)
	for _, s := range []string{"db", "Dialect", "Table", "Lease"} {
		assert.ErrorContains(t, err, s)
	}
	_, err = sqlidempotency.New(context.Background(), db, nil)
	assert.ErrorIs(t, err, config.ErrInvalid, "the dialect is required")
	_ = stdlib.GetDefaultDriver() // the pgx driver is registered
}

// TestAcrossInstances: two instances of a consumer (push consumers, as on
// AWS Lambda) sharing the store handle a duplicated delivery once.
func TestAcrossInstances(t *testing.T) {
	ctx := context.Background()
	b := backends()[0]
	handles := b.open(t)
	table := fmt.Sprintf("idem_%d", tables.Add(1))
	broker, err := memory.New(nil)
	require.NoError(t, err)
	require.NoError(t, broker.CreateSubscription(memory.SubscriptionConfig{Name: "billing", Topics: []string{"identity"}}))
	var handled atomic.Int32
	instance := func() *transport.Consumer {
		recv, err := broker.Receiver("billing")
		require.NoError(t, err)
		c, err := transport.NewConsumer(recv, &transport.ConsumerConfig{Push: true, Idempotency: open(t, handles(), b, nil, table)})
		require.NoError(t, err)
		require.NoError(t, c.HandleFunc("elmo.identity.client.signed_up.v1", func(context.Context, *transport.Delivery) error {
			handled.Add(1)
			return nil
		}))
		require.NoError(t, c.Start(ctx))
		t.Cleanup(func() { _ = c.Shutdown(context.Background()) })
		return c
	}
	e, err := (&envelope.Producer{Source: "urn:elmo:service:signup"}).New("elmo.identity.client.signed_up.v1", []byte(`{}`))
	require.NoError(t, err)
	e.Subject, e.TenantID = "ern:elmo:identity:acme:client/acme", "acme"
	body, err := e.MarshalJSON()
	require.NoError(t, err)
	first, err := instance().Deliver(ctx, []*driver.Message{{Body: body, Handle: "first-delivery"}})
	require.NoError(t, err)
	again, err := instance().Deliver(ctx, []*driver.Message{{Body: body, Handle: "second-delivery"}})
	require.NoError(t, err)
	assert.Equal(t, []transport.Outcome{transport.Handled}, first)
	assert.Equal(t, []transport.Outcome{transport.Duplicate}, again)
	assert.Equal(t, int32(1), handled.Load())
}
