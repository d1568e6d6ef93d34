// Package outbox publishes what a service stored, reliably: the relay
// follows an event store's global order and publishes through a
// transport.Publisher, so that a service never writes its database and
// then publishes, with a crash in between losing the event or the state.
//
// # Two ways in
//
// An event-sourced service appends its events to an eventstore.Store:
// the store is the outbox. A service that is not event-sourced keeps its
// state in its own tables and, in the same database transaction, appends
// the events of the change with the SQL backends' AppendTx
// (eventstore/sqlite, eventstore/postgres, database/sql or pgx): the
// change and its events commit together or not at all. Either way the
// relay publishes them.
//
// # Guarantees
//
//   - At least once. The relay saves its position (the store's checkpoint
//     named Config.Name) only after the transport accepted the events
//     before it. A relay killed between publishing and saving publishes
//     those events again on restart: a duplicate, never a loss. Consumers
//     deduplicate on (source, id), as the protocol asks.
//   - Order per partition key. The relay publishes in the store's order
//     and never puts two events of one partition key in one Publish call,
//     so that a failure inside a call cannot put a later event of a key
//     ahead of an earlier one. Two relays at once publish everything
//     twice but lose nothing and keep that order: each publishes a key's
//     events in order, so the first copy of each arrives in order.
//   - Outcome unknown is retried. A publish whose outcome is unknown, or
//     that the transport refused for a passing reason (throttling, a lost
//     connection), is retried with backoff from the first event not
//     certainly accepted; the relay never skips it.
//   - An invalid event does not block the others. An event the transport
//     refuses for what it is (its envelope, payload schema, type or size:
//     transport.FailedEvent.Invalid) is parked in the store with its
//     reason (Store.Parked) and the relay goes on. The reason names
//     pointers and rules, never payload values.
//
// Hooks report what the relay does (published, retried, parked) for
// metrics; Health says whether publishing keeps failing, in the runtime's
// one health model (transport.Health, transport.ErrUnhealthy), so one
// readiness probe serves a service that consumes and relays:
//
//	ready := errors.Join(consumer.Health(), relay.Health())
//
// # Configuration
//
// [New] takes a *Config (nil for the defaults) and reports every invalid
// setting at once, each a *config.Error matching config.ErrInvalid, as
// every constructor of the module does. Config.Clock paces the retries,
// so that tests can run them on a config.ManualClock.
package outbox
