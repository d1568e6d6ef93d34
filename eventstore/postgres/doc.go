// Package postgres is the event store's PostgreSQL backend, through
// github.com/jackc/pgx/v5.
//
// # Global order without holes
//
// A sequence is not enough for a reader that follows positions: sequence
// values are taken at insert, and transactions commit in another order,
// so a reader could see position 11 before 10 commits and then skip it.
// Here appends go through the function es_append, which takes the lock
// of the single row of es_head, takes the next positions from it, and
// holds the lock until its transaction commits. Appends therefore commit
// in position order, an aborted append gives its positions back, and a
// reader that has seen position n has seen every event before it.
//
// # Group commit
//
// Holding that lock to the commit serializes appends, so appends made at
// the same time share one call of es_append and one commit: a call
// carries every waiting append (up to 64 appends and 1,000 events), none
// two of the same timeline or with the same event, so that each keeps
// its own outcome (stored whole, skipped as already stored, or a version
// conflict). After a call, the next one waits a moment (a quarter of the
// call's duration, at most a millisecond) for the appenders of the last
// one, so that calls do not alternate half full. When the server refuses
// a call, its appends are tried one by one, so that one bad append fails
// alone.
//
// # Cheap calls
//
// A call's statements are probes of one index each, planned once per
// session: each timeline's version is a row of es_streams (filled once
// for a store made before it), and a call takes its events for new. The
// unique index on (branch, source, id) says when one is stored already:
// the call is then tried again, looking its events up and taking the lock
// first. An append whose expected version differs from the one looked up
// (before the lock) reads it again under the lock and looks its events
// up: they may all be stored (a no-op), or another process may have
// appended in between (the expectation may hold after all). An append of
// another process that commits between a call's look-ups and its lock
// makes the call break a unique index, and it is tried again.
//
// # Live subscriptions
//
// es_append notifies the channel es_events (the payload is the schema) as
// it commits; a store's subscriptions LISTEN on a connection of their own
// (the Notifier interface) and poll as a fallback.
//
// # Schema
//
// Open creates the tables and the function in Config.Schema when missing.
package postgres
