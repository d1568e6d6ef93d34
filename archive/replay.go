package archive

import (
	"context"
	"errors"
	"fmt"
	"iter"
	"slices"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/elmosoftware/eventprotocol/config"
	"github.com/elmosoftware/eventprotocol/envelope"
	"github.com/elmosoftware/eventprotocol/eventstore"
	"github.com/elmosoftware/eventprotocol/transport"
)

// Axis is the time a replay's window is on.
type Axis int

// The axes of a window.
const (
	Recorded  Axis = iota // when the archive stored the event
	Effective             // the event's effectivetime, else its time
)

// ReplayConfig says what Replay sends, and where.
type ReplayConfig struct {
	// Service is the one service whose queue gets the events. Required.
	Service string
	// Name names the replay: its mark on every message and its checkpoint
	// in the store ("replay/" + Name). Give the name of an interrupted
	// replay to resume it. Default: a new UUID.
	Name string
	// Types selects by type: each an event type with its major version,
	// or a prefix ending in "*", as in a topology's consumes. Default: the
	// types the service receives.
	Types []string
	// Tenant and Subject, when set, select the events of that tenant and
	// that subject.
	Tenant, Subject string
	// Axis, From and To select a window [From, To) on recorded or
	// effective time; a zero bound is open.
	Axis     Axis
	From, To time.Time
	// KnownAt, when set, selects only what the archive had recorded by
	// then: the archive as it was at that time.
	KnownAt time.Time
	// BypassDedup makes the service handle again events it handled
	// before (transport.Replay.BypassDedup).
	BypassDedup bool
	// Upcasters, when set, sends each event upcast to the newest major
	// they reach (encoded again: not the archive's bytes), which the
	// service must receive. Types still select by the archived type.
	Upcasters *envelope.Upcasters
	// Rate bounds the events sent per second; 0 means no bound.
	Rate float64
	// BatchSize is the most events of one send (and one checkpoint).
	// Default 10, SQS's batch.
	BatchSize int
	// DryRun reports what the replay would send, and sends nothing.
	DryRun bool
	// Progress, when set, is called after each batch sent.
	Progress func(Report)
	// Clock paces the replay. Default config.SystemClock.
	Clock config.Clock
}

// Report says what a replay sent, or would send.
type Report struct {
	// Name is the replay's.
	Name string
	// Selected counts the events selected, per type, from where the replay
	// resumed; Total is their sum.
	Selected map[string]int
	Total    int
	// First and Last are the positions in the store of the first and last
	// event selected (0 when none).
	First, Last int64
	// Resumed is the position the replay resumed after (0: the start).
	Resumed int64
	// Sent is how many were sent so far.
	Sent int
}

// Replay sends the archived events cfg selects to cfg.Service's queue, in
// the order the store holds them (which keeps each subject's and each
// partition key's), marked as a replay, in batches, saving its checkpoint
// after each: a replay interrupted resumes where it stopped when run again
// with its Name. It first selects everything (the report of a dry run),
// and refuses, before it sends anything, a selected type the service does
// not receive, naming it (transport.ErrNotReceived).
func Replay(ctx context.Context, store *eventstore.Store, bus *transport.Bus, cfg *ReplayConfig) (Report, error) {
	c, err := replayDefaults(store, bus, cfg)
	if err != nil {
		return Report{}, err
	}
	checkpoint := "replay/" + c.Name
	from, err := store.Checkpoint(ctx, checkpoint)
	if err != nil {
		return Report{}, err
	}
	rep := Report{Name: c.Name, Selected: map[string]int{}, Resumed: from}
	svc, _ := bus.Topology().Service(c.Service)
	sel := selector{c: c, types: c.Types}
	if len(sel.types) == 0 {
		sel.types = slices.Concat(svc.Consumes, svc.Accepts)
	}
	for sl, err := range sel.scan(ctx, store, from, 0) {
		if err != nil {
			return rep, err
		}
		rec, e := sl.rec, sl.e
		if !bus.Topology().Delivers(svc, e.Type) {
			return rep, fmt.Errorf("%w: %q does not receive %s, which the replay selects (at position %d): narrow the replay's types",
				transport.ErrNotReceived, c.Service, e.Type, rec.Position)
		}
		if rep.First == 0 {
			rep.First = rec.Position
		}
		rep.Last = rec.Position
		rep.Selected[e.Type]++
		rep.Total++
	}
	if c.DryRun || rep.Total == 0 {
		return rep, nil
	}
	snd := &sender{c: c, store: store, bus: bus, rep: &rep, checkpoint: checkpoint,
		replay: transport.Replay{ID: c.Name, BypassDedup: c.BypassDedup},
		start:  c.Clock.Now(), sentTo: from, savedTo: from}
	snd.saved = snd.start
	return rep, snd.run(ctx, sel, from)
}

