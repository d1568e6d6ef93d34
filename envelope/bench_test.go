package envelope_test

import (
	"encoding/json"
	"testing"

	"github.com/elmosoftware/eventprotocol/envelope"
	"github.com/elmosoftware/eventprotocol/internal/benchdata"
)

func benchEnvelope(b *testing.B) (envelope.Envelope, benchdata.Payload) {
	p := benchdata.NewPayload()
	data, err := json.Marshal(p)
	if err != nil {
		b.Fatal(err)
	}
	e := sampleEnvelope()
	e.Data = data
	e.Extensions = map[string]any{"region": "apac", "retries": int32(2), "replayed": false}
	return e, p
}

// BenchmarkEncode measures a producer's whole encoding: the payload to JSON
// and the envelope around it.
func BenchmarkEncode(b *testing.B) {
	e, p := benchEnvelope(b)
	b.ReportAllocs()
	for b.Loop() {
		data, err := json.Marshal(&p)
		if err != nil {
			b.Fatal(err)
		}
		e.Data = data
		if _, err := e.MarshalJSON(); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkDecodePayload measures a consumer's whole decoding: the envelope
// and its payload into the Go type.
func BenchmarkDecodePayload(b *testing.B) {
	e, _ := benchEnvelope(b)
	raw, err := e.MarshalJSON()
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(raw)))
	b.ReportAllocs()
	for b.Loop() {
		got, err := envelope.Decode(raw)
		if err != nil {
			b.Fatal(err)
		}
		var p benchdata.Payload
		if err := json.Unmarshal(got.Data, &p); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkValidate measures the ELMO profile's checks of a decoded event.
func BenchmarkValidate(b *testing.B) {
	e, _ := benchEnvelope(b)
	v := envelope.Validator{}
	b.ReportAllocs()
	for b.Loop() {
		if err := v.Validate(&e); err != nil {
			b.Fatal(err)
		}
	}
}
