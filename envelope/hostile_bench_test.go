package envelope_test

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/elmosoftware/eventprotocol/envelope"
	"github.com/elmosoftware/eventprotocol/internal/benchdata"
)

// The hostile-input benchmarks decode and validate inputs of n, 2n and 4n
// bytes. Compare ns/op and B/op with the input size (the MB/s column), and
// with BenchmarkTypicalOfSize, a typical event of the same size: the
// hostile ones must cost at most 10x per byte and allocate at most 10x the
// input.

var hostileSizes = []int{64 << 10, 128 << 10, 256 << 10}

// typicalOfSize is an ordinary event of about n bytes: its data is a list
// of typical payloads (internal/benchdata), so its JSON has the mix of
// members, strings, numbers and nesting of real events.
func typicalOfSize(n int) []byte {
	item, err := json.Marshal(benchdata.NewPayload())
	if err != nil {
		panic(err)
	}
	var b strings.Builder
	b.WriteString(`{"specversion":"1.0","id":"019a6b1e-7c2d-7a3b-8c4d-5e6f7a8b9c0d","source":"urn:elmo:service:hr",` +
		`"type":"elmo.hr.employee.hired.v1","time":"2026-11-26T09:30:15.123Z","subject":"ern:elmo:hr:acme:employee/e-1",` +
		`"tenantid":"acme","correlationid":"019a6b1e-7c2d-7a3b-8c4d-5e6f7a8b9c0d","data":{"items":[`)
	b.Write(item)
	for b.Len() < n {
		b.WriteByte(',')
		b.Write(item)
	}
	b.WriteString("]}}")
	return []byte(b.String())
}

// manyExtensions is an event of about n bytes made of extension attributes;
// with invalid names, every one of them is a violation.
func manyExtensions(n int, invalid bool) []byte {
	var b strings.Builder
	b.WriteString(`{"specversion":"1.0","id":"1","source":"/s","type":"t"`)
	for i := 0; b.Len() < n; i++ {
		if invalid {
			fmt.Fprintf(&b, `,"X%d":1.5`, i)
		} else {
			fmt.Fprintf(&b, `,"x%d":"v"`, i)
		}
	}
	b.WriteString("}")
	return []byte(b.String())
}

// manyDataMembers is an event whose data is one object of many members.
func manyDataMembers(n int) []byte {
	var b strings.Builder
	b.WriteString(`{"specversion":"1.0","id":"1","source":"/s","type":"t","data":{`)
	for i := 0; b.Len() < n; i++ {
		fmt.Fprintf(&b, `"m%d":%d,`, i, i)
	}
	b.WriteString(`"last":0}}`)
	return []byte(b.String())
}

func benchSizes(b *testing.B, input func(n int) []byte, run func([]byte) error) {
	for _, n := range hostileSizes {
		in := input(n)
		b.Run(fmt.Sprintf("n=%dKiB", n>>10), func(b *testing.B) {
			b.SetBytes(int64(len(in)))
			b.ReportAllocs()
			for b.Loop() {
				_ = run(in)
			}
		})
	}
}

func check(v envelope.Validator) func([]byte) error {
	return func(in []byte) error { _, err := v.Check(in); return err }
}

func BenchmarkTypicalOfSize(b *testing.B) {
	benchSizes(b, typicalOfSize, check(envelope.Validator{Profile: envelope.CloudEvents}))
}

func BenchmarkHostileExtensions(b *testing.B) {
	benchSizes(b, func(n int) []byte { return manyExtensions(n, false) }, check(envelope.Validator{Profile: envelope.CloudEvents}))
}

// BenchmarkHostileExtensionsUnlimited decodes and validates the same
// events with the attribute limit raised out of the way: without the limit,
// the cost is still linear.
func BenchmarkHostileExtensionsUnlimited(b *testing.B) {
	dec := envelope.Decoder{MaxAttributes: 1 << 20}
	benchSizes(b, func(n int) []byte { return manyExtensions(n, false) }, func(in []byte) error {
		e, err := dec.Decode(in)
		if err != nil {
			return err
		}
		return envelope.Validator{Profile: envelope.CloudEvents}.Validate(&e)
	})
}

func BenchmarkHostileInvalidExtensions(b *testing.B) {
	benchSizes(b, func(n int) []byte { return manyExtensions(n, true) }, check(envelope.Validator{}))
}

func BenchmarkHostileDataMembers(b *testing.B) {
	benchSizes(b, manyDataMembers, check(envelope.Validator{Profile: envelope.CloudEvents}))
}

func BenchmarkHostileBatchOfZeros(b *testing.B) {
	benchSizes(b, func(n int) []byte { return []byte("[" + strings.Repeat("0,", n/2) + "0]") },
		func(in []byte) error { _, err := envelope.Validator{}.CheckBatch(in); return err })
}
