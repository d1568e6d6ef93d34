package main

import (
	"fmt"
	"time"
)

// The same question asked at two points in time: before and after a
// retroactive correction was recorded.
func ExampleLedger() {
	s := newScenario()
	s.hired("2026-01-01T00:00:00Z", "2026-01-05")
	s.policy("2026-01-01T00:00:00Z", date("2026-01-05"), "1.5", 14, "2026-01-05")
	s.absence("2026-01-10T00:00:00Z", "2026-01-20", "1")
	s.adjust("2026-06-01T00:00:00Z", date("2026-01-06"), "2") // recorded in June, effective in January

	l := NewLedger(100)
	for _, e := range s.h.events {
		_ = l.Add(e)
	}
	endOfJanuary := date("2026-01-31")
	for _, knownAt := range []string{"2026-05-31T00:00:00Z", "2026-06-01T00:00:00Z"} {
		t, _ := time.Parse(time.RFC3339, knownAt)
		b, _ := l.Balance(demoEmployee, endOfJanuary, t)
		fmt.Printf("end of January, as known at %s: %s days\n", knownAt, b)
	}
	// Output:
	// end of January, as known at 2026-05-31T00:00:00Z: 2 days
	// end of January, as known at 2026-06-01T00:00:00Z: 4 days
}
