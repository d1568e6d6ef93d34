package postgres

import (
	"context"
	"errors"
	"fmt"
	"strconv"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/elmosoftware/eventprotocol/eventstore"
	"github.com/elmosoftware/eventprotocol/eventstore/internal/sqlq"
	"github.com/elmosoftware/eventprotocol/transport/driver"
)

// Config configures [Open]. A nil *Config means the defaults.
type Config struct {
	// Schema holds the store's tables. Default "public".
	Schema string
	// MaxConns bounds the connection pool. Default 16.
	MaxConns int32
}

// Backend is the PostgreSQL backend. It is safe for concurrent use.
type Backend struct {
	pool   *pgxpool.Pool
	schema string
	q      *sqlq.Queries
}

// conflictState is the SQLSTATE es_append raises on a version conflict;
// the error's detail is the actual version.
const conflictState = "ES409"

// Open connects to the database of dsn (a postgres:// URL or key=value
// string) and creates the store's schema when missing.
func Open(ctx context.Context, dsn string, cfg *Config) (*Backend, error) {
	var c Config
	if cfg != nil {
		c = *cfg
	}
	if c.MaxConns < 0 {
		return nil, &driver.ConfigError{Setting: "postgres.Config.MaxConns", Problem: "must not be negative"}
	}
	if c.Schema == "" {
		c.Schema = "public"
	}
	if c.MaxConns == 0 {
		c.MaxConns = 16
	}
	pc, err := pgxpool.ParseConfig(dsn)
	if err != nil {
		return nil, &driver.ConfigError{Setting: "postgres.Open dsn", Problem: err.Error()}
	}
	pc.MaxConns = c.MaxConns
	pc.ConnConfig.RuntimeParams["search_path"] = c.Schema
	pool, err := pgxpool.NewWithConfig(ctx, pc)
	if err != nil {
		return nil, err
	}
	b := &Backend{pool: pool, schema: c.Schema, q: sqlq.New(sqlq.Postgres)}
	if err := b.createSchema(ctx); err != nil {
		pool.Close()
		return nil, err
	}
	return b, nil
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
CREATE TABLE IF NOT EXISTS es_head (one int PRIMARY KEY CHECK (one = 1), position bigint NOT NULL, recorded bigint NOT NULL);
INSERT INTO es_head VALUES (1, 0, 0) ON CONFLICT DO NOTHING;
CREATE TABLE IF NOT EXISTS es_branches (id text PRIMARY KEY, stream text NOT NULL, forked_at bigint NOT NULL, base bigint NOT NULL, created bigint NOT NULL);
CREATE INDEX IF NOT EXISTS es_branches_stream ON es_branches (stream, created);
CREATE TABLE IF NOT EXISTS es_snapshots (stream text NOT NULL, branch text NOT NULL, recorded bigint NOT NULL, effective bigint NOT NULL, version bigint NOT NULL, state bytea NOT NULL, PRIMARY KEY (stream, branch, effective, recorded));
CREATE TABLE IF NOT EXISTS es_checkpoints (name text PRIMARY KEY, position bigint NOT NULL);
CREATE OR REPLACE FUNCTION es_append(p_stream text, p_branch text, p_base bigint, p_expected bigint, p_any bool, p_now bigint,
	p_sources text[], p_ids text[], p_effective bigint[], p_raw bytea[],
	OUT o_version bigint, OUT o_stored int, OUT o_first bigint, OUT o_recorded bigint)
LANGUAGE plpgsql
-- Its plans are cached per session; made while the table was small, they
-- would scan it whole forever after.
SET plan_cache_mode = force_custom_plan
AS $fn$
DECLARE
	v_position bigint;
	v_recorded bigint;
	v_fresh int[];
BEGIN
	-- The head's lock, held until commit, orders the commits as the positions.
	SELECT position, recorded INTO v_position, v_recorded FROM es_head WHERE one = 1 FOR UPDATE;
	SELECT coalesce(max(version), p_base) INTO o_version FROM es_events WHERE stream = p_stream AND branch = p_branch;
	SELECT array_agg(i ORDER BY i) INTO v_fresh FROM (
		SELECT min(u.i) AS i FROM unnest(p_sources, p_ids) WITH ORDINALITY AS u(source, id, i)
		WHERE NOT EXISTS (SELECT 1 FROM es_events e WHERE e.branch = p_branch AND e.source = u.source AND e.id = u.id)
		GROUP BY u.source, u.id) f;
	o_stored := coalesce(array_length(v_fresh, 1), 0);
	o_first := 0;
	o_recorded := 0;
	IF o_stored = 0 THEN
		RETURN;
	END IF;
	IF NOT p_any AND p_expected <> o_version THEN
		RAISE EXCEPTION 'version conflict' USING ERRCODE = 'ES409', DETAIL = o_version::text;
	END IF;
	o_recorded := greatest(v_recorded + 1, p_now);
	o_first := v_position + 1;
	INSERT INTO es_events (position, stream, branch, version, recorded, effective, source, id, raw)
		SELECT v_position + k, p_stream, p_branch, o_version + k, o_recorded, p_effective[i], p_sources[i], p_ids[i], p_raw[i]
		FROM unnest(v_fresh) WITH ORDINALITY AS f(i, k);
	UPDATE es_head SET position = v_position + o_stored, recorded = o_recorded WHERE one = 1;
	o_version := o_version + o_stored;
	PERFORM pg_notify('es_events', current_schema());
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

// Append implements eventstore.Backend.
func (b *Backend) Append(ctx context.Context, batch *eventstore.Batch) (eventstore.Appended, error) {
	n := len(batch.Events)
	sources, ids, effective, raw := make([]string, n), make([]string, n), make([]int64, n), make([][]byte, n)
	for i, p := range batch.Events {
		sources[i], ids[i], effective[i], raw[i] = p.Source, p.ID, p.Effective, p.Raw
	}
	var res eventstore.Appended
	var stored int32
	err := b.pool.QueryRow(ctx, `SELECT * FROM es_append($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`,
		batch.Stream, batch.Branch, batch.Base, batch.Expected, batch.Any, batch.Now, sources, ids, effective, raw).
		Scan(&res.Version, &stored, &res.FirstPosition, &res.Recorded)
	res.Stored = int(stored)
	var pgErr *pgconn.PgError
	switch {
	case err == nil:
		return res, nil
	case errors.As(err, &pgErr) && pgErr.Code == conflictState:
		actual, _ := strconv.ParseInt(pgErr.Detail, 10, 64)
		return eventstore.Appended{}, &eventstore.ConflictError{Stream: batch.Stream, Branch: batch.Branch, Expected: batch.Expected, Actual: actual}
	case pgErr != nil || pgconn.SafeToRetry(err):
		return eventstore.Appended{}, err // the server refused it, or it was never sent
	}
	return eventstore.Appended{}, fmt.Errorf("%w: %w", eventstore.ErrOutcomeUnknown, err)
}

// Read implements eventstore.Backend.
func (b *Backend) Read(ctx context.Context, q *eventstore.Query, max int) ([]eventstore.Record, error) {
	query, args := b.q.Read(q, max)
	rows, err := b.pool.Query(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	return sqlq.Records(rows, max)
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

// CreateBranch implements eventstore.Backend.
func (b *Backend) CreateBranch(ctx context.Context, br eventstore.Branch) error {
	_, err := b.pool.Exec(ctx, `INSERT INTO es_branches VALUES ($1, $2, $3, $4, $5)`, br.ID, br.Stream, br.ForkedAt.UnixNano(), br.Base, br.Created.UnixNano())
	return err
}

// LoadBranch implements eventstore.Backend.
func (b *Backend) LoadBranch(ctx context.Context, id string) (eventstore.Branch, error) {
	rows, err := b.pool.Query(ctx, `SELECT id, stream, forked_at, base, created FROM es_branches WHERE id = $1`, id)
	if err != nil {
		return eventstore.Branch{}, err
	}
	defer rows.Close()
	list, err := sqlq.Branches(rows)
	if err == nil && len(list) == 0 {
		err = fmt.Errorf("%w: %s", eventstore.ErrUnknownBranch, id)
	}
	if err != nil {
		return eventstore.Branch{}, err
	}
	return list[0], nil
}

// Branches implements eventstore.Backend.
func (b *Backend) Branches(ctx context.Context, stream string) ([]eventstore.Branch, error) {
	rows, err := b.pool.Query(ctx, `SELECT id, stream, forked_at, base, created FROM es_branches WHERE stream = $1 ORDER BY created, id`, stream)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	return sqlq.Branches(rows)
}

// DeleteBranch implements eventstore.Backend.
func (b *Backend) DeleteBranch(ctx context.Context, id string) error {
	return pgx.BeginFunc(ctx, b.pool, func(tx pgx.Tx) error {
		tag, err := tx.Exec(ctx, `DELETE FROM es_branches WHERE id = $1`, id)
		if err != nil {
			return err
		}
		if tag.RowsAffected() == 0 {
			return fmt.Errorf("%w: %s", eventstore.ErrUnknownBranch, id)
		}
		if _, err := tx.Exec(ctx, `DELETE FROM es_events WHERE branch = $1`, id); err != nil {
			return err
		}
		_, err = tx.Exec(ctx, `DELETE FROM es_snapshots WHERE branch = $1`, id)
		return err
	})
}

// SaveSnapshot implements eventstore.Backend.
func (b *Backend) SaveSnapshot(ctx context.Context, s *eventstore.Snapshot) error {
	_, err := b.pool.Exec(ctx, `INSERT INTO es_snapshots VALUES ($1, $2, $3, $4, $5, $6)
		ON CONFLICT (stream, branch, effective, recorded) DO UPDATE SET version = excluded.version, state = excluded.state`,
		s.Stream, s.Branch, s.Recorded.UnixNano(), s.Effective.UnixNano(), s.Version, s.State)
	return err
}

// Snapshots implements eventstore.Backend.
func (b *Backend) Snapshots(ctx context.Context, stream, branch string, recordedBy, effectiveBy int64, max int) ([]eventstore.Snapshot, error) {
	rows, err := b.pool.Query(ctx, `SELECT stream, branch, recorded, effective, version, state FROM es_snapshots
		WHERE stream = $1 AND branch = $2 AND recorded <= $3 AND effective <= $4 ORDER BY effective DESC, recorded DESC LIMIT $5`, stream, branch, recordedBy, effectiveBy, max)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	return sqlq.Snapshots(rows)
}

// LoadCheckpoint implements eventstore.Backend.
func (b *Backend) LoadCheckpoint(ctx context.Context, name string) (int64, error) {
	var p int64
	err := b.pool.QueryRow(ctx, `SELECT position FROM es_checkpoints WHERE name = $1`, name).Scan(&p)
	if errors.Is(err, pgx.ErrNoRows) {
		return 0, nil
	}
	return p, err
}

// SaveCheckpoint implements eventstore.Backend.
func (b *Backend) SaveCheckpoint(ctx context.Context, name string, position int64) error {
	_, err := b.pool.Exec(ctx, `INSERT INTO es_checkpoints VALUES ($1, $2) ON CONFLICT (name) DO UPDATE SET position = excluded.position`, name, position)
	return err
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
