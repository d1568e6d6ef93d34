// Package sqlidempotency is a transport.IdempotencyStore in an SQL
// database, SQLite or PostgreSQL (the event store's, through database/sql),
// so that every instance of a service deduplicates what any of them
// processed: several consumer processes, or the instances of an AWS Lambda
// function, each of which has memory of its own.
//
//	db, err := sql.Open("pgx", dsn) // github.com/jackc/pgx/v5/stdlib
//	store, err := sqlidempotency.New(ctx, db, &sqlidempotency.Config{Dialect: sqlidempotency.PostgreSQL})
//	consumer, err := bus.Consumer(ctx, "billing", &transport.ConsumerConfig{Idempotency: store})
//
// # Semantics
//
// A key (an event's source and id) is claimed by inserting its row: one
// instance wins, the others see it in progress (transport.InProgress, and
// their delivery comes back later) or done (transport.AlreadyDone). A
// claim whose instance died would block its key forever: a claim older
// than Config.Lease may be taken over. Done keys are remembered for
// Config.Retention, then deleted by the claims that follow.
//
// The table (Config.Table, default elmo_idempotency) is created when
// missing. Each call is one statement, or two for a claim that finds the
// key; none holds a transaction open across the handler.
package sqlidempotency
