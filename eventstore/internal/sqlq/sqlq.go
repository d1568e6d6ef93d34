package sqlq

import (
	"strconv"
	"strings"
	"time"

	"github.com/elmosoftware/eventprotocol/eventstore"
)

// Dialect is how a database writes its placeholders.
type Dialect int

const (
	// SQLite writes ?.
	SQLite Dialect = iota
	// Postgres writes $1, $2...
	Postgres
)

// Queries builds the queries of one dialect.
type Queries struct{ d Dialect }

// New returns the queries of d.
func New(d Dialect) *Queries { return &Queries{d: d} }

// RecordColumns are the columns Records scans, in its order.
const RecordColumns = "position, stream, branch, version, recorded, effective, raw"

type builder struct {
	d     Dialect
	where []string
	args  []any
}

func (b *builder) arg(v any) string {
	b.args = append(b.args, v)
	return placeholders(b.d, "?", len(b.args))
}

// cond adds a condition of ? placeholders, one for each of vals.
func (b *builder) cond(format string, vals ...any) {
	b.where = append(b.where, placeholders(b.d, format, len(b.args)+1))
	b.args = append(b.args, vals...)
}

// placeholders writes the ? of query as d does, numbered from first.
func placeholders(d Dialect, query string, first int) string {
	if d == SQLite {
		return query
	}
	var s strings.Builder
	for i := 0; i < len(query); i++ {
		if query[i] != '?' {
			s.WriteByte(query[i])
			continue
		}
		s.WriteByte('$')
		s.WriteString(strconv.Itoa(first))
		first++
	}
	return s.String()
}

// Read returns the query and arguments of a Backend's Read.
func (q *Queries) Read(r *eventstore.Query, max int) (string, []any) {
	b := &builder{d: q.d}
	if r.Stream != "" {
		b.cond("stream = ?", r.Stream)
	}
	order := " ORDER BY position"
	switch {
	case r.Stream == "" && q.d == SQLite:
		// The global order: along the primary key. Unary + keeps SQLite's
		// planner off the (branch, source, id) index and its sort.
		b.cond("+branch = ?", r.Branch)
	case r.Stream == "":
		b.cond("branch = ?", r.Branch)
	case r.Order == eventstore.ByEffective:
		b.cond("branch = ?", r.Branch)
		order = " ORDER BY effective, position"
	default: // along (stream, branch, version)
		b.cond("branch = ?", r.Branch)
		order = " ORDER BY version"
	}
	switch {
	case r.Order == eventstore.ByEffective && r.AfterPosition > 0:
		b.cond("(effective, position) > (?, ?)", r.AfterEffective, r.AfterPosition)
	case r.AfterPosition > 0:
		b.cond("position > ?", r.AfterPosition)
	}
	for _, c := range []struct {
		v    int64
		cond string
	}{
		{r.AfterVersion, "version > ?"},
		{r.MaxVersion, "version <= ?"},
		{r.RecordedAfter, "recorded > ?"},
		{r.RecordedBy, "recorded <= ?"},
		{r.EffectiveAfter, "effective > ?"},
		{r.EffectiveBy, "effective <= ?"},
	} {
		if c.v != 0 {
			b.cond(c.cond, c.v)
		}
	}
	return "SELECT " + RecordColumns + " FROM es_events WHERE " + strings.Join(b.where, " AND ") + order + " LIMIT " + b.arg(max), b.args
}

// Rows is what both database/sql's and pgx's rows offer.
type Rows interface {
	Next() bool
	Scan(dest ...any) error
	Err() error
}

// Records scans rows of RecordColumns.
func Records(rows Rows, max int) ([]eventstore.Record, error) {
	out := make([]eventstore.Record, 0, min(max, 1024))
	for rows.Next() {
		var r eventstore.Record
		var rec, eff int64
		if err := rows.Scan(&r.Position, &r.Stream, &r.Branch, &r.Version, &rec, &eff, &r.Raw); err != nil {
			return nil, err
		}
		r.Recorded, r.Effective = Time(rec), Time(eff)
		out = append(out, r)
	}
	return out, rows.Err()
}

// Branches scans rows of id, stream, forked_at, base, created.
func Branches(rows Rows) ([]eventstore.Branch, error) {
	var out []eventstore.Branch
	for rows.Next() {
		var b eventstore.Branch
		var forked, created int64
		if err := rows.Scan(&b.ID, &b.Stream, &forked, &b.Base, &created); err != nil {
			return nil, err
		}
		b.ForkedAt, b.Created = Time(forked), Time(created)
		out = append(out, b)
	}
	return out, rows.Err()
}

// Snapshots scans rows of stream, branch, recorded, effective, version,
// state.
func Snapshots(rows Rows) ([]eventstore.Snapshot, error) {
	var out []eventstore.Snapshot
	for rows.Next() {
		var s eventstore.Snapshot
		var rec, eff int64
		if err := rows.Scan(&s.Stream, &s.Branch, &rec, &eff, &s.Version, &s.State); err != nil {
			return nil, err
		}
		s.Recorded, s.Effective = Time(rec), Time(eff)
		out = append(out, s)
	}
	return out, rows.Err()
}

// Parked scans rows of position, reason, at.
func Parked(rows Rows) ([]eventstore.Parked, error) {
	var out []eventstore.Parked
	for rows.Next() {
		var p eventstore.Parked
		var at int64
		if err := rows.Scan(&p.Position, &p.Reason, &at); err != nil {
			return nil, err
		}
		p.At = Time(at)
		out = append(out, p)
	}
	return out, rows.Err()
}

// Time converts Unix nanoseconds to a UTC time.
func Time(n int64) time.Time { return time.Unix(0, n).UTC() }
