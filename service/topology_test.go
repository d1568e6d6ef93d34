package service_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"

	"github.com/elmosoftware/eventprotocol/envelope"
	"github.com/elmosoftware/eventprotocol/service"
	"github.com/elmosoftware/eventprotocol/telemetry"
	"github.com/elmosoftware/eventprotocol/transport"
	"github.com/elmosoftware/eventprotocol/transport/snssqs/snssqstest"
	"github.com/elmosoftware/eventprotocol/transport/topology"
)

// leaveTopology lists leave-balance as consuming balance adjustments only,
// and reporting as consuming nothing of this catalogue's.
func leaveTopology() *topology.Topology {
	return &topology.Topology{Env: "test", Domains: []topology.Domain{{Name: "leave"}, {Name: "hr"}},
		Services: []topology.Service{{Name: "leave-balance", Consumes: []string{"elmo.leave.balance.adjusted.v1"}}}}
}

// TestGivenTopologyRefusesHandlers: with a topology given, a handler the
// service's subscription would never call is refused at once, naming the
// fix.
func TestGivenTopologyRefusesHandlers(t *testing.T) {
	svc := open(t, "leave-balance", &service.Config{Topology: leaveTopology()})
	require.NoError(t, service.Handle(svc, adjusted, nopHandler))
	err := service.Handle(svc, hired, func(context.Context, *envelope.Envelope, EmployeeHired) error { return nil })
	assert.ErrorIs(t, err, transport.ErrInvalidHandler)
	assert.ErrorContains(t, err, "add it to the service's consumes in the topology")

	reporting := open(t, "reporting", &service.Config{Topology: leaveTopology()})
	err = service.Handle(reporting, adjusted, nopHandler)
	assert.ErrorIs(t, err, transport.ErrInvalidHandler)
	assert.ErrorContains(t, err, `the topology lists no consumer "reporting"`)
	require.NoError(t, reporting.Start(ctx(t)), "a service may only publish")
}

// TestOnGoAws: the same service on SNS/SQS (GoAws), its topology given and
// provisioned, publishes and handles.
func TestOnGoAws(t *testing.T) {
	srv := snssqstest.StartForTest(t)
	c := ctx(t)
	svc := open(t, "leave-balance", &service.Config{
		Transport: "snssqs://?region=" + snssqstest.Region + "&endpoint=" + srv.Endpoint + "&wait=1s&provision=true",
		Topology:  leaveTopology(),
	})
	got := make(chan BalanceAdjusted, 1)
	require.NoError(t, service.Handle(svc, adjusted, func(_ context.Context, _ *envelope.Envelope, p BalanceAdjusted) error {
		got <- p
		return nil
	}))
	require.NoError(t, svc.Run(c, func(ctx context.Context) error {
		_, err := service.Publish(ctx, svc, adjusted, employee, adjustment("3"))
		require.NoError(t, err)
		assert.Equal(t, "3", receive(t, ctx, got).Days)
		return nil
	}))
}

// TestTelemetryWired: the service's publisher and consumer make spans on
// the configured provider without any hook set by hand.
func TestTelemetryWired(t *testing.T) {
	c := ctx(t)
	spans := tracetest.NewSpanRecorder()
	tp := trace.NewTracerProvider(trace.WithSpanProcessor(spans))
	svc := open(t, "leave-balance", &service.Config{Telemetry: &telemetry.Config{TracerProvider: tp}})
	done := make(chan struct{}, 1)
	require.NoError(t, service.Handle(svc, adjusted, func(context.Context, *envelope.Envelope, BalanceAdjusted) error {
		done <- struct{}{}
		return nil
	}))
	require.NoError(t, svc.Start(c))
	_, err := service.Publish(c, svc, adjusted, employee, adjustment("1"))
	require.NoError(t, err)
	receive(t, c, done)
	require.NoError(t, svc.Close(c))
	var names []string
	for _, s := range spans.Ended() {
		names = append(names, s.Name())
	}
	assert.Contains(t, names, "publish leave")
	assert.Contains(t, names, "process leave-balance")
}
