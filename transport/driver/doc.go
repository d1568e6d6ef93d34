// Package driver defines the interfaces a transport implements. Application
// code should use package transport; this package is for the authors of
// transports (transport/memory, transport/snssqs, or a third one).
//
// Drivers stay dumb: they move messages and report what happened. They never
// retry, never batch on their own, never decode envelopes and never decide
// what a failure means; the portable layer in package transport owns
// validation, batching, retries, acknowledgements, backoff and
// dead-lettering, once for every transport. A driver reports whether an
// error is worth retrying with IsRetryable.
//
// The conformance suite in package transport/transporttest checks any driver
// through the portable layer.
package driver
