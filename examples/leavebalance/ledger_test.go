package main

import (
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/elmosoftware/eventprotocol/envelope"
	"github.com/elmosoftware/eventprotocol/examples/leavebalance/ledger"
)

func ts(s string) time.Time {
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		panic(err)
	}
	return t
}

// scenario builds events of the demo employee.
type scenario struct{ h *history }

func newScenario() *scenario { return &scenario{h: newHistory()} }

func (s *scenario) hired(recorded, hireDate string) *envelope.Envelope {
	return record(s.h, ledger.EmployeeHiredEvent, recorded, date(hireDate), ledger.EmployeeHired{Employee: demoEmployee, HireDate: hireDate})
}

func (s *scenario) policy(recorded string, effective time.Time, days string, period int, anchor string) *envelope.Envelope {
	return record(s.h, ledger.PolicyAssignedEvent, recorded, effective, ledger.PolicyAssigned{Employee: demoEmployee, DaysPerPeriod: days, PeriodDays: period, AnchorDate: anchor})
}

func (s *scenario) absence(recorded, on, days string) *envelope.Envelope {
	return record(s.h, ledger.AbsenceApprovedEvent, recorded, date(on), ledger.AbsenceApproved{Employee: demoEmployee, Date: on, Days: days})
}

func (s *scenario) amend(recorded string, absence *envelope.Envelope, days string) *envelope.Envelope {
	return record(s.h, ledger.AbsenceAmendedEvent, recorded, absence.EffectiveAt(), ledger.AbsenceAmended{Employee: demoEmployee, AbsenceID: absence.ID, Days: days})
}

func (s *scenario) adjust(recorded string, effective time.Time, days string) *envelope.Envelope {
	return record(s.h, ledger.BalanceAdjustedEvent, recorded, effective, ledger.BalanceAdjusted{Employee: demoEmployee, Days: days, Reason: "CORRECTION"})
}

// base is an employee hired on 2026-01-05 with 1 day every 7 days from then.
func base() *scenario {
	s := newScenario()
	s.hired("2026-01-01T00:00:00Z", "2026-01-05")
	s.policy("2026-01-01T00:00:00Z", date("2026-01-05"), "1", 7, "2026-01-05")
	return s
}

