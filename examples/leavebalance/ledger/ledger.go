package ledger

import (
	"cmp"
	"errors"
	"fmt"
	"slices"
	"sort"
	"time"

	"github.com/elmosoftware/eventprotocol/envelope"
	"github.com/elmosoftware/eventprotocol/event"
	"github.com/elmosoftware/eventprotocol/naming"
)

// The ledger's events.
type (
	// EmployeeHired is the payload of elmo.hr.employee.hired.v1: an employee
	// starts on HireDate (YYYY-MM-DD).
	EmployeeHired struct {
		Employee naming.ERN `json:"employee"`
		HireDate string     `json:"hireDate"`
	}
	// PolicyAssigned is the payload of
	// elmo.leave.accrual_policy.assigned.v1: from its effective time, the
	// employee accrues DaysPerPeriod every PeriodDays days counted from
	// AnchorDate.
	PolicyAssigned struct {
		Employee      naming.ERN `json:"employee"`
		DaysPerPeriod string     `json:"daysPerPeriod"`
		PeriodDays    int        `json:"periodDays"`
		AnchorDate    string     `json:"anchorDate"`
	}
	// AbsenceApproved is the payload of elmo.leave.absence.approved.v1: Days
	// of leave taken on Date.
	AbsenceApproved struct {
		Employee naming.ERN `json:"employee"`
		Date     string     `json:"date"`
		Days     string     `json:"days"`
	}
	// AbsenceAmended is the payload of elmo.leave.absence.amended.v1: the
	// absence AbsenceID (an event id) now counts Days.
	AbsenceAmended struct {
		Employee  naming.ERN `json:"employee"`
		AbsenceID string     `json:"absenceId"`
		Days      string     `json:"days"`
	}
	// BalanceAdjusted is the payload of elmo.leave.balance.adjusted.v1: Days
	// added (negative: taken) for Reason.
	BalanceAdjusted struct {
		Employee naming.ERN `json:"employee"`
		Days     string     `json:"days"`
		Reason   string     `json:"reason"`
	}
)

// Bounds of a policy's figures: a period of at most ten years, accruing at
// most a year's days.
const (
	maxPeriodDays    = 3660
	maxDaysPerPeriod = 366
)

// The definitions of the ledger's events, for typed publishing and
// decoding.
var (
	EmployeeHiredEvent   = event.MustDefine[EmployeeHired]("elmo.hr.employee.hired.v1")
	PolicyAssignedEvent  = event.MustDefine[PolicyAssigned]("elmo.leave.accrual_policy.assigned.v1")
	AbsenceApprovedEvent = event.MustDefine[AbsenceApproved]("elmo.leave.absence.approved.v1")
	AbsenceAmendedEvent  = event.MustDefine[AbsenceAmended]("elmo.leave.absence.amended.v1")
	BalanceAdjustedEvent = event.MustDefine[BalanceAdjusted]("elmo.leave.balance.adjusted.v1", event.WithClassification(envelope.ClassificationConfidential))
)

// Errors of the ledger.
var (
	// ErrUnsupported: the ledger does not know the event's type.
	ErrUnsupported = errors.New("event type not handled by the ledger")
	// ErrUnknownEmployee: no hire of the employee is known at the time asked.
	ErrUnknownEmployee = errors.New("employee not hired as far as is known")
	// ErrBadFact: the event's payload does not make a fact.
	ErrBadFact = errors.New("invalid fact")
)

type kind uint8

const (
	kindPolicy kind = iota
	kindAbsence
	kindAmendment
	kindAdjustment
)

// fact is one event as the ledger keeps it.
type fact struct {
	id       string
	key      string // dedupKey
	kind     kind
	recorded time.Time // the event's time: when the fact became known
	effect   time.Time // when it takes effect; zero for an amendment whose absence is unknown
	days     Days      // adjustment (signed), absence, amendment, policy credit per period

	periodDays int   // policy
	anchorDay  int64 // policy, in days since 1970-01-01
	absenceID  string
}

