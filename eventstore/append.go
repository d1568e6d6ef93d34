package eventstore

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/elmosoftware/eventprotocol/envelope"
)

// Expect is an append's expectation of the stream's version. The zero
// value is [Any].
type Expect struct {
	version int64
	set     bool
}

// Any appends whatever the stream's version.
var Any = Expect{}

// Exactly expects the stream to be at version v (0: no events yet).
func Exactly(v int64) Expect { return Expect{version: v, set: true} }

// Result is what an append stored.
type Result struct {
	// Version is the stream's version after the append.
	Version int64
	// Stored counts the events stored; events already on the timeline
	// (same source and id) are skipped, not counted, and listed in
	// Duplicates.
	Stored int
	// Duplicates are the events of the call that were not stored because
	// they were on the timeline already, in call order (Append only: the
	// SQL backends' AppendTx reports Stored alone).
	Duplicates []Duplicate
	// FirstPosition is the global position of the first stored event.
	FirstPosition int64
	// Recorded is the recorded time of the stored events.
	Recorded time.Time
}

// Duplicate is an event of an append that was on the timeline already,
// and where its stored copy lives.
type Duplicate struct {
	// Index is the event's place in the Append call.
	Index int
	// Stream, Branch, Version and Position place the stored copy: in
	// another stream, on the main timeline a branch inherits, or earlier
	// in the same call.
	Stream, Branch    string
	Version, Position int64
}

// Append stores events at the end of a stream, atomically.
//
// An event id is unique per timeline, across streams: an event whose
// (source, id) is on the stream's timeline already is skipped, and listed
// in the result's Duplicates with where it lives, so that at-least-once
// consumers can append what they receive. The main timeline is every
// stream's main events; a branch's timeline is its stream's main events up
// to the fork, then the branch's own. An event repeated within the call is
// stored once. When every event is skipped, Append succeeds and stores
// nothing. The expectation applies to the events that remain: a mismatch
// is a *ConflictError with the actual version.
//
// Each event must pass the envelope's strict rules and, when the store has
// a Validator, its payload schema; else a *EventError naming the event.
func (s *Store) Append(ctx context.Context, st Stream, expect Expect, events ...*envelope.Envelope) (Result, error) {
	batch, err := s.Prepare(ctx, st, expect, events...)
	if err != nil {
		return Result{}, err
	}
	a, err := s.b.Append(ctx, batch)
	if err != nil {
		return Result{}, err
	}
	res := s.Appended(a)
	if a.Stored < len(batch.Events) {
		res.Duplicates = s.duplicates(ctx, batch, a)
	}
	return res, nil
}

// duplicates finds where the events of batch that a's append skipped
// live. The append succeeded: a failed look-up is logged, never returned,
// and leaves the events it could not place out of the list.
func (s *Store) duplicates(ctx context.Context, batch *Batch, a Appended) []Duplicate {
	var out []Duplicate
	first := map[[2]string]int{} // index of each event's first copy in the call
	placed := map[int]Record{}   // the stored copy of the event at that index
	for i, p := range batch.Events {
		k := [2]string{p.Source, p.ID}
		if j, ok := first[k]; ok {
			if r, ok := placed[j]; ok {
				out = append(out, Duplicate{Index: i, Stream: r.Stream, Branch: r.Branch, Version: r.Version, Position: r.Position})
			}
			continue
		}
		first[k] = i
		r, ok, err := s.onTimeline(ctx, batch, p)
		if err != nil {
			s.cfg.Logger.Warn("eventstore: the append succeeded; finding where its duplicates live failed", "stream", batch.Stream, "err", err)
			return out
		}
		if !ok {
			continue
		}
		placed[i] = r
		storedNow := r.Stream == batch.Stream && r.Branch == batch.Branch && a.Stored > 0 &&
			r.Position >= a.FirstPosition && r.Position < a.FirstPosition+int64(a.Stored)
		if !storedNow {
			out = append(out, Duplicate{Index: i, Stream: r.Stream, Branch: r.Branch, Version: r.Version, Position: r.Position})
		}
	}
	return out
}

// onTimeline returns the stored event p on batch's timeline.
func (s *Store) onTimeline(ctx context.Context, batch *Batch, p Pending) (Record, bool, error) {
	r, ok, err := s.b.Find(ctx, batch.Branch, p.Source, p.ID)
	if err != nil || ok || batch.Branch == "" {
		return r, ok, err
	}
	r, ok, err = s.b.Find(ctx, "", p.Source, p.ID)
	if err != nil || !ok || r.Stream != batch.Stream || r.Version > batch.Base {
		return Record{}, false, err
	}
	return r, true, nil
}

