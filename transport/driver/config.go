package driver

import "errors"

// ErrInvalidConfig matches every [*ConfigError]: a constructor of the
// transport packages (transport, memory, snssqs) refused its configuration.
var ErrInvalidConfig = errors.New("invalid configuration")

// ConfigError reports one configuration setting that is not valid. The
// configuration idiom of the transport packages: a nil config means the
// defaults, a zero field means its default, and an invalid value is an
// error, never silently replaced. A constructor reports every invalid
// setting at once (errors.Join of *ConfigError).
type ConfigError struct {
	Setting string // e.g. "PublisherConfig.MaxAttempts"
	Problem string // e.g. "must not be negative"
}

// Error implements error.
func (e *ConfigError) Error() string { return "invalid configuration: " + e.Setting + " " + e.Problem }

// Is reports whether target is ErrInvalidConfig.
func (e *ConfigError) Is(target error) bool { return target == ErrInvalidConfig }
