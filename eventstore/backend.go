package eventstore

import (
	"context"
	"time"

	"github.com/elmosoftware/eventprotocol/envelope"
)

// Backend is what a storage engine implements: the store's driver. The
// [Store] checks every input before a Backend sees it and composes
// branches, snapshots and subscriptions from these primitives, so that a
// backend stays a thin layer over its database. Package
// eventstore/storetest holds the conformance suite every backend passes.
//
// Times cross this interface as Unix nanoseconds in UTC.
type Backend interface {
	// Append stores a batch atomically, serialized with every other
	// append, and returns the stream's version after it. In order:
	//  1. events whose (source, id) is already on the batch's timeline
	//     are dropped, and so are repeats within the batch: on the main
	//     timeline (b.Branch ""), a main-timeline event of any stream; on
	//     a branch, one of the branch's own events, or one of its stream's
	//     main-timeline events up to the fork (versions up to b.Base).
	//     When none remain, Append stores nothing and succeeds;
	//  2. the stream's current version (its newest version in b.Branch,
	//     else b.Base) must equal b.Expected unless b.Any, else
	//     *ConflictError;
	//  3. the events get the next global positions, versions current+1...,
	//     and one recorded time: b.Now, or one nanosecond after the
	//     newest recorded time of the store when b.Now is not later.
	// An error after the commit may have started wraps ErrOutcomeUnknown.
	Append(ctx context.Context, b *Batch) (Appended, error)
	// Read returns up to max events of q in q's order.
	Read(ctx context.Context, q *Query, max int) ([]Record, error)
	// Find returns the event (source, id) stored in branch ("" is the
	// main timeline) and true, or false when there is none.
	Find(ctx context.Context, branch, source, id string) (Record, bool, error)
	// Version returns the newest version of a stream's timeline (branch
	// "" is the main one) among the events recorded at or before
	// recordedBy (0: no bound); 0 when there is none. It does not count a
	// branch's base.
	Version(ctx context.Context, stream, branch string, recordedBy int64) (int64, error)
	// Head returns the global position and the recorded time of the newest
	// event of the store (of any branch), zeros when it is empty.
	Head(ctx context.Context) (position, recorded int64, err error)

	// CreateBranch stores a new branch. LoadBranch returns one by id, or
	// ErrUnknownBranch; Branches lists a stream's, oldest first;
	// DeleteBranch removes a branch, its events and snapshots, or returns
	// ErrUnknownBranch.
	CreateBranch(ctx context.Context, b Branch) error
	LoadBranch(ctx context.Context, id string) (Branch, error)
	Branches(ctx context.Context, stream string) ([]Branch, error)
	DeleteBranch(ctx context.Context, id string) error

	// SaveSnapshot stores s, replacing one of the same stream, branch and
	// coverage. Snapshots returns a stream's snapshots covering at most
	// recordedBy and effectiveBy, newest effective time first (ties: newest
	// recorded first), up to max.
	SaveSnapshot(ctx context.Context, s *Snapshot) error
	Snapshots(ctx context.Context, stream, branch string, recordedBy, effectiveBy int64, max int) ([]Snapshot, error)

	// LoadCheckpoint returns a subscription's saved position, 0 when none;
	// SaveCheckpoint stores it.
	LoadCheckpoint(ctx context.Context, name string) (int64, error)
	SaveCheckpoint(ctx context.Context, name string, position int64) error

	// Park records that a relay set an event aside, with why; Parked lists
	// a relay's parked events in position order.
	Park(ctx context.Context, name string, p Parked) error
	Parked(ctx context.Context, name string) ([]Parked, error)

	// Close releases the backend's resources.
	Close() error
}

// Notifier is implemented by backends that learn of appends made by other
// processes (PostgreSQL's LISTEN/NOTIFY). Notify signals on the channel,
// without blocking, after appends commit, until ctx ends. A Store signals
// its own appends itself and polls as a fallback.
type Notifier interface {
	Notify(ctx context.Context) (<-chan struct{}, error)
}

