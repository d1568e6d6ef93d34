// Package eventstore stores the protocol's events for event sourcing and
// CQRS, on two time axes.
//
// Each stored event keeps its envelope unchanged, in a stream (keyed by
// convention by the subject's ERN), with
//   - a global position: the order of the store, in which a reader that
//     follows positions never skips an event committed later;
//   - its version in the stream, from 1;
//   - its recorded time (transaction time), given by the store's clock
//     and never earlier than the event recorded before it;
//   - its effective time (valid time): the envelope's effectivetime, else
//     its time.
//
// [Store.Append] takes an expected version ([Exactly], or [Any]) and
// refuses a mismatch with a [*ConflictError] carrying the actual version.
// An event id is unique per timeline, across streams: an event already
// on the timeline (same source and id) is skipped, and the result's
// Duplicates say where it lives, so a consumer that receives at least once
// can append what it receives. The main timeline is every stream's main
// events; a branch's is its stream's main events up to the fork, then its
// own. Positions are one sequence for every timeline (see
// [Record.Position]).
//
// Reads stream their results a page at a time ([Config.PageSize]):
// [Store.ReadStream] in version order, [Store.ReadAll] in global order,
// and [Store.ReadAsOf], the bitemporal read: the events recorded at or
// before a time, in effective-time order, which is what a balance "as of
// a date, as known at a time" folds.
//
// [Store.SaveSnapshot] and [Store.LoadSnapshot] keep a projection's state
// keyed by what it covers on both axes; a snapshot that an event recorded
// later but effective earlier would change is never served.
//
// [Store.Fork] starts a branch, an alternate timeline of a stream: the
// main timeline as recorded up to the fork, then the branch's own events,
// which never appear in the main timeline or the global order. Branches
// are listed with [Store.Branches] and dropped with [Store.Discard].
//
// [Store.Subscribe] feeds a projection: a catch-up from its checkpoint,
// then live, with a caught-up signal; at least once, the checkpoint saved
// after the handler.
//
// # Backends
//
// A [Backend] is the store's driver: eventstore/memory (tests and demos),
// eventstore/sqlite (embedded: a file or memory, pure Go) and
// eventstore/postgres. Package eventstore/storetest is the conformance
// suite all three pass.
//
// # Errors
//
// Bad input is a typed error: [ErrInvalidEvent] (with [*EventError]),
// [ErrInvalidVersion], [ErrInvalidStream], [ErrUnknownBranch],
// [ErrInvalidSnapshot]; a lost commit is [ErrOutcomeUnknown], and an
// append after Close [ErrClosed]. Error texts name streams, versions and
// the rule broken, never payload values.
//
// A constructor ([New], and the backends' Open and NewStore) given an
// invalid setting reports each one as a *config.Error (package config of
// this module), all at once, each matching config.ErrInvalid, the same
// error every constructor of the module returns: errors.Is(err,
// config.ErrInvalid). The store imports no transport package.
package eventstore
