package postgres

import (
	"context"
	"database/sql"
	_ "embed"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/elmosoftware/eventprotocol/config"
	"github.com/elmosoftware/eventprotocol/eventstore"
	"github.com/elmosoftware/eventprotocol/eventstore/internal/sqlq"
)

// Config configures [Open]. A nil *Config means the defaults.
type Config struct {
	// Schema holds the store's tables. Default: the DSN's search_path
	// (e.g. ?search_path=leave), else "public".
	Schema string
	// MaxConns bounds the connection pool. Default 16.
	MaxConns int32
}

// tables is the unexported name of the shared methods Backend embeds:
// they are its methods, their field is no part of its API.
type tables = sqlq.Tables

// Backend is the PostgreSQL backend. It is safe for concurrent use.
//
// It implements eventstore.Backend: the methods below, and Read, Find,
// CreateBranch, LoadBranch, Branches, SaveSnapshot, Snapshots,
// LoadCheckpoint, SaveCheckpoint, Park and Parked, which are the same SQL
// on both SQL backends and shared by them.
type Backend struct {
	tables // reads, branches, snapshots, checkpoints, parked events
	pool   *pgxpool.Pool
	schema string

	mu    sync.Mutex
	queue []*appendReq    // appends waiting for a call of es_append
	calls int             // calls in flight
	busy  map[string]bool // timelines and events of the calls in flight
	// expect is how many appends the next call should wait for until
	// lingerUntil: those of the last call and those that waited for it.
	expect      int
	lingerUntil time.Time
	lingering   bool // a timer will flush
}

// Open connects to the database of dsn (a postgres:// URL or key=value
// string) and creates the store's schema when missing.
func Open(ctx context.Context, dsn string, cfg *Config) (*Backend, error) {
	var c Config
	if cfg != nil {
		c = *cfg
	}
	if c.MaxConns < 0 {
		return nil, &config.Error{Setting: "postgres.Config.MaxConns", Problem: "must not be negative"}
	}

	if c.MaxConns == 0 {
		c.MaxConns = 16
	}
	pc, err := pgxpool.ParseConfig(dsn)
	if err != nil {
		return nil, &config.Error{Setting: "postgres.Open dsn", Problem: err.Error()}
	}
	if c.Schema == "" {
		c.Schema = pc.ConnConfig.RuntimeParams["search_path"]
	}
	if c.Schema == "" {
		c.Schema = "public"
	}
	if strings.Contains(c.Schema, ",") {
		return nil, &config.Error{Setting: "postgres.Config.Schema", Problem: "must name one schema (the DSN's search_path names several)"}
	}
	pc.MaxConns = c.MaxConns
	pc.ConnConfig.RuntimeParams["search_path"] = c.Schema
	pool, err := pgxpool.NewWithConfig(ctx, pc)
	if err != nil {
		return nil, err
	}
	b := &Backend{tables: sqlq.NewTables(conn{pool}, sqlq.Postgres), pool: pool, schema: c.Schema}
	if err := b.createSchema(ctx); err != nil {
		pool.Close()
		return nil, err
	}
	return b, nil
}

// conn is a pool as sqlq.Tables uses it.
type conn struct{ pool *pgxpool.Pool }

