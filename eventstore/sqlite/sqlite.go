package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"

	msqlite "modernc.org/sqlite" // and the "sqlite" database/sql driver

	"github.com/elmosoftware/eventprotocol/config"
	"github.com/elmosoftware/eventprotocol/eventstore"
	"github.com/elmosoftware/eventprotocol/eventstore/internal/sqlq"
)

// Config configures [Open]. A nil *Config means the defaults.
type Config struct {
	// BusyTimeout is how long an append waits for another connection's or
	// process's write lock. Default 5s.
	BusyTimeout time.Duration
}

// tables is the unexported name of the shared methods Backend embeds:
// they are its methods, their field is no part of its API.
type tables = sqlq.Tables

// Backend is the SQLite backend. It is safe for concurrent use.
//
// It implements eventstore.Backend: the methods below, and Read, Find,
// CreateBranch, LoadBranch, Branches, SaveSnapshot, Snapshots,
// LoadCheckpoint, SaveCheckpoint, Park and Parked, which are the same SQL
// on both SQL backends and shared by them.
type Backend struct {
	tables // reads, branches, snapshots, checkpoints, parked events
	db     *sql.DB
	stmts  struct{ head, seen, insert *sql.Stmt }
}

// conn is a *sql.DB as sqlq.Tables uses it.
type conn struct{ db *sql.DB }

