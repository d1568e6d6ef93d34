package main

import (
	"fmt"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/elmosoftware/eventprotocol/envelope"
	"github.com/elmosoftware/eventprotocol/examples/leavebalance/ledger"
)

// randomStream makes a random history of the demo employee: hires,
// policies, absences with amendments, and adjustments, recorded across 2026
// and taking effect from late 2025 to 2027.
func randomStream(rng *rand.Rand, n int) []*envelope.Envelope {
	s := newScenario()
	start := time.Date(2025, 12, 1, 0, 0, 0, 0, time.UTC)
	instant := func() time.Time {
		return start.Add(time.Duration(rng.Int64N(int64(500*24*time.Hour))) / time.Millisecond * time.Millisecond)
	}
	recorded := func() string { return instant().Format(time.RFC3339Nano) }
	dateOf := func() string { return instant().Format(time.DateOnly) }
	amount := func(signed bool) string {
		d := ledger.Days(rng.Int64N(int64(5*ledger.Day))) / 250_000 * 250_000
		if signed && rng.IntN(2) == 0 {
			d = -d
		}
		return d.String()
	}
	s.hired(recorded(), dateOf())
	var absences []*envelope.Envelope
	for range n {
		switch r := rng.IntN(100); {
		case r < 3:
			s.hired(recorded(), dateOf())
		case r < 12:
			eff := instant()
			if rng.IntN(2) == 0 {
				eff = eff.Truncate(24 * time.Hour)
			}
			s.policy(recorded(), eff, amount(false), 1+rng.IntN(30), dateOf())
		case r < 55:
			absences = append(absences, s.absence(recorded(), dateOf(), amount(false)))
		case r < 75 && len(absences) > 0:
			s.amend(recorded(), absences[rng.IntN(len(absences))], amount(false))
		default:
			s.adjust(recorded(), instant(), amount(true))
		}
	}
	return s.h.events
}

func TestLedgerProperties(t *testing.T) {
	for seed := range uint64(40) {
		t.Run(fmt.Sprint("seed ", seed), func(t *testing.T) {
			rng := rand.New(rand.NewPCG(seed, 17))
			events := randomStream(rng, 20+rng.IntN(120))
			reference := ledger.NewLedger(0)
			for _, e := range events {
				require.NoError(t, reference.Add(e))
			}
			// Shuffled, with duplicates, with snapshots, and with queries
			// between the additions so that late facts hit snapshots.
			shuffled := append(append([]*envelope.Envelope{}, events...), events[:len(events)/3]...)
			rng.Shuffle(len(shuffled), func(i, j int) { shuffled[i], shuffled[j] = shuffled[j], shuffled[i] })
			others := []*ledger.Ledger{ledger.NewLedger(1), ledger.NewLedger(3), ledger.NewLedger(7)}
			for i, e := range shuffled {
				for _, l := range others {
					require.NoError(t, l.Add(e))
					if i%11 == 0 {
						_, _ = l.Balance(demoEmployee, time.Date(2026, 12, 31, 0, 0, 0, 0, time.UTC), time.Date(2027, 6, 1, 0, 0, 0, 0, time.UTC))
					}
				}
			}
			for range 60 {
				on := time.Date(2025, 12, 1, 0, 0, 0, 0, time.UTC).AddDate(0, 0, rng.IntN(560))
				knownAt := time.Date(2025, 12, 1, 0, 0, 0, 0, time.UTC).Add(time.Duration(rng.Int64N(int64(560 * 24 * time.Hour))))
				want, wantErr := reference.Balance(demoEmployee, on, knownAt)
				for _, l := range others {
					got, err := l.Balance(demoEmployee, on, knownAt)
					require.Equal(t, wantErr != nil, err != nil, "on %s known at %s", on, knownAt)
					require.Equal(t, want, got, "on %s known at %s, snapshots every %d", on.Format(time.DateOnly), knownAt.Format(time.RFC3339), l.SnapshotEvery)
				}
			}
		})
	}
}

// TestRestoredSnapshots: a snapshot made by a ledger that had read part
// of a history is taken by a ledger that read all of it only when it
// still holds, and a ledger that took one answers as one that never did.
// Across the seeds, some snapshots are taken and some refused.
func TestRestoredSnapshots(t *testing.T) {
	taken, refused := 0, 0
	for seed := range uint64(40) {
		rng := rand.New(rand.NewPCG(seed, 23))
		events := randomStream(rng, 40+rng.IntN(120))
		reference := ledger.NewLedger(0)
		for _, e := range events {
			require.NoError(t, reference.Add(e))
		}
		// The maker reads the history but for a few late facts.
		maker := ledger.NewLedger(5)
		late := rng.IntN(4)
		for _, e := range events[:len(events)-late] {
			require.NoError(t, maker.Add(e))
		}
		snap, ok := maker.NewestSnapshot(demoEmployee)
		if !ok {
			continue
		}
		taker := ledger.NewLedger(5)
		for _, e := range events {
			require.NoError(t, taker.Add(e))
		}
		if taker.RestoreSnapshot(demoEmployee, snap) {
			taken++
			built, ok := ledgerOf(t, 5, events).NewestSnapshot(demoEmployee)
			require.True(t, ok)
			if built.Cutoff.Equal(snap.Cutoff) {
				require.Equal(t, built, snap, "seed %d: a ledger.Snapshot taken is the one the ledger would build", seed)
			}
		} else {
			refused++
		}
		for range 40 {
			on := time.Date(2025, 12, 1, 0, 0, 0, 0, time.UTC).AddDate(0, 0, rng.IntN(560))
			knownAt := time.Date(2025, 12, 1, 0, 0, 0, 0, time.UTC).Add(time.Duration(rng.Int64N(int64(560 * 24 * time.Hour))))
			want, wantErr := reference.Balance(demoEmployee, on, knownAt)
			got, err := taker.Balance(demoEmployee, on, knownAt)
			require.Equal(t, wantErr != nil, err != nil)
			require.Equal(t, want, got, "seed %d: on %s known at %s", seed, on.Format(time.DateOnly), knownAt.Format(time.RFC3339))
		}
	}
	assert.Positive(t, taken, "no ledger.Snapshot was ever taken")
	assert.Positive(t, refused, "no ledger.Snapshot was ever refused")
}

// ledgerOf is a ledger of snapshots every so many facts that read events.
func ledgerOf(t *testing.T, snapshotEvery int, events []*envelope.Envelope) *ledger.Ledger {
	l := ledger.NewLedger(snapshotEvery)
	for _, e := range events {
		require.NoError(t, l.Add(e))
	}
	return l
}