// Ledger answers "what is the balance on date D, as known at time T" from
// the facts it was given, in any order. It is not safe for concurrent use.
//
// The rules:
//   - A fact is an event, identified by its id: a duplicate changes nothing,
//     and the order in which events arrive never matters.
//   - An event's time is when the fact was recorded; its effect falls at its
//     effectivetime (absent: its time). An absence's debit falls at 00:00
//     UTC of its date.
//   - balance(D, T) counts every fact recorded at or before T whose effect
//     falls before the end of day D (UTC).
//   - The hire date is the latest recorded hire known at T. Before it there
//     is no balance, and effects before it do not count; with no hire known
//     at T the employee is unknown.
//   - Accruals are derived, never stored: among the policies known at T,
//     each governs from its effective time until the next one's (of two
//     with the same effective time, the later recorded governs), crediting
//     daysPerPeriod at 00:00 UTC of each date anchorDate + k x periodDays
//     (k >= 0) on or after the hire date. The same rule serves past,
//     present and future.
//   - An amendment replaces its absence's days from its own record time on
//     (0 cancels the absence); the latest recorded one known at T wins; its
//     effect stays on the absence's date.
//   - Snapshots (every SnapshotEvery facts) are caches: one is used only
//     when every fact it counted was recorded at or before T and it assumed
//     the same hire date, and a late fact effective before a snapshot
//     drops it.
//   - A what-if branch ([Ledger.Fork]) starts from the facts recorded up to
//     an instant and never changes the ledger it came from.
type Ledger struct {
	// SnapshotEvery caches the balance every this many facts of an
	// employee (0: never). Snapshots never change an answer.
	SnapshotEvery int

	ids      map[string]bool
	accounts map[naming.ERN]*account
}

// NewLedger returns an empty ledger.
func NewLedger(snapshotEvery int) *Ledger {
	return &Ledger{SnapshotEvery: snapshotEvery, ids: map[string]bool{}, accounts: map[naming.ERN]*account{}}
}

type hire struct {
	recorded time.Time
	id       string
	key      string // dedupKey
	date     time.Time
}

type account struct {
	facts      []*fact // by effect, then recorded, then id, when sorted
	sorted     bool
	hires      []hire
	absences   map[string]*fact
	amendments map[string][]*fact // by absence id
	policies   []*fact
	snapshots  []Snapshot
}

// Snapshot caches the balance of an employee's first Facts facts, every
// one of which takes effect before Cutoff, as known with every fact known
// then. A service keeps the newest in its store (NewestSnapshot) and gives
// it back to a ledger it rebuilds (RestoreSnapshot).
type Snapshot struct {
	Cutoff      time.Time
	Facts       int       // how many of the account's facts it counts
	Balance     Days      // their balance at Cutoff
	MaxRecorded time.Time // the latest record time among the facts it counts
	HireDate    time.Time // the hire date it assumed
}

// Same reports whether two snapshots of one ledger's account are one:
// the ledger never loses a fact, so the same count of facts before the
// same cutoff are the same facts.
func (s Snapshot) Same(o Snapshot) bool {
	return s.Facts == o.Facts && s.Cutoff.Equal(o.Cutoff) && s.HireDate.Equal(o.HireDate)
}

func day(t time.Time) int64 { return t.Unix() / 86400 }

// ParseDate parses a fact's date, YYYY-MM-DD; a malformed one matches
// ErrBadFact.
func ParseDate(s string) (time.Time, error) {
	t, err := time.Parse(time.DateOnly, s)
	if err != nil {
		return time.Time{}, fmt.Errorf("%w: date %q: want YYYY-MM-DD", ErrBadFact, s)
	}
	return t, nil
}

