package transport

import "context"

type traceKey struct{}

type traceContext struct{ parent, state string }

// WithTraceContext returns ctx carrying a W3C trace context. Publish copies
// it onto events that have none; the consumer runtime sets it from each
// delivered event, so events a handler publishes continue its trace.
func WithTraceContext(ctx context.Context, traceparent, tracestate string) context.Context {
	if traceparent == "" {
		return ctx
	}
	return context.WithValue(ctx, traceKey{}, traceContext{traceparent, tracestate})
}

// TraceContext returns the trace context ctx carries, if any: the one set
// by WithTraceContext, or else the delivered event's.
func TraceContext(ctx context.Context) (traceparent, tracestate string) {
	if tc, ok := ctx.Value(traceKey{}).(traceContext); ok {
		return tc.parent, tc.state
	}
	if d, ok := DeliveryFrom(ctx); ok {
		return d.Envelope.TraceParent, d.Envelope.TraceState
	}
	return "", ""
}

type deliveryKey struct{}

// DeliveryFrom returns the delivery a handler's context belongs to.
func DeliveryFrom(ctx context.Context) (*Delivery, bool) {
	d, ok := ctx.Value(deliveryKey{}).(*Delivery)
	return d, ok
}