func (c conn) Query(ctx context.Context, scan func(sqlq.Rows) error, query string, args ...any) error {
	rows, err := c.pool.Query(ctx, query, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	return scan(rows)
}

func (c conn) Exec(ctx context.Context, query string, args ...any) error {
	_, err := c.pool.Exec(ctx, query, args...)
	return err
}

// NewStore opens the backend and returns a store over it.
func NewStore(ctx context.Context, dsn string, cfg *eventstore.Config) (*eventstore.Store, error) {
	b, err := Open(ctx, dsn, nil)
	if err != nil {
		return nil, err
	}
	s, err := eventstore.New(b, cfg)
	if err != nil {
		_ = b.Close()
	}
	return s, err
}

// schemaSQL creates the store's tables and its append function.
//
//go:embed schema.sql
var schemaSQL string

func (b *Backend) createSchema(ctx context.Context) error {
	// One session at a time: CREATE ... IF NOT EXISTS races with itself.
	_, err := b.pool.Exec(ctx, `SELECT pg_advisory_lock(7450001); CREATE SCHEMA IF NOT EXISTS `+pgx.Identifier{b.schema}.Sanitize()+`;`+schemaSQL+`SELECT pg_advisory_unlock(7450001);`)
	if err != nil {
		return fmt.Errorf("eventstore/postgres: creating the schema: %w", err)
	}
	return nil
}

// callAppend calls es_append; callArgs are its arguments.
const callAppend = `SELECT * FROM es_append($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)`

func callArgs(batches []*eventstore.Batch, lockFirst bool) []any {
	n := len(batches)
	streams, branches, bases, expected, anys, now := make([]string, n), make([]string, n), make([]int64, n), make([]int64, n), make([]bool, n), make([]int64, n)
	var batch []int32
	var sources, ids []string
	var effective []int64
	var raw [][]byte
	for i, b := range batches {
		streams[i], branches[i], bases[i], expected[i], anys[i], now[i] = b.Stream, b.Branch, b.Base, b.Expected, b.Any, b.Now
		var seen map[[2]string]bool // an append's events once each
		if len(b.Events) > 1 {
			seen = make(map[[2]string]bool, len(b.Events))
		}
		for _, p := range b.Events {
			if seen != nil {
				if k := [2]string{p.Source, p.ID}; seen[k] {
					continue
				} else {
					seen[k] = true
				}
			}
			batch = append(batch, int32(i+1))
			sources, ids, effective, raw = append(sources, p.Source), append(ids, p.ID), append(effective, p.Effective), append(raw, p.Raw)
		}
	}
	return []any{streams, branches, bases, expected, anys, now, batch, sources, ids, effective, raw, lockFirst}
}

// resultRow is one row of es_append.
type resultRow struct {
	version, first, recorded int64
	stored                   int32
	conflict                 bool
}

func (r *resultRow) dest() []any {
	return []any{&r.version, &r.stored, &r.first, &r.recorded, &r.conflict}
}

func (r *resultRow) appended(b *eventstore.Batch) (eventstore.Appended, error) {
	if r.conflict {
		return eventstore.Appended{}, &eventstore.ConflictError{Stream: b.Stream, Branch: b.Branch, Expected: b.Expected, Actual: r.version}
	}
	return eventstore.Appended{Version: r.version, Stored: int(r.stored), FirstPosition: r.first, Recorded: r.recorded}, nil
}

// AppendTx makes an append inside the caller's pgx transaction, so that
// it commits, or not, with the caller's own changes: the outbox of a
// service that is not event-sourced (see package outbox). Prepare the
// batch with Store.Prepare; after the commit, Store.Appended(result)
// wakes this process's relay at once (others hear the commit's
// notification). The append locks the store's head row until tx ends:
// keep such transactions short, at READ COMMITTED. A version conflict is
// a *eventstore.ConflictError and changes nothing; the caller decides
// whether to roll back.
func (b *Backend) AppendTx(ctx context.Context, tx pgx.Tx, batch *eventstore.Batch) (eventstore.Appended, error) {
	var row resultRow
	if err := tx.QueryRow(ctx, callAppend, callArgs([]*eventstore.Batch{batch}, true)...).Scan(row.dest()...); err != nil {
		return eventstore.Appended{}, err
	}
	return row.appended(batch)
}

// AppendSQLTx is AppendTx for a database/sql transaction on the pgx
// driver (github.com/jackc/pgx/v5/stdlib), whose search_path reaches the
// store's schema.
func (b *Backend) AppendSQLTx(ctx context.Context, tx *sql.Tx, batch *eventstore.Batch) (eventstore.Appended, error) {
	var row resultRow
	if err := tx.QueryRowContext(ctx, callAppend, callArgs([]*eventstore.Batch{batch}, true)...).Scan(row.dest()...); err != nil {
		return eventstore.Appended{}, err
	}
	return row.appended(batch)
}

// uniqueViolation is the SQLSTATE of a broken unique index.
const uniqueViolation = "23505"

// Append implements eventstore.Backend. Appends made at the same time
// share one call of es_append and one commit (a group commit): each still
// stands alone, stored whole or not at all, with its own result.
func (b *Backend) Append(ctx context.Context, batch *eventstore.Batch) (eventstore.Appended, error) {
	req := &appendReq{batch: batch, done: make(chan appendResult, 1)}
	b.mu.Lock()
	b.queue = append(b.queue, req)
	b.mu.Unlock()
	b.flush()
	select {
	case r := <-req.done:
		return r.res, r.err
	case <-ctx.Done():
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	if i := slices.Index(b.queue, req); i >= 0 {
		b.queue = slices.Delete(b.queue, i, i+1)
		return eventstore.Appended{}, ctx.Err() // never sent
	}
	return eventstore.Appended{}, fmt.Errorf("%w: %w", eventstore.ErrOutcomeUnknown, ctx.Err())
}

// Version implements eventstore.Backend.
func (b *Backend) Version(ctx context.Context, stream, branch string, recordedBy int64) (int64, error) {
	var v int64
	err := b.pool.QueryRow(ctx, `SELECT coalesce(max(version), 0) FROM es_events WHERE stream = $1 AND branch = $2 AND ($3::bigint = 0 OR recorded <= $3::bigint)`, stream, branch, recordedBy).Scan(&v)
	return v, err
}

// Head implements eventstore.Backend.
func (b *Backend) Head(ctx context.Context) (position, recorded int64, err error) {
	err = b.pool.QueryRow(ctx, `SELECT position, recorded FROM es_head`).Scan(&position, &recorded)
	return position, recorded, err
}

// DeleteBranch implements eventstore.Backend.
func (b *Backend) DeleteBranch(ctx context.Context, id string) error {
	return pgx.BeginFunc(ctx, b.pool, func(tx pgx.Tx) error {
		var stream string
		err := tx.QueryRow(ctx, `DELETE FROM es_branches WHERE id = $1 RETURNING stream`, id).Scan(&stream)
		if errors.Is(err, pgx.ErrNoRows) {
			return fmt.Errorf("%w: %s", eventstore.ErrUnknownBranch, id)
		} else if err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `DELETE FROM es_events WHERE branch = $1`, id); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `DELETE FROM es_streams WHERE stream = $1 AND branch = $2`, stream, id); err != nil {
			return err
		}
		_, err = tx.Exec(ctx, `DELETE FROM es_snapshots WHERE branch = $1`, id)
		return err
	})
}

// Notify implements eventstore.Notifier: it listens on a connection of
// its own until ctx ends.
func (b *Backend) Notify(ctx context.Context) (<-chan struct{}, error) {
	conn, err := b.pool.Acquire(ctx)
	if err != nil {
		return nil, err
	}
	c := conn.Hijack() // LISTEN belongs to this session: never back to the pool
	if _, err := c.Exec(ctx, "LISTEN es_events"); err != nil {
		_ = c.Close(context.Background())
		return nil, err
	}
	out := make(chan struct{}, 1)
	go func() {
		defer func() { _ = c.Close(context.Background()) }()
		for {
			n, err := c.WaitForNotification(ctx)
			if err != nil {
				return // ctx ended or the connection broke: the store polls
			}
			if n.Payload != b.schema {
				continue
			}
			select {
			case out <- struct{}{}:
			default:
			}
		}
	}()
	return out, nil
}

// Close implements eventstore.Backend.
func (b *Backend) Close() error {
	b.pool.Close()
	return nil
}
