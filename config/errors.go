package config

import "errors"

// ErrInvalid matches every [*Error]: a constructor refused its
// configuration.
var ErrInvalid = errors.New("config: invalid configuration")

// Error reports one configuration setting that is not valid. A constructor
// reports every invalid setting at once (errors.Join of *Error).
type Error struct {
	Setting string // e.g. "transport.PublisherConfig.MaxAttempts"
	Problem string // e.g. "must not be negative"
}

// Error implements error.
func (e *Error) Error() string { return ErrInvalid.Error() + ": " + e.Setting + " " + e.Problem }

// Is reports whether target is ErrInvalid.
func (e *Error) Is(target error) bool { return target == ErrInvalid }
