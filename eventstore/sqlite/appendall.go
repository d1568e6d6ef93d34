package sqlite

import (
	"context"
	"errors"
	"fmt"

	msqlite "modernc.org/sqlite"

	"github.com/elmosoftware/eventprotocol/eventstore"
)

// AppendAll makes appends to several streams in one transaction, each as
// Append would make it alone: what one writer of many streams (an
// archive) batches, since SQLite commits one transaction at a time. A
// failed append fails them all, and nothing is stored.
func (b *Backend) AppendAll(ctx context.Context, batches []*eventstore.Batch) ([]eventstore.Appended, error) {
	// As Append: first assume the events are new, and look them up when
	// the unique index or an expectation says otherwise.
	res, err := b.appendAll(ctx, batches, false)
	var serr *msqlite.Error
	if errors.Is(err, errLookUp) || (errors.As(err, &serr) && serr.Code()&0xff == sqliteConstraint) {
		res, err = b.appendAll(ctx, batches, true)
	}
	return res, err
}

func (b *Backend) appendAll(ctx context.Context, batches []*eventstore.Batch, lookUp bool) (res []eventstore.Appended, err error) {
	tx, err := b.db.BeginTx(ctx, nil) // BEGIN IMMEDIATE: the write lock
	if err != nil {
		return nil, err
	}
	t := inTx{tx: tx, own: b}
	mainOnly := !lookUp
	for _, batch := range batches {
		mainOnly = mainOnly && batch.Branch == ""
	}
	if mainOnly {
		res, err = b.appendMain(ctx, t, batches)
	} else {
		res = make([]eventstore.Appended, len(batches))
		for i, batch := range batches {
			if res[i], err = b.appendIn(ctx, t, batch, lookUp || batch.Branch != ""); err != nil {
				break
			}
		}
	}
	if err != nil {
		return nil, errors.Join(err, tx.Rollback())
	}
	if err := tx.Commit(); err != nil {
		return nil, fmt.Errorf("%w: %w", eventstore.ErrOutcomeUnknown, err)
	}
	return res, nil
}

// The statements of appendMain.
const (
	// queryGlobalHead: the newest recorded time and position (queryHead's
	// first two).
	queryGlobalHead = `SELECT max(recorded, coalesce((SELECT recorded FROM es_events ORDER BY position DESC LIMIT 1), 0)),
		max(position, coalesce((SELECT max(position) FROM es_events), 0)) FROM es_head`
	// queryVersion: a stream's main-timeline version.
	queryVersion = `SELECT coalesce(max(version), 0) FROM es_events WHERE stream = ? AND branch = ''`
)

// appendMain appends batches of the main timeline that assume their events
// are new: the head read once, each stream's version once, then the
// inserts. A batch whose expectation fails asks for the slower
// path (errLookUp), which tells a conflict from repeated events.
func (b *Backend) appendMain(ctx context.Context, t inTx, batches []*eventstore.Batch) ([]eventstore.Appended, error) {
	var recorded, last int64
	if err := t.tx.QueryRowContext(ctx, queryGlobalHead).Scan(&recorded, &last); err != nil {
		return nil, err
	}
	versions, err := streamVersions(ctx, t, batches)
	if err != nil {
		return nil, err
	}
	insert, err := t.stmt(ctx, b.stmts.insert, queryInsert)
	if err != nil {
		return nil, err
	}
	res := make([]eventstore.Appended, len(batches))
	for i, batch := range batches {
		fresh, err := b.fresh(ctx, t, batch, false)
		if err != nil {
			return nil, err
		}
		version := versions[batch.Stream]
		if !batch.Any && batch.Expected != version {
			return nil, errLookUp
		}
		recorded = max(recorded+1, batch.Now)
		res[i] = eventstore.Appended{Version: version, Recorded: recorded, FirstPosition: last + 1}
		for j, p := range fresh {
			if _, err := insert.ExecContext(ctx, last+1+int64(j), batch.Stream, "", version+1+int64(j), recorded, p.Effective, p.Source, p.ID, p.Raw); err != nil {
				return nil, err
			}
		}
		n := int64(len(fresh))
		res[i].Stored, res[i].Version = len(fresh), version+n
		versions[batch.Stream], last = version+n, last+n
	}
	return res, nil
}

// streamVersions returns the main-timeline versions of the batches'
// streams.
func streamVersions(ctx context.Context, t inTx, batches []*eventstore.Batch) (map[string]int64, error) {
	q, err := t.tx.PrepareContext(ctx, queryVersion)
	if err != nil {
		return nil, err
	}
	defer q.Close()
	versions := make(map[string]int64, len(batches))
	for _, batch := range batches {
		if _, ok := versions[batch.Stream]; ok {
			continue
		}
		var v int64
		if err := q.QueryRowContext(ctx, batch.Stream).Scan(&v); err != nil {
			return nil, err
		}
		versions[batch.Stream] = v
	}
	return versions, nil
}
