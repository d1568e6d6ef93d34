// Package transport is the portable API services use to publish and
// consume ELMO events, over any transport driver (package
// transport/driver): the in-memory broker of transport/memory for examples
// and tests, and SNS/SQS in production.
//
// # Publishing
//
// A [Publisher] validates every envelope (and, with a catalogue, every
// payload) before anything is sent, refuses an encoded message over its
// topic's limit ([MaxMessageBytes], 256 KiB, unless the topology's domain
// raises it to at most 1 MiB) with a [*TooLargeError], mirrors the type,
// source and tenantid attributes onto the message for subscription
// filters, sends in batches within the driver's limits, and retries what
// the driver reports as retryable. A [*PublishError] names every event
// that was not certainly accepted, and says for each whether it was
// refused or its outcome is unknown ([ErrOutcomeUnknown]: the reply was
// lost, and the event may be out; publishing it again may deliver it
// twice, which consumers' deduplication absorbs). Nothing is dropped
// silently, and nothing that may have gone out is reported as failed.
//
// # Consuming
//
// A [Consumer] receives one subscription's messages and dispatches each
// event by type to its handler ([Consumer.HandleFunc], or [Handle] for a
// typed payload via an event.Definition). Delivery is at least once. The
// runtime settles every message in one of three ways:
//
//   - the handler returned nil: the message is acknowledged (in batches);
//   - the handler failed: the message goes back to the transport with a
//     redelivery delay from [Backoff] (exponential, with jitter). No
//     goroutine sleeps on it. After MaxAttempts failures of its handler it
//     is dead-lettered with the last error as the reason; deliveries that
//     did not fail (released by a shutdown or a deploy) do not count;
//   - the message can never succeed: dead-lettered at once with the reason.
//     This covers a body that is not a valid envelope, mirrored attributes
//     that contradict the envelope, a payload that fails its schema, a type
//     without a handler, or a handler error wrapped with [Permanent].
//
// Built in: a panic in a handler is a failed delivery, never a crashed
// process ([Recover]); payloads are validated against the catalogue,
// tolerantly, so that a producer's newer minor version is handled rather
// than dead-lettered (ConsumerConfig.Catalog; the [Publisher] validates
// strictly, envelopes and payloads); deliveries are deduplicated on (source, id) with a
// pluggable [IdempotencyStore] ([Idempotent]; the default [MemoryStore]
// catches duplicates within a window of one hour, bounded in memory, and
// never drops a claim in progress). Handlers run on at most Concurrency
// goroutines.
// A message whose handler is still working has its visibility extended
// every third of the visibility timeout. The W3C trace context of the event
// is in the handler's context ([TraceContext]), and events the handler
// publishes with that context carry it on. Logging goes through log/slog,
// is off by default except for receiving that keeps failing (logged at
// Error to slog.Default when no Logger is set, and reported by
// [Consumer.Health] for readiness probes), and never prints payloads. A dead-letter reason names
// JSON pointers and rules, never payload values, and is cut to
// driver.MaxReasonBytes of characters every transport can carry.
//
// Time and randomness are injected: ConsumerConfig and PublisherConfig take
// a Clock (config.Clock; the memory broker's ManualClock is one) and a
// Rand, so that tests run the runtime and an in-process transport on one
// manual clock.
//
// Middleware is plain function wrapping ([Middleware]);
// ConsumerConfig.Middleware adds your own inside the built-in ones.
//
// # Configuration
//
// Every constructor takes a pointer to its config: nil means the defaults,
// as does a zero field, and an invalid value is an error (a
// *config.Error matching [ErrInvalidConfig], all of them at once),
// never silently replaced. The transport links no JSON Schema
// implementation: payload validation goes through [PayloadValidator],
// which *schema.Catalog implements.
//
// # Shutdown
//
// [Consumer.Shutdown] stops receiving and lets the handlers in flight
// finish until its context is done. It then cancels the handlers'
// contexts, releases their messages for immediate redelivery, flushes
// pending acknowledgements, and returns a [*ShutdownError] naming what did
// not finish, by its deadline plus at most a second for those last calls,
// also when a handler ignores its context.
//
// # Errors
//
// Sentinels: [ErrTooLarge] (driver.ErrTooLarge), [ErrInvalidConfig]
// (config.ErrInvalid), [ErrPermanent] and the reasons that match it
// ([ErrUndecodable], [ErrAttributeMismatch], [ErrInvalidPayload],
// [ErrNoHandler]: dead-lettered at once), the reasons that do not
// ([ErrPanic], [ErrInProgress]: delivered again), [ErrInvalidHandler],
// [ErrStarted], [ErrHandlerExists], [ErrShutdown], [ErrOutcomeUnknown],
// [ErrUnhealthy] (each a [*HealthError]), [ErrVisibilityMismatch] and [ErrUnsupported].
// Types: [*PublishError], [*TooLargeError], [*ShutdownError] and
// config.Error.
package transport
