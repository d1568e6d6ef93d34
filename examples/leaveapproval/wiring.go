package main

import (
	"bytes"
	"context"
	"embed"
	"flag"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/elmosoftware/eventprotocol/eventstore"
	"github.com/elmosoftware/eventprotocol/eventstore/postgres"
	"github.com/elmosoftware/eventprotocol/eventstore/sqlite"
	"github.com/elmosoftware/eventprotocol/examples/internal/examplekit"
	"github.com/elmosoftware/eventprotocol/schema"
	"github.com/elmosoftware/eventprotocol/transport"
	"github.com/elmosoftware/eventprotocol/transport/topology"
)

// files are the example's catalogue (its own types and the ledger's) and
// its topology.
//
//go:embed catalog topology.json
var files embed.FS

// options are the example's command-line options.
type options struct {
	transport string // "memory" or "snssqs"
	endpoint  string // SNS/SQS endpoint of a local server, e.g. http://127.0.0.1:4100
	region    string
	db        string // the leave service's store: "" (SQLite in a temporary folder), a SQLite file, or a PostgreSQL URL
}

func flags(fs *flag.FlagSet) *options {
	o := &options{}
	fs.StringVar(&o.transport, "transport", "memory", "memory, or snssqs for SNS/SQS")
	fs.StringVar(&o.endpoint, "endpoint", "", "SNS/SQS endpoint of a local server, e.g. http://127.0.0.1:4100 (default: AWS)")
	fs.StringVar(&o.region, "region", "us-east-1", "AWS region (snssqs)")
	fs.StringVar(&o.db, "db", "", "the leave service's event store: a SQLite file, or a postgres:// URL (default: SQLite in a temporary folder)")
	return o
}

// openBus opens the topology on the transport the options name,
// provisioned: on SNS/SQS in a fresh environment, which bus.Teardown
// removes.
func openBus(ctx context.Context, o *options) (*transport.Bus, error) {
	cat, topo, err := contracts()
	if err != nil {
		return nil, err
	}
	d, env, err := examplekit.Driver(ctx, o.transport, o.endpoint, o.region)
	if err != nil {
		return nil, err
	}
	topo.Env = env
	return transport.Open(ctx, d, topo, &transport.OpenConfig{Provision: true, Catalog: cat})
}

// contracts returns the example's catalogue and topology.
func contracts() (*schema.Catalog, *topology.Topology, error) {
	sub, err := fs.Sub(files, "catalog")
	if err != nil {
		return nil, nil, err
	}
	cat, err := schema.Load(sub)
	if err != nil {
		return nil, nil, err
	}
	raw, err := files.ReadFile("topology.json")
	if err != nil {
		return nil, nil, err
	}
	topo, err := topology.Read(bytes.NewReader(raw))
	return cat, topo, err
}

// openStore opens the leave service's event store, and returns what
// removes a temporary one.
func openStore(ctx context.Context, dsn string) (*eventstore.Store, func(), error) {
	cfg := &eventstore.Config{PollInterval: 50 * time.Millisecond}
	if isPostgres(dsn) {
		s, err := postgres.NewStore(ctx, dsn, cfg)
		return s, func() {}, err
	}
	cleanup := func() {}
	if dsn == "" {
		dir, err := os.MkdirTemp("", "leaveapproval-")
		if err != nil {
			return nil, nil, err
		}
		dsn, cleanup = filepath.Join(dir, "leave.db"), func() { _ = os.RemoveAll(dir) }
	}
	s, err := sqlite.NewStore(ctx, dsn, cfg)
	if err != nil {
		cleanup()
		return nil, nil, err
	}
	return s, cleanup, nil
}

// isPostgres reports whether a store's DSN is a PostgreSQL URL.
func isPostgres(dsn string) bool {
	return strings.HasPrefix(dsn, "postgres://") || strings.HasPrefix(dsn, "postgresql://")
}
