package postgres_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

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

func TestConformance(t *testing.T) {
	storetest.Run(t, func(t *testing.T) eventstore.Backend { return open(t) })
}

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