// Add records the fact an event states. An event whose id the ledger has
// seen changes nothing.
func (l *Ledger) Add(e *envelope.Envelope) error {
	if l.ids[dedupKey(e)] {
		return nil
	}
	f, employee, h, err := decodeFact(e)
	if err != nil {
		return err
	}
	l.ids[dedupKey(e)] = true
	a := l.accounts[employee]
	if a == nil {
		a = &account{absences: map[string]*fact{}, amendments: map[string][]*fact{}}
		l.accounts[employee] = a
	}
	if h != nil {
		a.hires = append(a.hires, *h)
		slices.SortFunc(a.hires, func(x, y hire) int { return cmp.Or(x.recorded.Compare(y.recorded), cmp.Compare(x.id, y.id)) })
		a.snapshots = nil // every balance may change
		return nil
	}
	a.add(f)
	return nil
}

// dedupKey is the protocol's identity of an event: its source and id.
func dedupKey(e *envelope.Envelope) string { return e.Source + "\x00" + e.ID }

// Employee checks that an event states a fact the ledger knows, and
// returns the employee it is about. A refusal matches ErrUnsupported or
// ErrBadFact.
func Employee(e *envelope.Envelope) (naming.ERN, error) {
	_, employee, _, err := decodeFact(e)
	return employee, err
}

func decodeFact(e *envelope.Envelope) (*fact, naming.ERN, *hire, error) {
	f := &fact{id: e.ID, key: dedupKey(e), recorded: e.Time, effect: e.EffectiveAt()}
	bad := func(err error) (*fact, naming.ERN, *hire, error) {
		return nil, naming.ERN{}, nil, fmt.Errorf("%w: %s %s: %w", ErrBadFact, e.Type, e.ID, err)
	}
	switch e.Type {
	case EmployeeHiredEvent.Type().String():
		p, err := EmployeeHiredEvent.Decode(e)
		if err != nil {
			return bad(err)
		}
		date, err := ParseDate(p.HireDate)
		if err != nil {
			return bad(err)
		}
		return nil, p.Employee, &hire{recorded: e.Time, id: e.ID, key: f.key, date: date}, nil
	case PolicyAssignedEvent.Type().String():
		p, err := PolicyAssignedEvent.Decode(e)
		if err != nil {
			return bad(err)
		}
		anchor, err := ParseDate(p.AnchorDate)
		if err != nil {
			return bad(err)
		}
		if p.PeriodDays < 1 || p.PeriodDays > maxPeriodDays {
			return bad(fmt.Errorf("periodDays must be 1 to %d", maxPeriodDays))
		}
		if f.days, err = ParseDays(p.DaysPerPeriod); err != nil || f.days < 0 {
			return bad(fmt.Errorf("daysPerPeriod %q must be a non-negative decimal", p.DaysPerPeriod))
		}
		// Bounded figures keep every accrual, over any dates the ledger
		// takes, far inside int64: no silent wrap-around.
		if f.days > maxDaysPerPeriod*daysScale {
			return bad(fmt.Errorf("daysPerPeriod %s must be at most %d", p.DaysPerPeriod, maxDaysPerPeriod))
		}
		f.kind, f.periodDays, f.anchorDay = kindPolicy, p.PeriodDays, day(anchor)
		return f, p.Employee, nil, nil
	case AbsenceApprovedEvent.Type().String():
		p, err := AbsenceApprovedEvent.Decode(e)
		if err != nil {
			return bad(err)
		}
		if f.effect, err = ParseDate(p.Date); err != nil { // the debit falls on its date
			return bad(err)
		}
		if f.days, err = ParseDays(p.Days); err != nil || f.days < 0 {
			return bad(fmt.Errorf("days %q must be a non-negative decimal", p.Days))
		}
		f.kind = kindAbsence
		return f, p.Employee, nil, nil
	case AbsenceAmendedEvent.Type().String():
		p, err := AbsenceAmendedEvent.Decode(e)
		if err != nil {
			return bad(err)
		}
		if f.days, err = ParseDays(p.Days); err != nil || f.days < 0 {
			return bad(fmt.Errorf("days %q must be a non-negative decimal", p.Days))
		}
		f.kind, f.absenceID, f.effect = kindAmendment, p.AbsenceID, time.Time{}
		return f, p.Employee, nil, nil
	case BalanceAdjustedEvent.Type().String():
		p, err := BalanceAdjustedEvent.Decode(e)
		if err != nil {
			return bad(err)
		}
		if f.days, err = ParseDays(p.Days); err != nil {
			return bad(err)
		}
		f.kind = kindAdjustment
		return f, p.Employee, nil, nil
	}
	return nil, naming.ERN{}, nil, fmt.Errorf("%w: %s", ErrUnsupported, e.Type)
}

