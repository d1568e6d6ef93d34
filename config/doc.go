// Package config holds what the configuration of every component of this
// module shares: the error a constructor returns for an invalid setting,
// and the clock a component follows when it waits or stamps time.
//
// It is a leaf: it imports nothing of this module, so every layer may use
// it (naming and envelope aside, which need neither), the event store and
// the transports alike, without one importing the other.
//
// # The configuration idiom
//
// Every constructor takes a pointer to its config: nil means the defaults,
// a zero field means its default, and an invalid value is an error, never
// silently replaced. A constructor reports every invalid setting at once,
// as errors.Join of [*Error] values, each naming the setting and the
// problem. Every one matches [ErrInvalid]:
//
//	_, err := eventstore.New(backend, &eventstore.Config{PageSize: -1})
//	errors.Is(err, config.ErrInvalid) // true
//	var ce *config.Error
//	errors.As(err, &ce) // ce.Setting == "eventstore.Config.PageSize"
//
// The packages that predate this one keep their names for it as aliases:
// transport.ErrInvalidConfig, driver.ErrInvalidConfig and
// eventstore.ErrInvalidConfig are ErrInvalid; driver.ConfigError and
// eventstore.ConfigError are Error.
//
// # Time
//
// A [Clock] tells the time and wakes a waiter at a given time. Components
// that wait (retry backoffs, visibility timeouts, polls) or stamp time
// (recorded times, dead-letter times) take one in their config; nil means
// [SystemClock]. [After] and [Sleep] wait a duration on a clock. A
// [ManualClock] moves only when a test moves it, so tests of timeouts and
// delays need no sleeping.
package config
