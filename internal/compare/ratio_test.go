package compare

import (
	"runtime"
	"slices"
	"testing"
	"time"

	"github.com/elmosoftware/eventprotocol/internal/benchdata"
)

// BenchmarkRatio measures this library against the floor round by round
// in one process: each round (one b.N iteration) runs both sides on the
// same number of events from a collected heap, in an order that
// alternates between rounds, and the benchmark reports the median of the
// rounds' ratios (x-floor), so that the machine's drift between
// benchmarks does not enter the ratio. The cases are ConsumerDecode's and
// Encode's. Run:
//
//	go test -run '^$' -bench Ratio -benchtime 40x
func BenchmarkRatio(b *testing.B) {
	for _, c := range []struct {
		name string
		w    work
	}{
		{"decode/flat", decodeWork(benchdata.NewPayload())},
		{"decode/nested", decodeWork(benchdata.NewPayRun())},
		{"encode/flat", encodeWork(benchdata.NewPayload())},
		{"encode/nested", encodeWork(benchdata.NewPayRun())},
	} {
		b.Run(c.name, func(b *testing.B) {
			const events = 300
			run := func(f func() error) time.Duration {
				runtime.GC()
				start := time.Now()
				for range events {
					if err := f(); err != nil {
						b.Fatal(err)
					}
				}
				return time.Since(start)
			}
			var ratios []float64
			round := 0
			for b.Loop() {
				var elmo, floor time.Duration
				if round%2 == 0 {
					elmo, floor = run(c.w.elmo), run(c.w.floor)
				} else {
					floor, elmo = run(c.w.floor), run(c.w.elmo)
				}
				ratios = append(ratios, float64(elmo)/float64(floor))
				round++
			}
			slices.Sort(ratios)
			b.ReportMetric(ratios[len(ratios)/2], "x-floor")
			b.ReportMetric(0, "ns/op") // a round's time says nothing
		})
	}
}
