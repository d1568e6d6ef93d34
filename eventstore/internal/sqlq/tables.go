package sqlq

import (
	"context"
	"fmt"

	"github.com/elmosoftware/eventprotocol/eventstore"
)

// Conn is a backend's database handle as Tables uses it.
type Conn interface {
	// Query runs query and hands its rows to scan; they are closed after.
	Query(ctx context.Context, scan func(Rows) error, query string, args ...any) error
	// Exec runs a statement.
	Exec(ctx context.Context, query string, args ...any) error
}

// Tables implements the eventstore.Backend methods that are the same SQL
// on every database: reads, and the tables of branches, snapshots,
// checkpoints and parked events. A backend embeds it.
type Tables struct {
	conn Conn
	q    *Queries
}

// NewTables returns the shared methods over conn, writing d's SQL.
func NewTables(conn Conn, d Dialect) Tables { return Tables{conn: conn, q: New(d)} }

// sql writes a statement of ? placeholders in the dialect.
func (t Tables) sql(query string) string { return placeholders(t.q.d, query, 1) }

// list runs query and scans its rows with scan.
func list[T any](ctx context.Context, t Tables, scan func(Rows) ([]T, error), query string, args ...any) (out []T, err error) {
	err = t.conn.Query(ctx, func(rows Rows) error {
		out, err = scan(rows)
		return err
	}, query, args...)
	return out, err
}

func (t Tables) exec(ctx context.Context, query string, args ...any) error {
	return t.conn.Exec(ctx, t.sql(query), args...)
}

// Read implements eventstore.Backend.
func (t Tables) Read(ctx context.Context, q *eventstore.Query, max int) ([]eventstore.Record, error) {
	query, args := t.q.Read(q, max)
	return list(ctx, t, func(rows Rows) ([]eventstore.Record, error) { return Records(rows, max) }, query, args...)
}

// Find implements eventstore.Backend.
func (t Tables) Find(ctx context.Context, branch, source, id string) (eventstore.Record, bool, error) {
	found, err := list(ctx, t, func(rows Rows) ([]eventstore.Record, error) { return Records(rows, 1) },
		t.sql("SELECT "+RecordColumns+" FROM es_events WHERE branch = ? AND source = ? AND id = ?"), branch, source, id)
	if err != nil || len(found) == 0 {
		return eventstore.Record{}, false, err
	}
	return found[0], true, nil
}

const branchColumns = "SELECT id, stream, forked_at, base, created FROM es_branches"

// CreateBranch implements eventstore.Backend.
func (t Tables) CreateBranch(ctx context.Context, br eventstore.Branch) error {
	return t.exec(ctx, `INSERT INTO es_branches VALUES (?, ?, ?, ?, ?)`, br.ID, br.Stream, br.ForkedAt.UnixNano(), br.Base, br.Created.UnixNano())
}

// LoadBranch implements eventstore.Backend.
func (t Tables) LoadBranch(ctx context.Context, id string) (eventstore.Branch, error) {
	list, err := t.branches(ctx, branchColumns+` WHERE id = ?`, id)
	if err == nil && len(list) == 0 {
		err = fmt.Errorf("%w: %s", eventstore.ErrUnknownBranch, id)
	}
	if err != nil {
		return eventstore.Branch{}, err
	}
	return list[0], nil
}

// Branches implements eventstore.Backend.
func (t Tables) Branches(ctx context.Context, stream string) ([]eventstore.Branch, error) {
	return t.branches(ctx, branchColumns+` WHERE stream = ? ORDER BY created, id`, stream)
}

func (t Tables) branches(ctx context.Context, query string, args ...any) ([]eventstore.Branch, error) {
	return list(ctx, t, Branches, t.sql(query), args...)
}

// SaveSnapshot implements eventstore.Backend.
func (t Tables) SaveSnapshot(ctx context.Context, s *eventstore.Snapshot) error {
	return t.exec(ctx, `INSERT INTO es_snapshots VALUES (?, ?, ?, ?, ?, ?)
		ON CONFLICT (stream, branch, effective, recorded) DO UPDATE SET version = excluded.version, state = excluded.state`,
		s.Stream, s.Branch, s.Recorded.UnixNano(), s.Effective.UnixNano(), s.Version, s.State)
}

// Snapshots implements eventstore.Backend.
func (t Tables) Snapshots(ctx context.Context, stream, branch string, recordedBy, effectiveBy int64, max int) ([]eventstore.Snapshot, error) {
	return list(ctx, t, Snapshots, t.sql(`SELECT stream, branch, recorded, effective, version, state FROM es_snapshots
		WHERE stream = ? AND branch = ? AND recorded <= ? AND effective <= ? ORDER BY effective DESC, recorded DESC LIMIT ?`),
		stream, branch, recordedBy, effectiveBy, max)
}

// LoadCheckpoint implements eventstore.Backend: 0 for a name never saved.
func (t Tables) LoadCheckpoint(ctx context.Context, name string) (position int64, err error) {
	err = t.conn.Query(ctx, func(rows Rows) error {
		if rows.Next() {
			if err := rows.Scan(&position); err != nil {
				return err
			}
		}
		return rows.Err()
	}, t.sql(`SELECT position FROM es_checkpoints WHERE name = ?`), name)
	return position, err
}

// SaveCheckpoint implements eventstore.Backend.
func (t Tables) SaveCheckpoint(ctx context.Context, name string, position int64) error {
	return t.exec(ctx, `INSERT INTO es_checkpoints VALUES (?, ?) ON CONFLICT (name) DO UPDATE SET position = excluded.position`, name, position)
}

// Park implements eventstore.Backend.
func (t Tables) Park(ctx context.Context, name string, p eventstore.Parked) error {
	return t.exec(ctx, `INSERT INTO es_parked VALUES (?, ?, ?, ?) ON CONFLICT (name, position) DO UPDATE SET reason = excluded.reason, at = excluded.at`,
		name, p.Position, p.Reason, p.At.UnixNano())
}

// Parked implements eventstore.Backend.
func (t Tables) Parked(ctx context.Context, name string) ([]eventstore.Parked, error) {
	return list(ctx, t, Parked, t.sql(`SELECT position, reason, at FROM es_parked WHERE name = ? ORDER BY position`), name)
}
