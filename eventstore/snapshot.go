package eventstore

import (
	"context"
	"fmt"
	"time"
)

// SaveSnapshot stores a snapshot of a stream's timeline (s.Branch ""
// for the main one). It may not cover more than the store has recorded:
// s.Recorded must not be later than the newest recorded time, so that no
// event the store records later can fall inside it unseen.
func (s *Store) SaveSnapshot(ctx context.Context, snap Snapshot) error {
	if _, err := s.branch(ctx, Stream{Name: snap.Stream, Branch: snap.Branch}); err != nil {
		return err
	}
	rec, ok1 := nanos(snap.Recorded)
	_, ok2 := nanos(snap.Effective)
	if !ok1 || !ok2 || snap.Version < 0 || snap.State == nil {
		return fmt.Errorf("%w: needs times between the years 1678 and 2262, a version of at least 0 and a state", ErrInvalidSnapshot)
	}
	_, head, err := s.b.Head(ctx)
	if err != nil {
		return err
	}
	if rec > head {
		return fmt.Errorf("%w: it covers events recorded up to %s, later than the store's newest (%s)", ErrInvalidSnapshot, snap.Recorded.Format(time.RFC3339Nano), fromNanos(head).Format(time.RFC3339Nano))
	}
	snap.Recorded, snap.Effective = snap.Recorded.UTC(), snap.Effective.UTC()
	return s.b.SaveSnapshot(ctx, &snap)
}

// LoadSnapshot returns the best snapshot for reading st as of
// effectiveAt, known at knownAt (zero: now): the one of the latest
// effective time, among those that cover no more than the read and that
// no event invalidates. An event invalidates a snapshot when it was
// recorded after the snapshot and up to knownAt, yet takes effect at or
// before the snapshot's effective time: the snapshot's state does not
// hold it. The read then continues with
//
//	ReadAsOf(ctx, st, AsOf{KnownAt: knownAt, EffectiveAfter: snap.Effective, EffectiveThrough: effectiveAt})
//
// ok is false when no snapshot serves.
func (s *Store) LoadSnapshot(ctx context.Context, st Stream, knownAt, effectiveAt time.Time) (snap Snapshot, ok bool, err error) {
	br, err := s.branch(ctx, st)
	if err != nil {
		return Snapshot{}, false, err
	}
	q, err := AsOf{KnownAt: knownAt, EffectiveThrough: effectiveAt}.query(st)
	if err != nil {
		return Snapshot{}, false, err
	}
	const batch = 16
	recordedBy, effectiveBy := q.RecordedBy, q.EffectiveBy
	if recordedBy == 0 {
		recordedBy = 1<<63 - 1
	}
	if effectiveBy == 0 {
		effectiveBy = 1<<63 - 1
	}
	for {
		cands, err := s.b.Snapshots(ctx, st.Name, st.Branch, recordedBy, effectiveBy, batch)
		if err != nil {
			return Snapshot{}, false, err
		}
		for _, c := range cands {
			stale, err := s.invalidated(ctx, st, br, c, q.RecordedBy)
			if err != nil {
				return Snapshot{}, false, err
			}
			if !stale {
				return c, true, nil
			}
		}
		if len(cands) < batch {
			return Snapshot{}, false, nil
		}
		// Snapshots come newest effective first: continue below the last.
		last := cands[len(cands)-1]
		effectiveBy = last.Effective.UnixNano() - 1
	}
}

// invalidated reports whether an event of st's timeline recorded in
// (c.Recorded, knownAt] takes effect at or before c.Effective.
func (s *Store) invalidated(ctx context.Context, st Stream, br Branch, c Snapshot, knownAt int64) (bool, error) {
	q := Query{Stream: st.Name, Branch: st.Branch, RecordedAfter: c.Recorded.UnixNano(), RecordedBy: knownAt, EffectiveBy: c.Effective.UnixNano(), Order: ByPosition}
	qs := []Query{q}
	if st.Branch != "" && br.Base > 0 {
		q.Branch, q.MaxVersion = "", br.Base
		qs = append(qs, q)
	}
	for i := range qs {
		page, err := s.b.Read(ctx, &qs[i], 1)
		if err != nil || len(page) > 0 {
			return len(page) > 0, err
		}
	}
	return false, nil
}