func (a *account) add(f *fact) {
	switch f.kind {
	case kindPolicy:
		a.policies = append(a.policies, f)
	case kindAbsence:
		a.absences[f.id] = f
		for _, am := range a.amendments[f.id] { // amendments that came first now take effect
			am.effect = f.effect
			a.facts = append(a.facts, am)
		}
	case kindAmendment:
		a.amendments[f.absenceID] = append(a.amendments[f.absenceID], f)
		slices.SortFunc(a.amendments[f.absenceID], func(x, y *fact) int { return cmp.Or(x.recorded.Compare(y.recorded), cmp.Compare(x.id, y.id)) })
		abs, ok := a.absences[f.absenceID]
		if !ok {
			return // no effect until its absence is known
		}
		f.effect = abs.effect
	}
	a.facts = append(a.facts, f)
	a.sorted = false
	a.invalidate(f.effect)
}

// invalidate drops the snapshots that a fact taking effect at t changes.
func (a *account) invalidate(t time.Time) {
	i := sort.Search(len(a.snapshots), func(i int) bool { return a.snapshots[i].Cutoff.After(t) })
	a.snapshots = a.snapshots[:i]
}

func (a *account) sort() {
	if a.sorted {
		return
	}
	slices.SortFunc(a.facts, func(x, y *fact) int {
		return cmp.Or(x.effect.Compare(y.effect), x.recorded.Compare(y.recorded), cmp.Compare(x.id, y.id))
	})
	slices.SortFunc(a.policies, func(x, y *fact) int {
		return cmp.Or(x.effect.Compare(y.effect), x.recorded.Compare(y.recorded), cmp.Compare(x.id, y.id))
	})
	a.sorted = true
}

// hireAt returns the hire date known at t: the latest recorded hire.
func (a *account) hireAt(t time.Time) (time.Time, bool) {
	for i := len(a.hires) - 1; i >= 0; i-- {
		if !a.hires[i].recorded.After(t) {
			return a.hires[i].date, true
		}
	}
	return time.Time{}, false
}

var endOfTime = time.Date(9999, 12, 31, 0, 0, 0, 0, time.UTC)

// Balance returns the balance of an employee at the end of date on (UTC),
// counting every fact recorded at or before knownAt.
func (l *Ledger) Balance(employee naming.ERN, on time.Time, knownAt time.Time) (Days, error) {
	a := l.accounts[employee]
	if a == nil {
		return 0, fmt.Errorf("%w: %s", ErrUnknownEmployee, employee)
	}
	hireDate, ok := a.hireAt(knownAt)
	if !ok {
		return 0, fmt.Errorf("%w: %s as known at %s", ErrUnknownEmployee, employee, knownAt.Format(time.RFC3339))
	}
	end := time.Date(on.Year(), on.Month(), on.Day(), 0, 0, 0, 0, time.UTC).AddDate(0, 0, 1)
	if !end.After(hireDate) {
		return 0, nil // before the hire date
	}
	a.sort()
	l.buildSnapshots(a)

	var bal Days
	from, creditFrom := 0, hireDate
	// The latest snapshot before end that counts only facts known at
	// knownAt and assumed the same hire date. maxRecorded grows with the
	// cutoff, so both conditions hold on a prefix.
	i := sort.Search(len(a.snapshots), func(i int) bool {
		s := a.snapshots[i]
		return s.Cutoff.After(end) || s.MaxRecorded.After(knownAt)
	}) - 1
	if i >= 0 && a.snapshots[i].HireDate.Equal(hireDate) {
		s := a.snapshots[i]
		bal, from, creditFrom = s.Balance, s.Facts, s.Cutoff
	}
	bal += a.sum(from, end, knownAt, hireDate)
	bal += a.credits(creditFrom, end, knownAt, hireDate)
	return bal, nil
}

