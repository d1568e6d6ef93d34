package main

import (
	"math/rand/v2"
	"testing"
	"time"

	"github.com/elmosoftware/eventprotocol/envelope"
)

// benchLedger loads 100,000 random events of one employee.
func benchLedger(b *testing.B, snapshotEvery int, events []*envelope.Envelope) *Ledger {
	l := NewLedger(snapshotEvery)
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
