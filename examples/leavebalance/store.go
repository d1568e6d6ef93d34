package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/elmosoftware/eventprotocol/envelope"
	"github.com/elmosoftware/eventprotocol/eventstore"
	"github.com/elmosoftware/eventprotocol/eventstore/postgres"
	"github.com/elmosoftware/eventprotocol/eventstore/sqlite"
	"github.com/elmosoftware/eventprotocol/examples/leavebalance/ledger"
	"github.com/elmosoftware/eventprotocol/naming"
	"github.com/elmosoftware/eventprotocol/schema"
)

// openStore opens the event store a DSN names: a postgres:// or
// postgresql:// URL is PostgreSQL, anything else a SQLite file. With a
// catalogue, every append is checked against it.
func openStore(ctx context.Context, dsn string, cat *schema.Catalog) (*eventstore.Store, error) {
	cfg := &eventstore.Config{}
	if cat != nil {
		cfg.Validator = cat
	}
	if strings.HasPrefix(dsn, "postgres://") || strings.HasPrefix(dsn, "postgresql://") {
		return postgres.NewStore(ctx, dsn, cfg)
	}
	return sqlite.NewStore(ctx, strings.TrimPrefix(dsn, "sqlite:"), cfg)
}

// checked is an event of a file, checked, with its stream in the store:
// its employee's ERN.
type checked struct {
	e        *envelope.Envelope
	employee naming.ERN
}

// check makes an event checked: a fact the ledger knows.
func check(e *envelope.Envelope) (checked, error) {
	employee, err := ledger.Employee(e)
	return checked{e: e, employee: employee}, err
}

// maxLine bounds a line of a JSON lines file: an envelope's decoding
// limit.
const maxLine = envelope.DefaultMaxBytes

// readFile checks every line of a JSON lines file of envelopes: decoded,
// valid by the protocol and the catalogue, and a fact the ledger knows.
// Each invalid line is reported with its number: any makes the code
// exitInvalid; a file that cannot be read, exitUsage.
func readFile(file string, cat *schema.Catalog, stderr io.Writer) (events []checked, code int) {
	f, err := os.Open(file)
	if err != nil {
		fmt.Fprintln(stderr, "leavebalance:", err)
		return nil, exitUsage
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 0, 64<<10), maxLine)
	validator := envelope.Validator{}
	bad, n := 0, 0
	for sc.Scan() {
		n++
		line := bytes.TrimSpace(sc.Bytes())
		if len(line) == 0 {
			continue
		}
		e, err := validator.Check(line)
		if err == nil {
			err = cat.Validate(&e)
		}
		var c checked
		if err == nil {
			c, err = check(&e)
		}
		if err != nil {
			fmt.Fprintf(stderr, "%s:%d: %v\n", file, n, err)
			bad++
			continue
		}
		events = append(events, c)
	}
	if err := sc.Err(); errors.Is(err, bufio.ErrTooLong) {
		fmt.Fprintf(stderr, "%s:%d: line longer than %d bytes\n", file, n+1, maxLine)
		return nil, exitInvalid
	} else if err != nil {
		fmt.Fprintf(stderr, "%s: %v\n", file, err)
		return nil, exitUsage
	}
	if bad > 0 {
		fmt.Fprintf(stderr, "%s: %d invalid lines\n", file, bad)
		return nil, exitInvalid
	}
	return events, exitOK
}

// importEvents appends events to their employees' streams, consecutive
// events of one employee in one append. Events already stored are
// skipped: importing twice changes nothing.
func importEvents(ctx context.Context, store *eventstore.Store, events []checked) (stored int, err error) {
	const maxAppend = 5000
	batch := make([]*envelope.Envelope, 0, maxAppend)
	for i := 0; i < len(events); {
		employee := events[i].employee
		batch = batch[:0]
		for ; i < len(events) && events[i].employee == employee && len(batch) < maxAppend; i++ {
			batch = append(batch, events[i].e)
		}
		res, err := store.Append(ctx, eventstore.Stream{Name: employee.String()}, eventstore.Any, batch...)
		if err != nil {
			return stored, err
		}
		stored += res.Stored
	}
	return stored, nil
}

// loadTimeline adds an employee's timeline st to the ledger (a branch's:
// the main timeline up to the fork, then the branch's own events), and
// says how far it read.
func loadTimeline(ctx context.Context, store *eventstore.Store, st eventstore.Stream, l *ledger.Ledger, skip func(eventstore.Record)) (mark, error) {
	var m mark
	for r, err := range store.ReadStream(ctx, st, 0) {
		if err != nil {
			return m, err
		}
		e, err := r.Envelope()
		if err == nil {
			err = l.Add(&e)
		}
		if err != nil {
			// A stored fact the ledger cannot count is skipped, on a branch
			// as on the main timeline; its error may quote its values, so
			// only where it is is reported.
			skip(r)
		}
		m.saw(r)
	}
	return m, nil
}