// sum adds the effects of facts[from:] that take effect before end, on or
// after the hire date, and are recorded at or before knownAt.
func (a *account) sum(from int, end, knownAt, hireDate time.Time) Days {
	var bal Days
	for _, f := range a.facts[from:] {
		if !f.effect.Before(end) {
			break
		}
		if f.recorded.After(knownAt) || f.effect.Before(hireDate) {
			continue
		}
		switch f.kind {
		case kindAdjustment:
			bal += f.days
		case kindAbsence:
			bal -= a.absenceDays(f, knownAt)
		}
	}
	return bal
}

// absenceDays returns an absence's days as amended by the latest amendment
// recorded at or before knownAt.
func (a *account) absenceDays(f *fact, knownAt time.Time) Days {
	ams := a.amendments[f.id]
	for i := len(ams) - 1; i >= 0; i-- {
		if !ams[i].recorded.After(knownAt) {
			return ams[i].days
		}
	}
	return f.days
}

// credits returns the accruals that fall in [from, end): among the policies
// recorded at or before knownAt, each governs from its effective time
// until the next one's (of two with the same effective time, the later
// recorded governs), crediting daysPerPeriod at 00:00 UTC of each date
// anchor + k x periodDays on or after the hire date.
func (a *account) credits(from, end, knownAt, hireDate time.Time) Days {
	from = maxTime(from, hireDate)
	var known []*fact
	for _, p := range a.policies {
		if !p.recorded.After(knownAt) {
			known = append(known, p)
		}
	}
	var total Days
	for i, p := range known {
		next := endOfTime
		j := i + 1
		if j < len(known) && known[j].effect.Equal(p.effect) {
			continue // a later recorded policy of the same effective time governs
		}
		for ; j < len(known); j++ {
			if known[j].effect.After(p.effect) {
				next = known[j].effect
				break
			}
		}
		lo, hi := maxTime(from, p.effect), minTime(end, next)
		if !lo.Before(hi) {
			continue
		}
		total += Days(countDates(p.anchorDay, int64(p.periodDays), lo, hi)) * p.days
	}
	return total
}

// countDates counts the dates anchor + k x period (k >= 0) whose 00:00 UTC
// lies in [lo, hi).
func countDates(anchor, period int64, lo, hi time.Time) int64 {
	first := ceilDiv(lo.Unix(), 86400) // first day starting at or after lo
	last := ceilDiv(hi.Unix(), 86400)  // first day starting at or after hi
	kmin := max(0, ceilDiv(first-anchor, period))
	kmax := floorDiv(last-1-anchor, period)
	return max(0, kmax-kmin+1)
}

func floorDiv(a, b int64) int64 {
	q := a / b
	if (a%b != 0) && ((a < 0) != (b < 0)) {
		q--
	}
	return q
}

func ceilDiv(a, b int64) int64 { return -floorDiv(-a, b) }

func maxTime(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}

func minTime(a, b time.Time) time.Time {
	if a.Before(b) {
		return a
	}
	return b
}

