package service

import (
	"errors"

	"github.com/elmosoftware/eventprotocol/transport"
)

// ErrNotStarted matches the error of Publish before Start (or Run): the
// service's topology, and so where its events go, is settled when it
// starts.
var ErrNotStarted = errors.New("service: not started: call Start or Run before publishing")

// ErrClosed matches the error of a call on a service that Close (or Run)
// has closed.
var ErrClosed = errors.New("service: closed")

// ErrNoSubject matches the error of Append given an event without a
// subject: the subject names the event's stream.
var ErrNoSubject = errors.New("service: event has no subject")

// ErrStarted matches the error of Start, or Handle, on a service already
// started. It is transport.ErrStarted.
var ErrStarted = transport.ErrStarted
