// Package postgres is the event store's PostgreSQL backend, through
// github.com/jackc/pgx/v5.
//
// # Global order without holes
//
// A sequence is not enough for a reader that follows positions: sequence
// values are taken at insert, and transactions commit in another order,
// so a reader could see position 11 before 10 commits and then skip it.
// Here every append runs in one statement, the function es_append, which
// locks the single row of es_head, takes the next positions from it, and
// holds the lock until its transaction commits. Appends therefore commit
// in position order, an aborted append gives its positions back, and a
// reader that has seen position n has seen every event before it. The
// lock is held for one statement and its commit: one round trip.
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
