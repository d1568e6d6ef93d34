// Package driver defines the interfaces a transport implements. Application
// code should use package transport; this package is for the authors of
// transports (transport/memory, transport/snssqs, or a third one).
//
// # The interfaces
//
// Every interface a transport implements is here. Required:
//
//   - [Sender] publishes messages to topics.
//   - [Receiver] receives, acknowledges, delays and dead-letters the
//     messages of one subscription.
//   - [Driver] serves a topology: it opens a Sender to the topology's
//     topics and a Receiver of one service's subscription. transport.Open
//     takes one.
//
// Optional, discovered by the portable layer with a type assertion:
//
//   - [VisibilitySource], on a Receiver: it tells the queue's visibility
//     timeout, which the consumer runtime then extends messages by.
//   - [Closer], on a Receiver: it runs work of its own, which the
//     consumer's Shutdown ends.
//   - [Provisioner], on a Driver: it creates and deletes a topology's
//     resources (eventctl provision, teardown).
//   - [DeadLetterAccess], on a Driver: it lists, redrives and purges a
//     service's dead letters (transport.Bus, eventctl dlq).
//   - [ClaimCheckProvider], on a Driver: it keeps the data of events too
//     large for their topic in a store the topology names ([ClaimCheck]).
//
// Plain data passes between them: [Message], [Limits], [Step],
// [DeadLetter], and the errors [*BatchError], [ErrTooLarge], [ErrNotSent],
// [ErrInvalidHandle], [ErrQueueFull], [ErrNotFound] and [ErrForeignRef]. A driver's
// constructor reports invalid settings as [ConfigError] values (the
// module's config.Error) and follows a [Clock] (config.Clock) where it
// keeps time of its own.
//
// # Drivers stay dumb
//
// Drivers move messages and report what happened. They never retry, never
// batch on their own, never decode envelopes and never decide what a
// failure means; the portable layer in package transport owns validation,
// batching, retries, acknowledgements, backoff and dead-lettering, once
// for every transport. A driver reports whether an error is worth retrying
// with IsRetryable.
//
// The conformance suite in package transport/transporttest checks any
// driver through the portable layer.
package driver
