package eventstore

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/google/uuid"

	"github.com/elmosoftware/eventprotocol/config"
	"github.com/elmosoftware/eventprotocol/envelope"
	"github.com/elmosoftware/eventprotocol/naming"
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
	// Upcasters converts stored events of older majors for Decode, which
	// new code reads with: the store keeps every event as it was
	// appended. Default: none.
	Upcasters *envelope.Upcasters
}

// Store is an event store over a [Backend]. It is safe for concurrent
// use.
type Store struct {
	b         Backend
	cfg       Config
	envelopes envelope.Validator // the ELMO profile, strict but for the tense of type actions

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
	st := &Store{b: b, cfg: c, changed: make(chan struct{})}
	// The store holds commands as well as events: the tense of a type's
	// action is the publisher's check (transport.Publisher), not the store's.
	st.envelopes.Commands = func(naming.Type) bool { return true }
	return st, nil
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
