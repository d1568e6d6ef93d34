package outbox_test

import (
	"context"
	"fmt"
	"time"

	"github.com/elmosoftware/eventprotocol/envelope"
	"github.com/elmosoftware/eventprotocol/eventstore"
	esmemory "github.com/elmosoftware/eventprotocol/eventstore/memory"
	"github.com/elmosoftware/eventprotocol/outbox"
	"github.com/elmosoftware/eventprotocol/transport"
	"github.com/elmosoftware/eventprotocol/transport/memory"
	"github.com/elmosoftware/eventprotocol/transport/topology"
)

// An event-sourced service appends to its store; the relay publishes
// what it appended, and a consumer elsewhere receives it.
func Example() {
	ctx := context.Background()
	store, _ := esmemory.NewStore(nil)
	broker, _ := memory.New(nil)
	topo := &topology.Topology{Env: "dev", Domains: []topology.Domain{{Name: "hr"}},
		Services: []topology.Service{{Name: "payroll", Consumes: []string{"elmo.hr.employee.hired.v1"}}}}
	bus, err := transport.Open(ctx, broker, topo, &transport.OpenConfig{Provision: true})
	if err != nil {
		fmt.Println(err)
		return
	}

	// The command: the fact is stored, nothing is published yet.
	e, _ := (&envelope.Producer{Source: "urn:elmo:service:hr"}).New("elmo.hr.employee.hired.v1", []byte(`{}`))
	e.Subject, e.TenantID = "ern:elmo:hr:acme:employee/e-1", "acme"
	if _, err := store.Append(ctx, eventstore.Stream{Name: e.Subject}, eventstore.Exactly(0), &e); err != nil {
		fmt.Println(err)
		return
	}

	relay, _ := outbox.New(store, bus.Publisher(), nil)
	rctx, stop := context.WithCancel(ctx)
	defer stop()
	go func() { _ = relay.Run(rctx) }()

	payroll, _ := bus.Consumer(ctx, "payroll", nil)
	got := make(chan string, 1)
	_ = payroll.HandleFunc("elmo.hr.employee.hired.v1", func(_ context.Context, d *transport.Delivery) error {
		got <- d.Envelope.Subject
		return nil
	})
	_ = payroll.Start(ctx)
	defer payroll.Shutdown(ctx) //nolint:errcheck
	select {
	case s := <-got:
		fmt.Println("payroll heard of", s)
	case <-time.After(10 * time.Second):
		fmt.Println("nothing arrived")
	}
	// Output: payroll heard of ern:elmo:hr:acme:employee/e-1
}
