package transport

import (
	"context"
	"time"

	"github.com/elmosoftware/eventprotocol/envelope"
	"github.com/elmosoftware/eventprotocol/transport/driver"
)

// PublishHooks observe a Publisher, for telemetry (package
// telemetry implements them with OpenTelemetry). Either field may
// be nil. Hooks run on the caller's goroutine: they must be quick.
type PublishHooks struct {
	// Publishing is called when Publish starts, before anything is checked.
	// The context it returns is the call's: a trace context set on it with
	// WithTraceContext goes into the events that carry none, so consumers
	// can link to it.
	Publishing func(ctx context.Context, events []*envelope.Envelope) context.Context
	// Published is called with Publishing's context when Publish returns,
	// with its error: nil, or a *PublishError naming each event not
	// certainly published (refused, or of unknown outcome).
	Published func(ctx context.Context, events []*envelope.Envelope, err error)
}

// ConsumerHooks observe what a Consumer does with each message, for
// telemetry (package telemetry implements them with
// OpenTelemetry). Every field may be nil. Hooks run on the consumer's
// goroutines: they must be quick and must not block.
type ConsumerHooks struct {
	// Received is called after each receive with the messages it brought,
	// or its error.
	Received func(ctx context.Context, msgs []*driver.Message, err error)
	// Handling is called before the handlers run for a valid delivery. The
	// context it returns is the handlers' (a span's, say), and Settled's.
	Handling func(ctx context.Context, d *Delivery) context.Context
	// Settled is called once the delivery's fate is decided, with
	// Handling's context.
	Settled func(ctx context.Context, d *Delivery, s Settlement)
	// Refused is called when a message is dead-lettered before any handler
	// runs: its body is not a valid event (e is nil then), or its mirrored
	// attributes contradict the event. reason matches ErrPermanent.
	Refused func(ctx context.Context, m *driver.Message, e *envelope.Envelope, reason error)
}

// Outcome is how a delivery was settled.
type Outcome int

// Outcomes of a delivery.
const (
	// Handled: the handlers succeeded; the message is acknowledged.
	Handled Outcome = iota
	// Duplicate: the event (source, id) was handled already; the message
	// is acknowledged without running the handler.
	Duplicate
	// Retried: the handler failed; the message comes back after a delay.
	Retried
	// DeadLettered: the message went to the dead-letter queue, the handler
	// having failed permanently or MaxAttempts times.
	DeadLettered
	// Released: Shutdown stopped the handler; the message is delivered
	// again at once.
	Released
)

// String returns the outcome's name, e.g. "dead_lettered".
func (o Outcome) String() string {
	switch o {
	case Handled:
		return "handled"
	case Duplicate:
		return "duplicate"
	case Retried:
		return "retried"
	case DeadLettered:
		return "dead_lettered"
	case Released:
		return "released"
	}
	return "unknown"
}

// Settlement is what became of a delivery.
type Settlement struct {
	Outcome Outcome
	// Err is the handler's error: nil when Handled or Duplicate; for a
	// dead letter, the reason (matching ErrPermanent when the handler said
	// so).
	Err error
	// Delay is when a Retried message comes back.
	Delay time.Duration
	// Duration is the time the handlers took.
	Duration time.Duration
	// Failures counts the handler's failures for this event in this
	// consumer, this one included (Retried, DeadLettered).
	Failures int
}
