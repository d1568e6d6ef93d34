package compare

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/elmosoftware/eventprotocol/envelope"
	"github.com/elmosoftware/eventprotocol/event"
	"github.com/elmosoftware/eventprotocol/naming"
)

// work is one case measured side by side: this library's way and the
// floor's, each doing the work for one event per call.
type work struct {
	elmo, floor func() error
	sdk         func() error // cloudevents/sdk-go's way, where measured
	bytes       int          // of the event on the wire
}

// sideBySide runs the work of the flat payload (about 850 bytes) and of
// the nested one (about 2.5 KiB, two dozen objects in an array), each
// side as a sub-benchmark.
func sideBySide(b *testing.B, flat, nested work) {
	for _, c := range []struct {
		name string
		w    work
	}{{"flat", flat}, {"nested", nested}} {
		b.Run(c.name, func(b *testing.B) {
			c.w.run(b, "elmo", c.w.elmo)
			if c.w.sdk != nil {
				c.w.run(b, "sdk-go", c.w.sdk)
			}
			c.w.run(b, "floor", c.w.floor)
		})
	}
}

// run is a sub-benchmark calling f b.N times.
func (w work) run(b *testing.B, name string, f func() error) {
	b.Run(name, func(b *testing.B) {
		if w.bytes > 0 {
			b.SetBytes(int64(w.bytes))
		}
		b.ReportAllocs()
		for b.Loop() {
			if err := f(); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// typedEvent is the floor's event: encoding/json on one struct holding
// the attributes and the payload of type T inline.
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

// decodeWork is what a consumer does with a message body, the whole of
// it: decode the envelope (with the hostile-input checks of its data) and
// validate it by the ELMO profile as the Consumer does (Validator.Check,
// tolerant, with the payload type's member check in the decoder's pass
// over the data, which transport.Handle sets), and decode the payload
// into its Go type (event.Definition.Decode); against encoding/json
// unmarshalling the same event into one struct.
func decodeWork[T any](payload T) work {
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
	return work{bytes: len(raw), elmo: func() error {
		got, err := v.Check(raw)
		if err == nil {
			_, err = def.Decode(&got)
		}
		return err
	}, floor: func() error {
		var f typedEvent[T]
		return json.Unmarshal(raw, &f)
	}}
}

// encodeWork is a typed payload to the wire form: json.Marshal of the
// payload, then the envelope's encoding; against encoding/json
// marshalling the same event from one struct.
func encodeWork[T any](payload T) work {
	return work{elmo: func() error {
		e, err := ours(payload)
		if err == nil {
			_, err = e.MarshalJSON()
		}
		return err
	}, sdk: func() error {
		ev, err := sdk(payload)
		if err == nil {
			_, err = json.Marshal(ev)
		}
		return err
	}, floor: func() error {
		_, err := json.Marshal(floor(payload))
		return err
	}}
}

// newAndEncodeWork is encodeWork's work plus building the event with
// event.Definition.New, which validates it strictly (its attributes and
// the protocol's rules of data) as the Publisher does again before
// sending; the floor checks nothing.
func newAndEncodeWork[T any](payload T) work {
	def := event.MustDefine[T](typ)
	subj := event.WithSubject(naming.MustParseERN(subject))
	e, err := def.New(fixedProducer, payload, subj)
	if err != nil {
		panic(err)
	}
	return work{elmo: func() error {
		e, err := def.New(fixedProducer, payload, subj)
		if err == nil {
			_, err = e.MarshalJSON()
		}
		return err
	}, floor: func() error {
		f := typedEvent[T]{"1.0", e.ID, e.Source, e.Type, e.Time, e.Subject, e.DataContentType, e.DataSchema,
			e.TenantID, e.CorrelationID, e.DataClassification, payload}
		_, err := json.Marshal(&f)
		return err
	}}
}
