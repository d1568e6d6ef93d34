package topology

import "errors"

// ErrUnknownService reports a service the topology does not list.
var ErrUnknownService = errors.New("topology: no such service")
