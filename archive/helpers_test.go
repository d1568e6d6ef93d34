package archive_test

import (
	"context"
	"fmt"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/elmosoftware/eventprotocol/archive"
	"github.com/elmosoftware/eventprotocol/envelope"
	"github.com/elmosoftware/eventprotocol/eventstore"
	pgstore "github.com/elmosoftware/eventprotocol/eventstore/postgres"
	"github.com/elmosoftware/eventprotocol/eventstore/sqlite"
	"github.com/elmosoftware/eventprotocol/internal/postgres"
	"github.com/elmosoftware/eventprotocol/transport"
	"github.com/elmosoftware/eventprotocol/transport/topology"
)

const (
	typeHired    = "elmo.hr.employee.hired.v1"
	typeAdjusted = "elmo.leave.balance.adjusted.v1"
)

// stores are the SQL backends the tests archive into: open returns a
// function that opens (again) one database of the test's.
var stores = []struct {
	name string
	open func(t *testing.T) func() *eventstore.Store
}{
	{"SQLite", func(t *testing.T) func() *eventstore.Store {
		path := filepath.Join(t.TempDir(), "archive.db")
		return func() *eventstore.Store {
			s, err := sqlite.NewStore(context.Background(), path, &eventstore.Config{PollInterval: 20 * time.Millisecond})
			require.NoError(t, err)
			t.Cleanup(func() { _ = s.Close() })
			return s
		}
	}},
	{"PostgreSQL", func(t *testing.T) func() *eventstore.Store {
		pg := postgres.StartForTest(t)
		dsn := fmt.Sprintf("%s&search_path=a%d", pg.DSN, schemas.Add(1))
		return func() *eventstore.Store {
			s, err := pgstore.NewStore(context.Background(), dsn, &eventstore.Config{PollInterval: 20 * time.Millisecond})
			require.NoError(t, err)
			t.Cleanup(func() { _ = s.Close() })
			return s
		}
	}},
}

var schemas atomic.Int64

// world is a topology of two domains, the archive of both, and payroll,
// which consumes hires.
func world(env string) *topology.Topology {
	t := &topology.Topology{Env: env, Domains: []topology.Domain{{Name: "hr"}, {Name: "leave"}},
		Services: []topology.Service{{Name: "payroll", Consumes: []string{typeHired}}}}
	svc, err := archive.Service(t, "archive")
	if err != nil {
		panic(err) // the tests' own topology
	}
	t.Services = append(t.Services, svc)
	return t
}

// events makes n events alternating hires and adjustments over subjects
// e-0..e-(subjects-1), of tenants acme (even subjects) and globex.
func events(t testing.TB, n, subjects int) []*envelope.Envelope {
	out := make([]*envelope.Envelope, n)
	for i := range out {
		typ := typeHired // each subject has both types
		if i/subjects%2 == 1 {
			typ = typeAdjusted
		}
		tenant := "acme"
		if i%subjects%2 == 1 {
			tenant = "globex"
		}
		e, err := (&envelope.Producer{Source: "urn:elmo:service:hr"}).New(typ, []byte(fmt.Sprintf(`{"n":%d}`, i)))
		require.NoError(t, err)
		e.Subject, e.TenantID = fmt.Sprintf("ern:elmo:hr:%s:employee/e-%d", tenant, i%subjects), tenant
		e.PartitionKey = e.Subject
		out[i] = &e
	}
	return out
}

// startArchive starts an archive consumer on the bus into store, stopped
// when the test ends or stop is called.
func startArchive(t *testing.T, bus *transport.Bus, store *eventstore.Store, cfg *transport.ConsumerConfig) (stop func()) {
	ctx := context.Background()
	a, err := archive.New(store)
	require.NoError(t, err)
	c, err := bus.Consumer(ctx, "archive", cfg)
	require.NoError(t, err)
	require.NoError(t, a.Register(c))
	require.NoError(t, c.Start(ctx))
	var once sync.Once
	stop = func() {
		once.Do(func() {
			sctx, cancel := context.WithTimeout(ctx, 10*time.Second)
			defer cancel()
			_ = c.Shutdown(sctx)
		})
	}
	t.Cleanup(stop)
	return stop
}

// archived returns the archive's events by id, each with how many times
// it is stored and its stored bytes, once there are n.
func archived(t *testing.T, store *eventstore.Store, n int) map[string][]string {
	t.Helper()
	var got map[string][]string
	require.Eventually(t, func() bool {
		got = map[string][]string{}
		count := 0
		for rec, err := range store.ReadAll(context.Background(), 0) {
			require.NoError(t, err)
			e, err := rec.Envelope()
			require.NoError(t, err)
			require.Equal(t, archive.Stream(&e).Name, rec.Stream)
			got[e.ID] = append(got[e.ID], string(rec.Raw))
			count++
		}
		return count >= n
	}, 60*time.Second, 20*time.Millisecond, "the archive holds %d events", n)
	return got
}
