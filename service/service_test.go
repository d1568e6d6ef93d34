package service_test

import (
	"context"
	"errors"
	"testing"
	"testing/fstest"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/elmosoftware/eventprotocol/config"
	"github.com/elmosoftware/eventprotocol/envelope"
	"github.com/elmosoftware/eventprotocol/event"
	"github.com/elmosoftware/eventprotocol/eventstore"
	"github.com/elmosoftware/eventprotocol/naming"
	"github.com/elmosoftware/eventprotocol/outbox"
	"github.com/elmosoftware/eventprotocol/service"
	"github.com/elmosoftware/eventprotocol/transport"
)

func nopHandler(context.Context, *envelope.Envelope, BalanceAdjusted) error { return nil }

// TestDerivedTopology: on mem:// the topology is a topic per domain of the
// catalogue, and the service's subscription to what it handles.
func TestDerivedTopology(t *testing.T) {
	c := ctx(t)
	svc := open(t, "leave-balance", nil)
	require.NoError(t, service.Handle(svc, adjusted, nopHandler))
	assert.Nil(t, svc.Consumer(), "made at Start")
	require.NoError(t, svc.Start(c))
	topo := svc.Topology()
	require.NotNil(t, topo)
	var domains []string
	for _, d := range topo.Domains {
		domains = append(domains, d.Name)
	}
	assert.Equal(t, []string{"hr", "identity", "leave", "payroll", "platform"}, domains)
	require.Len(t, topo.Services, 1)
	assert.Equal(t, "leave-balance", topo.Services[0].Name)
	assert.Equal(t, []string{"elmo.leave.balance.adjusted.v1"}, topo.Services[0].Consumes)
	assert.NotNil(t, svc.Consumer())
	assert.NotNil(t, svc.Bus())
	assert.Nil(t, svc.Relay(), "off unless Config.Relay")
}

// TestPublishAndHandle: a typed event goes out with the service's source
// and its subject, and comes back to the typed handler; an event published
// from a handler is caused by the one handled.
func TestPublishAndHandle(t *testing.T) {
	c := ctx(t)
	svc := open(t, "leave-balance", nil)
	got := make(chan *envelope.Envelope, 2)
	require.NoError(t, service.Handle(svc, adjusted, func(ctx context.Context, e *envelope.Envelope, p BalanceAdjusted) error {
		assert.Equal(t, "2.5", p.Days)
		_, err := service.Publish(ctx, svc, hired, employee, EmployeeHired{Employee: employee, HireDate: "2026-01-05"})
		got <- e
		return err
	}))
	require.NoError(t, service.Handle(svc, hired, func(ctx context.Context, e *envelope.Envelope, p EmployeeHired) error {
		got <- e
		return nil
	}))
	require.NoError(t, svc.Start(c))
	sent, err := service.Publish(c, svc, adjusted, employee, adjustment("2.5"), event.WithPartitionKey("e-1001"))
	require.NoError(t, err)
	assert.Equal(t, "urn:elmo:service:leave-balance", sent.Source)
	assert.Equal(t, employee, sent.Subject)
	assert.Equal(t, "acme", sent.TenantID, "from the subject")
	assert.Equal(t, "e-1001", sent.PartitionKey)

	first := receive(t, c, got)
	assert.Equal(t, sent.ID, first.ID)
	caused := receive(t, c, got)
	assert.Equal(t, "elmo.hr.employee.hired.v1", caused.Type)
	assert.Equal(t, sent.ID, caused.CausationID, "published from the handler: caused by the event handled")
	assert.Equal(t, sent.ID, caused.CorrelationID)
}

