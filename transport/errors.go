package transport

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/elmosoftware/eventprotocol/config"
	"github.com/elmosoftware/eventprotocol/transport/driver"
)

// ErrInvalidConfig matches the errors of constructors given invalid
// settings (each a *config.Error). It is config.ErrInvalid.
var ErrInvalidConfig = config.ErrInvalid

// ErrNoOwner matches the refusal of a command that would not reach the one
// service that accepts it: no service of the topology accepts it, so the
// Publisher would send it to a topic.
var ErrNoOwner = errors.New("transport: no service accepts the command")

// ErrNotReceived matches Bus.Resend's refusal of a service the topology
// does not list, or of an event whose type the service does not receive.
var ErrNotReceived = errors.New("transport: the service does not receive the event")

// ErrTooLarge matches every [*TooLargeError], and a driver's refusal of a
// message over its limit: it is driver.ErrTooLarge.
var ErrTooLarge = driver.ErrTooLarge

// TooLargeError reports an event whose encoded message (body and mirrored
// attributes) exceeds the 256 KiB limit of SNS and SQS. It is refused before
// anything is sent.
type TooLargeError struct {
	ID   string // the event's id
	Size int    // bytes of the encoded message
	// Limit is the largest size allowed, in bytes.
	Limit int
}

// Error implements error.
func (e *TooLargeError) Error() string {
	return fmt.Sprintf("transport: event %s: encoded message is %d bytes, over the limit of %d", e.ID, e.Size, e.Limit)
}

// Is reports whether target is ErrTooLarge.
func (e *TooLargeError) Is(target error) bool { return target == ErrTooLarge }

// ErrOutcomeUnknown matches the error of an event whose publishing may
// have succeeded: the transport's reply was lost or came too late, so
// nobody knows whether the event went out. Publishing it again is safe but
// may deliver it twice; consumers deduplicate on (source, id).
var ErrOutcomeUnknown = errors.New("transport: outcome unknown: the event may have been published")

// PublishError names every event of a Publish call that was not certainly
// accepted, with the reason. Events not named were accepted. Each named
// event was either refused (Unknown false: it was not published) or has an
// unknown outcome (Unknown true, its Err matches [ErrOutcomeUnknown]). When
// any event is invalid (envelope, payload or size), nothing at all is sent.
type PublishError struct {
	// Failed are the events not certainly published, in call order.
	Failed []FailedEvent
}

// FailedEvent is one event that was not certainly accepted.
type FailedEvent struct {
	Index int    // position in the Publish call
	ID    string // the event's id
	// Unknown reports that the event may have been published after all
	// (see [ErrOutcomeUnknown]); false means it was refused.
	Unknown bool
	// Invalid reports that the event itself was refused before anything
	// was sent (its envelope, payload, type or size): publishing it again
	// fails again. Then no event of the call was sent.
	Invalid bool
	Err     error // why: a validation error, a *TooLargeError, or the transport's error
}

// Error implements error.
func (e *PublishError) Error() string {
	var refused, unknown []string
	for _, f := range e.Failed {
		part := fmt.Sprintf("event %d (%s): %v", f.Index, f.ID, f.Err)
		if f.Unknown {
			unknown = append(unknown, part)
		} else {
			refused = append(refused, part)
		}
	}
	var b strings.Builder
	b.WriteString("transport: ")
	if len(refused) > 0 {
		fmt.Fprintf(&b, "%s not published: %s", eventCount(len(refused)), strings.Join(refused, "; "))
	}
	if len(unknown) > 0 {
		if len(refused) > 0 {
			b.WriteString("; and ")
		}
		fmt.Fprintf(&b, "%s of unknown outcome (they may have been published): %s", eventCount(len(unknown)), strings.Join(unknown, "; "))
	}
	return b.String()
}

// eventCount counts events in words: "1 event", "2 events".
func eventCount(n int) string {
	if n == 1 {
		return "1 event"
	}
	return strconv.Itoa(n) + " events"
}

// Unwrap returns the errors of the failed events, so errors.Is(err,
// ErrTooLarge) and errors.Is(err, envelope.ErrInvalid) work.
func (e *PublishError) Unwrap() []error {
	errs := make([]error, len(e.Failed))
	for i, f := range e.Failed {
		errs[i] = f.Err
	}
	return errs
}

