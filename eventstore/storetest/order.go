package storetest

import (
	"context"
	"fmt"
	"math/rand/v2"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/elmosoftware/eventprotocol/envelope"
	"github.com/elmosoftware/eventprotocol/eventstore"
)

// testHoleFreeOrder runs 8 writers, a quarter of whose appends abort on a
// version conflict, beside a reader that follows the global positions:
// the reader must see positions 1, 2, 3... with no hole, though a later
// commit may have taken a position before an earlier one's.
func testHoleFreeOrder(t *testing.T, open opener) {
	s, _ := newStore(t, open)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	const writers, appends = 8, 24
	var wg sync.WaitGroup
	stored := make([]int, writers)
	errs := make(chan error, writers+1)
	for w := range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			own := eventstore.Stream{Name: fmt.Sprintf("ern:elmo:hr:acme:employee/w-%d", w)}
			shared := eventstore.Stream{Name: "ern:elmo:hr:acme:employee/shared"}
			var version int64
			for i := range appends {
				n := 1 + i%3
				switch {
				case i%4 == 3: // aborts: a stale expectation
					if _, err := s.Append(ctx, own, eventstore.Exactly(version+7), events(t, own.Name, n)...); err == nil {
						errs <- fmt.Errorf("writer %d: a stale expectation was accepted", w)
						return
					}
				case i%4 == 1: // contends with every other writer
					if _, err := s.Append(ctx, shared, eventstore.Any, events(t, shared.Name, n)...); err != nil {
						errs <- err
						return
					}
					stored[w] += n
				default:
					res, err := s.Append(ctx, own, eventstore.Exactly(version), events(t, own.Name, n)...)
					if err != nil {
						errs <- err
						return
					}
					version = res.Version
					stored[w] += n
				}
			}
		}()
	}
	done := make(chan struct{})
	go func() { wg.Wait(); close(done) }()

	var seen int64
	follow := func() {
		for r, err := range s.ReadAll(ctx, seen) {
			if err != nil {
				errs <- err
				return
			}
			if r.Position != seen+1 {
				errs <- fmt.Errorf("the reader at position %d next saw %d: a hole", seen, r.Position)
				return
			}
			seen = r.Position
		}
	}
	for writing := true; writing; {
		select {
		case <-done:
			writing = false
		case err := <-errs:
			require.NoError(t, err)
		default:
		}
		follow()
	}
	follow()
	close(errs)
	for err := range errs {
		require.NoError(t, err)
	}
	total := 0
	for _, n := range stored {
		total += n
	}
	assert.Equal(t, int64(total), seen, "every stored event, once")
}

// testConcurrentAppends races appends that must not all win: 8 to a new
// stream expecting it empty (one wins, the others conflict with its
// version), and the same event 8 times (stored once, the rest no-ops),
// beside appends that share nothing (all stored).
func testConcurrentAppends(t *testing.T, open opener) {
	s, _ := newStore(t, open)
	ctx := context.Background()
	const n = 8
	same := Event(t, stream, time.Time{}, 20)
	type outcome struct {
		race, dup eventstore.Result
		raceErr   error
		dupErr    error
		ownErr    error
	}
	out := make([]outcome, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			o := &out[i]
			o.race, o.raceErr = s.Append(ctx, eventstore.Stream{Name: "ern:elmo:hr:acme:employee/race"}, eventstore.Exactly(0), events(t, stream, 2)...)
			o.dup, o.dupErr = s.Append(ctx, eventstore.Stream{Name: stream}, eventstore.Any, same)
			own := fmt.Sprintf("ern:elmo:hr:acme:employee/own-%d", i)
			_, o.ownErr = s.Append(ctx, eventstore.Stream{Name: own}, eventstore.Exactly(0), events(t, own, 3)...)
		}()
	}
	wg.Wait()
	won, stored := 0, 0
	for _, o := range out {
		require.NoError(t, o.ownErr)
		require.NoError(t, o.dupErr)
		stored += o.dup.Stored
		if o.raceErr == nil {
			won++
			assert.Equal(t, int64(2), o.race.Version)
			continue
		}
		var ce *eventstore.ConflictError
		require.ErrorAs(t, o.raceErr, &ce)
		assert.Equal(t, int64(2), ce.Actual)
	}
	assert.Equal(t, 1, won, "one append expecting an empty stream wins")
	assert.Equal(t, 1, stored, "the same event is stored once")
	all := collect(t, s.ReadAll(ctx, 0))
	assert.Len(t, all, 2+1+3*n)
	for i, r := range all {
		assert.Equal(t, int64(i+1), r.Position)
	}
}

// model is the reference of the bitemporal property test.
type model struct {
	events []modelEvent
}

type modelEvent struct {
	id, stream, branch  string
	position, version   int64
	recorded, effective time.Time
}

