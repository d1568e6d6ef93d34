package main

import (
	"context"
	"fmt"
	"io"
	"sync"
	"time"

	"github.com/elmosoftware/eventprotocol/envelope"
	"github.com/elmosoftware/eventprotocol/event"
	"github.com/elmosoftware/eventprotocol/examples/leavebalance/ledger"
	"github.com/elmosoftware/eventprotocol/naming"
	"github.com/elmosoftware/eventprotocol/transport"
	"github.com/elmosoftware/eventprotocol/transport/topology"
)

// demoNow is "now" in the demo, so that its answers never change.
var demoNow = time.Date(2026, 11, 26, 18, 0, 0, 0, time.UTC)

var demoEmployee = naming.MustParseERN("ern:elmo:hr:acme:employee/e-1001")

func date(s string) time.Time {
	t, err := time.Parse(time.DateOnly, s)
	if err != nil {
		panic(err) // the demo's own constants
	}
	return t
}

// history builds a year of one employee's events, each recorded at its
// own time.
type history struct {
	clock    time.Time
	producer *envelope.Producer
	events   []*envelope.Envelope
}

func newHistory() *history {
	h := &history{}
	h.producer = &envelope.Producer{Source: "urn:elmo:service:leave", Now: func() time.Time { return h.clock }}
	return h
}

// record makes an event recorded at recorded and taking effect at effect.
func record[T any](h *history, def *event.Definition[T], recorded string, effect time.Time, payload T) *envelope.Envelope {
	t, err := time.Parse(time.RFC3339, recorded)
	if err != nil {
		panic(err)
	}
	h.clock = t
	e, err := def.New(h.producer, payload, event.WithSubject(demoEmployee), event.WithTenant("acme"), event.WithEffectiveTime(effect), event.WithPartitionKey(demoEmployee.String()))
	if err != nil {
		panic(err) // the demo's own, valid payloads
	}
	h.events = append(h.events, &e)
	return &e
}

func demoHistory() *history {
	h := newHistory()
	emp := demoEmployee
	record(h, ledger.EmployeeHiredEvent, "2026-01-02T09:00:00Z", date("2026-01-05"), ledger.EmployeeHired{Employee: emp, HireDate: "2026-01-05"})
	record(h, ledger.PolicyAssignedEvent, "2026-01-02T09:05:00Z", date("2026-01-05"), ledger.PolicyAssigned{Employee: emp, DaysPerPeriod: "1.5", PeriodDays: 14, AnchorDate: "2026-01-05"})
	record(h, ledger.AbsenceApprovedEvent, "2026-02-01T10:00:00Z", date("2026-02-16"), ledger.AbsenceApproved{Employee: emp, Date: "2026-02-16", Days: "1"})
	record(h, ledger.AbsenceApprovedEvent, "2026-03-20T10:00:00Z", date("2026-04-07"), ledger.AbsenceApproved{Employee: emp, Date: "2026-04-07", Days: "2"})
	winter := record(h, ledger.AbsenceApprovedEvent, "2026-06-01T10:00:00Z", date("2026-06-22"), ledger.AbsenceApproved{Employee: emp, Date: "2026-06-22", Days: "5"})
	record(h, ledger.AbsenceAmendedEvent, "2026-06-25T08:00:00Z", date("2026-06-22"), ledger.AbsenceAmended{Employee: emp, AbsenceID: winter.ID, Days: "3"})
	record(h, ledger.PolicyAssignedEvent, "2026-07-01T09:00:00Z", date("2026-07-06"), ledger.PolicyAssigned{Employee: emp, DaysPerPeriod: "2", PeriodDays: 14, AnchorDate: "2026-07-06"})
	record(h, ledger.AbsenceApprovedEvent, "2026-09-01T10:00:00Z", date("2026-09-14"), ledger.AbsenceApproved{Employee: emp, Date: "2026-09-14", Days: "3"})
	record(h, ledger.BalanceAdjustedEvent, "2026-10-01T09:00:00Z", date("2026-10-01"), ledger.BalanceAdjusted{Employee: emp, Days: "-2", Reason: "CASH_OUT"})
	record(h, ledger.AbsenceApprovedEvent, "2026-11-20T10:00:00Z", date("2026-12-21"), ledger.AbsenceApproved{Employee: emp, Date: "2026-12-21", Days: "4"})
	return h
}

// readSide is the ledger behind a consumer: the read side of CQRS.
type readSide struct {
	mu     sync.Mutex
	ledger *ledger.Ledger
	added  chan struct{}
}

func (r *readSide) handle(_ context.Context, d *transport.Delivery) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if err := r.ledger.Add(d.Envelope); err != nil {
		return transport.Permanent(err)
	}
	r.added <- struct{}{}
	return nil
}

func (r *readSide) balance(on, knownAt time.Time) (ledger.Days, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.ledger.Balance(demoEmployee, on, knownAt)
}

