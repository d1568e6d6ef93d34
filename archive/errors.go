package archive

import "errors"

// ErrUnknownDomain matches Service's refusal of a domain the topology
// does not list.
var ErrUnknownDomain = errors.New("archive: the topology lists no such domain")
