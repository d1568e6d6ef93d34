package snssqstest_test

import (
	"context"
	"fmt"

	"github.com/elmosoftware/eventprotocol/envelope"
	"github.com/elmosoftware/eventprotocol/transport"
	"github.com/elmosoftware/eventprotocol/transport/snssqs/snssqstest"
	"github.com/elmosoftware/eventprotocol/transport/topology"
)

// A service's test against a real SNS/SQS server: start one, open the
// service's topology on it, publish, consume. In a test, StartForTest(t)
// stops the server when the test ends.
func ExampleStart() {
	ctx := context.Background()
	srv, err := snssqstest.Start(ctx)
	if err != nil {
		fmt.Println(err)
		return
	}
	defer srv.Stop()
	d, err := srv.Driver(ctx, nil)
	if err != nil {
		fmt.Println(err)
		return
	}
	topo := &topology.Topology{Env: "test", Domains: []topology.Domain{{Name: "identity"}},
		Services: []topology.Service{{Name: "billing", Consumes: []string{"elmo.identity.client.signed_up.v1"}}}}
	bus, err := transport.Open(ctx, d, topo, &transport.OpenConfig{Provision: true})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer bus.Teardown(ctx) //nolint:errcheck

	e, err := (&envelope.Producer{Source: "urn:elmo:service:identity"}).New("elmo.identity.client.signed_up.v1", []byte(`{}`))
	if err != nil {
		fmt.Println(err)
		return
	}
	e.Subject, e.TenantID = "ern:elmo:identity:acme:client/acme", "acme"
	if err := bus.Publisher().Publish(ctx, &e); err != nil {
		fmt.Println(err)
		return
	}
	billing, err := bus.Consumer(ctx, "billing", nil)
	if err != nil {
		fmt.Println(err)
		return
	}
	got := make(chan string, 1)
	_ = billing.HandleFunc("elmo.identity.client.signed_up.v1", func(_ context.Context, d *transport.Delivery) error {
		got <- d.Envelope.Subject
		return nil
	})
	_ = billing.Start(ctx)
	fmt.Println("billing got", <-got)
	fmt.Println("shutdown:", billing.Shutdown(ctx))
	// Output:
	// billing got ern:elmo:identity:acme:client/acme
	// shutdown: <nil>
}
