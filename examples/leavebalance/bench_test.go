package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	neturl "net/url"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/elmosoftware/eventprotocol/envelope"
	"github.com/elmosoftware/eventprotocol/examples/leavebalance/ledger"
)

// benchLedger loads 100,000 random events of one employee.
func benchLedger(b *testing.B, snapshotEvery int, events []*envelope.Envelope) *ledger.Ledger {
	l := ledger.NewLedger(snapshotEvery)
	for _, e := range events {
		if err := l.Add(e); err != nil {
			b.Fatal(err)
		}
	}
	return l
}

// BenchmarkBalance asks for the balance at the end of the stream's range on
// a ledger of 100,000 events, with snapshots every 1,000 facts and with
// full replay (no snapshots).
func BenchmarkBalance(b *testing.B) {
	events := randomStream(rand.New(rand.NewPCG(1, 2)), 100_000)
	on := time.Date(2027, 3, 31, 0, 0, 0, 0, time.UTC)
	knownAt := time.Date(2027, 6, 1, 0, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		name  string
		every int
	}{{"snapshots", 1000}, {"full-replay", 0}} {
		b.Run(tc.name, func(b *testing.B) {
			l := benchLedger(b, tc.every, events)
			if _, err := l.Balance(demoEmployee, on, knownAt); err != nil { // builds the snapshots once
				b.Fatal(err)
			}
			b.ReportAllocs()
			for b.Loop() {
				if _, err := l.Balance(demoEmployee, on, knownAt); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkImport runs leavebalance import of 100,000 events (one
// employee's random history) into a new SQLite store: reading, checking
// every line against the catalogue, and appending. It reports events/s:
//
//	go test -run '^$' -bench Import -benchtime 2x ./examples/leavebalance/
func BenchmarkImport(b *testing.B) {
	const n = 100_000
	var lines bytes.Buffer
	for _, e := range randomStream(rand.New(rand.NewPCG(1, 2)), n-1) {
		line, err := e.MarshalJSON()
		if err != nil {
			b.Fatal(err)
		}
		lines.Write(line)
		lines.WriteByte('\n')
	}
	file := filepath.Join(b.TempDir(), "history.jsonl")
	if err := os.WriteFile(file, lines.Bytes(), 0o644); err != nil {
		b.Fatal(err)
	}
	i := 0
	for b.Loop() {
		i++
		db := filepath.Join(b.TempDir(), fmt.Sprint("leave", i, ".db"))
		var out, errOut bytes.Buffer
		if code := importCmd([]string{"--catalog", "../../testdata/catalog", "--db", db, file}, &out, &errOut); code != exitOK {
			b.Fatal(errOut.String())
		}
	}
	b.ReportMetric(float64(b.N*n)/b.Elapsed().Seconds(), "events/s")
}

// BenchmarkServeBalance asks the HTTP API for the balance of an employee
// with 100,000 events in a SQLite store (the projection's ledger keeps
// snapshots every 1,000 facts). Each request reads the store's head, so
// that it sees every append; ns/op is the latency of one request:
//
//	go test -run '^$' -bench ServeBalance ./examples/leavebalance/
func BenchmarkServeBalance(b *testing.B) {
	ctx := context.Background()
	db := filepath.Join(b.TempDir(), "leave.db")
	store, err := openStore(ctx, db, nil)
	if err != nil {
		b.Fatal(err)
	}
	defer store.Close()
	var events []checked
	for _, e := range randomStream(rand.New(rand.NewPCG(1, 2)), 100_000-1) {
		c, err := check(e)
		if err != nil {
			b.Fatal(err)
		}
		events = append(events, c)
	}
	if _, err := importEvents(ctx, store, events); err != nil {
		b.Fatal(err)
	}
	svc := newService(store, time.Now, slog.New(slog.DiscardHandler))
	pctx, stop := context.WithCancel(ctx)
	defer stop()
	go func() { _ = svc.project(pctx) }()
	srv := httptest.NewServer(svc.handler())
	defer srv.Close()
	url := srv.URL + "/v1/employees/" + neturl.PathEscape(demoEmployee.String()) + "/balance?on=2027-03-31&knownAt=2027-06-01T00:00:00Z"
	get := func() {
		res, err := http.Get(url)
		if err != nil {
			b.Fatal(err)
		}
		_, _ = io.Copy(io.Discard, res.Body)
		res.Body.Close()
		if res.StatusCode != http.StatusOK {
			b.Fatalf("status %d", res.StatusCode)
		}
	}
	get() // the projection catches up, the snapshots are built
	for b.Loop() {
		get()
	}
}