func (m *model) asOf(stream, branch string, base int64, a eventstore.AsOf) []string {
	var sel []modelEvent
	for _, e := range m.events {
		inMain := e.branch == "" && (branch == "" || e.version <= base)
		if e.stream != stream || (e.branch != branch && !inMain) {
			continue
		}
		if (!a.KnownAt.IsZero() && e.recorded.After(a.KnownAt)) ||
			(!a.EffectiveAfter.IsZero() && !e.effective.After(a.EffectiveAfter)) ||
			(!a.EffectiveThrough.IsZero() && e.effective.After(a.EffectiveThrough)) {
			continue
		}
		sel = append(sel, e)
	}
	slices.SortStableFunc(sel, func(x, y modelEvent) int {
		if c := x.effective.Compare(y.effective); c != 0 {
			return c
		}
		return int(x.position - y.position)
	})
	out := make([]string, len(sel))
	for i, e := range sel {
		out[i] = e.id
	}
	return out
}

// testBitemporal checks ReadAsOf, ReadStream and ReadAll against a
// reference model on random histories: appends at random recorded times
// (the clock also stands still and goes back) with random effective
// times, to three streams and a branch.
func testBitemporal(t *testing.T, open opener) {
	for seed := range uint64(4) {
		t.Run(fmt.Sprint("seed=", seed), func(t *testing.T) {
			rng := rand.New(rand.NewPCG(seed, 42))
			s, clock := newStore(t, open)
			ctx := context.Background()
			streams := []string{"ern:elmo:hr:acme:employee/a", "ern:elmo:hr:acme:employee/b", "ern:elmo:hr:acme:employee/c"}
			m := &model{}
			var br eventstore.Branch
			versions := map[[2]string]int64{}
			var recordedTimes []time.Time
			now := epoch
			for step := range 40 {
				now = now.Add(time.Duration(rng.IntN(3)-1) * time.Minute)
				clock.Set(now)
				name := streams[rng.IntN(len(streams))]
				st := eventstore.Stream{Name: name}
				if br.ID != "" && name == br.Stream && rng.IntN(3) == 0 {
					st.Branch = br.ID
				}
				n := 1 + rng.IntN(3)
				evs := make([]*envelope.Envelope, n)
				for i := range evs {
					evs[i] = Event(t, name, epoch.Add(time.Duration(rng.IntN(200)-100)*24*time.Hour+time.Duration(rng.IntN(3))*time.Hour), 40)
				}
				key := [2]string{name, st.Branch}
				if _, ok := versions[key]; !ok && st.Branch != "" {
					versions[key] = br.Base
				}
				res, err := s.Append(ctx, st, eventstore.Exactly(versions[key]), evs...)
				require.NoError(t, err)
				versions[key] = res.Version
				recordedTimes = append(recordedTimes, res.Recorded)
				for i, e := range evs {
					m.events = append(m.events, modelEvent{id: e.ID, stream: name, branch: st.Branch, position: res.FirstPosition + int64(i),
						version: res.Version - int64(n-1-i), recorded: res.Recorded, effective: e.EffectiveTime})
				}
				if step == 20 {
					br, err = s.Fork(ctx, streams[0], recordedTimes[rng.IntN(len(recordedTimes))])
					require.NoError(t, err)
				}
			}
			pick := func() time.Time {
				if rng.IntN(5) == 0 {
					return time.Time{}
				}
				return recordedTimes[rng.IntN(len(recordedTimes))].Add(time.Duration(rng.IntN(3)-1) * time.Nanosecond)
			}
			for range 60 {
				a := eventstore.AsOf{KnownAt: pick()}
				if rng.IntN(2) == 0 {
					a.EffectiveAfter = epoch.Add(time.Duration(rng.IntN(200)-100) * 24 * time.Hour)
					a.EffectiveThrough = a.EffectiveAfter.Add(time.Duration(rng.IntN(100)) * 24 * time.Hour)
				}
				for _, st := range []eventstore.Stream{{Name: streams[rng.IntN(3)]}, {Name: br.Stream, Branch: br.ID}} {
					want := m.asOf(st.Name, st.Branch, br.Base, a)
					got := ids(t, collect(t, s.ReadAsOf(ctx, st, a)))
					require.Equal(t, want, nonNil(got), "ReadAsOf(%s, %+v)", st, a)
				}
			}
			// Global and stream order against the model.
			var main []string
			for _, e := range m.events {
				if e.branch == "" {
					main = append(main, e.id)
				}
			}
			assert.Equal(t, main, ids(t, collect(t, s.ReadAll(ctx, 0))))
			for _, name := range streams {
				var want []string
				for _, e := range m.events {
					if e.stream == name && e.branch == "" {
						want = append(want, e.id)
					}
				}
				assert.Equal(t, nonNil(want), nonNil(ids(t, collect(t, s.ReadStream(ctx, eventstore.Stream{Name: name}, 0)))))
			}
		})
	}
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}
