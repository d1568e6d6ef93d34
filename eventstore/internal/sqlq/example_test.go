package sqlq_test

import (
	"fmt"

	"github.com/elmosoftware/eventprotocol/eventstore"
	"github.com/elmosoftware/eventprotocol/eventstore/internal/sqlq"
)

// The bitemporal read of a stream, one page after a cursor, in each
// dialect.
func ExampleQueries_Read() {
	q := &eventstore.Query{Stream: "ern:elmo:hr:acme:employee/e-1", Order: eventstore.ByEffective, AfterEffective: 5, AfterPosition: 9, RecordedBy: 20}
	for _, d := range []sqlq.Dialect{sqlq.SQLite, sqlq.Postgres} {
		query, args := sqlq.New(d).Read(q, 100)
		fmt.Println(query)
		fmt.Println(args...)
	}
	// Output:
	// SELECT position, stream, branch, version, recorded, effective, raw FROM es_events WHERE stream = ? AND branch = ? AND (effective, position) > (?, ?) AND recorded <= ? ORDER BY effective, position LIMIT ?
	// ern:elmo:hr:acme:employee/e-1  5 9 20 100
	// SELECT position, stream, branch, version, recorded, effective, raw FROM es_events WHERE stream = $1 AND branch = $2 AND (effective, position) > ($3, $4) AND recorded <= $5 ORDER BY effective, position LIMIT $6
	// ern:elmo:hr:acme:employee/e-1  5 9 20 100
}
