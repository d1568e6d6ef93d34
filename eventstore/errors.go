package eventstore

import (
	"errors"
	"fmt"
)

// Errors of the store. Each matches with errors.Is; the typed ones below
// carry the details.
var (
	// ErrConflict: the stream's version is not the expected one; see
	// [*ConflictError].
	ErrConflict = errors.New("eventstore: version conflict")
	// ErrInvalidEvent: an event to append breaks the protocol's envelope
	// rules or its payload schema; the error wraps the envelope's or the
	// validator's error, which names the attribute or pointer and the rule.
	ErrInvalidEvent = errors.New("eventstore: invalid event")
	// ErrInvalidVersion: an expected version or a read's start is negative.
	ErrInvalidVersion = errors.New("eventstore: invalid version")
	// ErrInvalidStream: a stream or branch name is empty, too long, or not
	// text the backends can store.
	ErrInvalidStream = errors.New("eventstore: invalid stream name")
	// ErrUnknownBranch: no branch of that id (never forked, or discarded),
	// or the branch belongs to another stream.
	ErrUnknownBranch = errors.New("eventstore: unknown branch")
	// ErrInvalidSnapshot: a snapshot claims to cover what the store has not
	// recorded yet, or has no state.
	ErrInvalidSnapshot = errors.New("eventstore: invalid snapshot")
	// ErrOutcomeUnknown: the backend lost its connection or the context
	// ended while an append was committing; the events may be stored.
	// Appending them again is safe: stored events are skipped.
	ErrOutcomeUnknown = errors.New("eventstore: outcome unknown")
	// ErrClosed: the backend was closed.
	ErrClosed = errors.New("eventstore: closed")
)

// ConflictError reports an append whose expected version was not the
// stream's. It matches ErrConflict.
type ConflictError struct {
	Stream, Branch string
	// Expected is what the append expected; Actual is the stream's version
	// (0 for a stream with no events).
	Expected, Actual int64
}

// Error implements error.
func (e *ConflictError) Error() string {
	b := ""
	if e.Branch != "" {
		b = " (branch " + e.Branch + ")"
	}
	return fmt.Sprintf("eventstore: version conflict on stream %q%s: expected version %d, actual %d", e.Stream, b, e.Expected, e.Actual)
}

// Is reports whether target is ErrConflict.
func (e *ConflictError) Is(target error) bool { return target == ErrConflict }

// EventError reports which event of an append is invalid, by its index in
// the call. It matches ErrInvalidEvent and unwraps to the cause.
type EventError struct {
	Index int
	Err   error
}

// Error implements error.
func (e *EventError) Error() string {
	return fmt.Sprintf("eventstore: invalid event at index %d: %v", e.Index, e.Err)
}

// Unwrap returns ErrInvalidEvent and the cause.
func (e *EventError) Unwrap() []error { return []error{ErrInvalidEvent, e.Err} }
