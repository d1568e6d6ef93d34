package compare

import (
	"encoding/json"
	"runtime"
	"slices"
	"testing"
	"time"

	"github.com/elmosoftware/eventprotocol/envelope"
	"github.com/elmosoftware/eventprotocol/event"
	"github.com/elmosoftware/eventprotocol/internal/benchdata"
	"github.com/elmosoftware/eventprotocol/naming"
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
		name        string
		elmo, floor func() error
	}{
		decodePair("decode/flat", benchdata.NewPayload()),
		decodePair("decode/nested", benchdata.NewPayRun()),
		encodePair("encode/flat", benchdata.NewPayload()),
		encodePair("encode/nested", benchdata.NewPayRun()),
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
					elmo, floor = run(c.elmo), run(c.floor)
				} else {
					floor, elmo = run(c.floor), run(c.elmo)
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

// decodePair is ConsumerDecode's work on payload: the Consumer's decode
// and typed decode, and the floor's unmarshalling.
func decodePair[T any](name string, payload T) struct {
	name        string
	elmo, floor func() error
} {
	def := event.MustDefine[T](typ)
	e, err := def.New(fixedProducer, payload, event.WithSubject(naming.MustParseERN(subject)))
	if err != nil {
		panic(err)
	}
	raw, err := e.MarshalJSON()
	if err != nil {
		panic(err)
	}
	v := envelope.Validator{Tolerant: true, Decoder: envelope.Decoder{
		Members: func(string) envelope.MemberChecker { return def.Members() }}}
	return struct {
		name        string
		elmo, floor func() error
	}{name, func() error {
		got, err := v.Check(raw)
		if err == nil {
			_, err = def.Decode(&got)
		}
		return err
	}, func() error {
		var f typedEvent[T]
		return json.Unmarshal(raw, &f)
	}}
}

// encodePair is Encode's work on payload.
func encodePair[T any](name string, payload T) struct {
	name        string
	elmo, floor func() error
} {
	return struct {
		name        string
		elmo, floor func() error
	}{name, func() error {
		e, err := ours(payload)
		if err == nil {
			_, err = e.MarshalJSON()
		}
		return err
	}, func() error {
		_, err := json.Marshal(floor(payload))
		return err
	}}
}
