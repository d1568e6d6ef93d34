package transport_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/elmosoftware/eventprotocol/envelope"
	"github.com/elmosoftware/eventprotocol/transport"
	"github.com/elmosoftware/eventprotocol/transport/memory"
	"github.com/elmosoftware/eventprotocol/transport/topology"
	"github.com/elmosoftware/eventprotocol/transport/transporttest"
)

const typeGenerate = transporttest.TypeGenerate

func generatePayslip(t testing.TB) *envelope.Envelope {
	t.Helper()
	e, err := (&envelope.Producer{Source: "urn:elmo:service:hr"}).New(typeGenerate, []byte(`{"employee":"ern:elmo:hr:acme:employee/e-1"}`))
	require.NoError(t, err)
	e.Subject, e.TenantID = "ern:elmo:hr:acme:employee/e-1", "acme"
	return &e
}

// TestCommandsGoToTheirOwner: a command goes to the queue of the one
// service that accepts it, past the topics, and is handled there with the
// pipeline of events; its imperative action passes strict validation.
func TestCommandsGoToTheirOwner(t *testing.T) {
	ctx := context.Background()
	b, err := memory.New(nil)
	require.NoError(t, err)
	topo := &topology.Topology{Env: "dev", Domains: []topology.Domain{{Name: "payroll"}},
		Services: []topology.Service{{Name: "payslips", Accepts: []string{typeGenerate}}, {Name: "audit", Consumes: []string{"elmo.payroll.*"}}}}
	bus, err := transport.Open(ctx, b, topo, &transport.OpenConfig{Provision: true, Catalog: transporttest.RequestCatalog(t)})
	require.NoError(t, err)
	got := make(chan string, 1)
	payslips, err := bus.Consumer(ctx, "payslips", nil)
	require.NoError(t, err)
	require.NoError(t, payslips.HandleFunc(typeGenerate, func(_ context.Context, d *transport.Delivery) error {
		got <- d.Envelope.ID
		return nil
	}))
	require.NoError(t, payslips.Start(ctx))
	t.Cleanup(func() { _ = payslips.Shutdown(context.Background()) })
	audit, err := bus.Consumer(ctx, "audit", nil)
	require.NoError(t, err)
	assert.ErrorIs(t, audit.HandleFunc(typeGenerate, func(context.Context, *transport.Delivery) error { return nil }), transport.ErrInvalidHandler,
		"a command reaches its owner alone")

	cmd := generatePayslip(t)
	require.NoError(t, bus.Publisher().Publish(ctx, cmd))
	assert.Equal(t, cmd.ID, within(t, got, "the command"))
	stats, err := b.Stats("audit")
	require.NoError(t, err)
	assert.Zero(t, stats.Visible+stats.InFlight, "the topic's subscribers got nothing")
}

// TestCommandWithoutOwner: a command no service accepts is refused before
// anything is sent, saying how to route it.
func TestCommandWithoutOwner(t *testing.T) {
	ctx := context.Background()
	b, err := memory.New(nil)
	require.NoError(t, err)
	topo := &topology.Topology{Env: "dev", Domains: []topology.Domain{{Name: "payroll"}},
		Services: []topology.Service{{Name: "audit", Consumes: []string{"elmo.payroll.*"}}}}
	bus, err := transport.Open(ctx, b, topo, &transport.OpenConfig{Provision: true, Catalog: transporttest.RequestCatalog(t)})
	require.NoError(t, err)
	err = bus.Publisher().Publish(ctx, generatePayslip(t))
	require.ErrorIs(t, err, transport.ErrNoOwner)
	assert.ErrorContains(t, err, "a service's accepts in the topology")
	var perr *transport.PublishError
	require.ErrorAs(t, err, &perr)
	assert.True(t, perr.Failed[0].Invalid, "certainly not sent")
}

// TestRepliesHandledAsMessages: a service that handles the replies to its
// commands as messages (a process manager) registers them with
// HandleReply, which HandleFunc refuses as never delivered; the reply
// goes to its queue alone.
func TestRepliesHandledAsMessages(t *testing.T) {
	ctx := context.Background()
	b, err := memory.New(nil)
	require.NoError(t, err)
	topo := &topology.Topology{Env: "dev", Domains: []topology.Domain{{Name: "payroll"}},
		Services: []topology.Service{{Name: "payslips", Accepts: []string{typeGenerate}}, {Name: "hr", Requests: []string{typeGenerate}}}}
	bus, err := transport.Open(ctx, b, topo, &transport.OpenConfig{Provision: true, Catalog: transporttest.RequestCatalog(t)})
	require.NoError(t, err)
	hr, err := bus.Consumer(ctx, "hr", nil)
	require.NoError(t, err)
	nop := func(context.Context, *transport.Delivery) error { return nil }
	for _, tc := range []struct {
		name string
		err  error
	}{
		{"HandleFunc", hr.HandleFunc(transporttest.TypeGenerated, nop)},
		{"an invalid type", hr.HandleReply("not a type", nop)},
		{"a nil handler", hr.HandleReply(transporttest.TypeGenerated, nil)},
	} {
		assert.ErrorIs(t, tc.err, transport.ErrInvalidHandler, tc.name)
	}
	got := make(chan string, 1)
	require.NoError(t, hr.HandleReply(transporttest.TypeGenerated, func(_ context.Context, d *transport.Delivery) error {
		got <- d.Envelope.CausationID
		return nil
	}))
	require.NoError(t, hr.Start(ctx))
	t.Cleanup(func() { _ = hr.Shutdown(context.Background()) })

	cmd := generatePayslip(t)
	cmd.Extensions = map[string]any{transport.AttrReplyTo: "hr"}
	reply, err := (&envelope.Producer{Source: "urn:elmo:service:payslips"}).Caused(cmd, transporttest.TypeGenerated, []byte(`{"employee":"ern:elmo:hr:acme:employee/e-1"}`))
	require.NoError(t, err)
	reply.Subject, reply.TenantID = cmd.Subject, cmd.TenantID
	transport.ReplyTo(cmd, &reply)
	require.NoError(t, bus.Publisher().Publish(ctx, &reply))
	assert.Equal(t, cmd.ID, within(t, got, "the reply"))
}
