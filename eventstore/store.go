package eventstore

import (
	"context"
	"errors"
	"fmt"
	"iter"
	"log/slog"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/google/uuid"

	"github.com/elmosoftware/eventprotocol/config"
	"github.com/elmosoftware/eventprotocol/envelope"
)

// PayloadValidator checks an event's payload against the schema its
// dataschema names, strictly, as a producer must. It is the Validate
// method of the transport's PayloadValidator; *schema.Catalog implements
// it.
type PayloadValidator interface {
	Validate(e *envelope.Envelope) error
}

// Config configures [New]. A nil *Config means the defaults; a zero field
// means its default; an invalid value is an error.
type Config struct {
	// Clock gives the recorded time of appends and parked events, and
	// paces the polls of live subscriptions. Default config.SystemClock.
	// The store never records an event earlier than the one before it,
	// whatever the clock says.
	Clock config.Clock
	// Validator, when set, checks every appended event's payload.
	Validator PayloadValidator
	// PageSize is how many events a read fetches at a time: reads stream,
	// and their memory does not grow with the stream. Default 512.
	PageSize int
	// PollInterval is how often a live subscription looks for events that
	// no notification announced (appends of another process to SQLite, a
	// lost PostgreSQL notification). Default 1s.
	PollInterval time.Duration
	// Logger receives what would otherwise go unseen: a subscription's
	// failure to save its checkpoint when it stops. Default: none.
	Logger *slog.Logger
}

// Store is an event store over a [Backend]. It is safe for concurrent
// use.
type Store struct {
	b   Backend
	cfg Config

	mu      sync.Mutex
	changed chan struct{} // closed and replaced after each append

	watchOnce sync.Once
	stopWatch context.CancelFunc // ends the watch of other processes' appends
}

// New returns a store over b.
func New(b Backend, cfg *Config) (*Store, error) {
	var c Config
	if cfg != nil {
		c = *cfg
	}
	var errs []error
	if b == nil {
		errs = append(errs, &config.Error{Setting: "eventstore.New backend", Problem: "must not be nil"})
	}
	if c.PageSize < 0 {
		errs = append(errs, &config.Error{Setting: "eventstore.Config.PageSize", Problem: "must not be negative"})
	}
	if c.PollInterval < 0 {
		errs = append(errs, &config.Error{Setting: "eventstore.Config.PollInterval", Problem: "must not be negative"})
	}
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	if c.Clock == nil {
		c.Clock = config.SystemClock{}
	}
	if c.PageSize == 0 {
		c.PageSize = 512
	}
	if c.PollInterval == 0 {
		c.PollInterval = time.Second
	}
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
	return &Store{b: b, cfg: c, changed: make(chan struct{})}, nil
}

// Backend returns the store's backend: for a SQL backend's AppendTx when
// the store came from its NewStore (store.Backend().(*sqlite.Backend)).
func (s *Store) Backend() Backend { return s.b }

// Close closes the backend.
func (s *Store) Close() error {
	s.watchOnce.Do(func() {}) // no watch starts after Close
	if s.stopWatch != nil {
		s.stopWatch()
	}
	return s.b.Close()
}

// Stream names a stream and, optionally, one of its branches.
type Stream struct {
	// Name is the stream's key, by convention the subject's ERN.
	Name string
	// Branch is a branch id from [Store.Fork], "" for the main timeline.
	Branch string
}

// MaxNameBytes bounds stream names.
const MaxNameBytes = 1024

func checkName(name string) error {
	switch {
	case name == "":
		return fmt.Errorf("%w: empty", ErrInvalidStream)
	case len(name) > MaxNameBytes:
		return fmt.Errorf("%w: %d bytes, more than %d", ErrInvalidStream, len(name), MaxNameBytes)
	case !utf8.ValidString(name) || strings.IndexByte(name, 0) >= 0:
		return fmt.Errorf("%w: not UTF-8 text without NUL", ErrInvalidStream)
	}
	return nil
}

// branch checks st and returns its branch (zero on the main timeline).
func (s *Store) branch(ctx context.Context, st Stream) (Branch, error) {
	if err := checkName(st.Name); err != nil {
		return Branch{}, err
	}
	if st.Branch == "" {
		return Branch{}, nil
	}
	if err := checkName(st.Branch); err != nil {
		return Branch{}, err
	}
	b, err := s.b.LoadBranch(ctx, st.Branch)
	if err != nil {
		return Branch{}, err
	}
	if b.Stream != st.Name {
		return Branch{}, fmt.Errorf("%w: %s is a branch of another stream", ErrUnknownBranch, st.Branch)
	}
	return b, nil
}

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
	// Stored counts the events stored; events already in the store (same
	// source and id) are skipped and not counted.
	Stored int
	// FirstPosition is the global position of the first stored event.
	FirstPosition int64
	// Recorded is the recorded time of the stored events.
	Recorded time.Time
}

// Append stores events at the end of a stream, atomically. An event
// already stored in the stream's timeline (same source and id) is skipped,
// so that at-least-once consumers can append what they receive; when every
// event is skipped, Append succeeds and stores nothing. The expectation
// applies to the events that remain: a mismatch is a *ConflictError with
// the actual version.
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
	return s.Appended(a), nil
}