func TestLedgerRules(t *testing.T) {
	const later = "2027-01-01T00:00:00Z"
	cases := []struct {
		name    string
		build   func(s *scenario)
		on      string
		knownAt string
		want    string
	}{
		// Hire date and accrual.
		{"before the hire date there is no balance", func(s *scenario) {}, "2026-01-04", later, "0"},
		{"a credit falls at 00:00 of its date: counted on that date", func(s *scenario) {}, "2026-01-05", later, "1"},
		{"credits every period", func(s *scenario) {}, "2026-01-18", later, "2"},
		{"the day before a credit", func(s *scenario) {}, "2026-01-11", later, "1"},
		{"credits before the hire date do not count", func(s *scenario) {
			s.policy("2026-01-01T00:00:00Z", date("2025-12-01"), "1", 7, "2025-12-01") // earlier policy, earlier anchor
		}, "2026-01-05", later, "1"},
		{"a hire known only after T: unknown", func(s *scenario) {}, "2026-02-01", "2025-12-31T23:59:59Z", "error"},
		{"a later recorded hire date governs", func(s *scenario) {
			s.hired("2026-01-02T00:00:00Z", "2026-01-12")
		}, "2026-01-12", later, "1"},
		{"the earlier hire date still governs for T before the re-hire was recorded", func(s *scenario) {
			s.hired("2026-01-02T00:00:00Z", "2026-01-12")
		}, "2026-01-12", "2026-01-01T12:00:00Z", "2"},
		// Policies.
		{"a new policy governs from its effective time", func(s *scenario) {
			s.policy("2026-01-01T00:00:00Z", date("2026-01-19"), "3", 7, "2026-01-19")
		}, "2026-01-19", later, "5"},
		{"same effective time: the later recorded governs", func(s *scenario) {
			s.policy("2026-01-01T00:00:01Z", date("2026-01-05"), "2", 7, "2026-01-05")
		}, "2026-01-12", later, "4"},
		{"same effective time: the earlier recorded governs when the later is not yet known", func(s *scenario) {
			s.policy("2026-02-01T00:00:00Z", date("2026-01-05"), "2", 7, "2026-01-05")
		}, "2026-01-12", "2026-01-31T00:00:00Z", "2"},
		{"an anchor not on the hire date", func(s *scenario) {
			s.policy("2026-01-01T00:00:00Z", date("2026-01-05"), "1", 10, "2025-12-31")
		}, "2026-01-20", later, "2"}, // Jan 10 and Jan 20; Dec 31 is before the hire date
		{"a policy effective mid-day governs credits from the next midnight on", func(s *scenario) {
			s.policy("2026-01-01T00:00:00Z", ts("2026-01-12T12:00:00Z"), "5", 7, "2026-01-12")
		}, "2026-01-19", later, "7"}, // Jan 5, Jan 12 (old policy: 12:00 is after 00:00), Jan 19 (new: 5)
		// Absences and amendments.
		{"an absence debits on its date", func(s *scenario) { s.absence("2026-01-01T00:00:00Z", "2026-01-10", "0.5") }, "2026-01-10", later, "0.5"},
		{"an absence the day after does not count yet", func(s *scenario) { s.absence("2026-01-01T00:00:00Z", "2026-01-11", "0.5") }, "2026-01-10", later, "1"},
		{"a future absence counts in the forecast", func(s *scenario) { s.absence("2026-01-01T00:00:00Z", "2026-03-02", "2") }, "2026-03-02", later, "7"},
		{"a fact recorded exactly at T counts", func(s *scenario) { s.absence("2026-01-08T10:00:00Z", "2026-01-06", "1") }, "2026-01-06", "2026-01-08T10:00:00Z", "0"},
		{"a fact recorded just after T does not", func(s *scenario) { s.absence("2026-01-08T10:00:00.001Z", "2026-01-06", "1") }, "2026-01-06", "2026-01-08T10:00:00Z", "1"},
		{"an amendment replaces the days", func(s *scenario) {
			a := s.absence("2026-01-01T00:00:00Z", "2026-01-06", "1")
			s.amend("2026-01-03T00:00:00Z", a, "0.25")
		}, "2026-01-06", later, "0.75"},
		{"zero cancels the absence", func(s *scenario) {
			a := s.absence("2026-01-01T00:00:00Z", "2026-01-06", "1")
			s.amend("2026-01-03T00:00:00Z", a, "0")
		}, "2026-01-06", later, "1"},
		{"the latest recorded amendment wins", func(s *scenario) {
			a := s.absence("2026-01-01T00:00:00Z", "2026-01-06", "1")
			s.amend("2026-01-04T00:00:00Z", a, "0.5")
			s.amend("2026-01-03T00:00:00Z", a, "0")
		}, "2026-01-06", later, "0.5"},
		{"an amendment counts from its own record time on", func(s *scenario) {
			a := s.absence("2026-01-01T00:00:00Z", "2026-01-06", "1")
			s.amend("2026-01-10T00:00:00Z", a, "0")
		}, "2026-01-06", "2026-01-09T00:00:00Z", "0"},
		{"an amendment of an unknown absence changes nothing", func(s *scenario) {
			s.amend("2026-01-03T00:00:00Z", &envelope.Envelope{ID: "019a0000-0000-7000-8000-000000000000"}, "5")
		}, "2026-01-06", later, "1"},
		// Adjustments and valid time.
		{"an adjustment takes effect at its effective time", func(s *scenario) {
			s.adjust("2026-03-01T00:00:00Z", ts("2026-01-06T23:59:59.999Z"), "-3")
		}, "2026-01-06", later, "-2"},
		{"an adjustment effective at the next midnight belongs to the next day", func(s *scenario) {
			s.adjust("2026-03-01T00:00:00Z", ts("2026-01-07T00:00:00Z"), "-3")
		}, "2026-01-06", later, "1"},
		{"a retroactive correction changes the past from its record time on", func(s *scenario) {
			s.adjust("2026-06-01T00:00:00Z", date("2026-01-06"), "2")
		}, "2026-01-31", "2026-05-31T00:00:00Z", "4"},
		{"and after it", func(s *scenario) {
			s.adjust("2026-06-01T00:00:00Z", date("2026-01-06"), "2")
		}, "2026-01-31", "2026-06-01T00:00:00Z", "6"},
		{"effects before the hire date do not count", func(s *scenario) {
			s.adjust("2026-01-01T00:00:00Z", date("2026-01-04"), "10")
		}, "2026-01-05", later, "1"},
	}
	for _, tc := range cases {
		for _, every := range []int{0, 1, 3} {
			t.Run(fmt.Sprintf("%s/snapshots=%d", tc.name, every), func(t *testing.T) {
				s := base()
				tc.build(s)
				l := ledger.NewLedger(every)
				for _, e := range s.h.events {
					require.NoError(t, l.Add(e))
				}
				got, err := l.Balance(demoEmployee, date(tc.on), ts(tc.knownAt))
				if tc.want == "error" {
					assert.ErrorIs(t, err, ledger.ErrUnknownEmployee)
					return
				}
				require.NoError(t, err)
				assert.Equal(t, tc.want, got.String())
			})
		}
	}
}

func TestLedgerDuplicatesAndOrder(t *testing.T) {
	s := base()
	a := s.absence("2026-01-01T00:00:00Z", "2026-01-06", "1")
	s.amend("2026-01-02T00:00:00Z", a, "0.5")
	events := s.h.events
	forward, backward := ledger.NewLedger(0), ledger.NewLedger(0)
	for _, e := range events {
		require.NoError(t, forward.Add(e))
		require.NoError(t, forward.Add(e), "a duplicate changes nothing")
	}
	for i := len(events) - 1; i >= 0; i-- { // the amendment before its absence
		require.NoError(t, backward.Add(events[i]))
	}
	for _, l := range []*ledger.Ledger{forward, backward} {
		got, err := l.Balance(demoEmployee, date("2026-01-31"), ts("2027-01-01T00:00:00Z"))
		require.NoError(t, err)
		assert.Equal(t, "3.5", got.String(), "4 credits less the amended half day")
	}
}

