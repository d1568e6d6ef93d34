package postgres_test

import (
	"context"
	"fmt"
	"os"
	"sync/atomic"
	"testing"

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