// buildSnapshots extends the snapshots to cover the facts, one every
// SnapshotEvery facts, each at a cutoff that splits the facts cleanly.
func (l *Ledger) buildSnapshots(a *account) {
	if l.SnapshotEvery <= 0 {
		return
	}
	hireDate, ok := a.hireAt(endOfTime)
	if !ok {
		return
	}
	var last Snapshot
	if n := len(a.snapshots); n > 0 {
		last = a.snapshots[n-1]
		if !last.HireDate.Equal(hireDate) {
			a.snapshots, last = nil, Snapshot{}
		}
	}
	if len(a.snapshots) == 0 {
		last = Snapshot{Cutoff: hireDate, HireDate: hireDate}
		// Facts before the hire date never count; start after them.
		last.Facts = sort.Search(len(a.facts), func(i int) bool { return !a.facts[i].effect.Before(hireDate) })
		for _, f := range a.facts[:last.Facts] {
			last.MaxRecorded = maxTime(last.MaxRecorded, f.recorded)
		}
	}
	for next := last.Facts + l.SnapshotEvery; next < len(a.facts); next += l.SnapshotEvery {
		// Move the cutoff to the next change of effect time, so that the
		// snapshot holds every fact taking effect before it and no other.
		for next < len(a.facts) && a.facts[next].effect.Equal(a.facts[next-1].effect) {
			next++
		}
		if next >= len(a.facts) {
			break
		}
		cutoff := a.facts[next].effect
		s := Snapshot{Cutoff: cutoff, Facts: next, HireDate: hireDate, MaxRecorded: last.MaxRecorded}
		for _, f := range a.facts[last.Facts:next] {
			s.MaxRecorded = maxTime(s.MaxRecorded, f.recorded)
		}
		s.Balance = last.Balance + a.sum(last.Facts, cutoff, endOfTime, hireDate) + a.credits(last.Cutoff, cutoff, endOfTime, hireDate)
		a.snapshots = append(a.snapshots, s)
		last = s
	}
}

// Fork returns a what-if branch: a new ledger with the facts of l recorded
// at or before at. Adding to the branch never changes l.
func (l *Ledger) Fork(at time.Time) *Ledger {
	b := NewLedger(l.SnapshotEvery)
	for employee, a := range l.accounts {
		c := &account{absences: map[string]*fact{}, amendments: map[string][]*fact{}}
		for _, h := range a.hires {
			if !h.recorded.After(at) {
				c.hires = append(c.hires, h)
				b.ids[h.key] = true
			}
		}
		// Absences first, so that amendments find them.
		for _, k := range []kind{kindPolicy, kindAbsence, kindAdjustment, kindAmendment} {
			for _, f := range a.all() {
				if f.kind == k && !f.recorded.After(at) {
					cp := *f
					c.add(&cp)
					b.ids[f.key] = true
				}
			}
		}
		b.accounts[employee] = c
	}
	return b
}

// all returns every fact of the account, amendments without a known
// absence included.
func (a *account) all() []*fact {
	out := slices.Clone(a.facts)
	for id, ams := range a.amendments {
		if _, ok := a.absences[id]; !ok {
			out = append(out, ams...)
		}
	}
	return out
}

// NewestSnapshot returns the newest Snapshot of an employee's balance,
// built first if it is due; ok is false when there is none.
func (l *Ledger) NewestSnapshot(employee naming.ERN) (s Snapshot, ok bool) {
	a := l.accounts[employee]
	if a == nil {
		return Snapshot{}, false
	}
	a.sort()
	l.buildSnapshots(a)
	if n := len(a.snapshots); n > 0 {
		return a.snapshots[n-1], true
	}
	return Snapshot{}, false
}

// RestoreSnapshot gives an employee's account a Snapshot made earlier
// from the same timeline, so that it need not be built again. The ledger
// takes it only when it still holds: the hire date known now is the one
// it assumed, and as many facts take effect before its cutoff as it
// counted. A ledger never loses a fact, so the same count means the same
// facts. It reports whether the snapshot was taken (or one as new was
// there already).
func (l *Ledger) RestoreSnapshot(employee naming.ERN, s Snapshot) bool {
	a := l.accounts[employee]
	if a == nil || l.SnapshotEvery <= 0 {
		return false
	}
	if hireDate, ok := a.hireAt(endOfTime); !ok || !hireDate.Equal(s.HireDate) {
		return false
	}
	a.sort()
	if s.Facts != sort.Search(len(a.facts), func(i int) bool { return !a.facts[i].effect.Before(s.Cutoff) }) {
		return false
	}
	if n := len(a.snapshots); n > 0 && !a.snapshots[n-1].Cutoff.Before(s.Cutoff) {
		return true
	}
	a.snapshots = append(a.snapshots, s) // the chain's cutoffs keep growing
	return true
}
