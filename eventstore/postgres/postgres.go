package postgres

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
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
// It implements eventstore.Backend: the methods below, and Read,
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

const schema = `
CREATE TABLE IF NOT EXISTS es_events (
	position  bigint PRIMARY KEY,
	stream    text NOT NULL,
	branch    text NOT NULL,
	version   bigint NOT NULL,
	recorded  bigint NOT NULL,
	effective bigint NOT NULL,
	source    text NOT NULL,
	id        text NOT NULL,
	raw       bytea NOT NULL,
	UNIQUE (stream, branch, version),
	UNIQUE (branch, source, id));
CREATE INDEX IF NOT EXISTS es_events_effective ON es_events (stream, branch, effective, position);
-- Each timeline's version, so that an append finds it with one probe of
-- a primary key. A store made before it had none: it is filled once.
DO $$ BEGIN
	IF to_regclass('es_streams') IS NULL THEN
		CREATE TABLE es_streams (stream text NOT NULL, branch text NOT NULL, version bigint NOT NULL, PRIMARY KEY (stream, branch));
		INSERT INTO es_streams SELECT stream, branch, max(version) FROM es_events GROUP BY stream, branch;
	END IF;
END $$;
CREATE TABLE IF NOT EXISTS es_head (one int PRIMARY KEY CHECK (one = 1), position bigint NOT NULL, recorded bigint NOT NULL);
INSERT INTO es_head VALUES (1, 0, 0) ON CONFLICT DO NOTHING;
CREATE TABLE IF NOT EXISTS es_branches (id text PRIMARY KEY, stream text NOT NULL, forked_at bigint NOT NULL, base bigint NOT NULL, created bigint NOT NULL);
CREATE INDEX IF NOT EXISTS es_branches_stream ON es_branches (stream, created);
CREATE TABLE IF NOT EXISTS es_snapshots (stream text NOT NULL, branch text NOT NULL, recorded bigint NOT NULL, effective bigint NOT NULL, version bigint NOT NULL, state bytea NOT NULL, PRIMARY KEY (stream, branch, effective, recorded));
CREATE TABLE IF NOT EXISTS es_checkpoints (name text PRIMARY KEY, position bigint NOT NULL);
CREATE TABLE IF NOT EXISTS es_parked (name text NOT NULL, position bigint NOT NULL, reason text NOT NULL, at bigint NOT NULL, PRIMARY KEY (name, position));
CREATE OR REPLACE FUNCTION es_stored(p_branch text, p_source text, p_id text) RETURNS bool
LANGUAGE sql STABLE
SET plan_cache_mode = force_generic_plan
SET enable_seqscan = off
AS $$ SELECT EXISTS (SELECT 1 FROM es_events WHERE branch = p_branch AND source = p_source AND id = p_id) $$;
CREATE OR REPLACE FUNCTION es_append(
	-- one element per append
	p_streams text[], p_branches text[], p_bases bigint[], p_expected bigint[], p_any bool[], p_now bigint[],
	-- one element per event, the appends' events one after the other
	p_batch int[], p_sources text[], p_ids text[], p_effective bigint[], p_raw bytea[],
	-- take the lock before the look-ups (after a call raced another process)
	p_lock_first bool)
RETURNS TABLE (o_version bigint, o_stored int, o_first bigint, o_recorded bigint, o_conflict bool)
LANGUAGE plpgsql
-- Its statements are simple probes of indexes: their plans are made once
-- per session (planning each call cost more than the call), and use the
-- indexes even when made while the tables were small.
SET plan_cache_mode = force_generic_plan
SET enable_seqscan = off
AS $fn$
DECLARE
	v_stream text;
	v_branch text;
	v_version bigint;
	v_position bigint;
	v_recorded bigint;
	v_versions bigint[];
	v_dup bool[];
	v_pos bigint[];
	v_ver bigint[];
	v_rec bigint[];
	v_fresh int;
	r_version bigint[] := '{}';
	r_stored int[] := '{}';
	r_first bigint[] := '{}';
	r_recorded bigint[] := '{}';
	r_conflict bool[] := '{}';
	v_stored int := 0;
	e int := 1;
	e_end int;
	k int;
BEGIN
	IF p_lock_first THEN
		PERFORM 1 FROM es_head WHERE one = 1 FOR UPDATE;
	END IF;
	-- Each append's timeline's version (an append's timeline is in no
	-- other append of the call). Whether each event is stored already (the
	-- caller sends an append's events once each) is looked up when the
	-- lock is taken first; otherwise the events are taken for new, the
	-- unique index says when one is not (the caller tries again, locking
	-- first), and only an append whose expectation fails is looked up: its
	-- events may all be stored, which makes it a no-op, not a conflict.
	v_versions := array_fill(NULL::bigint, ARRAY[array_length(p_streams, 1)]);
	FOR b IN 1 .. array_length(p_streams, 1) LOOP
		v_stream := p_streams[b];
		v_branch := p_branches[b];
		SELECT x.version INTO v_version FROM es_streams x WHERE x.stream = v_stream AND x.branch = v_branch;
		v_versions[b] := coalesce(v_version, p_bases[b]);
	END LOOP;
	v_dup := array_fill(false, ARRAY[array_length(p_ids, 1)]);
	IF p_lock_first THEN
		FOR i IN 1 .. array_length(p_ids, 1) LOOP
			v_dup[i] := es_stored(p_branches[p_batch[i]], p_sources[i], p_ids[i]);
		END LOOP;
	END IF;
	-- The head's lock, held until commit, orders the commits as the
	-- positions. The look-ups above ran before it, beside other calls: an
	-- append of another process that commits in between makes the insert
	-- below break a unique index, and the caller tries again, locking first.
	SELECT position, recorded INTO v_position, v_recorded FROM es_head WHERE one = 1 FOR UPDATE;
	v_pos := array_fill(NULL::bigint, ARRAY[array_length(p_ids, 1)]);
	v_ver := v_pos;
	v_rec := v_pos;
	FOR b IN 1 .. array_length(p_streams, 1) LOOP
		e_end := e;
		v_fresh := 0;
		WHILE e_end <= array_length(p_ids, 1) AND p_batch[e_end] = b LOOP
			IF NOT v_dup[e_end] THEN
				v_fresh := v_fresh + 1;
			END IF;
			e_end := e_end + 1;
		END LOOP;
		IF v_fresh > 0 AND NOT p_any[b] AND p_expected[b] <> v_versions[b] AND NOT p_lock_first THEN
			-- Under the lock, the version as last committed (the look-up
			-- above may have run before another process's append), and
			-- whether the events are all stored already.
			v_stream := p_streams[b];
			v_branch := p_branches[b];
			SELECT x.version INTO v_version FROM es_streams x WHERE x.stream = v_stream AND x.branch = v_branch;
			v_versions[b] := coalesce(v_version, p_bases[b]);
			v_fresh := 0;
			FOR i IN e .. e_end - 1 LOOP
				v_dup[i] := es_stored(p_branches[b], p_sources[i], p_ids[i]);
				IF NOT v_dup[i] THEN
					v_fresh := v_fresh + 1;
				END IF;
			END LOOP;
		END IF;
		r_version[b] := v_versions[b];
		r_stored[b] := 0;
		r_first[b] := 0;
		r_recorded[b] := 0;
		r_conflict[b] := false;
		IF v_fresh = 0 THEN
			NULL;
		ELSIF NOT p_any[b] AND p_expected[b] <> v_versions[b] THEN
			r_conflict[b] := true;
		ELSE
			v_recorded := greatest(v_recorded + 1, p_now[b]);
			r_version[b] := v_versions[b] + v_fresh;
			r_stored[b] := v_fresh;
			r_first[b] := v_position + 1;
			r_recorded[b] := v_recorded;
			k := 0;
			FOR i IN e .. e_end - 1 LOOP
				IF NOT v_dup[i] THEN
					k := k + 1;
					v_pos[i] := v_position + k;
					v_ver[i] := v_versions[b] + k;
					v_rec[i] := v_recorded;
				END IF;
			END LOOP;
			v_position := v_position + v_fresh;
			v_stored := v_stored + v_fresh;
		END IF;
		e := e_end;
	END LOOP;
	IF v_stored > 0 THEN
		WITH ins AS (
			INSERT INTO es_events (position, stream, branch, version, recorded, effective, source, id, raw)
			SELECT u.pos, p_streams[u.bt], p_branches[u.bt], u.ver, u.rec, u.eff, u.source, u.id, u.raw
			FROM unnest(v_pos, v_ver, v_rec, p_batch, p_effective, p_sources, p_ids, p_raw) AS u(pos, ver, rec, bt, eff, source, id, raw)
			WHERE u.pos IS NOT NULL),
		st AS (
			INSERT INTO es_streams (stream, branch, version)
			SELECT u.stream, u.branch, u.version FROM unnest(p_streams, p_branches, r_version, r_stored) AS u(stream, branch, version, stored)
			WHERE u.stored > 0
			ON CONFLICT (stream, branch) DO UPDATE SET version = excluded.version)
		UPDATE es_head SET position = v_position, recorded = v_recorded
			FROM (SELECT pg_notify('es_events', current_schema())) AS n
			WHERE one = 1;
	END IF;
	RETURN QUERY SELECT * FROM unnest(r_version, r_stored, r_first, r_recorded, r_conflict);
END
$fn$;
`

