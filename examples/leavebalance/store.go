package main

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/elmosoftware/eventprotocol/envelope"
	"github.com/elmosoftware/eventprotocol/eventstore"
	"github.com/elmosoftware/eventprotocol/eventstore/postgres"
	"github.com/elmosoftware/eventprotocol/eventstore/sqlite"
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
	_, employee, _, err := decodeFact(e)
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

// loadEmployee adds an employee's stream to the ledger.
func loadEmployee(ctx context.Context, store *eventstore.Store, employee naming.ERN, l *Ledger) error {
	for r, err := range store.ReadStream(ctx, eventstore.Stream{Name: employee.String()}, 0) {
		if err != nil {
			return err
		}
		e, err := r.Envelope()
		if err != nil {
			return err
		}
		if err := l.Add(&e); err != nil {
			return err
		}
	}
	return nil
}
