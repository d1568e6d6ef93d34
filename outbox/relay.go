package outbox

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"sync"
	"time"

	"github.com/elmosoftware/eventprotocol/config"
	"github.com/elmosoftware/eventprotocol/envelope"
	"github.com/elmosoftware/eventprotocol/eventstore"
	"github.com/elmosoftware/eventprotocol/transport"
)

// Config configures [New]. A nil *Config means the defaults; a zero field
// means its default; an invalid value is an error.
type Config struct {
	// Name is the relay's: its checkpoint in the store and its parked
	// events. Default "outbox".
	Name string
	// Publish, when set, says which stored events the relay publishes;
	// the others it passes over, as what a service keeps for itself (the
	// process managers' own records, see process.Publishable). Nil:
	// every event of the main timeline.
	Publish func(e *envelope.Envelope) bool
	// BatchSize is the most events of one Publish call. Default 100.
	BatchSize int
	// Backoff spaces the retries of a failed publish. Default 100ms
	// doubling to 10s, 20% jitter.
	Backoff *transport.Backoff
	// UnhealthyAfter is how many failed publishes in a row make Health
	// report transport.ErrUnhealthy. Default transport.DefaultUnhealthyAfter
	// (3).
	UnhealthyAfter int
	// Clock paces the retries and dates the failures Health reports.
	// Default config.SystemClock.
	Clock config.Clock
	// Hooks, when set, report what the relay does.
	Hooks *Hooks
	// Logger receives what would otherwise go unseen: retried publishes
	// (warnings) and parked events (errors). Default: none.
	Logger *slog.Logger
}

// Hooks report what a relay does, for metrics. Each may be nil; they run
// on the relay's goroutine and must not block.
type Hooks struct {
	// Published reports events the transport accepted, and the relay's
	// position after them.
	Published func(ctx context.Context, n int, position int64)
	// Retrying reports a publish that failed and will be retried after
	// delay, from position after.
	Retrying func(ctx context.Context, err error, delay time.Duration)
	// Parked reports an event set aside.
	Parked func(ctx context.Context, position int64, reason error)
}

// Relay publishes a store's main timeline in global order. Run it on one
// goroutine; Health and Position are safe to call from others.
type Relay struct {
	store *eventstore.Store
	pub   *transport.Publisher
	cfg   Config
	rnd   func() float64

	health *transport.Health

	mu       sync.Mutex
	position int64 // saved
}

// New returns a relay from store to pub.
func New(store *eventstore.Store, pub *transport.Publisher, cfg *Config) (*Relay, error) {
	var c Config
	if cfg != nil {
		c = *cfg
	}
	var errs []error
	if store == nil {
		errs = append(errs, &config.Error{Setting: "outbox.New store", Problem: "must not be nil"})
	}
	if pub == nil {
		errs = append(errs, &config.Error{Setting: "outbox.New publisher", Problem: "must not be nil"})
	}
	if c.BatchSize < 0 {
		errs = append(errs, &config.Error{Setting: "outbox.Config.BatchSize", Problem: "must not be negative"})
	}
	if c.UnhealthyAfter < 0 {
		errs = append(errs, &config.Error{Setting: "outbox.Config.UnhealthyAfter", Problem: "must not be negative"})
	}
	errs = append(errs, c.Backoff.Validate("outbox.Config.Backoff"))
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	if c.Name == "" {
		c.Name = "outbox"
	}
	if c.BatchSize == 0 {
		c.BatchSize = 100
	}
	if c.Backoff == nil {
		c.Backoff = &transport.Backoff{Initial: 100 * time.Millisecond, Max: 10 * time.Second, Jitter: 0.2}
	}
	if c.Clock == nil {
		c.Clock = config.SystemClock{}
	}
	if c.Hooks == nil {
		c.Hooks = &Hooks{}
	}
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
	health, _ := transport.NewHealth("outbox relay "+c.Name, c.UnhealthyAfter, c.Clock) // checked above
	return &Relay{store: store, pub: pub, cfg: c, rnd: rand.Float64, health: health}, nil
}

// Position returns the relay's saved position: every event of the main
// timeline up to it was accepted by the transport or parked.
func (r *Relay) Position() int64 {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.position
}

// Health reports whether the relay publishes: nil, or a
// *transport.HealthError matching transport.ErrUnhealthy (with the last
// failure) once Config.UnhealthyAfter attempts in a row failed, until one
// succeeds: the same model as the Consumer's Health. Put both behind one
// readiness probe: errors.Join(consumer.Health(), relay.Health()).
func (r *Relay) Health() error { return r.health.Err() }

// pending is an event read for publishing.
type pending struct {
	position int64
	env      *envelope.Envelope
}

// Run publishes until ctx ends, and returns ctx's error. A failure, of
// the transport or of the store (a lost database connection), is retried
// with backoff: it shows in Health, the Retrying hook and the log.
func (r *Relay) Run(ctx context.Context) error {
	var st runState
	attempt := 0
	for {
		err := r.step(ctx, &st)
		if err == nil {
			attempt = 0
			continue
		}
		if ctx.Err() != nil {
			return ctx.Err()
		}
		attempt++
		delay := r.cfg.Backoff.Delay(attempt, r.rnd)
		r.health.Failed(err)
		r.cfg.Logger.Warn("outbox: relaying failed; retrying", "relay", r.cfg.Name, "position", st.pos, "delay", delay, "err", err)
		if h := r.cfg.Hooks.Retrying; h != nil {
			h(ctx, err, delay)
		}
		if !config.Sleep(ctx, r.cfg.Clock, delay) {
			return ctx.Err()
		}
	}
}

