package event_test

import (
	"encoding/json"
	"testing"

	"github.com/elmosoftware/eventprotocol/envelope"
	"github.com/elmosoftware/eventprotocol/event"
	"github.com/elmosoftware/eventprotocol/internal/benchdata"
	"github.com/elmosoftware/eventprotocol/naming"
)

// BenchmarkDecode measures the typed payload decoding of a consumer, with
// its case-sensitivity walk, against encoding/json alone on the same data:
// a flat payload (about 850 bytes) and a nested one (about 2.5 KiB, two
// dozen objects in an array).
func BenchmarkDecode(b *testing.B) {
	b.Run("flat", func(b *testing.B) { benchDecode(b, benchdata.NewPayload()) })
	b.Run("nested", func(b *testing.B) { benchDecode(b, benchdata.NewPayRun()) })
}

func benchDecode[T any](b *testing.B, payload T) {
	data, err := json.Marshal(payload)
	if err != nil {
		b.Fatal(err)
	}
	def := event.MustDefine[T]("elmo.leave.absence.requested.v1")
	e := &envelope.Envelope{Type: "elmo.leave.absence.requested.v1", ID: "1", Data: data}
	b.Run("event.Decode", func(b *testing.B) {
		b.SetBytes(int64(len(data)))
		b.ReportAllocs()
		for b.Loop() {
			if _, err := def.Decode(e); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("json.Unmarshal", func(b *testing.B) {
		b.SetBytes(int64(len(data)))
		b.ReportAllocs()
		for b.Loop() {
			var p T
			if err := json.Unmarshal(data, &p); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// BenchmarkNew measures building an event: encoding the payload, minting
// the id, and the strict validation New does, which the Publisher repeats
// (set -benchmem; compare with the validation alone).
func BenchmarkNew(b *testing.B) {
	def := event.MustDefine[benchdata.Payload]("elmo.leave.absence.requested.v1")
	p := &envelope.Producer{Source: "urn:elmo:service:leave"}
	payload := benchdata.NewPayload()
	subject := event.WithSubject(naming.MustParseERN(payload.Employee))
	b.Run("New", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := def.New(p, payload, subject); err != nil {
				b.Fatal(err)
			}
		}
	})
	e, err := def.New(p, payload, subject)
	if err != nil {
		b.Fatal(err)
	}
	b.Run("Validate", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if err := (envelope.Validator{}).Validate(&e); err != nil {
				b.Fatal(err)
			}
		}
	})
}
