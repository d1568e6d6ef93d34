package eventstore

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/elmosoftware/eventprotocol/config"
)

// Handler handles one event of a subscription. An error stops the
// subscription; the event is handled again when it resumes.
type Handler func(ctx context.Context, r Record) error

// SubscribeConfig configures [Store.Subscribe]. A nil *SubscribeConfig
// means the defaults.
type SubscribeConfig struct {
	// CaughtUp is called once, when the subscription has handled every
	// event the store held (the catch-up) and turns live.
	CaughtUp func()
}

// Subscribe feeds a projection: it handles the main timeline in global
// order from the subscription's checkpoint (0 when new), then waits for
// new events and handles them as they commit, until ctx ends or the
// handler fails. It returns the handler's error, else ctx's.
//
// Delivery is at least once: the checkpoint, kept by the store under name,
// is saved after the events before it were handled (after each page, and
// when the subscription stops), so a crash hands the events since the last
// save again, never skips one.
func (s *Store) Subscribe(ctx context.Context, name string, h Handler, cfg *SubscribeConfig) error {
	if err := checkName(name); err != nil {
		return err
	}
	if h == nil {
		return &config.Error{Setting: "eventstore.Subscribe handler", Problem: "must not be nil"}
	}
	var c SubscribeConfig
	if cfg != nil {
		c = *cfg
	}
	pos, err := s.b.LoadCheckpoint(ctx, name)
	if err != nil {
		return err
	}
	saved := pos
	save := func(ctx context.Context) error {
		if pos == saved {
			return nil
		}
		if err := s.b.SaveCheckpoint(ctx, name, pos); err != nil {
			return err
		}
		saved = pos
		return nil
	}
	stop := func(err error) error {
		// Keep what was handled even though ctx has ended.
		sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
		defer cancel()
		if serr := save(sctx); serr != nil {
			s.cfg.Logger.Error("eventstore: saving a subscription's checkpoint failed; its events since the last save will be handled again", "subscription", name, "position", pos, "err", serr)
			return errors.Join(err, serr)
		}
		return err
	}
	caughtUp := false
	for {
		head, _, err := s.b.Head(ctx)
		if err != nil {
			return stop(err)
		}
		page, err := s.b.Read(ctx, &Query{AfterPosition: pos}, s.cfg.PageSize)
		if err != nil {
			return stop(err)
		}
		for _, r := range page {
			if err := h(ctx, r); err != nil {
				return stop(fmt.Errorf("eventstore: subscription %s: handler failed at position %d: %w", name, r.Position, err))
			}
			pos = r.Position
		}
		if err := save(ctx); err != nil {
			return stop(err)
		}
		if len(page) == s.cfg.PageSize {
			continue
		}
		if !caughtUp {
			caughtUp = true
			if c.CaughtUp != nil {
				c.CaughtUp()
			}
		}
		if err := s.Wait(ctx, head); err != nil {
			return stop(err)
		}
	}
}

// Wait returns when the store holds an event after the global position
// `after` (of any timeline), or with ctx's error. It learns of this
// store's appends at once, of other processes' through the backend's
// notifications when it has them, and by polling every PollInterval.
func (s *Store) Wait(ctx context.Context, after int64) error {
	s.watch()
	for {
		changed := s.changes() // before reading: no append slips between
		head, _, err := s.b.Head(ctx)
		if err != nil {
			return err
		}
		if head > after {
			return nil
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-changed:
		case <-config.After(s.cfg.Clock, s.cfg.PollInterval):
		}
	}
}

// watch starts, once, relaying the backend's notifications (a Notifier's)
// to the store's waiters, until Close.
func (s *Store) watch() {
	s.watchOnce.Do(func() {
		n, ok := s.b.(Notifier)
		if !ok {
			return
		}
		ctx, cancel := context.WithCancel(context.Background())
		s.stopWatch = cancel
		notes, err := n.Notify(ctx)
		if err != nil {
			s.cfg.Logger.Error("eventstore: cannot listen for appends of other processes; polling only", "err", err)
			return
		}
		go func() {
			for {
				select {
				case <-ctx.Done():
					return
				case <-notes:
					s.signal()
				}
			}
		}()
	})
}

// Checkpoint returns the saved position of a subscription, 0 when it has
// none.
func (s *Store) Checkpoint(ctx context.Context, name string) (int64, error) {
	if err := checkName(name); err != nil {
		return 0, err
	}
	return s.b.LoadCheckpoint(ctx, name)
}
