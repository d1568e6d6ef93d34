package main

import (
	"fmt"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/elmosoftware/eventprotocol/envelope"
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
		d := Days(rng.Int64N(5*daysScale)) / 250_000 * 250_000
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
			reference := NewLedger(0)
			for _, e := range events {
				require.NoError(t, reference.Add(e))
			}
			// Shuffled, with duplicates, with snapshots, and with queries
			// between the additions so that late facts hit snapshots.
			shuffled := append(append([]*envelope.Envelope{}, events...), events[:len(events)/3]...)
			rng.Shuffle(len(shuffled), func(i, j int) { shuffled[i], shuffled[j] = shuffled[j], shuffled[i] })
			others := []*Ledger{NewLedger(1), NewLedger(3), NewLedger(7)}
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
