// Package telemetry instruments the runtime (transport publishers and
// consumers, outbox relays) with OpenTelemetry:
// traces and metrics that follow one business fact from its producer
// through every consumer, retry and dead letter. It uses only the
// OpenTelemetry API (go.opentelemetry.io/otel, its trace and metric
// packages); the SDK, and where the data goes, are the application's.
//
// It plugs into the runtime's public extension points: [Telemetry.PublishHooks]
// for transport.PublisherConfig.Hooks, and [ConsumerTelemetry.Hooks] for
// transport.ConsumerConfig.Hooks.
//
//	tel, err := telemetry.New(nil) // the global providers, set by the application
//	bus, err := transport.Open(ctx, driver, topo, &transport.OpenConfig{
//		Publisher: &transport.PublisherConfig{Hooks: tel.PublishHooks()}})
//	billing := tel.Consumer("billing")
//	consumer, err := bus.Consumer(ctx, "billing", &transport.ConsumerConfig{Hooks: billing.Hooks()})
//
// Telemetry measures; it does not judge. Whether a component can do its
// work is the runtime's to say: transport.Consumer.Health and
// outbox.Relay.Health, one model (transport.Health) behind one readiness
// probe.
//
// # Traces
//
// Spans follow the OpenTelemetry messaging semantic conventions. Each
// Publish call is a PRODUCER span "publish <domain>" (messaging.operation.type
// send; messaging.batch.message_count for several events, the event's
// attributes for one), and its context becomes the
// creation context of the events that carry none: their traceparent (the
// CloudEvents distributed-tracing extension). Each handled event is a
// CONSUMER span "process <consumer>" (messaging.operation.type process)
// whose context the handler receives, so what it publishes joins the
// trace; it is a child of, and linked to, the creation context in the
// event's traceparent. Both carry messaging.system (aws.sns, aws_sqs),
// messaging.destination.name, messaging.message.id and the CloudEvents
// attributes cloudevents.event_id, event_source, event_type and
// event_subject. Errors are recorded; a retry, a dead letter and a
// skipped duplicate are span events. A message refused before any handler
// runs gets a span of its own with its dead-letter event. Payload data
// never becomes an attribute, and a reason is a class
// (undecodable, attribute_mismatch, invalid_payload, no_handler,
// permanent, max_attempts), never a message.
//
// # Metrics
//
// Named after the messaging conventions where they have one:
// messaging.client.sent.messages, messaging.client.operation.duration
// (publishing), messaging.client.consumed.messages (received) and
// messaging.process.duration (handlers); and elmo.messaging.publish.failures
// (by outcome: rejected or unknown), elmo.messaging.handled (by outcome),
// elmo.messaging.retries, elmo.messaging.dead_letters (by reason class),
// elmo.messaging.duplicates, elmo.messaging.message.age (seconds from the
// event's time to its receipt: consumer lag) and elmo.messaging.in_flight.
//
// An outbox relay's metrics come from [Telemetry.Relay]: its Hooks go in
// outbox.Config.Hooks, and elmo.outbox.published, elmo.outbox.retries,
// elmo.outbox.parked and elmo.outbox.position follow, named by
// elmo.outbox.relay; its health is outbox.Relay.Health.
//
// With no provider registered (OpenTelemetry's global default) the hooks
// cost little: they make no spans, since none could record, yet hand the
// handler the event's creation context as the global no-op tracer would,
// so trace context still flows from event to event; and they read no
// clock for the histograms. A provider registered later (otel.SetTracerProvider,
// otel.SetMeterProvider) is used from its first event on. Otherwise,
// attributes are built only for spans that record, and the metric
// attribute sets are made once.
package telemetry
