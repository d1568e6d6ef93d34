package telemetry_test

import (
	"context"
	"fmt"
	"slices"
	"strings"

	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"

	"github.com/elmosoftware/eventprotocol/envelope"
	"github.com/elmosoftware/eventprotocol/telemetry"
	"github.com/elmosoftware/eventprotocol/transport"
	"github.com/elmosoftware/eventprotocol/transport/memory"
	"github.com/elmosoftware/eventprotocol/transport/topology"
)

// One event traced from its producer to a consumer: the application owns
// the SDK (here a recorder in place of an exporter) and hands its provider
// to telemetry.New; the hooks go into the publisher's and the consumer's
// configs.
func Example() {
	ctx := context.Background()
	spans := tracetest.NewSpanRecorder()
	tel, err := telemetry.New(&telemetry.Config{TracerProvider: sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(spans))})
	if err != nil {
		fmt.Println(err)
		return
	}
	topo := &topology.Topology{Env: "dev", Domains: []topology.Domain{{Name: "identity"}},
		Services: []topology.Service{{Name: "billing", Consumes: []string{typeSignedUp}}}}
	broker, _ := memory.New(nil)
	bus, err := transport.Open(ctx, broker, topo, &transport.OpenConfig{Provision: true,
		Publisher: &transport.PublisherConfig{Hooks: tel.PublishHooks()}})
	if err != nil {
		fmt.Println(err)
		return
	}
	billing := tel.Consumer("billing")
	consumer, _ := bus.Consumer(ctx, "billing", &transport.ConsumerConfig{Hooks: billing.Hooks()})
	done := make(chan struct{})
	_ = consumer.HandleFunc(typeSignedUp, func(context.Context, *transport.Delivery) error { close(done); return nil })
	_ = consumer.Start(ctx)

	e, _ := (&envelope.Producer{Source: "urn:elmo:service:identity"}).New(typeSignedUp, []byte(`{}`))
	e.Subject, e.TenantID = "ern:elmo:identity:acme:client/acme", "acme"
	_ = bus.Publisher().Publish(ctx, &e)
	<-done
	_ = consumer.Shutdown(ctx)

	ended := spans.Ended()
	slices.SortFunc(ended, func(a, b sdktrace.ReadOnlySpan) int { return strings.Compare(b.Name(), a.Name()) })
	for _, s := range ended {
		fmt.Println(s.SpanKind(), s.Name())
	}
	fmt.Println("one trace:", ended[0].SpanContext().TraceID() == ended[1].SpanContext().TraceID())
	// Output:
	// producer publish identity
	// consumer process billing
	// one trace: true
}
