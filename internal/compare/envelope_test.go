package compare

import (
	"encoding/json"
	"testing"
	"time"

	cloudevents "github.com/cloudevents/sdk-go/v2/event"

	"github.com/elmosoftware/eventprotocol/envelope"
	"github.com/elmosoftware/eventprotocol/internal/benchdata"
)

type payload = benchdata.Payload

func newPayload() payload { return benchdata.NewPayload() }

var recorded = time.Date(2026, 11, 26, 9, 30, 15, 123_000_000, time.UTC)

// The event's attributes: the core ones and three extensions.
const (
	id          = "019a6b1e-7c2d-7a3b-8c4d-5e6f7a8b9c0d"
	source      = "urn:elmo:service:leave-balance"
	typ         = "elmo.leave.absence.approved.v1"
	subject     = "ern:elmo:hr:acme:employee/e-1001"
	tenant      = "acme"
	correlation = "019a6b1e-0000-7a3b-8c4d-5e6f7a8b9c0d"
	class       = "confidential"
)

func ours[T any](p T) (envelope.Envelope, error) {
	data, err := json.Marshal(&p)
	return envelope.Envelope{
		SpecVersion: "1.0", ID: id, Source: source, Type: typ, Time: recorded, Subject: subject,
		DataContentType: "application/json", TenantID: tenant, CorrelationID: correlation,
		DataClassification: class, Data: data,
	}, err
}

func sdk[T any](p T) (cloudevents.Event, error) {
	ev := cloudevents.New()
	ev.SetID(id)
	ev.SetSource(source)
	ev.SetType(typ)
	ev.SetTime(recorded)
	ev.SetSubject(subject)
	ev.SetExtension("tenantid", tenant)
	ev.SetExtension("correlationid", correlation)
	ev.SetExtension("dataclassification", class)
	return ev, ev.SetData("application/json", p)
}

func floor[T any](p T) typedEvent[T] {
	return typedEvent[T]{"1.0", id, source, typ, recorded, subject, "application/json", "", tenant, correlation, class, p}
}

// BenchmarkEncode: encodeWork, on both payloads, with sdk-go's way too.
func BenchmarkEncode(b *testing.B) {
	sideBySide(b, encodeWork(newPayload()), encodeWork(benchdata.NewPayRun()))
}

// BenchmarkDecodePayload: the wire form to the attributes and the payload in
// its Go type.
func BenchmarkDecodePayload(b *testing.B) {
	e, err := ours(newPayload())
	if err != nil {
		b.Fatal(err)
	}
	raw, err := e.MarshalJSON()
	if err != nil {
		b.Fatal(err)
	}
	b.Run("elmo", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			got, err := envelope.Decode(raw)
			if err != nil {
				b.Fatal(err)
			}
			var p payload
			if err := json.Unmarshal(got.Data, &p); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("sdk-go", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			var ev cloudevents.Event
			if err := json.Unmarshal(raw, &ev); err != nil {
				b.Fatal(err)
			}
			var p payload
			if err := ev.DataAs(&p); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("floor", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			var f typedEvent[payload]
			if err := json.Unmarshal(raw, &f); err != nil {
				b.Fatal(err)
			}
		}
	})
}
