package transport_test

import (
	"context"
	"fmt"
	"time"

	"github.com/elmosoftware/eventprotocol/envelope"
	"github.com/elmosoftware/eventprotocol/event"
	"github.com/elmosoftware/eventprotocol/naming"
	"github.com/elmosoftware/eventprotocol/transport"
	"github.com/elmosoftware/eventprotocol/transport/memory"
	"github.com/elmosoftware/eventprotocol/transport/topology"
)

type ClientSignedUp struct {
	Client       naming.ERN `json:"client"`
	CompanyName  string     `json:"companyName"`
	Plan         string     `json:"plan"`
	ContactEmail string     `json:"contactEmail"`
}

var clientSignedUp = event.MustDefine[ClientSignedUp]("elmo.identity.client.signed_up.v1")

// Publishing and consuming on the in-memory transport, wired from a
// topology: one topic per domain, one subscription (queue) per consuming
// service. On SNS/SQS only the driver differs (snssqs.NewDriver).
func Example() {
	ctx := context.Background()
	topo := &topology.Topology{Env: "dev", Domains: []topology.Domain{{Name: "identity"}},
		Services: []topology.Service{{Name: "welcome-email", Consumes: []string{clientSignedUp.Type().String()}}}}
	broker, err := memory.New(nil)
	if err != nil {
		fmt.Println(err)
		return
	}
	bus, err := transport.Open(ctx, broker, topo, &transport.OpenConfig{Provision: true})
	if err != nil {
		fmt.Println(err)
		return
	}

	// The consuming service.
	consumer, err := bus.Consumer(ctx, "welcome-email", nil)
	if err != nil {
		fmt.Println(err)
		return
	}
	done := make(chan struct{})
	_ = transport.Handle(consumer, clientSignedUp, func(ctx context.Context, e *envelope.Envelope, p ClientSignedUp) error {
		fmt.Printf("welcome email to %s (%s plan)\n", p.ContactEmail, p.Plan)
		close(done)
		return nil
	})
	if err := consumer.Start(ctx); err != nil {
		fmt.Println(err)
		return
	}

	// The producing service.
	publisher := bus.Publisher()
	producer := &envelope.Producer{Source: "urn:elmo:service:identity"}
	client := naming.MustParseERN("ern:elmo:identity:acme:client/acme")
	e, err := clientSignedUp.New(producer, ClientSignedUp{Client: client, CompanyName: "Acme Pty Ltd", Plan: "STANDARD", ContactEmail: "ops@acme.example"},
		event.WithSubject(client), event.WithTenant("acme"))
	if err != nil {
		fmt.Println(err)
		return
	}
	if err := publisher.Publish(ctx, &e); err != nil {
		fmt.Println(err)
		return
	}

	<-done
	sctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	fmt.Println("shutdown:", consumer.Shutdown(sctx))
	// Output:
	// welcome email to ops@acme.example (STANDARD plan)
	// shutdown: <nil>
}

// Middleware is function wrapping: here one that tells which tenant's
// event a handler runs for, inside the built-in recovery, validation and
// deduplication.
func ExampleMiddleware() {
	ctx := context.Background()
	topo := &topology.Topology{Env: "dev", Domains: []topology.Domain{{Name: "identity"}},
		Services: []topology.Service{{Name: "billing", Consumes: []string{clientSignedUp.Type().String()}}}}
	broker, _ := memory.New(nil)
	bus, err := transport.Open(ctx, broker, topo, &transport.OpenConfig{Provision: true})
	if err != nil {
		fmt.Println(err)
		return
	}
	perTenant := func(next transport.HandlerFunc) transport.HandlerFunc {
		return func(ctx context.Context, d *transport.Delivery) error {
			fmt.Println("tenant", d.Envelope.TenantID)
			return next(ctx, d)
		}
	}
	billing, _ := bus.Consumer(ctx, "billing", &transport.ConsumerConfig{Middleware: []transport.Middleware{perTenant}})
	done := make(chan struct{})
	_ = transport.Handle(billing, clientSignedUp, func(_ context.Context, _ *envelope.Envelope, p ClientSignedUp) error {
		fmt.Println("invoice for", p.CompanyName)
		close(done)
		return nil
	})
	_ = billing.Start(ctx)
	client := naming.MustParseERN("ern:elmo:identity:acme:client/acme")
	e, _ := clientSignedUp.New(&envelope.Producer{Source: "urn:elmo:service:identity"}, ClientSignedUp{Client: client, CompanyName: "Acme Pty Ltd"}, event.WithSubject(client))
	_ = bus.Publisher().Publish(ctx, &e)
	<-done
	_ = billing.Shutdown(ctx)
	// Output:
	// tenant acme
	// invoice for Acme Pty Ltd
}

// Run is Start, then, when ctx is done (a signal, say), a Shutdown that
// gives the handlers in flight up to drain to finish.
func ExampleConsumer_Run() {
	topo := &topology.Topology{Env: "dev", Domains: []topology.Domain{{Name: "identity"}},
		Services: []topology.Service{{Name: "billing", Consumes: []string{clientSignedUp.Type().String()}}}}
	broker, _ := memory.New(nil)
	bus, err := transport.Open(context.Background(), broker, topo, &transport.OpenConfig{Provision: true})
	if err != nil {
		fmt.Println(err)
		return
	}
	// In a service: ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	ctx, stop := context.WithCancel(context.Background())
	billing, _ := bus.Consumer(ctx, "billing", nil)
	_ = transport.Handle(billing, clientSignedUp, func(context.Context, *envelope.Envelope, ClientSignedUp) error {
		fmt.Println("handled; stopping")
		stop()
		return nil
	})
	client := naming.MustParseERN("ern:elmo:identity:acme:client/acme")
	e, _ := clientSignedUp.New(&envelope.Producer{Source: "urn:elmo:service:identity"}, ClientSignedUp{Client: client}, event.WithSubject(client))
	_ = bus.Publisher().Publish(context.Background(), &e)

	fmt.Println("run:", billing.Run(ctx, 10*time.Second))
	// Output:
	// handled; stopping
	// run: <nil>
}
