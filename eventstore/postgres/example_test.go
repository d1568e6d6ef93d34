package postgres_test

import (
	"context"
	"errors"
	"fmt"

	"github.com/elmosoftware/eventprotocol/envelope"
	"github.com/elmosoftware/eventprotocol/eventstore"
	"github.com/elmosoftware/eventprotocol/eventstore/postgres"
)

// A store on PostgreSQL (here the tests' own server), and a version
// conflict.
func ExampleOpen() {
	ctx := context.Background()
	backend, err := postgres.Open(ctx, server.DSN, &postgres.Config{Schema: "example"})
	if err != nil {
		fmt.Println(err)
		return
	}
	store, err := eventstore.New(backend, nil)
	if err != nil {
		fmt.Println(err)
		return
	}
	defer store.Close()
	p := &envelope.Producer{Source: "urn:elmo:service:hr"}
	hired := func() *envelope.Envelope {
		e, _ := p.New("elmo.hr.employee.hired.v1", []byte(`{}`))
		e.Subject, e.TenantID = "ern:elmo:hr:acme:employee/e-1", "acme"
		return &e
	}
	st := eventstore.Stream{Name: "ern:elmo:hr:acme:employee/e-1"}
	res, err := store.Append(ctx, st, eventstore.Exactly(0), hired())
	fmt.Println(res.Version, res.FirstPosition, err)
	_, err = store.Append(ctx, st, eventstore.Exactly(0), hired())
	var conflict *eventstore.ConflictError
	fmt.Println(errors.As(err, &conflict), conflict.Actual)
	// Output:
	// 1 1 <nil>
	// true 1
}
