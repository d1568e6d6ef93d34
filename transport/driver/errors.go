package driver

import (
	"errors"
	"fmt"
	"strings"
)

// ErrTooLarge reports a message over the transport's size limit (256 KiB
// on SNS and SQS). transport.ErrTooLarge is this error, so one errors.Is
// catches the Publisher's own check and a driver's refusal alike.
var ErrTooLarge = errors.New("driver: message too large")

// ErrNotSent marks a send error after which the driver knows the message was
// not taken: the request was refused, or never made. Any other send error
// leaves the outcome unknown.
var ErrNotSent = errors.New("driver: not sent")

// ErrInvalidHandle reports a handle that names no current delivery: the
// message was acknowledged, or delivered again under another handle.
var ErrInvalidHandle = errors.New("driver: invalid or expired receipt handle")

// ErrQueueFull reports a queue that is at its size limit. The message was
// not accepted.
var ErrQueueFull = errors.New("driver: queue is full")

// ErrNotFound reports a topic or subscription that does not exist, or
// claim-checked data that is not there.
var ErrNotFound = errors.New("driver: topic or subscription not found")

// ErrForeignRef reports a dataref outside the claim check's own store: a
// consumer never fetches what an event merely names.
var ErrForeignRef = errors.New("driver: dataref outside the claim-check store")

// BatchError reports the items of a batch call that failed while others
// succeeded.
type BatchError struct {
	// Failed are the messages not handled, with their errors.
	Failed []BatchFailure
}

// BatchFailure is one failed item of a batch: its index in the call's
// argument and why it failed.
type BatchFailure struct {
	// Index is the message's position in the call.
	Index int
	// Err is why it failed.
	Err error
}

// Error implements error.
func (e *BatchError) Error() string {
	parts := make([]string, 0, len(e.Failed))
	for _, f := range e.Failed {
		parts = append(parts, fmt.Sprintf("#%d: %v", f.Index, f.Err))
	}
	return fmt.Sprintf("driver: %d items of the batch failed: %s", len(e.Failed), strings.Join(parts, "; "))
}

// Unwrap returns the errors of the failed items.
func (e *BatchError) Unwrap() []error {
	errs := make([]error, len(e.Failed))
	for i, f := range e.Failed {
		errs[i] = f.Err
	}
	return errs
}