func (b *Backend) createSchema(ctx context.Context) error {
	// One session at a time: CREATE ... IF NOT EXISTS races with itself.
	_, err := b.pool.Exec(ctx, `SELECT pg_advisory_lock(7450001); CREATE SCHEMA IF NOT EXISTS `+pgx.Identifier{b.schema}.Sanitize()+`;`+schema+`SELECT pg_advisory_unlock(7450001);`)
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

// appendReq is an append waiting for its call.
type appendReq struct {
	batch *eventstore.Batch
	done  chan appendResult
}

type appendResult struct {
	res eventstore.Appended
	err error
}

// Bounds of one call of es_append, and of the calls in flight: their
// look-ups overlap, and their commits follow each other.
const (
	maxCallAppends = 64
	maxCallEvents  = 1000
	maxCalls       = 1
	// maxLinger bounds how long a call waits for the appenders of the
	// call before it (a quarter of that call's duration, at most this).
	maxLinger = time.Millisecond
)

// flush starts calls for the queued appends while fewer than maxCalls are
// in flight.
func (b *Backend) flush() {
	b.mu.Lock()
	defer b.mu.Unlock()
	for b.calls < maxCalls && len(b.queue) > 0 {
		if wait := time.Until(b.lingerUntil); len(b.queue) < b.expect && wait > 0 {
			// The appenders of the last call are likely to append again
			// within moments: wait for them, so that the next call
			// carries them too, rather than alternating half-full calls.
			if !b.lingering {
				b.lingering = true
				time.AfterFunc(wait, func() {
					b.mu.Lock()
					b.lingering, b.expect = false, 0
					b.mu.Unlock()
					b.flush()
				})
			}
			return
		}
		reqs := b.take()
		if len(reqs) == 0 {
			return
		}
		b.calls++
		go func() {
			start := time.Now()
			b.call(reqs, false)
			b.mu.Lock()
			b.calls--
			for _, r := range reqs {
				for _, k := range r.keys() {
					delete(b.busy, k)
				}
			}
			b.expect = len(reqs) + len(b.queue)
			b.lingerUntil = time.Now().Add(min(time.Since(start)/4, maxLinger))
			b.mu.Unlock()
			b.flush()
		}()
	}
}

// keys are the timeline and the events of an append, as busy knows them.
func (r *appendReq) keys() []string {
	out := make([]string, 0, len(r.batch.Events)+1)
	out = append(out, "t\x00"+r.batch.Stream+"\x00"+r.batch.Branch)
	for _, p := range r.batch.Events {
		out = append(out, "e\x00"+r.batch.Branch+"\x00"+p.Source+"\x00"+p.ID)
	}
	return out
}

// take removes from the queue, in order, the appends of the next call: no
// two of one timeline, and no event in two of them, here or in a call in
// flight, so that each append's outcome is as if it were alone. The others
// wait for a later call. It runs under b.mu.
func (b *Backend) take() []*appendReq {
	var out, rest []*appendReq
	if b.busy == nil {
		b.busy = map[string]bool{}
	}
	events := 0
	for _, r := range b.queue {
		keys := r.keys()
		fits := len(out) < maxCallAppends && (len(out) == 0 || events+len(r.batch.Events) <= maxCallEvents)
		for _, k := range keys {
			fits = fits && !b.busy[k]
		}
		if !fits {
			rest = append(rest, r)
			continue
		}
		for _, k := range keys {
			b.busy[k] = true
		}
		events += len(r.batch.Events)
		out = append(out, r)
	}
	b.queue = rest
	return out
}

// call runs one es_append for reqs and hands each its result. When the
// server refuses the call, each append is tried alone, so that one bad
// append does not fail the others; a call that broke a unique index
// (another process appended to a timeline of it, or the same event, in
// the meantime) is tried again taking the lock first, and then sees what
// the other stored.
func (b *Backend) call(reqs []*appendReq, lockFirst bool) {
	n := len(reqs)
	batches := make([]*eventstore.Batch, n)
	for i, r := range reqs {
		batches[i] = r.batch
	}
	results := make([]appendResult, 0, n)
	err := func() error {
		rows, err := b.pool.Query(context.Background(), callAppend, callArgs(batches, lockFirst)...)
		if err != nil {
			return err
		}
		defer rows.Close()
		for i := 0; rows.Next(); i++ {
			var row resultRow
			if err := rows.Scan(row.dest()...); err != nil {
				return err
			}
			if i < n {
				res, err := row.appended(batches[i])
				results = append(results, appendResult{res: res, err: err})
			}
		}
		if err := rows.Err(); err != nil {
			return err
		}
		if len(results) != n {
			return fmt.Errorf("eventstore/postgres: es_append returned %d results for %d appends", len(results), n)
		}
		return nil
	}()
	var pgErr *pgconn.PgError
	switch {
	case err == nil:
	case errors.As(err, &pgErr) && n > 1:
		for _, r := range reqs { // refused, nothing stored: alone, each gets its own answer
			b.call([]*appendReq{r}, lockFirst)
		}
		return
	case pgErr != nil && pgErr.Code == uniqueViolation && !lockFirst:
		b.call(reqs, true)
		return
	case pgErr != nil || pgconn.SafeToRetry(err):
		results = slices.Repeat([]appendResult{{err: err}}, n) // refused, or never sent
	default:
		results = slices.Repeat([]appendResult{{err: fmt.Errorf("%w: %w", eventstore.ErrOutcomeUnknown, err)}}, n)
	}
	for i, r := range reqs {
		r.done <- results[i]
	}
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
