package transporttest

import (
	"context"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"testing/fstest"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/elmosoftware/eventprotocol/envelope"
	"github.com/elmosoftware/eventprotocol/schema"
	"github.com/elmosoftware/eventprotocol/transport"
	"github.com/elmosoftware/eventprotocol/transport/driver"
	"github.com/elmosoftware/eventprotocol/transport/topology"
)

// The command and its reply of RunRequests.
const (
	TypeGenerate  = "elmo.payroll.payslip.generate.v1"
	TypeGenerated = "elmo.payroll.payslip.generated.v1"
	// TypeIssued is an event beside them, the benchmarks' yardstick.
	TypeIssued = "elmo.payroll.payslip.issued.v1"
)

// RequestCatalog is a catalogue with the command of RunRequests, and its
// reply.
func RequestCatalog(t testing.TB) *schema.Catalog {
	t.Helper()
	doc := func(typ, title, kind string) []byte {
		return []byte(fmt.Sprintf(`{"$schema":"https://json-schema.org/draft/2020-12/schema",
			"$id":"https://schemas.elmo.example/%s/1.0","title":%q,"description":"A test of request and reply.","x-elmo-kind":%q,
			"type":"object","additionalProperties":false,"required":["employee"],
			"properties":{"employee":{"type":"string","format":"ern"},"decline":{"type":"boolean"}},
			"examples":[{"employee":"ern:elmo:hr:acme:employee/e-1"}]}`, typ, title, kind))
	}
	cat, err := schema.Load(fstest.MapFS{
		"payroll/payslip.generate.v1.0.json":  {Data: doc("elmo.payroll.payslip.generate", "Generate a payslip", "command")},
		"payroll/payslip.generated.v1.0.json": {Data: doc("elmo.payroll.payslip.generated", "Payslip generated", "reply")},
		"payroll/payslip.issued.v1.0.json":    {Data: doc("elmo.payroll.payslip.issued", "Payslip issued", "event")},
	})
	require.NoError(t, err)
	return cat
}

// syncBuffer is a log's text, written and read from several goroutines.
type syncBuffer struct {
	mu sync.Mutex
	b  strings.Builder
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// RunRequests checks request and reply on a driver: hr requests a payslip
// of payroll, which accepts the command and replies; the reply comes back
// to hr's own queue and to the waiting Request; a command left unanswered
// times out with a *transport.ReplyTimeoutError, and its late reply is
// acknowledged. newDriver returns a driver for a fresh environment env.
func RunRequests(t *testing.T, newDriver func(t *testing.T) driver.Driver, env string) {
	ctx := context.Background()
	topo := &topology.Topology{Env: env, Domains: []topology.Domain{{Name: "payroll"}},
		Services: []topology.Service{{Name: "payroll", Accepts: []string{TypeGenerate}}, {Name: "hr", Requests: []string{TypeGenerate}}}}
	bus, err := transport.Open(ctx, newDriver(t), topo, &transport.OpenConfig{Provision: true, Catalog: RequestCatalog(t)})
	require.NoError(t, err)
	t.Cleanup(func() { _ = bus.Teardown(context.Background()) })

	producer := &envelope.Producer{Source: "urn:elmo:service:payroll"}
	hold := make(chan struct{}) // a command that says decline waits here
	payroll, err := bus.Consumer(ctx, "payroll", nil)
	require.NoError(t, err)
	require.NoError(t, payroll.HandleFunc(TypeGenerate, func(ctx context.Context, d *transport.Delivery) error {
		if string(d.Envelope.Data) != `{"employee":"ern:elmo:hr:acme:employee/e-1"}` {
			<-hold // answered late
		}
		reply, err := producer.Caused(d.Envelope, TypeGenerated, []byte(`{"employee":"ern:elmo:hr:acme:employee/e-1"}`))
		if err != nil {
			return transport.Permanent(err)
		}
		reply.Subject, reply.TenantID = d.Envelope.Subject, d.Envelope.TenantID
		transport.ReplyTo(d.Envelope, &reply)
		return bus.Publisher().Publish(ctx, &reply)
	}))
	require.NoError(t, payroll.Start(ctx))
	t.Cleanup(func() { _ = payroll.Shutdown(context.Background()) })

	hr, err := bus.Consumer(ctx, "hr", nil)
	require.NoError(t, err)
	var logged syncBuffer
	requester, err := transport.NewRequester(bus.Publisher(), hr, "hr", []string{TypeGenerated},
		&transport.RequesterConfig{Timeout: 3 * time.Second, Logger: slog.New(slog.NewTextHandler(&logged, nil))})
	require.NoError(t, err)
	require.NoError(t, hr.Start(ctx))
	t.Cleanup(func() { _ = hr.Shutdown(context.Background()) })

	command := func(data string) *envelope.Envelope {
		e, err := (&envelope.Producer{Source: "urn:elmo:service:hr"}).New(TypeGenerate, []byte(data))
		require.NoError(t, err)
		e.Subject, e.TenantID = "ern:elmo:hr:acme:employee/e-1", "acme"
		return &e
	}
	cmd := command(`{"employee":"ern:elmo:hr:acme:employee/e-1"}`)
	reply, err := requester.Request(ctx, cmd)
	require.NoError(t, err)
	assert.Equal(t, TypeGenerated, reply.Type)
	assert.Equal(t, cmd.ID, reply.CausationID, "correlated by causation")
	assert.Equal(t, cmd.CorrelationID, reply.CorrelationID)

	slow := command(`{"employee":"ern:elmo:hr:acme:employee/e-1","decline":true}`)
	_, err = requester.Request(ctx, slow)
	var timeout *transport.ReplyTimeoutError
	require.ErrorAs(t, err, &timeout)
	assert.Equal(t, slow.ID, timeout.CommandID)
	assert.ErrorIs(t, err, transport.ErrOutcomeUnknown, "the command was sent")
	close(hold) // the late reply comes, and is acknowledged and logged
	require.Eventually(t, func() bool { return strings.Contains(logged.String(), "no request waits for") }, 30*time.Second, 50*time.Millisecond)
	assert.Contains(t, logged.String(), "causationid="+slow.ID)
	assert.NotContains(t, logged.String(), "employee/e-1", "no payload value in the log") // ids are random: "e-1" may be in one
	again, err := requester.Request(ctx, command(`{"employee":"ern:elmo:hr:acme:employee/e-1"}`))
	require.NoError(t, err, "the requester works on after a late reply")
	assert.Equal(t, TypeGenerated, again.Type)
}
