package postgres_test

import (
	"context"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/elmosoftware/eventprotocol/internal/postgres"
)

func TestServer(t *testing.T) {
	s := postgres.StartForTest(t)
	ctx := context.Background()
	version, err := s.Psql(ctx, "show server_version")
	require.NoError(t, err)
	assert.True(t, strings.HasPrefix(version, postgres.Version+"."), version)
	assert.Contains(t, s.DSN, "127.0.0.1")

	out, err := s.Psql(ctx, "create table t (n int); insert into t values (1), (2); select sum(n) from t")
	require.NoError(t, err)
	assert.Equal(t, "3", out)
	_, err = s.Psql(ctx, "select * from no_such_table")
	assert.ErrorContains(t, err, "no_such_table")

	require.NoError(t, s.Stop())
	_, err = s.Psql(ctx, "select 1")
	assert.Error(t, err, "stopped")
	require.NoError(t, s.Stop(), "idempotent")
}

func TestMissingBinaries(t *testing.T) {
	t.Setenv("PG_BIN", t.TempDir())
	_, err := postgres.Start(context.Background())
	require.Error(t, err)
	assert.Contains(t, err.Error(), "initdb")
}
