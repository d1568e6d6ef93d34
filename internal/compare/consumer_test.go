package compare

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/elmosoftware/eventprotocol/envelope"
	"github.com/elmosoftware/eventprotocol/event"
	"github.com/elmosoftware/eventprotocol/internal/benchdata"
	"github.com/elmosoftware/eventprotocol/naming"
)

// typedEvent is the floor's event (of BenchmarkEncode's too): encoding/json on one struct holding the
// attributes and the payload of type T inline.
type typedEvent[T any] struct {
	SpecVersion        string    `json:"specversion"`
	ID                 string    `json:"id"`
	Source             string    `json:"source"`
	Type               string    `json:"type"`
	Time               time.Time `json:"time"`
	Subject            string    `json:"subject"`
	DataContentType    string    `json:"datacontenttype"`
	DataSchema         string    `json:"dataschema,omitempty"`
	TenantID           string    `json:"tenantid"`
	CorrelationID      string    `json:"correlationid"`
	DataClassification string    `json:"dataclassification"`
	Data               T         `json:"data"`
}

// fixedProducer mints the same id and time every time, as the floor's
// struct holds them: both sides then do the same work.
var fixedProducer = &envelope.Producer{Source: source,
	NewID: func() (string, error) { return id, nil }, Now: func() time.Time { return recorded }}

// BenchmarkConsumerDecode: what a consumer does with a message body, the
// whole of it: decode the envelope (with the hostile-input checks of its
// data) and validate it by the ELMO profile as the Consumer does
// (Validator.Check, tolerant, with the payload type's member check in the
// decoder's pass over the data), and decode the payload into its Go type
// (event.Definition.Decode); against encoding/json unmarshalling the same
// event into one struct.
func BenchmarkConsumerDecode(b *testing.B) {
	b.Run("flat", func(b *testing.B) { consumerDecode(b, benchdata.NewPayload()) })
	b.Run("nested", func(b *testing.B) { consumerDecode(b, benchdata.NewPayRun()) })
}

func consumerDecode[T any](b *testing.B, payload T) {
	def := event.MustDefine[T](typ)
	e, err := def.New(fixedProducer, payload, event.WithSubject(naming.MustParseERN(subject)))
	if err != nil {
		b.Fatal(err)
	}
	raw, err := e.MarshalJSON()
	if err != nil {
		b.Fatal(err)
	}
	b.Run("elmo", func(b *testing.B) {
		b.SetBytes(int64(len(raw)))
		b.ReportAllocs()
		// The Consumer's default validator, with the typed handler's member
		// check in the decoder's pass (transport.Handle sets it).
		v := envelope.Validator{Tolerant: true, Decoder: envelope.Decoder{
			Members: func(string) envelope.MemberChecker { return def.Members() }}}
		for b.Loop() {
			got, err := v.Check(raw) // decode and validate, as the Consumer does
			if err != nil {
				b.Fatal(err)
			}
			if _, err := def.Decode(&got); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("floor", func(b *testing.B) {
		b.SetBytes(int64(len(raw)))
		b.ReportAllocs()
		for b.Loop() {
			var f typedEvent[T]
			if err := json.Unmarshal(raw, &f); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// BenchmarkNewAndEncode: BenchmarkEncode's work plus building the event
// with event.Definition.New, which validates it strictly (its attributes
// and the protocol's rules of data) as the Publisher does again before
// sending; against encoding/json marshalling the same event from one
// struct, which checks nothing.
func BenchmarkNewAndEncode(b *testing.B) {
	b.Run("flat", func(b *testing.B) { typedEncode(b, benchdata.NewPayload()) })
	b.Run("nested", func(b *testing.B) { typedEncode(b, benchdata.NewPayRun()) })
}

func typedEncode[T any](b *testing.B, payload T) {
	def := event.MustDefine[T](typ)
	subj := event.WithSubject(naming.MustParseERN(subject))
	e, err := def.New(fixedProducer, payload, subj)
	if err != nil {
		b.Fatal(err)
	}
	b.Run("elmo", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			e, err := def.New(fixedProducer, payload, subj)
			if err != nil {
				b.Fatal(err)
			}
			if _, err := e.MarshalJSON(); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("floor", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			f := typedEvent[T]{"1.0", e.ID, e.Source, e.Type, e.Time, e.Subject, e.DataContentType, e.DataSchema,
				e.TenantID, e.CorrelationID, e.DataClassification, payload}
			if _, err := json.Marshal(&f); err != nil {
				b.Fatal(err)
			}
		}
	})
}
