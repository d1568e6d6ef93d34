package driver

import "github.com/elmosoftware/eventprotocol/config"

// ErrInvalidConfig is [config.ErrInvalid], under the name this package
// gave it first.
var ErrInvalidConfig = config.ErrInvalid

// ConfigError is [config.Error], under the name this package gave it
// first: a driver's constructor reports each invalid setting as one.
type ConfigError = config.Error

// Clock is [config.Clock]: the consumer runtime's and the publisher's
// delays follow it, as an in-process transport's timeouts do.
type Clock = config.Clock

// SystemClock is [config.SystemClock].
type SystemClock = config.SystemClock