// Batch is one append as a backend receives it: checked, encoded, with
// its times in Unix nanoseconds.
type Batch struct {
	Stream, Branch string
	// Base is the version of the branch's stream when it was forked (0 on
	// the main timeline).
	Base int64
	// Expected is the expected version unless Any.
	Expected int64
	Any      bool
	// Now is the store's clock at the append.
	Now    int64
	Events []Pending
}

// Pending is one event of a Batch.
type Pending struct {
	Source, ID string
	Effective  int64
	// Raw is the envelope's JSON encoding, stored unchanged.
	Raw []byte
}

// Appended is what a Backend's Append stored.
type Appended struct {
	// Version is the stream's version after the append.
	Version int64
	// Stored is how many events were stored (duplicates excluded); the
	// first has version Version-Stored+1 and position FirstPosition.
	Stored        int
	FirstPosition int64
	// Recorded is the recorded time of the stored events.
	Recorded int64
}

// Order is the order of a Query.
type Order int

const (
	// ByPosition is global (append) order.
	ByPosition Order = iota
	// ByEffective is effective-time order, ties by position.
	ByEffective
)

// Query selects events for a Backend's Read. Zero bounds are no bounds.
type Query struct {
	// Stream selects one stream; "" selects every stream (then Branch must
	// be "" too: the global order is the main timeline's).
	Stream, Branch string
	// AfterPosition and AfterVersion start the read after that event.
	// AfterEffective (with AfterPosition) is the cursor of a ByEffective
	// read: events after (AfterEffective, AfterPosition).
	AfterPosition, AfterVersion, AfterEffective int64
	// MaxVersion bounds the versions (the base of a branch).
	MaxVersion int64
	// RecordedAfter and RecordedBy bound the recorded time:
	// RecordedAfter < recorded <= RecordedBy.
	RecordedAfter, RecordedBy int64
	// EffectiveAfter and EffectiveBy bound the effective time the same way.
	EffectiveAfter, EffectiveBy int64
	Order                       Order
}

// Record is one stored event.
type Record struct {
	// Position is the event's place in the store's global order, one
	// sequence for every timeline: unique, and increasing in commit order,
	// so that a reader of the main timeline that follows positions (ReadAll,
	// Subscribe) never skips an event committed later. It is not dense on
	// a timeline: the events of branches take positions too, so the main
	// timeline may go 1, 2, 5 after two branch appends. Versions, not
	// positions, count a stream's events.
	Position int64
	// Stream and Branch ("" for the main timeline) hold the event; Version
	// is its place in the stream, from 1.
	Stream, Branch string
	Version        int64
	// Recorded is when the store recorded the event (transaction time);
	// Effective is its effectivetime, else its time (valid time).
	Recorded, Effective time.Time
	// Raw is the envelope as appended (its JSON encoding).
	Raw []byte
}

// Envelope decodes the stored envelope. The store validated it on
// append, so an error means the storage was altered.
func (r *Record) Envelope() (envelope.Envelope, error) { return envelope.Decode(r.Raw) }

// Parked is an event a relay set aside because the transport refused it
// for what it is (see package outbox).
type Parked struct {
	Position int64
	// Reason says why, naming pointers and rules, never payload values.
	Reason string
	// At is when it was parked.
	At time.Time
}

// Branch is an alternate timeline of a stream: the main timeline as
// recorded up to ForkedAt (its versions up to Base), then its own events.
type Branch struct {
	ID, Stream string
	// ForkedAt is the recorded time the branch forked at; Base the main
	// stream's version then.
	ForkedAt time.Time
	Base     int64
	// Created is when the branch was made (the store's clock).
	Created time.Time
}

// Snapshot is a projection's state of a stream, saved so that a read need
// not fold every event again. It covers the events recorded at or before
// Recorded whose effective time is at or before Effective: the state as of
// Effective, as known at Recorded.
type Snapshot struct {
	Stream, Branch string
	Recorded       time.Time
	Effective      time.Time
	// Version is the stream's version the snapshot was made at, for the
	// caller's information.
	Version int64
	// State is the projection's encoding of its state.
	State []byte
}
