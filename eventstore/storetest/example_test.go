package storetest_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/elmosoftware/eventprotocol/eventstore/storetest"
)

// A backend's tests run the suite with a Harness that opens a new, empty
// backend per test, as transporttest's do for a transport; Opener makes
// one of a function:
//
//	func TestConformance(t *testing.T) {
//		storetest.Run(t, storetest.Opener(func(_ context.Context, t *testing.T) (eventstore.Backend, error) {
//			b := mybackend.New()
//			t.Cleanup(func() { _ = b.Close() })
//			return b, nil
//		}))
//	}
//
// Event makes the valid envelopes the suite appends.
func ExampleEvent() {
	t := &testing.T{}
	e := storetest.Event(t, "ern:elmo:hr:acme:employee/e-1", time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC), 40)
	fmt.Println(e.Type, e.Subject, e.TenantID, e.EffectiveTime.Format(time.DateOnly))
	// Output: elmo.leave.balance.adjusted.v1 ern:elmo:hr:acme:employee/e-1 acme 2026-03-01
}
