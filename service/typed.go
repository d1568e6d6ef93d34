package service

import (
	"context"
	"fmt"
	"iter"

	"github.com/elmosoftware/eventprotocol/envelope"
	"github.com/elmosoftware/eventprotocol/event"
	"github.com/elmosoftware/eventprotocol/eventstore"
	"github.com/elmosoftware/eventprotocol/naming"
	"github.com/elmosoftware/eventprotocol/transport"
)

// Handle registers the service's handler of a definition's events, before
// Start: h gets each event's envelope and its payload decoded into T, as
// with transport.Handle, behind the consumer's validation, idempotency,
// retries and dead letters. It refuses a second handler of a type, and,
// when the topology is a file's, a type the service's subscription never
// delivers. On mem:// the handled types make the service's subscription.
func Handle[T any](s *Service, def *event.Definition[T], h func(ctx context.Context, e *envelope.Envelope, payload T) error) error {
	if def == nil || h == nil {
		return fmt.Errorf("%w: nil definition or handler", transport.ErrInvalidHandler)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	switch {
	case s.closed:
		return ErrClosed
	case s.started:
		return ErrStarted
	case s.bus == nil: // derived at Start
		for _, r := range s.pending {
			if r.eventType == def.Type().String() {
				return fmt.Errorf("%w: %s", transport.ErrHandlerExists, r.eventType)
			}
		}
		s.pending = append(s.pending, registration{def.Type().String(), func(c *transport.Consumer) error {
			return transport.Handle(c, def, h)
		}})
		return nil
	case s.consumer == nil:
		return fmt.Errorf("%w: the topology lists no consumer %q: add it to the topology's services, with %s in its consumes",
			transport.ErrInvalidHandler, s.name, def.Type())
	}
	return transport.Handle(s.consumer, def, h)
}

// Publish publishes an event of the definition from the service: subject
// is the ERN of the entity it is about (naming.ERN's text), which every
// ELMO event has; opts set the rest (event.WithEffectiveTime,
// event.WithPartitionKey...). Called from a handler, with the handler's
// context, the event is caused by the one handled (its causationid and
// correlationid). The payload is validated strictly against the catalogue
// before anything is sent. It returns the event published; its errors are
// transport.Publisher.Publish's, with transport.ErrOutcomeUnknown when the
// event may have been published.
func Publish[T any](ctx context.Context, s *Service, def *event.Definition[T], subject string, payload T, opts ...event.Option) (envelope.Envelope, error) {
	s.mu.Lock()
	bus, closed := s.bus, s.closed
	if !s.started {
		bus = nil
	}
	s.mu.Unlock()
	if bus == nil {
		if closed {
			return envelope.Envelope{}, ErrClosed
		}
		return envelope.Envelope{}, ErrNotStarted
	}
	select {
	case <-s.done:
		return envelope.Envelope{}, ErrClosed
	default:
	}
	if def == nil {
		return envelope.Envelope{}, fmt.Errorf("%w: nil definition", envelope.ErrInvalid)
	}
	ern, err := naming.ParseERN(subject)
	if err != nil {
		return envelope.Envelope{}, fmt.Errorf("service: the subject: %w", err)
	}
	opts = append([]event.Option{event.WithSubject(ern)}, opts...)
	var e envelope.Envelope
	if d, ok := transport.DeliveryFrom(ctx); ok {
		e, err = def.NewCaused(s.producer, d.Envelope, payload, opts...)
	} else {
		e, err = def.New(s.producer, payload, opts...)
	}
	if err != nil {
		return envelope.Envelope{}, err
	}
	return e, bus.Publisher().Publish(ctx, &e)
}

// Append appends events to the service's store, each to the stream named
// by its subject (the protocol's convention), after what the stream holds.
// An event the stream's timeline already has (same id) is skipped, so a
// handler that appends what it receives may be run twice. For optimistic
// concurrency, branches and batches, use Store.
func (s *Service) Append(ctx context.Context, events ...*envelope.Envelope) error {
	for i := 0; i < len(events); {
		if events[i] == nil || events[i].Subject == "" {
			return fmt.Errorf("%w: event %d of %d", ErrNoSubject, i+1, len(events))
		}
		j := i + 1 // one Append per run of events of one subject, in order
		for j < len(events) && events[j] != nil && events[j].Subject == events[i].Subject {
			j++
		}
		if _, err := s.store.Append(ctx, eventstore.Stream{Name: events[i].Subject}, eventstore.Any, events[i:j]...); err != nil {
			return err
		}
		i = j
	}
	return nil
}

// Read returns the payloads of the definition's events in the stream of
// a subject, in the stream's order; events of other types are passed over.
// An event that does not decode yields its error, and reading goes on if
// the loop does.
func Read[T any](ctx context.Context, s *Service, def *event.Definition[T], subject string) iter.Seq2[T, error] {
	return func(yield func(T, error) bool) {
		var zero T
		for rec, err := range s.store.ReadStream(ctx, eventstore.Stream{Name: subject}, 0) {
			if err != nil {
				yield(zero, err)
				return
			}
			e, err := rec.Envelope()
			if err == nil && !def.Matches(&e) {
				continue
			}
			var p T
			if err == nil {
				p, err = def.Decode(&e)
			}
			if !yield(p, err) {
				return
			}
		}
	}
}