func replayDefaults(store *eventstore.Store, bus *transport.Bus, cfg *ReplayConfig) (ReplayConfig, error) {
	var c ReplayConfig
	if cfg != nil {
		c = *cfg
	}
	var errs []error
	if store == nil || bus == nil {
		errs = append(errs, &config.Error{Setting: "archive.Replay's store and bus", Problem: "must not be nil"})
	}
	if c.Service == "" {
		errs = append(errs, &config.Error{Setting: "archive.ReplayConfig.Service", Problem: "must name the service to replay to"})
	} else if bus != nil {
		if _, ok := bus.Topology().Service(c.Service); !ok {
			errs = append(errs, fmt.Errorf("%w: the topology lists no service %q", transport.ErrNotReceived, c.Service))
		}
	}
	if c.Rate < 0 || c.BatchSize < 0 {
		errs = append(errs, &config.Error{Setting: "archive.ReplayConfig.Rate and BatchSize", Problem: "must not be negative"})
	}
	if c.Axis != Recorded && c.Axis != Effective {
		errs = append(errs, &config.Error{Setting: "archive.ReplayConfig.Axis", Problem: "must be Recorded or Effective"})
	}
	if !c.From.IsZero() && !c.To.IsZero() && !c.From.Before(c.To) {
		errs = append(errs, &config.Error{Setting: "archive.ReplayConfig.From and To", Problem: "From must be before To"})
	}
	for _, p := range c.Types {
		if p == "" || strings.Count(p, "*") > 1 || (strings.Contains(p, "*") && !strings.HasSuffix(p, "*")) {
			errs = append(errs, &config.Error{Setting: "archive.ReplayConfig.Types", Problem: fmt.Sprintf("%q is neither a type nor a prefix ending in *", p)})
		}
	}
	if err := errors.Join(errs...); err != nil {
		return c, err
	}
	if c.Name == "" {
		c.Name = uuid.NewString()
	}
	if c.BatchSize == 0 {
		c.BatchSize = 10
	}
	if c.Clock == nil {
		c.Clock = config.SystemClock{}
	}
	return c, nil
}

// selected is an event a replay selected: as stored, and as it is sent
// (decoded, and upcast when the replay upcasts).
type selected struct {
	rec eventstore.Record
	e   *envelope.Envelope
	raw []byte
}

// selector selects a replay's events.
type selector struct {
	c     ReplayConfig
	types []string // the patterns: c.Types, or what the service receives
}

// scan yields the selected events after position from, up to position to
// (0: the end), in the store's order.
func (s selector) scan(ctx context.Context, store *eventstore.Store, from, to int64) iter.Seq2[selected, error] {
	return func(yield func(selected, error) bool) {
		for rec, err := range store.ReadAll(ctx, from) {
			if err != nil {
				yield(selected{}, err)
				return
			}
			if to > 0 && rec.Position > to {
				return
			}
			if !s.window(rec) {
				continue
			}
			e, err := rec.Envelope()
			if err != nil {
				yield(selected{}, fmt.Errorf("archive: the event at position %d: %w", rec.Position, err))
				return
			}
			if !matches(s.types, e.Type) || (s.c.Tenant != "" && e.TenantID != s.c.Tenant) || (s.c.Subject != "" && e.Subject != s.c.Subject) {
				continue
			}
			sl := selected{rec: rec, e: &e, raw: rec.Raw}
			if s.c.Upcasters != nil {
				up, changed, err := s.c.Upcasters.Newest(&e)
				if err == nil && changed {
					sl.e = up
					sl.raw, err = up.MarshalJSON()
				}
				if err != nil {
					yield(selected{}, fmt.Errorf("archive: the event at position %d: %w", rec.Position, err))
					return
				}
			}
			if !yield(sl, nil) {
				return
			}
		}
	}
}

// window reports whether a record is in the replay's time window, as
// known at its KnownAt.
func (s selector) window(rec eventstore.Record) bool {
	if !s.c.KnownAt.IsZero() && rec.Recorded.After(s.c.KnownAt) {
		return false
	}
	t := rec.Recorded
	if s.c.Axis == Effective {
		t = rec.Effective
	}
	return (s.c.From.IsZero() || !t.Before(s.c.From)) && (s.c.To.IsZero() || t.Before(s.c.To))
}

// matches reports whether a type matches one of the patterns: a type with
// its major, or a prefix ending in "*".
func matches(patterns []string, typ string) bool {
	for _, p := range patterns {
		if prefix, ok := strings.CutSuffix(p, "*"); ok && strings.HasPrefix(typ, prefix) || p == typ {
			return true
		}
	}
	return false
}
