package archive

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/elmosoftware/eventprotocol/config"
	"github.com/elmosoftware/eventprotocol/eventstore"
	"github.com/elmosoftware/eventprotocol/transport"
)

// checkpointEvery spaces a replay's checkpoints: a replay resumed sends
// again at most a second's events, which the service's deduplication (by
// event, and by replay) drops.
const checkpointEvery = time.Second

// sender sends a replay's batches, one after the other (which keeps their
// order), while the next ones are read.
type sender struct {
	c          ReplayConfig
	store      *eventstore.Store
	bus        *transport.Bus
	rep        *Report
	checkpoint string
	replay     transport.Replay

	start, saved    time.Time
	sentTo, savedTo int64 // positions: sent up to, and saved
}

// batch is a replay's batch, read: its events and the position of its
// last.
type batch struct {
	events []transport.Stored
	end    int64
}

// run reads the selected events up to the report's last, and sends them.
func (s *sender) run(ctx context.Context, sel selector, from int64) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	batches := make(chan batch, 2)
	readErr := make(chan error, 1)
	go func() { // reading and decoding overlap with sending
		defer close(batches)
		var b batch
		for sl, err := range sel.scan(ctx, s.store, from, s.rep.Last) {
			if err != nil {
				readErr <- err
				return
			}
			b.events, b.end = append(b.events, transport.Stored{Envelope: sl.e, Raw: sl.raw}), sl.rec.Position
			if len(b.events) == s.c.BatchSize {
				select {
				case batches <- b:
				case <-ctx.Done():
					return
				}
				b = batch{}
			}
		}
		if len(b.events) > 0 {
			select {
			case batches <- b:
			case <-ctx.Done():
			}
		}
	}()
	for b := range batches {
		if err := s.send(ctx, b); err != nil {
			return err
		}
	}
	if err := ctx.Err(); err != nil { // interrupted: what was sent is saved
		return errors.Join(err, s.save(context.WithoutCancel(ctx)))
	}
	select {
	case err := <-readErr:
		return errors.Join(err, s.save(context.WithoutCancel(ctx)))
	default:
	}
	return s.save(ctx)
}

// send paces and sends one batch, and saves the checkpoint when it is
// due.
func (s *sender) send(ctx context.Context, b batch) error {
	if s.c.Rate > 0 { // a batch goes when the rate allows it
		due := s.start.Add(time.Duration(float64(s.rep.Sent) / s.c.Rate * float64(time.Second)))
		if !config.Sleep(ctx, s.c.Clock, due.Sub(s.c.Clock.Now())) {
			return errors.Join(ctx.Err(), s.save(context.WithoutCancel(ctx)))
		}
	}
	n, err := s.bus.Resend(ctx, s.c.Service, s.replay, b.events...)
	s.rep.Sent += n
	if err != nil {
		return errors.Join(err, s.save(context.WithoutCancel(ctx)))
	}
	s.sentTo = b.end
	if s.c.Clock.Now().Sub(s.saved) >= checkpointEvery {
		if err := s.save(ctx); err != nil {
			return err
		}
	}
	if s.c.Progress != nil {
		s.c.Progress(*s.rep)
	}
	return nil
}

// save saves the checkpoint: the position every event up to which was
// sent.
func (s *sender) save(ctx context.Context) error {
	if s.sentTo == s.savedTo {
		return nil
	}
	if err := s.store.SaveCheckpoint(ctx, s.checkpoint, s.sentTo); err != nil {
		return fmt.Errorf("archive: the replay sent up to position %d and could not save it: %w", s.sentTo, err)
	}
	s.saved, s.savedTo = s.c.Clock.Now(), s.sentTo
	return nil
}
