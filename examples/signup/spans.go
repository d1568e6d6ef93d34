package main

import (
	"cmp"
	"fmt"
	"io"
	"slices"
	"strings"

	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	oteltrace "go.opentelemetry.io/otel/trace"

	"github.com/elmosoftware/eventprotocol/telemetry"
	"github.com/elmosoftware/eventprotocol/transport"
)

// spans records the OpenTelemetry spans of a run (--trace) and prints them
// as trees, one per trace. A service would export them instead (OTLP to a
// collector); the library's part is package telemetry either way.
type spans struct {
	rec *tracetest.SpanRecorder
	tel *telemetry.Telemetry
}

func newSpans() (*spans, error) {
	rec := tracetest.NewSpanRecorder()
	tel, err := telemetry.New(&telemetry.Config{TracerProvider: sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(rec))})
	if err != nil {
		return nil, err
	}
	return &spans{rec: rec, tel: tel}, nil
}

// publishHooks and consumerHooks are nil without --trace.
func (s *spans) publishHooks() *transport.PublishHooks {
	if s == nil {
		return nil
	}
	return s.tel.PublishHooks()
}

func (s *spans) consumerHooks(service string) *transport.ConsumerHooks {
	if s == nil {
		return nil
	}
	return s.tel.Consumer(service).Hooks()
}

// print writes every trace as a tree of its spans, children in the order
// they started, with their span events.
func (s *spans) print(w io.Writer) {
	ended := s.rec.Ended()
	children := map[oteltrace.SpanID][]sdktrace.ReadOnlySpan{}
	ids := map[oteltrace.SpanID]bool{}
	for _, sp := range ended {
		ids[sp.SpanContext().SpanID()] = true
	}
	var roots []sdktrace.ReadOnlySpan
	for _, sp := range ended {
		if p := sp.Parent(); p.IsValid() && ids[p.SpanID()] {
			children[p.SpanID()] = append(children[p.SpanID()], sp)
		} else {
			roots = append(roots, sp)
		}
	}
	byStart := func(a, b sdktrace.ReadOnlySpan) int { return a.StartTime().Compare(b.StartTime()) }
	slices.SortFunc(roots, byStart)
	fmt.Fprintf(w, "\n== OpenTelemetry spans: %d traces\n", len(roots))
	var walk func(sp sdktrace.ReadOnlySpan, depth int)
	walk = func(sp sdktrace.ReadOnlySpan, depth int) {
		line := strings.Repeat("   ", depth) + sp.SpanKind().String() + " " + sp.Name()
		for _, kv := range sp.Attributes() {
			if kv.Key == "cloudevents.event_type" {
				line += "  " + kv.Value.AsString()
			}
		}
		var events []string
		for _, e := range sp.Events() {
			if e.Name != "exception" {
				events = append(events, e.Name)
			}
		}
		if len(events) > 0 {
			line += "  [" + strings.Join(events, ", ") + "]"
		}
		fmt.Fprintln(w, cmp.Or(line, "?"))
		kids := children[sp.SpanContext().SpanID()]
		slices.SortFunc(kids, byStart)
		for _, k := range kids {
			walk(k, depth+1)
		}
	}
	for i, r := range roots {
		fmt.Fprintf(w, "trace %d (%s)\n", i+1, r.SpanContext().TraceID())
		walk(r, 1)
	}
}
