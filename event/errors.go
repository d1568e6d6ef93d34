package event

import "errors"

// Errors of this package.
var (
	// ErrTypeMismatch reports an envelope whose type is not the definition's.
	ErrTypeMismatch = errors.New("event: type mismatch")
	// ErrPayload reports a payload that cannot be encoded or decoded, or that
	// is not a JSON object.
	ErrPayload = errors.New("event: bad payload")
)

// ErrUnknownEnumValue reports a well-formed enumeration value that the set
// does not list.
var ErrUnknownEnumValue = errors.New("event: unknown enumeration value")