// ledgerTopology is the demo's topology: the topics of the hr and leave
// domains, and the ledger's queue taking the five types.
func ledgerTopology(env string) *topology.Topology {
	types := []string{ledger.EmployeeHiredEvent.Type().String(), ledger.PolicyAssignedEvent.Type().String(), ledger.AbsenceApprovedEvent.Type().String(),
		ledger.AbsenceAmendedEvent.Type().String(), ledger.BalanceAdjustedEvent.Type().String()}
	return &topology.Topology{Env: env, Domains: []topology.Domain{{Name: "hr"}, {Name: "leave"}},
		Services: []topology.Service{{Name: "leave-ledger", Consumes: types}}}
}

func demo(ctx context.Context, opts *options, out io.Writer) error {
	bus, err := open(ctx, opts, ledgerTopology)
	if err != nil {
		return err
	}
	defer bus.Teardown(context.Background()) //nolint:errcheck // best effort: the run's own topology
	pub := bus.Publisher()
	cons, err := bus.Consumer(ctx, "leave-ledger", nil) // payloads validated against the bus's catalogue
	if err != nil {
		return err
	}
	types := ledgerTopology("").Services[0].Consumes
	rs := &readSide{ledger: ledger.NewLedger(4), added: make(chan struct{}, 64)}
	for _, t := range types {
		if err := cons.HandleFunc(t, rs.handle); err != nil {
			return err
		}
	}
	if err := cons.Start(ctx); err != nil {
		return err
	}
	defer cons.Shutdown(context.Background()) //nolint:errcheck

	say := func(format string, args ...any) { fmt.Fprintf(out, format+"\n", args...) }
	ask := func(label string, on string, knownAt time.Time) (ledger.Days, error) {
		b, err := rs.balance(date(on), knownAt)
		if err == nil {
			say("  %-44s %7s days   (on %s, as known at %s)", label, b, on, knownAt.Format(time.RFC3339))
		}
		return b, err
	}
	publish := func(events ...*envelope.Envelope) error {
		if err := pub.Publish(ctx, events...); err != nil {
			return err
		}
		for range events {
			select {
			case <-rs.added:
			case <-time.After(time.Minute):
				return fmt.Errorf("the ledger did not receive the events")
			}
		}
		return nil
	}

	say("== The leave-balance ledger on the %s transport: %s", opts.transport, demoEmployee)
	h := demoHistory()
	say("A producer publishes a year of history (%d events; time = recorded, effectivetime = takes effect):", len(h.events))
	for _, e := range h.events {
		say("  recorded %s  effective %s  %s", e.Time.Format(time.DateOnly), e.EffectiveAt().Format(time.DateOnly), e.Type)
	}
	if err := publish(h.events...); err != nil {
		return err
	}
	say("")
	say("== Past, present and forecast")
	for _, q := range []struct{ label, on string }{
		{"past: end of March", "2026-03-31"},
		{"present", "2026-11-26"},
		{"forecast: end of the year (credits derived)", "2026-12-31"},
		{"forecast: mid next year", "2027-06-30"},
	} {
		if _, err := ask(q.label, q.on, demoNow); err != nil {
			return err
		}
	}
	say("")
	say("== What we knew then: the balance of 30 June, asked on 24 June and on 26 June")
	for _, knownAt := range []string{"2026-06-24T00:00:00Z", "2026-06-26T00:00:00Z"} {
		t, _ := time.Parse(time.RFC3339, knownAt)
		if _, err := ask("30 June, before and after the amendment", "2026-06-30", t); err != nil {
			return err
		}
	}

	say("")
	say("== A retroactive correction: +2 days effective 1 March, recorded today")
	h.clock = demoNow.Add(-time.Hour)
	before := demoNow.Add(-2 * time.Hour)
	correction := record(h, ledger.BalanceAdjustedEvent, demoNow.Add(-time.Hour).Format(time.RFC3339), date("2026-03-01"), ledger.BalanceAdjusted{Employee: demoEmployee, Days: "2", Reason: "CORRECTION"})
	if err := publish(correction); err != nil {
		return err
	}
	if _, err := ask("end of March, as known this morning", "2026-03-31", before); err != nil {
		return err
	}
	if _, err := ask("end of March, as known now", "2026-03-31", demoNow); err != nil {
		return err
	}

	say("")
	say("== What if the employee also took 5 days on 28 December? (a branch; nothing is published)")
	rs.mu.Lock()
	branch := rs.ledger.Fork(demoNow)
	rs.mu.Unlock()
	wh := newHistory()
	whatIf := record(wh, ledger.AbsenceApprovedEvent, demoNow.Format(time.RFC3339), date("2026-12-28"), ledger.AbsenceApproved{Employee: demoEmployee, Date: "2026-12-28", Days: "5"})
	if err := branch.Add(whatIf); err != nil {
		return err
	}
	b, err := branch.Balance(demoEmployee, date("2026-12-31"), demoNow)
	if err != nil {
		return err
	}
	say("  %-44s %7s days", "what-if branch, end of the year", b)
	if _, err := ask("main timeline, end of the year (unchanged)", "2026-12-31", demoNow); err != nil {
		return err
	}
	return nil
}
