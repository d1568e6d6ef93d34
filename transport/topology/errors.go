package topology

import "errors"

// ErrUnknownService reports a service the topology does not list.
var ErrUnknownService = errors.New("topology: no such service")

// ErrInvalid matches the error of [Topology.Validate] and [Read] for a
// topology that breaks a rule; the error lists every problem.
var ErrInvalid = errors.New("topology: invalid topology")
