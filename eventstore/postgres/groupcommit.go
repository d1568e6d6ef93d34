package postgres

import (
	"context"
	_ "embed"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/jackc/pgx/v5/pgconn"

	"github.com/elmosoftware/eventprotocol/eventstore"
)

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