// TestPublishRefuses: before Start, a subject that is no ERN, and a
// payload its schema refuses (strictly, as producers must).
func TestPublishRefuses(t *testing.T) {
	c := ctx(t)
	svc := open(t, "leave-balance", nil)
	_, err := service.Publish(c, svc, adjusted, employee, adjustment("1"))
	assert.ErrorIs(t, err, service.ErrNotStarted)
	assert.ErrorContains(t, err, "call Start or Run")

	require.NoError(t, svc.Start(c))
	_, err = service.Publish(c, svc, adjusted, "employee/e-1001", adjustment("1"))
	assert.ErrorIs(t, err, naming.ErrInvalidERN)
	assert.ErrorContains(t, err, "subject")

	_, err = service.Publish(c, svc, adjusted, employee, BalanceAdjusted{Employee: employee, Days: "lots", Reason: "CORRECTION"})
	var perr *transport.PublishError
	require.ErrorAs(t, err, &perr)
	assert.NotErrorIs(t, err, transport.ErrOutcomeUnknown, "a schema refusal is certain")
	assert.Contains(t, err.Error(), "/days")
	assert.NotContains(t, err.Error(), "lots", "no payload values in errors")
}

// TestHandleRefuses: nil arguments, a second handler of a type, a handler
// after Start.
func TestHandleRefuses(t *testing.T) {
	svc := open(t, "leave-balance", nil)
	assert.ErrorIs(t, service.Handle[BalanceAdjusted](svc, nil, nopHandler), transport.ErrInvalidHandler)
	assert.ErrorIs(t, service.Handle(svc, adjusted, nil), transport.ErrInvalidHandler)
	require.NoError(t, service.Handle(svc, adjusted, nopHandler))
	assert.ErrorIs(t, service.Handle(svc, adjusted, nopHandler), transport.ErrHandlerExists)
	require.NoError(t, svc.Start(ctx(t)))
	assert.ErrorIs(t, service.Handle(svc, hired, func(context.Context, *envelope.Envelope, EmployeeHired) error { return nil }),
		service.ErrStarted)
}

// TestAppendAndRead: Append puts each event in its subject's stream,
// skipping one already there; Read returns the definition's payloads.
func TestAppendAndRead(t *testing.T) {
	c := ctx(t)
	svc := open(t, "leave-balance", nil)
	other := "ern:elmo:hr:acme:employee/e-2002"
	a1, err := adjusted.New(svc.Producer(), adjustment("1"), event.WithSubject(naming.MustParseERN(employee)))
	require.NoError(t, err)
	h, err := hired.New(svc.Producer(), EmployeeHired{Employee: employee, HireDate: "2026-01-05"}, event.WithSubject(naming.MustParseERN(employee)))
	require.NoError(t, err)
	a2, err := adjusted.New(svc.Producer(), BalanceAdjusted{Employee: other, Days: "2", Reason: "OTHER"}, event.WithSubject(naming.MustParseERN(other)))
	require.NoError(t, err)

	require.NoError(t, svc.Append(c, &a1, &h, &a2))
	require.NoError(t, svc.Append(c, &a1), "a redelivery")

	var days []string
	for p, err := range service.Read(c, svc, adjusted, employee) {
		require.NoError(t, err)
		days = append(days, p.Days)
	}
	assert.Equal(t, []string{"1"}, days, "the hire is passed over, the duplicate skipped")
	var versions []int64
	for rec, err := range svc.Store().ReadStream(c, eventstore.Stream{Name: employee}, 0) {
		require.NoError(t, err)
		versions = append(versions, rec.Version)
	}
	assert.Equal(t, []int64{1, 2}, versions)
	for p, err := range service.Read(c, svc, adjusted, other) {
		require.NoError(t, err)
		assert.Equal(t, "2", p.Days)
	}

	noSubject := a1
	noSubject.Subject = ""
	err = svc.Append(c, &a2, &noSubject)
	assert.ErrorIs(t, err, service.ErrNoSubject)
	assert.ErrorContains(t, err, "event 2 of 2")
}

// TestRelay: with Config.Relay, what the service appends is published.
func TestRelay(t *testing.T) {
	c := ctx(t)
	svc := open(t, "leave-balance", &service.Config{Relay: true})
	got := make(chan BalanceAdjusted, 1)
	require.NoError(t, service.Handle(svc, adjusted, func(_ context.Context, _ *envelope.Envelope, p BalanceAdjusted) error {
		got <- p
		return nil
	}))
	require.NoError(t, svc.Start(c))
	require.NotNil(t, svc.Relay())
	e, err := adjusted.New(svc.Producer(), adjustment("4"), event.WithSubject(naming.MustParseERN(employee)))
	require.NoError(t, err)
	require.NoError(t, svc.Append(c, &e))
	assert.Equal(t, "4", receive(t, c, got).Days)
	assert.NoError(t, svc.Health())
}

