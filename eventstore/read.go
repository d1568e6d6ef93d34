package eventstore

import (
	"context"
	"errors"
	"fmt"
	"iter"
	"time"

	"github.com/elmosoftware/eventprotocol/envelope"
)

// ReadStream returns a stream's events after a version, in version order.
// On a branch: the main timeline's events up to the fork, then the
// branch's own.
func (s *Store) ReadStream(ctx context.Context, st Stream, afterVersion int64) iter.Seq2[Record, error] {
	return func(yield func(Record, error) bool) {
		if afterVersion < 0 {
			yield(Record{}, fmt.Errorf("%w: read after version %d", ErrInvalidVersion, afterVersion))
			return
		}
		br, err := s.branch(ctx, st)
		if err != nil {
			yield(Record{}, err)
			return
		}
		q := Query{Stream: st.Name, AfterVersion: afterVersion}
		if st.Branch == "" {
			s.pages(ctx, q, yield)
			return
		}
		if afterVersion < br.Base {
			q.MaxVersion = br.Base
			if !s.pages(ctx, q, yield) {
				return
			}
		}
		s.pages(ctx, Query{Stream: st.Name, Branch: st.Branch, AfterVersion: afterVersion}, yield)
	}
}

// ReadAll returns the main timeline of every stream after a global
// position, in position order. Branches are not in it.
func (s *Store) ReadAll(ctx context.Context, afterPosition int64) iter.Seq2[Record, error] {
	return func(yield func(Record, error) bool) {
		if afterPosition < 0 {
			yield(Record{}, fmt.Errorf("%w: read after position %d", ErrInvalidVersion, afterPosition))
			return
		}
		s.pages(ctx, Query{AfterPosition: afterPosition}, yield)
	}
}

// AsOf selects the events of a bitemporal read. Zero times are no bounds.
type AsOf struct {
	// KnownAt keeps the events recorded at or before it: the stream as the
	// store knew it then.
	KnownAt time.Time
	// EffectiveAfter and EffectiveThrough keep the events effective in
	// (EffectiveAfter, EffectiveThrough].
	EffectiveAfter, EffectiveThrough time.Time
}

func (a AsOf) query(st Stream) (Query, error) {
	q := Query{Stream: st.Name, Branch: st.Branch, Order: ByEffective}
	for _, b := range []struct {
		t   time.Time
		dst *int64
	}{{a.KnownAt, &q.RecordedBy}, {a.EffectiveAfter, &q.EffectiveAfter}, {a.EffectiveThrough, &q.EffectiveBy}} {
		if b.t.IsZero() {
			continue
		}
		n, ok := nanos(b.t)
		if !ok {
			return Query{}, fmt.Errorf("%w: a time outside the years 1678 to 2262", ErrInvalidVersion)
		}
		*b.dst = n
	}
	return q, nil
}

// ReadAsOf is the bitemporal read: a stream's events recorded at or before
// a.KnownAt, in effective-time order (ties by position), within a's
// effective bounds. On a branch, the main timeline's events up to the fork
// and the branch's own, merged.
func (s *Store) ReadAsOf(ctx context.Context, st Stream, a AsOf) iter.Seq2[Record, error] {
	return func(yield func(Record, error) bool) {
		br, err := s.branch(ctx, st)
		if err != nil {
			yield(Record{}, err)
			return
		}
		q, err := a.query(st)
		if err != nil {
			yield(Record{}, err)
			return
		}
		if st.Branch == "" || br.Base == 0 { // nothing of the main timeline
			s.pages(ctx, q, yield)
			return
		}
		main := q
		main.Branch, main.MaxVersion = "", br.Base
		merge(s.pull(ctx, main), s.pull(ctx, q), yield)
	}
}

// pages yields the events of q a page at a time; it returns false when
// the reader stopped or an error was yielded.
func (s *Store) pages(ctx context.Context, q Query, yield func(Record, error) bool) bool {
	for {
		page, err := s.b.Read(ctx, &q, s.cfg.PageSize)
		if err != nil {
			yield(Record{}, err)
			return false
		}
		for _, r := range page {
			if !yield(r, nil) {
				return false
			}
		}
		if len(page) < s.cfg.PageSize {
			return true
		}
		last := page[len(page)-1]
		switch {
		case q.Order == ByEffective:
			q.AfterEffective, q.AfterPosition = last.Effective.UnixNano(), last.Position
		case q.Stream != "": // a timeline: versions, along its index
			q.AfterVersion = last.Version
		default:
			q.AfterPosition = last.Position
		}
	}
}

// pull returns q's events as a pull iterator's next and stop.
func (s *Store) pull(ctx context.Context, q Query) *puller {
	next, stop := iter.Pull2(func(yield func(Record, error) bool) { s.pages(ctx, q, yield) })
	return &puller{next: next, stop: stop}
}

type puller struct {
	next func() (Record, error, bool)
	stop func()
	r    Record
	ok   bool
}

func (p *puller) advance() error {
	var err error
	p.r, err, p.ok = p.next()
	return err
}

// merge yields the events of two effective-ordered reads in effective
// order, ties by position.
func merge(a, b *puller, yield func(Record, error) bool) {
	defer a.stop()
	defer b.stop()
	if err := errors.Join(a.advance(), b.advance()); err != nil {
		yield(Record{}, err)
		return
	}
	for a.ok || b.ok {
		p := a
		if !a.ok || (b.ok && before(b.r, a.r)) {
			p = b
		}
		if !yield(p.r, nil) {
			return
		}
		if err := p.advance(); err != nil {
			yield(Record{}, err)
			return
		}
	}
}

func before(x, y Record) bool {
	if !x.Effective.Equal(y.Effective) {
		return x.Effective.Before(y.Effective)
	}
	return x.Position < y.Position
}

// Decode decodes a record's event for new code: upcast to the newest major
// the store's Config.Upcasters reach (with the extension attribute
// envelope.ExtUpcastFrom), else as it was stored (Record.Envelope).
func (s *Store) Decode(r Record) (envelope.Envelope, error) {
	e, err := r.Envelope()
	if err != nil || s.cfg.Upcasters == nil {
		return e, err
	}
	up, _, err := s.cfg.Upcasters.Newest(&e)
	if err != nil {
		return envelope.Envelope{}, fmt.Errorf("eventstore: %s version %d: %w", r.Stream, r.Version, err)
	}
	return *up, nil
}