// ErrPermanent marks a handler error that no retry can fix: the runtime
// dead-letters the message at once instead of redelivering it. Wrap an
// error with [Permanent], or return one that matches ErrPermanent.
var ErrPermanent = errors.New("transport: permanent failure")

// Permanent wraps err so that it matches ErrPermanent (and still err).
func Permanent(err error) error {
	if err == nil {
		return nil
	}
	return permanentError{err}
}

type permanentError struct{ err error }

func (e permanentError) Error() string   { return e.err.Error() }
func (e permanentError) Unwrap() []error { return []error{ErrPermanent, e.err} }

// Reasons for which the runtime dead-letters a message at once. Each
// matches ErrPermanent.
var (
	// ErrUndecodable: the body is not a valid envelope.
	ErrUndecodable = Permanent(errors.New("transport: message is not a valid event"))
	// ErrAttributeMismatch: a mirrored attribute contradicts the envelope.
	ErrAttributeMismatch = Permanent(errors.New("transport: mirrored attribute contradicts the envelope"))
	// ErrInvalidPayload: the payload does not match its schema.
	ErrInvalidPayload = Permanent(errors.New("transport: invalid payload"))
	// ErrNoHandler: no handler is registered for the event's type.
	ErrNoHandler = Permanent(errors.New("transport: no handler for the event type"))
)

// Reasons for which the runtime delivers a message again later. Neither
// matches ErrPermanent.
var (
	// ErrPanic: the handler panicked. A panic is a failed delivery, retried
	// like any failure.
	ErrPanic = errors.New("transport: handler panicked")
	// ErrInProgress: another delivery of the same event is being handled
	// right now; this one is retried later.
	ErrInProgress = errors.New("transport: the same event is being handled by another delivery")
)

// ErrStarted reports a second Start of a Consumer, or a handler registered
// after Start.
var ErrStarted = errors.New("transport: consumer already started")

// ErrHandlerExists reports a second handler for one event type.
var ErrHandlerExists = errors.New("transport: a handler for the event type is already registered")

// ErrShutdown reports a Start after Shutdown.
var ErrShutdown = errors.New("transport: consumer shut down")

// ShutdownError reports the deliveries that did not finish before the
// Shutdown deadline. Their handlers' contexts were cancelled and the
// messages released for redelivery. It matches the deadline's context error.
type ShutdownError struct {
	Unfinished []string // event ids (or message handles when undecoded)
	Err        error    // the context error that ended the wait
}

// Error implements error.
func (e *ShutdownError) Error() string {
	return fmt.Sprintf("transport: shutdown: %d deliveries did not finish (%v): %s", len(e.Unfinished), e.Err, strings.Join(e.Unfinished, ", "))
}

// Unwrap returns Err.
func (e *ShutdownError) Unwrap() error { return e.Err }

// ErrUnhealthy matches the error of every Health method of the runtime
// ([Consumer.Health], outbox's Relay.Health) while its work keeps
// failing: each a [*HealthError].
var ErrUnhealthy = errors.New("transport: unhealthy")

// HealthError reports a component whose work has failed Failures times in
// a row. It matches [ErrUnhealthy] and unwraps to the last failure.
type HealthError struct {
	Component string    // e.g. "consumer billing", "outbox relay outbox"
	Failures  int       // in a row
	Since     time.Time // the first of them
	Last      error     // the last of them
}

// Error implements error.
func (e *HealthError) Error() string {
	return fmt.Sprintf("transport: %s is unhealthy: %d failures in a row since %s, the last: %v",
		e.Component, e.Failures, e.Since.UTC().Format(time.RFC3339), e.Last)
}

// Is reports whether target is ErrUnhealthy.
func (e *HealthError) Is(target error) bool { return target == ErrUnhealthy }

// Unwrap returns the last failure.
func (e *HealthError) Unwrap() error { return e.Last }

// ErrInvalidHandler reports a registration that can never be dispatched
// to: an invalid event type, or a nil definition, consumer or handler.
var ErrInvalidHandler = errors.New("transport: invalid handler registration")

// ErrVisibilityMismatch reports a ConsumerConfig.VisibilityTimeout that
// contradicts the queue's.
var ErrVisibilityMismatch = errors.New("transport: the visibility timeout contradicts the queue's")

// ErrUnsupported matches the error of a Bus operation that the driver
// does not offer (it is errors.ErrUnsupported).
var ErrUnsupported = errors.ErrUnsupported