// TestRun: Run starts the service, runs fn, and closes it; with fn nil it
// runs until its context ends.
func TestRun(t *testing.T) {
	t.Run("fn", func(t *testing.T) {
		svc := open(t, "leave-balance", nil)
		boom := errors.New("boom")
		err := svc.Run(ctx(t), func(ctx context.Context) error {
			_, err := service.Publish(ctx, svc, adjusted, employee, adjustment("1"))
			require.NoError(t, err)
			return boom
		})
		assert.ErrorIs(t, err, boom)
		_, err = service.Publish(ctx(t), svc, adjusted, employee, adjustment("1"))
		assert.ErrorIs(t, err, service.ErrClosed)
	})
	t.Run("until done", func(t *testing.T) {
		svc := open(t, "leave-balance", nil)
		c, cancel := context.WithCancel(ctx(t))
		done := make(chan error, 1)
		go func() { done <- svc.Run(c, nil) }()
		cancel()
		assert.NoError(t, receive(t, ctx(t), done))
		assert.ErrorIs(t, svc.Start(ctx(t)), service.ErrClosed)
	})
}

// TestStartRefuses: a second Start, and a relay whose configuration is
// invalid, before anything started.
func TestStartRefuses(t *testing.T) {
	svc := open(t, "leave-balance", &service.Config{Relay: true, Outbox: &outbox.Config{BatchSize: -1}})
	require.NoError(t, service.Handle(svc, adjusted, nopHandler))
	err := svc.Start(ctx(t))
	assert.ErrorIs(t, err, config.ErrInvalid)
	assert.Nil(t, svc.Relay())
	_, err = service.Publish(ctx(t), svc, adjusted, employee, adjustment("1"))
	assert.ErrorIs(t, err, service.ErrNotStarted, "a Start that failed started nothing")

	ok := open(t, "leave-balance", nil)
	require.NoError(t, ok.Start(ctx(t)))
	assert.ErrorIs(t, ok.Start(ctx(t)), service.ErrStarted)
}

// TestCommandOnMemory: a service that handles a command accepts it on the
// derived topology, and a command it sends itself reaches it.
func TestCommandOnMemory(t *testing.T) {
	c := ctx(t)
	cat := fstest.MapFS{"payroll/payslip.generate.v1.0.json": {Data: []byte(`{"$schema":"https://json-schema.org/draft/2020-12/schema",
		"$id":"https://schemas.elmo.example/elmo.payroll.payslip.generate/1.0","title":"Generate a payslip",
		"description":"Asks payroll to generate an employee's payslip.","x-elmo-kind":"command","type":"object",
		"additionalProperties":false,"required":["employee"],"properties":{"employee":{"type":"string","format":"ern"}},
		"examples":[{"employee":"ern:elmo:hr:acme:employee/e-1"}]}`)}}
	type Generate struct {
		Employee string `json:"employee"`
	}
	generate := event.MustDefine[Generate]("elmo.payroll.payslip.generate.v1", event.AsCommand())
	svc, err := service.Open(c, "payslips", cat, &service.Config{Transport: "mem://", Store: "mem://"})
	require.NoError(t, err)
	defer svc.Close(c)
	got := make(chan string, 1)
	require.NoError(t, service.Handle(svc, generate, func(_ context.Context, _ *envelope.Envelope, p Generate) error {
		got <- p.Employee
		return nil
	}))
	require.NoError(t, svc.Start(c))
	assert.Equal(t, []string{"elmo.payroll.payslip.generate.v1"}, svc.Topology().Services[0].Accepts)
	_, err = service.Publish(c, svc, generate, employee, Generate{Employee: employee})
	require.NoError(t, err)
	assert.Equal(t, employee, receive(t, c, got))
}
