package memory_test

import (
	"context"
	"fmt"

	"github.com/elmosoftware/eventprotocol/envelope"
	"github.com/elmosoftware/eventprotocol/eventstore"
	"github.com/elmosoftware/eventprotocol/eventstore/memory"
)

// A store in memory, and a subscription that catches up with it.
func ExampleNewStore() {
	ctx := context.Background()
	store, err := memory.NewStore(nil)
	if err != nil {
		fmt.Println(err)
		return
	}
	p := &envelope.Producer{Source: "urn:elmo:service:hr"}
	e, _ := p.New("elmo.hr.employee.hired.v1", []byte(`{}`))
	e.Subject, e.TenantID = "ern:elmo:hr:acme:employee/e-1", "acme"
	if _, err := store.Append(ctx, eventstore.Stream{Name: e.Subject}, eventstore.Exactly(0), &e); err != nil {
		fmt.Println(err)
		return
	}
	sctx, stop := context.WithCancel(ctx)
	err = store.Subscribe(sctx, "directory", func(_ context.Context, r eventstore.Record) error {
		fmt.Println("handled", r.Stream, "version", r.Version, "at position", r.Position)
		return nil
	}, &eventstore.SubscribeConfig{CaughtUp: stop})
	fmt.Println(err)
	// Output:
	// handled ern:elmo:hr:acme:employee/e-1 version 1 at position 1
	// context canceled
}
