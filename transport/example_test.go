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