// Prepare checks and encodes an append for a backend without making it:
// for appending inside the caller's own database transaction (the outbox
// of a service that is not event-sourced; see the SQL backends' AppendTx).
// It checks what Append checks, with the same errors.
func (s *Store) Prepare(ctx context.Context, st Stream, expect Expect, events ...*envelope.Envelope) (*Batch, error) {
	batch, err := s.prepare(ctx, st, expect, len(events))
	if err != nil {
		return nil, err
	}
	for i, e := range events {
		p, err := s.pending(e)
		if err != nil {
			return nil, &EventError{Index: i, Err: err}
		}
		batch.Events = append(batch.Events, p)
	}
	if len(batch.Events) == 0 {
		return nil, fmt.Errorf("%w: no events to append", ErrInvalidEvent)
	}
	batch.Now = s.cfg.Clock.Now().UnixNano()
	return batch, nil
}

// PrepareEncoded is Prepare for one event whose encoding the caller holds
// (the bytes an archive received): raw, which must be e's encoding, is
// stored as it is, after the checks Prepare makes of e.
func (s *Store) PrepareEncoded(ctx context.Context, st Stream, expect Expect, e *envelope.Envelope, raw []byte) (*Batch, error) {
	if len(raw) == 0 {
		return nil, &EventError{Index: 0, Err: errors.New("no encoding")}
	}
	batch, err := s.prepare(ctx, st, expect, 1)
	if err != nil {
		return nil, err
	}
	p, err := s.pendingRaw(e, raw)
	if err != nil {
		return nil, &EventError{Index: 0, Err: err}
	}
	batch.Events = append(batch.Events, p)
	batch.Now = s.cfg.Clock.Now().UnixNano()
	return batch, nil
}

// prepare checks an append's stream and expectation, and returns its batch
// without events.
func (s *Store) prepare(ctx context.Context, st Stream, expect Expect, n int) (*Batch, error) {
	br, err := s.branch(ctx, st)
	if err != nil {
		return nil, err
	}
	if expect.set && expect.version < 0 {
		return nil, fmt.Errorf("%w: expected version %d", ErrInvalidVersion, expect.version)
	}
	return &Batch{Stream: st.Name, Branch: st.Branch, Base: br.Base, Expected: expect.version, Any: !expect.set, Events: make([]Pending, 0, n)}, nil
}

// Appended turns what a backend stored into the Result of an append, and
// wakes this store's subscriptions when something was stored.
func (s *Store) Appended(a Appended) Result {
	res := Result{Version: a.Version, Stored: a.Stored}
	if a.Stored > 0 {
		s.signal()
		res.FirstPosition, res.Recorded = a.FirstPosition, fromNanos(a.Recorded)
	}
	return res
}

// pending checks and encodes one event.
func (s *Store) pending(e *envelope.Envelope) (Pending, error) { return s.pendingRaw(e, nil) }

// pendingRaw checks one event, and takes raw as its encoding, or encodes
// it when raw is nil.
func (s *Store) pendingRaw(e *envelope.Envelope, raw []byte) (Pending, error) {
	if e == nil {
		return Pending{}, errors.New("nil envelope")
	}
	if err := s.envelopes.Validate(e); err != nil {
		return Pending{}, err
	}
	if s.cfg.Validator != nil {
		if err := s.cfg.Validator.Validate(e); err != nil {
			return Pending{}, err
		}
	}
	eff, ok := nanos(e.EffectiveAt())
	if !ok {
		return Pending{}, errors.New("effective time outside the years 1678 to 2262")
	}
	if raw == nil {
		var err error
		if raw, err = e.MarshalJSON(); err != nil { // sized once
			return Pending{}, err
		}
	}
	if len(raw) > envelope.DefaultMaxBytes {
		// Nobody could decode it with the default limits.
		return Pending{}, fmt.Errorf("%w: %d bytes encoded, more than %d", envelope.ErrInputTooLarge, len(raw), envelope.DefaultMaxBytes)
	}
	return Pending{Source: e.Source, ID: e.ID, Effective: eff, Raw: raw}, nil
}

// signal wakes the live subscriptions of this store.
func (s *Store) signal() {
	s.mu.Lock()
	close(s.changed)
	s.changed = make(chan struct{})
	s.mu.Unlock()
}

func (s *Store) changes() <-chan struct{} {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.changed
}

// nanos converts t to Unix nanoseconds; ok is false outside their range.
func nanos(t time.Time) (int64, bool) {
	const minYear, maxYear = 1678, 2262
	if y := t.Year(); y <= minYear || y >= maxYear {
		return 0, false
	}
	return t.UnixNano(), true
}

func fromNanos(n int64) time.Time { return time.Unix(0, n).UTC() }
