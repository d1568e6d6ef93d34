// Package storetest is the conformance suite of event-store backends: run
// [Run] from a backend's tests with a function that opens a new, empty
// backend. The suite checks the contract of eventstore.Backend through an
// eventstore.Store: version conflicts, idempotent appends, a global order
// without holes under concurrent writers whose transactions abort,
// bitemporal reads against a reference model on random histories,
// subscriptions that resume after a crash without loss, snapshot
// invalidation, branch isolation, large events and typed errors for bad
// input.
package storetest