// runState is what Run knows: its position and the parked events, once
// loaded from the store.
type runState struct {
	pos    int64
	parked map[int64]bool
}

// step publishes one batch, or waits for one.
func (r *Relay) step(ctx context.Context, st *runState) error {
	if st.parked == nil {
		pos, err := r.store.Checkpoint(ctx, r.cfg.Name)
		if err != nil {
			return err
		}
		list, err := r.store.Parked(ctx, r.cfg.Name)
		if err != nil {
			return err
		}
		st.pos, st.parked = pos, map[int64]bool{}
		for _, p := range list {
			st.parked[p.Position] = true
		}
		r.mu.Lock()
		r.position = pos
		r.mu.Unlock()
	}
	head, err := r.store.Head(ctx)
	if err != nil {
		return err
	}
	batch, seen, err := r.read(ctx, st.pos, st.parked)
	if err != nil {
		return err
	}
	if len(batch) == 0 {
		if seen > st.pos { // all parked: step over them
			if err := r.save(ctx, seen); err != nil {
				return err
			}
			st.pos = seen
			return nil
		}
		return r.store.Wait(ctx, max(head, st.pos))
	}
	next, err := r.publish(ctx, batch, st.parked)
	if next > st.pos {
		if serr := r.save(ctx, next); serr != nil {
			return errors.Join(err, serr)
		}
		st.pos = next
	}
	return err
}

// read returns the next events after pos to publish in one call: in
// order, not parked, and no two of one partition key; and the position of
// the last event it looked at.
func (r *Relay) read(ctx context.Context, pos int64, parked map[int64]bool) (out []pending, seen int64, err error) {
	keys := map[string]bool{}
	page, err := r.store.ReadPage(ctx, pos, r.cfg.BatchSize)
	if err != nil {
		return nil, 0, err
	}
	for _, rec := range page {
		if parked[rec.Position] {
			seen = rec.Position
			continue
		}
		e, err := rec.Envelope()
		if err != nil {
			// Altered in storage: nothing can publish it.
			if perr := r.park(ctx, rec.Position, fmt.Errorf("undecodable: %w", err), parked); perr != nil {
				return nil, 0, perr
			}
			seen = rec.Position
			continue
		}
		if r.cfg.Publish != nil && !r.cfg.Publish(&e) {
			seen = rec.Position // kept for the store's own use: passed over
			continue
		}
		if e.PartitionKey != "" {
			if keys[e.PartitionKey] {
				break // the next call
			}
			keys[e.PartitionKey] = true
		}
		out = append(out, pending{position: rec.Position, env: &e})
		seen = rec.Position
	}
	return out, seen, nil
}

// publish publishes batch and returns the position up to which every
// event was accepted or parked (0 when none), with the error that stopped
// it before the batch's end.
func (r *Relay) publish(ctx context.Context, batch []pending, parked map[int64]bool) (int64, error) {
	envs := make([]*envelope.Envelope, len(batch))
	for i, p := range batch {
		envs[i] = p.env
	}
	err := r.pub.Publish(ctx, envs...)
	if err == nil {
		r.succeeded(ctx, len(batch), batch[len(batch)-1].position)
		return batch[len(batch)-1].position, nil
	}
	var perr *transport.PublishError
	if !errors.As(err, &perr) {
		return 0, err
	}
	invalid := map[int]bool{}
	for _, f := range perr.Failed {
		if f.Invalid {
			invalid[f.Index] = true
			if err := r.park(ctx, batch[f.Index].position, f.Err, parked); err != nil {
				return 0, err
			}
		}
	}
	if len(invalid) == 0 {
		// The transport's failure: the events before the first failed
		// one were accepted (those after it may have been, and go
		// again).
		first := len(batch)
		for _, f := range perr.Failed {
			first = min(first, f.Index)
		}
		if first == 0 {
			return 0, err
		}
		r.succeeded(ctx, first, batch[first-1].position)
		return batch[first-1].position, err
	}
	// Nothing was sent: publish the others now.
	rest := batch[:0:0]
	for i, p := range batch {
		if !invalid[i] {
			rest = append(rest, p)
		}
	}
	if len(rest) == 0 {
		return batch[len(batch)-1].position, nil
	}
	if done, err := r.publish(ctx, rest, parked); err != nil {
		return done, err
	}
	return batch[len(batch)-1].position, nil
}

// park sets the event at position aside with why.
func (r *Relay) park(ctx context.Context, position int64, reason error, parked map[int64]bool) error {
	text := reason.Error()
	if len(text) > 1024 {
		text = text[:1024]
	}
	if err := r.store.Park(ctx, r.cfg.Name, position, text); err != nil {
		return err
	}
	parked[position] = true
	r.cfg.Logger.Error("outbox: an event was parked: the transport refuses it", "relay", r.cfg.Name, "position", position, "reason", text)
	if h := r.cfg.Hooks.Parked; h != nil {
		h(ctx, position, reason)
	}
	return nil
}

func (r *Relay) save(ctx context.Context, pos int64) error {
	if err := r.store.SaveCheckpoint(ctx, r.cfg.Name, pos); err != nil {
		return err
	}
	r.mu.Lock()
	r.position = pos
	r.mu.Unlock()
	return nil
}

func (r *Relay) succeeded(ctx context.Context, n int, pos int64) {
	r.health.Succeeded()
	if h := r.cfg.Hooks.Published; h != nil {
		h(ctx, n, pos)
	}
}
