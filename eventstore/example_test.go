package eventstore_test

import (
	"context"
	"fmt"
	"time"

	"github.com/elmosoftware/eventprotocol/config"
	"github.com/elmosoftware/eventprotocol/envelope"
	"github.com/elmosoftware/eventprotocol/eventstore"
	"github.com/elmosoftware/eventprotocol/eventstore/memory"
)

// An employee's leave stream, a retroactive correction, and the
// bitemporal read: what was known before the correction, and after.
func Example() {
	ctx := context.Background()
	clock := config.NewManualClock(time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC))
	store, err := memory.NewStore(&eventstore.Config{Clock: clock})
	if err != nil {
		fmt.Println(err)
		return
	}
	producer := &envelope.Producer{Source: "urn:elmo:service:leave"}
	ern := "ern:elmo:hr:acme:employee/e-42"
	event := func(days int, effective string) *envelope.Envelope {
		e, _ := producer.New("elmo.leave.balance.adjusted.v1", fmt.Appendf(nil, `{"days":%d}`, days))
		e.Subject, e.TenantID = ern, "acme"
		e.EffectiveTime, _ = time.Parse(time.DateOnly, effective)
		return &e
	}
	stream := eventstore.Stream{Name: ern}
	if _, err := store.Append(ctx, stream, eventstore.Exactly(0), event(10, "2026-01-01"), event(-2, "2026-02-10")); err != nil {
		fmt.Println(err)
		return
	}
	before := clock.Now()
	clock.Advance(24 * time.Hour) // a day later, a correction of January
	res, err := store.Append(ctx, stream, eventstore.Exactly(2), event(1, "2026-01-15"))
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("version", res.Version)
	_, err = store.Append(ctx, stream, eventstore.Exactly(2), event(5, "2026-03-01"))
	fmt.Println(err)

	for _, knownAt := range []time.Time{before, clock.Now()} {
		fmt.Print("known at ", knownAt.Format(time.DateOnly), ":")
		for r, err := range store.ReadAsOf(ctx, stream, eventstore.AsOf{KnownAt: knownAt}) {
			if err != nil {
				fmt.Println(err)
				return
			}
			e, _ := r.Envelope()
			fmt.Printf(" %s %s", r.Effective.Format("01-02"), e.Data)
		}
		fmt.Println()
	}
	// Output:
	// version 3
	// eventstore: version conflict on stream "ern:elmo:hr:acme:employee/e-42": expected version 2, actual 3
	// known at 2026-03-01: 01-01 {"days":10} 02-10 {"days":-2}
	// known at 2026-03-02: 01-01 {"days":10} 01-15 {"days":1} 02-10 {"days":-2}
}

// A what-if branch: its events never reach the main timeline.
func ExampleStore_Fork() {
	ctx := context.Background()
	store, _ := memory.NewStore(nil)
	producer := &envelope.Producer{Source: "urn:elmo:service:leave"}
	ern := "ern:elmo:hr:acme:employee/e-7"
	event := func() *envelope.Envelope {
		e, _ := producer.New("elmo.leave.absence.approved.v1", []byte(`{}`))
		e.Subject, e.TenantID = ern, "acme"
		return &e
	}
	_, _ = store.Append(ctx, eventstore.Stream{Name: ern}, eventstore.Any, event())
	branch, err := store.Fork(ctx, ern, time.Time{})
	if err != nil {
		fmt.Println(err)
		return
	}
	_, _ = store.Append(ctx, eventstore.Stream{Name: ern, Branch: branch.ID}, eventstore.Exactly(1), event())
	count := func(st eventstore.Stream) int {
		n := 0
		for range store.ReadStream(ctx, st, 0) {
			n++
		}
		return n
	}
	fmt.Println("main:", count(eventstore.Stream{Name: ern}), "branch:", count(eventstore.Stream{Name: ern, Branch: branch.ID}))
	// Output: main: 1 branch: 2
}
