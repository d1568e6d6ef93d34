package ledger_test

import (
	"fmt"
	"time"

	"github.com/elmosoftware/eventprotocol/envelope"
	"github.com/elmosoftware/eventprotocol/event"
	"github.com/elmosoftware/eventprotocol/examples/leavebalance/ledger"
	"github.com/elmosoftware/eventprotocol/naming"
)

// The same question asked at two points in time: before and after a
// retroactive correction was recorded.
func Example() {
	emp := naming.MustParseERN("ern:elmo:hr:acme:employee/e-1")
	var now time.Time
	leave := &envelope.Producer{Source: "urn:elmo:service:leave", Now: func() time.Time { return now }}
	date := func(s string) time.Time { t, _ := time.Parse(time.DateOnly, s); return t }
	l := ledger.NewLedger(100)
	add := func(e envelope.Envelope, err error) {
		if err == nil {
			err = l.Add(&e)
		}
		if err != nil {
			fmt.Println(err)
		}
	}
	at := func(recorded, effective string) []event.Option {
		now, _ = time.Parse(time.RFC3339, recorded)
		return []event.Option{event.WithSubject(emp), event.WithTenant("acme"), event.WithEffectiveTime(date(effective))}
	}

	e, err := ledger.EmployeeHiredEvent.New(leave, ledger.EmployeeHired{Employee: emp, HireDate: "2026-01-05"}, at("2026-01-01T00:00:00Z", "2026-01-05")...)
	add(e, err)
	e, err = ledger.PolicyAssignedEvent.New(leave, ledger.PolicyAssigned{Employee: emp, DaysPerPeriod: "1.5", PeriodDays: 14, AnchorDate: "2026-01-05"}, at("2026-01-01T00:00:00Z", "2026-01-05")...)
	add(e, err)
	e, err = ledger.AbsenceApprovedEvent.New(leave, ledger.AbsenceApproved{Employee: emp, Date: "2026-01-20", Days: "1"}, at("2026-01-10T00:00:00Z", "2026-01-20")...)
	add(e, err)
	// Recorded in June, effective in January.
	e, err = ledger.BalanceAdjustedEvent.New(leave, ledger.BalanceAdjusted{Employee: emp, Days: "2", Reason: "CORRECTION"}, at("2026-06-01T00:00:00Z", "2026-01-06")...)
	add(e, err)

	for _, knownAt := range []string{"2026-05-31T00:00:00Z", "2026-06-01T00:00:00Z"} {
		t, _ := time.Parse(time.RFC3339, knownAt)
		b, _ := l.Balance(emp, date("2026-01-31"), t)
		fmt.Printf("end of January, as known at %s: %s days\n", knownAt, b)
	}
	// Output:
	// end of January, as known at 2026-05-31T00:00:00Z: 2 days
	// end of January, as known at 2026-06-01T00:00:00Z: 4 days
}