// TestLedgerDeduplicatesOnSourceAndID: the protocol's identity of an
// event is its source and id; the same id from another source is another
// fact.
func TestLedgerDeduplicatesOnSourceAndID(t *testing.T) {
	s := base()
	adj := s.adjust("2026-01-01T00:00:00Z", ts("2026-01-10T00:00:00Z"), "2")
	other := *adj
	other.Source = "urn:elmo:service:payroll"
	l := ledger.NewLedger(0)
	for _, e := range append(s.h.events, &other, adj) {
		require.NoError(t, l.Add(e))
	}
	got, err := l.Balance(demoEmployee, date("2026-01-31"), ts("2027-01-01T00:00:00Z"))
	require.NoError(t, err)
	assert.Equal(t, "8", got.String(), "4 credits and two adjustments of 2: one per source")
}

func TestLedgerWhatIfNeverChangesMain(t *testing.T) {
	s := base()
	s.absence("2026-01-10T00:00:00Z", "2026-01-20", "1") // recorded after the fork
	main := ledger.NewLedger(2)
	for _, e := range s.h.events {
		require.NoError(t, main.Add(e))
	}
	branch := main.Fork(ts("2026-01-05T00:00:00Z"))
	w := newScenario()
	require.NoError(t, branch.Add(w.absence("2026-01-06T00:00:00Z", "2026-01-13", "3")))
	end, known := date("2026-01-31"), ts("2027-01-01T00:00:00Z")
	b, err := branch.Balance(demoEmployee, end, known)
	require.NoError(t, err)
	m, err := main.Balance(demoEmployee, end, known)
	require.NoError(t, err)
	assert.Equal(t, "1", b.String(), "4 credits, the branch's 3 days, not the main's later absence")
	assert.Equal(t, "3", m.String(), "4 credits, the main's absence; the branch's is not here")
}

func TestLedgerRefusesBadFacts(t *testing.T) {
	s := newScenario()
	bad := []*envelope.Envelope{
		s.absence("2026-01-01T00:00:00Z", "2026-01-06", "1"),
		s.absence("2026-01-01T00:00:00Z", "2026-01-06", "1"),
		s.policy("2026-01-01T00:00:00Z", date("2026-01-05"), "1", 7, "2026-01-05"),
		// Figures whose accruals would overflow a balance are refused,
		// never wrapped around.
		s.policy("2026-01-01T00:00:00Z", date("2026-01-05"), "1", 7, "2026-01-05"),
		s.policy("2026-01-01T00:00:00Z", date("2026-01-05"), "1", 7, "2026-01-05"),
	}
	bad[0].Data = []byte(`{"employee":"ern:elmo:hr:acme:employee/e-1001","date":"2026-13-01","days":"1"}`)
	bad[1].Data = []byte(`{"employee":"ern:elmo:hr:acme:employee/e-1001","date":"2026-01-06","days":"1.0000001"}`)
	bad[2].Data = []byte(`{"employee":"ern:elmo:hr:acme:employee/e-1001","daysPerPeriod":"1","periodDays":0,"anchorDate":"2026-01-05"}`)
	bad[3].Data = []byte(`{"employee":"ern:elmo:hr:acme:employee/e-1001","daysPerPeriod":"999999999","periodDays":1,"anchorDate":"2026-01-05"}`)
	bad[4].Data = []byte(`{"employee":"ern:elmo:hr:acme:employee/e-1001","daysPerPeriod":"1","periodDays":2147483647,"anchorDate":"2026-01-05"}`)
	l := ledger.NewLedger(0)
	for _, e := range bad {
		assert.ErrorIs(t, l.Add(e), ledger.ErrBadFact)
	}
	other := &envelope.Envelope{ID: "x", Type: "elmo.leave.policy.retired.v1"}
	assert.ErrorIs(t, l.Add(other), ledger.ErrUnsupported)
	_, err := l.Balance(demoEmployee, date("2026-01-06"), ts("2027-01-01T00:00:00Z"))
	assert.ErrorIs(t, err, ledger.ErrUnknownEmployee)
}

func TestDays(t *testing.T) {
	for _, tc := range []struct{ in, out string }{{"1.5", "1.5"}, {"-2", "-2"}, {"0.25", "0.25"}, {"0", "0"}, {"10.000001", "10.000001"}, {"-0.5", "-0.5"}} {
		d, err := ledger.ParseDays(tc.in)
		require.NoError(t, err, tc.in)
		assert.Equal(t, tc.out, d.String())
	}
	for _, bad := range []string{"", "1.", ".5", "01", "1.1234567", "1e3", "abc", "--1", "1.5x"} {
		_, err := ledger.ParseDays(bad)
		assert.Error(t, err, bad)
	}
}
