package sqlidempotency

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"regexp"
	"strings"
	"sync"
	"time"

	"github.com/elmosoftware/eventprotocol/config"
	"github.com/elmosoftware/eventprotocol/transport"
)

// Dialect is the SQL database's kind.
type Dialect int

const (
	// SQLite, through modernc.org/sqlite (driver "sqlite").
	SQLite Dialect = iota + 1
	// PostgreSQL, through github.com/jackc/pgx/v5/stdlib (driver "pgx").
	PostgreSQL
)

// Defaults of Config.
const (
	DefaultTable     = "elmo_idempotency"
	DefaultLease     = 15 * time.Minute
	DefaultRetention = 24 * time.Hour
)

// Config configures New. A nil *Config means the defaults, but Dialect has
// none: it is required. A zero field means its default; an invalid value
// is an error.
type Config struct {
	// Dialect is the database's kind. Required.
	Dialect Dialect
	// Table holds the keys: a name of letters, digits and underscores,
	// optionally schema-qualified ("events.elmo_idempotency"). Default
	// DefaultTable.
	Table string
	// Lease is how long a claim in progress holds its key: after it,
	// another instance may take the key over (its instance most likely
	// died). Longer than the longest handler: a Lambda function's
	// timeout (at most 15 minutes), a consumer's visibility timeout.
	// Default DefaultLease.
	Lease time.Duration
	// Retention is how long a processed key is remembered: a duplicate
	// that arrives later is processed again. Default DefaultRetention.
	Retention time.Duration
	// Clock dates claims; nil means the system's.
	Clock config.Clock
	// Logger receives what would otherwise go unseen: a purge of old keys
	// that failed (the table then grows until one succeeds). Default
	// slog.Default().
	Logger *slog.Logger
}

// Store is an IdempotencyStore in an SQL table. It is safe for concurrent
// use, and shared by every process that opens the same table.
type Store struct {
	db  *sql.DB
	cfg Config
	q   queries

	mu        sync.Mutex
	lastPurge time.Time
}

type queries struct{ insert, find, takeOver, complete, release, purge string }

