package main

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/elmosoftware/eventprotocol/envelope"
	"github.com/elmosoftware/eventprotocol/event"
	"github.com/elmosoftware/eventprotocol/examples/leavebalance/ledger"
	"github.com/elmosoftware/eventprotocol/naming"
	"github.com/elmosoftware/eventprotocol/process"
)

// The people of the story: three employees of one manager. The manager
// approves e-1's request, declines e-2's, and never answers e-3's.
var (
	managerERN = naming.MustParseERN("ern:elmo:hr:acme:employee/m-1")
	employees  = []naming.ERN{
		naming.MustParseERN("ern:elmo:hr:acme:employee/e-1"),
		naming.MustParseERN("ern:elmo:hr:acme:employee/e-2"),
		naming.MustParseERN("ern:elmo:hr:acme:employee/e-3"),
	}
	requests = []Request{
		{Request: naming.MustParseERN("ern:elmo:leave:acme:request/r-1"), Employee: employees[0], Manager: managerERN, Date: "2026-12-21", Days: "2"},
		{Request: naming.MustParseERN("ern:elmo:leave:acme:request/r-2"), Employee: employees[1], Manager: managerERN, Date: "2026-12-22", Days: "1"},
		{Request: naming.MustParseERN("ern:elmo:leave:acme:request/r-3"), Employee: employees[2], Manager: managerERN, Date: "2026-12-24", Days: "3"},
	}
)

// story tells the story, waiting at each step for what must have happened.
func (w *world) story(ctx context.Context) error {
	w.tr.Header("HR hires three employees, each accruing 1.5 days a fortnight")
	hr := &envelope.Producer{Source: "urn:elmo:service:hr"}
	var seed []*envelope.Envelope
	hireDate := time.Date(2026, 1, 5, 0, 0, 0, 0, time.UTC)
	for _, emp := range employees {
		opts := []event.Option{event.WithSubject(emp), event.WithPartitionKey(emp.String()), event.WithEffectiveTime(hireDate)}
		hired, err := ledger.EmployeeHiredEvent.New(hr, ledger.EmployeeHired{Employee: emp, HireDate: "2026-01-05"}, opts...)
		if err != nil {
			return err
		}
		policy, err := ledger.PolicyAssignedEvent.New(hr, ledger.PolicyAssigned{Employee: emp, DaysPerPeriod: "1.5", PeriodDays: 14, AnchorDate: "2026-01-05"}, opts...)
		if err != nil {
			return err
		}
		seed = append(seed, &hired, &policy)
	}
	if err := w.bus.Publisher().Publish(ctx, seed...); err != nil {
		return err
	}
	for range employees {
		select {
		case <-w.learned:
		case <-ctx.Done():
			return fmt.Errorf("the balance service did not learn the employees: %w", ctx.Err())
		}
	}
	if err := w.report("balance", "before"); err != nil {
		return err
	}

	w.tr.Header("Each asks for leave: a command to the leave service, whose process asks the manager")
	portal := &envelope.Producer{Source: "urn:elmo:service:portal"}
	for _, r := range requests {
		cmd, err := submitCmd.New(portal, r, event.WithSubject(r.Request))
		if err != nil {
			return err
		}
		if err := w.bus.Publisher().Publish(ctx, &cmd); err != nil {
			return err
		}
	}
	if err := w.await(ctx, "notified r-1 "+approved.Type().String(), "balance deducted e-1", "notified r-2 "+declined.Type().String(), "manager holds r-3"); err != nil {
		return err
	}

	w.tr.Header("Three days pass: r-3's review lapses")
	w.clock.Advance(reviewWithin)
	if err := w.await(ctx, "notified r-3 "+expired.Type().String(), "manager withdrew r-3"); err != nil {
		return err
	}
	// The deadlines of r-1 and r-2 came too: wait until they are handled.
	for w.approvals.Pending() > 0 {
		select {
		case <-time.After(10 * time.Millisecond):
		case <-ctx.Done():
			return fmt.Errorf("deadlines still pending: %w", ctx.Err())
		}
	}

	w.tr.Header("The outcome")
	if err := w.report("balance", "after"); err != nil {
		return err
	}
	return w.reportStore(ctx)
}

// await waits for every step named, in any order.
func (w *world) await(ctx context.Context, steps ...string) error {
	want := map[string]bool{}
	for _, s := range steps {
		want[s] = true
	}
	for len(want) > 0 {
		select {
		case s := <-w.events:
			delete(want, s)
		case <-ctx.Done():
			var missing []string
			for s := range want {
				missing = append(missing, s)
			}
			return fmt.Errorf("the story stopped waiting for %s: %w", strings.Join(missing, ", "), ctx.Err())
		}
	}
	return nil
}

// report prints each employee's balance at the year's end.
func (w *world) report(who, when string) error {
	for _, emp := range employees {
		b, err := w.balance(emp)
		if err != nil {
			return err
		}
		w.tr.Line(who, "%s: %s on %s (%s)", id(emp), days(b.String()), yearEnd.Format("2006-01-02"), when)
	}
	return nil
}

// reportStore prints what the leave service's store holds: what its
// processes kept, and what its relay sent.
func (w *world) reportStore(ctx context.Context) error {
	kept, sent := map[string]int{}, 0
	for rec, err := range w.store.ReadAll(ctx, 0) {
		if err != nil {
			return err
		}
		e, err := rec.Envelope()
		if err != nil {
			return err
		}
		if role, ok := e.Extensions[process.RoleAttr].(string); ok {
			kept[role]++
		} else {
			sent++
		}
	}
	w.tr.Line("leave", "store: %d messages sent through the outbox; the processes kept %d handled marks, %d facts, %d deadlines",
		sent, kept[process.RoleHandled], kept[process.RoleFact], kept[process.RoleDeadline])
	return nil
}
