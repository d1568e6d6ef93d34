package transport

import (
	"context"
	"errors"
	"fmt"
	"runtime/debug"

	"github.com/elmosoftware/eventprotocol/transport/driver"
)

// Recover turns a panic in the handler into a failed delivery (an error
// matching ErrPanic, retried like any failure), so a panic never crashes
// the process. The consumer always installs it outermost.
func Recover(next HandlerFunc) HandlerFunc {
	return func(ctx context.Context, d *Delivery) (err error) {
		defer func() {
			if r := recover(); r != nil {
				err = fmt.Errorf("%w: %v\n%s", ErrPanic, r, debug.Stack())
			}
		}()
		return next(ctx, d)
	}
}

// validatePayload checks the payload tolerantly before the handler runs
// (see ConsumerConfig.Catalog).
func validatePayload(v PayloadValidator) Middleware {
	return func(next HandlerFunc) HandlerFunc {
		return func(ctx context.Context, d *Delivery) error {
			if err := v.ValidateTolerant(d.Envelope); err != nil {
				return fmt.Errorf("%w: %w", ErrInvalidPayload, err)
			}
			return next(ctx, d)
		}
	}
}

// Idempotent runs the handler at most once per event, keyed by the
// envelope's source and id: a delivery of an event already handled
// succeeds without running the handler, and one whose twin is being
// handled right now fails with ErrInProgress, to be retried later. A
// failed handler releases its claim so a redelivery can try again.
func Idempotent(store IdempotencyStore) Middleware {
	return func(next HandlerFunc) HandlerFunc {
		if _, none := store.(NoIdempotency); none {
			return next // nothing to remember: no key, no calls
		}
		return func(ctx context.Context, d *Delivery) error {
			key := d.Envelope.Source + "\x00" + d.Envelope.ID
			if replay := d.Replayed(); replay != "" && d.Attributes[driver.AttrReplayBypass] == "true" {
				key += "\x00replay\x00" + replay // handled again, once per replay
			}
			claim, err := store.Claim(ctx, key)
			if err != nil {
				return fmt.Errorf("transport: idempotency store: %w", err)
			}
			switch claim {
			case AlreadyDone:
				d.duplicate = true
				return nil
			case InProgress:
				return ErrInProgress
			}
			finished := false
			defer func() {
				if !finished { // the handler panicked: release, and let Recover report it
					_ = store.Release(context.WithoutCancel(ctx), key)
				}
			}()
			err = next(ctx, d)
			finished = true
			if err != nil {
				if rerr := store.Release(context.WithoutCancel(ctx), key); rerr != nil {
					return errors.Join(err, fmt.Errorf("transport: idempotency store: %w", rerr))
				}
				return err
			}
			if err := store.Complete(context.WithoutCancel(ctx), key); err != nil {
				return fmt.Errorf("transport: idempotency store: handled, but not recorded: %w", err)
			}
			return nil
		}
	}
}