var tableName = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)?$`)

// New returns the store of the database, creating its table when missing.
func New(ctx context.Context, db *sql.DB, cfg *Config) (*Store, error) {
	var c Config
	if cfg != nil {
		c = *cfg
	}
	var errs []error
	if db == nil {
		errs = append(errs, &config.Error{Setting: "sqlidempotency.New's db", Problem: "must not be nil"})
	}
	if c.Dialect != SQLite && c.Dialect != PostgreSQL {
		errs = append(errs, &config.Error{Setting: "sqlidempotency.Config.Dialect", Problem: "must be SQLite or PostgreSQL"})
	}
	if c.Table != "" && !tableName.MatchString(c.Table) {
		errs = append(errs, &config.Error{Setting: "sqlidempotency.Config.Table", Problem: "must be letters, digits and underscores, optionally schema-qualified"})
	}
	if c.Lease < 0 || c.Retention < 0 {
		errs = append(errs, &config.Error{Setting: "sqlidempotency.Config.Lease and Retention", Problem: "must not be negative"})
	}
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	if c.Table == "" {
		c.Table = DefaultTable
	}
	if c.Lease == 0 {
		c.Lease = DefaultLease
	}
	if c.Retention == 0 {
		c.Retention = DefaultRetention
	}
	if c.Clock == nil {
		c.Clock = config.SystemClock{}
	}
	if c.Logger == nil {
		c.Logger = slog.Default()
	}
	s := &Store{db: db, cfg: c, q: queriesFor(c.Table)}
	index := strings.ReplaceAll(c.Table, ".", "_") + "_done"
	if i := strings.IndexByte(c.Table, '.'); i >= 0 {
		index = c.Table[i+1:] + "_done" // an index lives in its table's schema
	}
	for _, ddl := range []string{
		`CREATE TABLE IF NOT EXISTS ` + c.Table + ` (source TEXT NOT NULL, id TEXT NOT NULL, done INTEGER NOT NULL, claimed BIGINT NOT NULL, PRIMARY KEY (source, id))`,
		`CREATE INDEX IF NOT EXISTS ` + index + ` ON ` + c.Table + ` (done, claimed)`,
	} {
		if _, err := db.ExecContext(ctx, ddl); err != nil {
			return nil, fmt.Errorf("sqlidempotency: creating the table %s: %w", c.Table, err)
		}
	}
	return s, nil
}

// queriesFor returns the statements on the table. $n placeholders serve
// both dialects: SQLite reads $1 as the first parameter.
func queriesFor(t string) queries {
	return queries{
		insert:   `INSERT INTO ` + t + ` (source, id, done, claimed) VALUES ($1, $2, 0, $3) ON CONFLICT (source, id) DO NOTHING`,
		find:     `SELECT done, claimed FROM ` + t + ` WHERE source = $1 AND id = $2`,
		takeOver: `UPDATE ` + t + ` SET claimed = $3 WHERE source = $1 AND id = $2 AND done = 0 AND claimed = $4`,
		complete: `UPDATE ` + t + ` SET done = 1, claimed = $3 WHERE source = $1 AND id = $2`,
		release:  `DELETE FROM ` + t + ` WHERE source = $1 AND id = $2 AND done = 0`,
		purge:    `DELETE FROM ` + t + ` WHERE done = 1 AND claimed < $1`,
	}
}

// split returns a key's source and id: the Consumer's keys are
// source NUL id; any other key is a source alone.
func split(key string) (string, string) {
	source, id, _ := strings.Cut(key, "\x00")
	return source, id
}

// Claim implements transport.IdempotencyStore.
func (s *Store) Claim(ctx context.Context, key string) (transport.ClaimResult, error) {
	source, id := split(key)
	now := s.cfg.Clock.Now()
	s.purge(ctx, now)
	res, err := s.db.ExecContext(ctx, s.q.insert, source, id, now.UnixMilli())
	if err != nil {
		return 0, fmt.Errorf("sqlidempotency: claim: %w", err)
	}
	if n, err := res.RowsAffected(); err == nil && n == 1 {
		return transport.Claimed, nil
	}
	var done int
	var claimed int64
	switch err := s.db.QueryRowContext(ctx, s.q.find, source, id).Scan(&done, &claimed); {
	case errors.Is(err, sql.ErrNoRows): // released between the two statements
		return transport.InProgress, nil
	case err != nil:
		return 0, fmt.Errorf("sqlidempotency: claim: %w", err)
	case done == 1:
		return transport.AlreadyDone, nil
	case now.Sub(time.UnixMilli(claimed)) < s.cfg.Lease:
		return transport.InProgress, nil
	}
	// A stale claim: take it over, unless another instance just did.
	res, err = s.db.ExecContext(ctx, s.q.takeOver, source, id, now.UnixMilli(), claimed)
	if err != nil {
		return 0, fmt.Errorf("sqlidempotency: claim: %w", err)
	}
	if n, err := res.RowsAffected(); err == nil && n == 1 {
		return transport.Claimed, nil
	}
	return transport.InProgress, nil
}

// Complete implements transport.IdempotencyStore.
func (s *Store) Complete(ctx context.Context, key string) error {
	source, id := split(key)
	if _, err := s.db.ExecContext(ctx, s.q.complete, source, id, s.cfg.Clock.Now().UnixMilli()); err != nil {
		return fmt.Errorf("sqlidempotency: complete: %w", err)
	}
	return nil
}

// Release implements transport.IdempotencyStore.
func (s *Store) Release(ctx context.Context, key string) error {
	source, id := split(key)
	if _, err := s.db.ExecContext(ctx, s.q.release, source, id); err != nil {
		return fmt.Errorf("sqlidempotency: release: %w", err)
	}
	return nil
}

// purge deletes the keys done longer than Retention ago, at most once per
// tenth of it. A failure is no claim's concern: it is logged, and the next
// purge retries.
func (s *Store) purge(ctx context.Context, now time.Time) {
	s.mu.Lock()
	due := now.Sub(s.lastPurge) >= s.cfg.Retention/10
	if due {
		s.lastPurge = now
	}
	s.mu.Unlock()
	if !due {
		return
	}
	if _, err := s.db.ExecContext(ctx, s.q.purge, now.Add(-s.cfg.Retention).UnixMilli()); err != nil && ctx.Err() == nil {
		s.cfg.Logger.LogAttrs(ctx, slog.LevelWarn, "sqlidempotency: purging old keys failed; the table grows until a purge succeeds",
			slog.String("table", s.cfg.Table), slog.Any("error", err))
	}
}