// mark is how far a ledger has read one employee's timeline in the
// store: the newest version and record time among the events it counted.
type mark struct {
	version  int64
	recorded time.Time
}

// saw moves the mark past a record.
func (m *mark) saw(r eventstore.Record) {
	m.version = max(m.version, r.Version)
	if r.Recorded.After(m.recorded) {
		m.recorded = r.Recorded
	}
}

// storedSnapshot is a ledger's snapshot as the store keeps it (its
// Snapshot.State).
type storedSnapshot struct {
	Cutoff      time.Time `json:"cutoff"`
	Facts       int       `json:"facts"` // the facts taking effect before the cutoff
	Balance     string    `json:"balance"`
	MaxRecorded time.Time `json:"maxRecorded"`
	HireDate    time.Time `json:"hireDate"`
}

// storedForm returns the ledger's newest snapshot of an employee's
// timeline st, made after reading it up to m, as the store keeps it; ok is
// false when there is none, or it is the one saved before. It returns the
// ledger's form too.
//
// The store keys it by what it covers: the events recorded up to m's
// record time that take effect before its cutoff. An event recorded later
// that takes effect before the cutoff invalidates it in the store as in
// the ledger.
func storedForm(st eventstore.Stream, employee naming.ERN, l *ledger.Ledger, m mark, saved ledger.Snapshot) (snap eventstore.Snapshot, s ledger.Snapshot, ok bool) {
	s, ok = l.NewestSnapshot(employee)
	if !ok || s.Same(saved) || m.version == 0 {
		return eventstore.Snapshot{}, saved, false
	}
	state, _ := json.Marshal(storedSnapshot{Cutoff: s.Cutoff, Facts: s.Facts, Balance: s.Balance.String(), MaxRecorded: s.MaxRecorded, HireDate: s.HireDate}) // cannot fail: times of facts are in range
	return eventstore.Snapshot{Stream: st.Name, Branch: st.Branch, Recorded: m.recorded,
		Effective: s.Cutoff.Add(-time.Nanosecond), Version: m.version, State: state}, s, true
}

// loadSnapshot returns the store's newest snapshot of st that no event
// recorded since invalidates; ok is false when there is none. The ledger
// checks it again as it takes it (Ledger.RestoreSnapshot).
func loadSnapshot(ctx context.Context, store *eventstore.Store, st eventstore.Stream) (s ledger.Snapshot, ok bool, err error) {
	snap, ok, err := store.LoadSnapshot(ctx, st, time.Time{}, time.Time{})
	if err != nil || !ok {
		return ledger.Snapshot{}, false, err
	}
	var state storedSnapshot
	if json.Unmarshal(snap.State, &state) != nil { // its text may quote a date: say what, not which
		return ledger.Snapshot{}, false, fmt.Errorf("the stored snapshot of version %d is not one this service writes", snap.Version)
	}
	bal, err := ledger.ParseDays(state.Balance)
	if err != nil { // its text would quote the balance: name the member only
		return ledger.Snapshot{}, false, fmt.Errorf("the stored snapshot of version %d: its balance is not an exact decimal", snap.Version)
	}
	return ledger.Snapshot{Cutoff: state.Cutoff, Facts: state.Facts, Balance: bal, MaxRecorded: state.MaxRecorded, HireDate: state.HireDate}, true, nil
}

// openTimeline reads an employee's timeline st into a ledger of its own
// and gives it the store's snapshot. save stores the ledger's newest
// snapshot once it has answered. Snapshots are a cache: their failures go
// to warn, and cost time, never an answer. A stored fact the ledger cannot
// count is skipped and reported to warn by its position, never its values.
func openTimeline(ctx context.Context, store *eventstore.Store, st eventstore.Stream, employee naming.ERN, l *ledger.Ledger, warn func(error)) (save func(), err error) {
	m, err := loadTimeline(ctx, store, st, l, func(r eventstore.Record) {
		warn(fmt.Errorf("skipped the event at position %d of %s (branch %q): the ledger cannot count it", r.Position, r.Stream, r.Branch))
	})
	if err != nil {
		return nil, err
	}
	var saved ledger.Snapshot
	if s, ok, err := loadSnapshot(ctx, store, st); err != nil {
		warn(err)
	} else if ok && l.RestoreSnapshot(employee, s) {
		saved = s
	}
	return func() {
		if snap, _, ok := storedForm(st, employee, l, m, saved); ok {
			if err := store.SaveSnapshot(ctx, snap); err != nil {
				warn(err)
			}
		}
	}, nil
}