func (c conn) Query(ctx context.Context, scan func(sqlq.Rows) error, query string, args ...any) error {
	rows, err := c.db.QueryContext(ctx, query, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	return scan(rows)
}

func (c conn) Exec(ctx context.Context, query string, args ...any) error {
	_, err := c.db.ExecContext(ctx, query, args...)
	return err
}

// Open opens (creating when missing) the store in a SQLite database:
// a file path, or ":memory:" for a database that lives as long as the
// Backend.
func Open(ctx context.Context, path string, cfg *Config) (*Backend, error) {
	var c Config
	if cfg != nil {
		c = *cfg
	}
	if c.BusyTimeout < 0 {
		return nil, &config.Error{Setting: "sqlite.Config.BusyTimeout", Problem: "must not be negative"}
	}
	if c.BusyTimeout == 0 {
		c.BusyTimeout = 5 * time.Second
	}
	if path == "" {
		return nil, &config.Error{Setting: "sqlite.Open path", Problem: `must name a file or be ":memory:"`}
	}
	memory := path == ":memory:"
	if !memory {
		// SQLite reports a missing folder as "out of memory (14)": say it.
		if dir := filepath.Dir(path); !isDir(dir) {
			return nil, fmt.Errorf("eventstore/sqlite: cannot open %s: its folder %s does not exist; create it first: %w", path, dir, fs.ErrNotExist)
		}
	}
	v := url.Values{}
	v.Add("_pragma", fmt.Sprintf("busy_timeout(%d)", c.BusyTimeout.Milliseconds()))
	v.Add("_txlock", "immediate")
	if !memory {
		v.Add("_pragma", "journal_mode(WAL)")
		v.Add("_pragma", "synchronous(NORMAL)")
	}
	db, err := sql.Open("sqlite", "file:"+strings.ReplaceAll(path, "?", "%3F")+"?"+v.Encode())
	if err != nil {
		return nil, err
	}
	if memory {
		db.SetMaxOpenConns(1) // each connection would be a database of its own
	}
	db.SetMaxIdleConns(4)
	if err := createSchema(ctx, db); err != nil {
		_ = db.Close()
		return nil, fmt.Errorf("%w (database %s)", err, path)
	}
	b := &Backend{tables: sqlq.NewTables(conn{db}, sqlq.SQLite), db: db}
	for _, p := range []struct {
		dst   **sql.Stmt
		query string
	}{
		{&b.stmts.head, queryHead},
		{&b.stmts.seen, querySeen},
		{&b.stmts.insert, queryInsert},
	} {
		if *p.dst, err = db.PrepareContext(ctx, p.query); err != nil {
			_ = db.Close()
			return nil, err
		}
	}
	return b, nil
}

// NewStore opens the backend at path and returns a store over it.
func NewStore(ctx context.Context, path string, cfg *eventstore.Config) (*eventstore.Store, error) {
	b, err := Open(ctx, path, nil)
	if err != nil {
		return nil, err
	}
	s, err := eventstore.New(b, cfg)
	if err != nil {
		_ = b.Close()
	}
	return s, err
}

func createSchema(ctx context.Context, db *sql.DB) error {
	for _, stmt := range []string{
		`CREATE TABLE IF NOT EXISTS es_events (
			position  INTEGER PRIMARY KEY,
			stream    TEXT NOT NULL,
			branch    TEXT NOT NULL,
			version   INTEGER NOT NULL,
			recorded  INTEGER NOT NULL,
			effective INTEGER NOT NULL,
			source    TEXT NOT NULL,
			id        TEXT NOT NULL,
			raw       BLOB NOT NULL,
			UNIQUE (stream, branch, version),
			UNIQUE (branch, source, id))`,
		`CREATE INDEX IF NOT EXISTS es_events_effective ON es_events (stream, branch, effective, position)`,
		// es_head keeps the newest recorded time and position of a
		// discarded branch's events, so that neither is ever reused.
		`CREATE TABLE IF NOT EXISTS es_head (one INTEGER PRIMARY KEY CHECK (one = 1), recorded INTEGER NOT NULL, position INTEGER NOT NULL)`,
		`INSERT OR IGNORE INTO es_head VALUES (1, 0, 0)`,
		`CREATE TABLE IF NOT EXISTS es_branches (id TEXT PRIMARY KEY, stream TEXT NOT NULL, forked_at INTEGER NOT NULL, base INTEGER NOT NULL, created INTEGER NOT NULL)`,
		`CREATE INDEX IF NOT EXISTS es_branches_stream ON es_branches (stream, created)`,
		`CREATE TABLE IF NOT EXISTS es_snapshots (stream TEXT NOT NULL, branch TEXT NOT NULL, recorded INTEGER NOT NULL, effective INTEGER NOT NULL, version INTEGER NOT NULL, state BLOB NOT NULL, PRIMARY KEY (stream, branch, effective, recorded))`,
		`CREATE TABLE IF NOT EXISTS es_checkpoints (name TEXT PRIMARY KEY, position INTEGER NOT NULL)`,
		`CREATE TABLE IF NOT EXISTS es_parked (name TEXT NOT NULL, position INTEGER NOT NULL, reason TEXT NOT NULL, at INTEGER NOT NULL, PRIMARY KEY (name, position))`,
	} {
		if _, err := db.ExecContext(ctx, stmt); err != nil {
			return fmt.Errorf("eventstore/sqlite: creating the schema: %w", err)
		}
	}
	return nil
}

// The statements of an append.
const (
	// queryHead: the newest recorded time and position, and the stream's
	// version, in one step. es_head keeps the newest recorded time and
	// position of discarded branches' events.
	queryHead = `SELECT max(recorded, coalesce((SELECT recorded FROM es_events ORDER BY position DESC LIMIT 1), 0)),
		max(position, coalesce((SELECT max(position) FROM es_events), 0)),
		(SELECT coalesce(max(version), ?) FROM es_events WHERE stream = ? AND branch = ?) FROM es_head`
	// querySeen: whether an event is on the append's timeline (its
	// branch's own, or its stream's main events up to the fork).
	querySeen   = `SELECT count(*) FROM es_events WHERE source = ? AND id = ? AND (branch = ? OR (branch = '' AND stream = ? AND version <= ?))`
	queryInsert = `INSERT INTO es_events (position, stream, branch, version, recorded, effective, source, id, raw) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`
)

// inTx runs an append's statements in a transaction: the backend's own,
// with its prepared statements, or the caller's (AppendTx).
type inTx struct {
	tx  *sql.Tx
	own *Backend
}

// stmt returns query as a statement of the transaction, made once for
// all the append's events: the backend's prepared statement bound to it,
// or one prepared in the caller's. The transaction's end closes it.
func (t inTx) stmt(ctx context.Context, prepared *sql.Stmt, query string) (*sql.Stmt, error) {
	if t.own != nil {
		return t.tx.StmtContext(ctx, prepared), nil
	}
	return t.tx.PrepareContext(ctx, query)
}

// AppendTx makes an append inside the caller's transaction, so that it
// commits, or not, with the caller's own changes: the outbox of a service
// that is not event-sourced (see package outbox). Prepare the batch with
// Store.Prepare; after the commit, Store.Appended(result) wakes the
// store's relay and subscriptions at once (they poll otherwise). tx must
// be of a database/sql handle on the same SQLite file opened with
// modernc.org/sqlite, and should hold the write lock from its start
// (BEGIN IMMEDIATE: "_txlock=immediate" in the DSN): a transaction that
// read first cannot take it after another writer committed. A version
// conflict is a *eventstore.ConflictError and changes nothing; the caller
// decides whether to roll back.
func (b *Backend) AppendTx(ctx context.Context, tx *sql.Tx, batch *eventstore.Batch) (eventstore.Appended, error) {
	return b.appendIn(ctx, inTx{tx: tx}, batch, true)
}

// Append implements eventstore.Backend. On the main timeline it first
// assumes the events are new and lets the unique index on (branch,
// source, id) say otherwise; when it does, or when the expectation fails
// (the events may all be stored already), it appends again looking each
// event up first. A branch's append always looks them up: the index does
// not see the main-timeline events the branch inherits.
func (b *Backend) Append(ctx context.Context, batch *eventstore.Batch) (eventstore.Appended, error) {
	lookUp := batch.Branch != ""
	res, err := b.append(ctx, batch, lookUp)
	if lookUp {
		return res, err
	}
	var serr *msqlite.Error
	if errors.Is(err, errLookUp) || (errors.As(err, &serr) && serr.Code()&0xff == sqliteConstraint) {
		res, err = b.append(ctx, batch, true)
	}
	return res, err
}

// sqliteConstraint is SQLITE_CONSTRAINT, the primary code of a unique
// index's refusal.
const sqliteConstraint = 19

// errLookUp asks Append to look the events up first.
var errLookUp = errors.New("look the events up")

func (b *Backend) append(ctx context.Context, batch *eventstore.Batch, lookUp bool) (res eventstore.Appended, err error) {
	tx, err := b.db.BeginTx(ctx, nil) // BEGIN IMMEDIATE: the write lock
	if err != nil {
		return res, err
	}
	res, err = b.appendIn(ctx, inTx{tx: tx, own: b}, batch, lookUp)
	if err != nil || res.Stored == 0 {
		return res, errors.Join(err, tx.Rollback())
	}
	if err := tx.Commit(); err != nil {
		return res, fmt.Errorf("%w: %w", eventstore.ErrOutcomeUnknown, err)
	}
	return res, nil
}

// appendIn makes an append in t's transaction.
func (b *Backend) appendIn(ctx context.Context, t inTx, batch *eventstore.Batch, lookUp bool) (res eventstore.Appended, err error) {
	var last int64
	head, err := t.stmt(ctx, b.stmts.head, queryHead)
	if err != nil {
		return res, err
	}
	if err := head.QueryRowContext(ctx, batch.Base, batch.Stream, batch.Branch).Scan(&res.Recorded, &last, &res.Version); err != nil {
		return res, err
	}
	res.Recorded = max(res.Recorded+1, batch.Now)
	fresh, err := b.fresh(ctx, t, batch, lookUp)
	if err != nil || len(fresh) == 0 {
		return eventstore.Appended{Version: res.Version}, err
	}
	if !batch.Any && batch.Expected != res.Version {
		if !lookUp {
			return res, errLookUp
		}
		return res, &eventstore.ConflictError{Stream: batch.Stream, Branch: batch.Branch, Expected: batch.Expected, Actual: res.Version}
	}
	res.FirstPosition = last + 1
	insert, err := t.stmt(ctx, b.stmts.insert, queryInsert)
	if err != nil {
		return res, err
	}
	for i, p := range fresh {
		if _, err := insert.ExecContext(ctx, last+1+int64(i), batch.Stream, batch.Branch, res.Version+1+int64(i), res.Recorded, p.Effective, p.Source, p.ID, p.Raw); err != nil {
			return res, err
		}
	}
	res.Stored = len(fresh)
	res.Version += int64(len(fresh))
	return res, nil
}

// fresh returns the events of batch once each and, when lookUp, only
// those not stored in its branch yet.
func (b *Backend) fresh(ctx context.Context, t inTx, batch *eventstore.Batch, lookUp bool) ([]eventstore.Pending, error) {
	if len(batch.Events) == 1 && !lookUp {
		return batch.Events, nil
	}
	var seen *sql.Stmt
	if lookUp {
		var err error
		if seen, err = t.stmt(ctx, b.stmts.seen, querySeen); err != nil {
			return nil, err
		}
	}
	out := make([]eventstore.Pending, 0, len(batch.Events))
	inBatch := make(map[[2]string]bool, len(batch.Events))
	for _, p := range batch.Events {
		k := [2]string{p.Source, p.ID}
		if inBatch[k] {
			continue
		}
		inBatch[k] = true
		if lookUp {
			var n int
			if err := seen.QueryRowContext(ctx, p.Source, p.ID, batch.Branch, batch.Stream, batch.Base).Scan(&n); err != nil {
				return nil, err
			}
			if n > 0 {
				continue
			}
		}
		out = append(out, p)
	}
	return out, nil
}

// Version implements eventstore.Backend.
func (b *Backend) Version(ctx context.Context, stream, branch string, recordedBy int64) (int64, error) {
	var v int64
	err := b.db.QueryRowContext(ctx, `SELECT coalesce(max(version), 0) FROM es_events WHERE stream = ? AND branch = ? AND (? = 0 OR recorded <= ?)`, stream, branch, recordedBy, recordedBy).Scan(&v)
	return v, err
}

// Head implements eventstore.Backend.
func (b *Backend) Head(ctx context.Context) (position, recorded int64, err error) {
	err = b.db.QueryRowContext(ctx, `SELECT max(position, coalesce((SELECT max(position) FROM es_events), 0)),
		max(recorded, coalesce((SELECT recorded FROM es_events ORDER BY position DESC LIMIT 1), 0)) FROM es_head`).Scan(&position, &recorded)
	return position, recorded, err
}

// DeleteBranch implements eventstore.Backend.
func (b *Backend) DeleteBranch(ctx context.Context, id string) (err error) {
	tx, err := b.db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer func() {
		if err != nil {
			_ = tx.Rollback()
		}
	}()
	res, err := tx.ExecContext(ctx, `DELETE FROM es_branches WHERE id = ?`, id)
	if err != nil {
		return err
	}
	if n, err := res.RowsAffected(); err != nil || n == 0 {
		return errors.Join(err, fmt.Errorf("%w: %s", eventstore.ErrUnknownBranch, id))
	}
	for _, stmt := range []string{
		// The newest recorded time and position stay: no later event is
		// recorded earlier or takes a position again.
		`UPDATE es_head SET recorded = max(recorded, coalesce((SELECT max(recorded) FROM es_events WHERE branch = ?1), 0)),
			position = max(position, coalesce((SELECT max(position) FROM es_events WHERE branch = ?1), 0))`,
		`DELETE FROM es_events WHERE branch = ?`, `DELETE FROM es_snapshots WHERE branch = ?`,
	} {
		if _, err := tx.ExecContext(ctx, stmt, id); err != nil {
			return err
		}
	}
	return tx.Commit()
}

// Close implements eventstore.Backend.
func (b *Backend) Close() error { return b.db.Close() }

// isDir reports whether path names a folder.
func isDir(path string) bool {
	fi, err := os.Stat(path)
	return err == nil && fi.IsDir()
}