// Prepare checks and encodes an append for a backend without making it:
// for appending inside the caller's own database transaction (the outbox
// of a service that is not event-sourced; see the SQL backends' AppendTx).
// It checks what Append checks, with the same errors.
func (s *Store) Prepare(ctx context.Context, st Stream, expect Expect, events ...*envelope.Envelope) (*Batch, error) {
	br, err := s.branch(ctx, st)
	if err != nil {
		return nil, err
	}
	if expect.set && expect.version < 0 {
		return nil, fmt.Errorf("%w: expected version %d", ErrInvalidVersion, expect.version)
	}
	batch := &Batch{Stream: st.Name, Branch: st.Branch, Base: br.Base, Expected: expect.version, Any: !expect.set, Events: make([]Pending, 0, len(events))}
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
func (s *Store) pending(e *envelope.Envelope) (Pending, error) {
	if e == nil {
		return Pending{}, errors.New("nil envelope")
	}
	if err := (envelope.Validator{}).Validate(e); err != nil {
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
	raw, err := e.MarshalJSON() // sized once
	if err != nil {
		return Pending{}, err
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

// Fork makes a branch of a stream as recorded at `at` (zero: now): it sees
// the stream's main timeline up to then, and its own appends, which never
// appear in the main timeline.
func (s *Store) Fork(ctx context.Context, stream string, at time.Time) (Branch, error) {
	if err := checkName(stream); err != nil {
		return Branch{}, err
	}
	now := s.cfg.Clock.Now()
	_, head, err := s.b.Head(ctx)
	if err != nil {
		return Branch{}, err
	}
	latest := max(head, now.UnixNano())
	if at.IsZero() {
		at = fromNanos(latest)
	}
	atN, ok := nanos(at)
	if !ok || atN > latest {
		return Branch{}, fmt.Errorf("%w: a fork must be at a time the store has reached", ErrInvalidVersion)
	}
	base, err := s.b.Version(ctx, stream, "", atN)
	if err != nil {
		return Branch{}, err
	}
	id, err := uuid.NewV7()
	if err != nil {
		return Branch{}, err
	}
	b := Branch{ID: id.String(), Stream: stream, ForkedAt: fromNanos(atN), Base: base, Created: now.UTC()}
	return b, s.b.CreateBranch(ctx, b)
}

// Branches lists a stream's branches, oldest first.
func (s *Store) Branches(ctx context.Context, stream string) ([]Branch, error) {
	if err := checkName(stream); err != nil {
		return nil, err
	}
	return s.b.Branches(ctx, stream)
}

// Discard removes a branch with its events and snapshots.
func (s *Store) Discard(ctx context.Context, st Stream) error {
	if _, err := s.branch(ctx, st); err != nil {
		return err
	}
	if st.Branch == "" {
		return fmt.Errorf("%w: the main timeline cannot be discarded", ErrUnknownBranch)
	}
	return s.b.DeleteBranch(ctx, st.Branch)
}

// Park records that the relay `name` set the event at position aside,
// with why (see package outbox).
func (s *Store) Park(ctx context.Context, name string, position int64, reason string) error {
	if err := checkName(name); err != nil {
		return err
	}
	if position <= 0 {
		return fmt.Errorf("%w: park position %d", ErrInvalidVersion, position)
	}
	return s.b.Park(ctx, name, Parked{Position: position, Reason: reason, At: s.cfg.Clock.Now().UTC()})
}

// Parked lists the events the relay `name` set aside, in position order.
func (s *Store) Parked(ctx context.Context, name string) ([]Parked, error) {
	if err := checkName(name); err != nil {
		return nil, err
	}
	return s.b.Parked(ctx, name)
}

// Head returns the global position of the newest event of the store (of
// any timeline), 0 when it is empty.
func (s *Store) Head(ctx context.Context) (int64, error) {
	pos, _, err := s.b.Head(ctx)
	return pos, err
}

// SaveCheckpoint stores a position under name, as Subscribe does for its
// subscriptions; for consumers of the global order that keep their own
// loop, such as the outbox relay.
func (s *Store) SaveCheckpoint(ctx context.Context, name string, position int64) error {
	if err := checkName(name); err != nil {
		return err
	}
	if position < 0 {
		return fmt.Errorf("%w: checkpoint %d", ErrInvalidVersion, position)
	}
	return s.b.SaveCheckpoint(ctx, name, position)
}

// ReadPage returns up to max events of the main timeline after a global
// position, in position order: one page of ReadAll, for readers that
// work a batch at a time.
func (s *Store) ReadPage(ctx context.Context, afterPosition int64, max int) ([]Record, error) {
	if afterPosition < 0 {
		return nil, fmt.Errorf("%w: read after position %d", ErrInvalidVersion, afterPosition)
	}
	if max <= 0 {
		return nil, nil
	}
	return s.b.Read(ctx, &Query{AfterPosition: afterPosition}, max)
}
