package transport_test

import (
	"context"
	"encoding/json"
	"fmt"
	"testing"

	"github.com/elmosoftware/eventprotocol/envelope"
	"github.com/elmosoftware/eventprotocol/event"
	"github.com/elmosoftware/eventprotocol/transport"
	"github.com/elmosoftware/eventprotocol/transport/driver"
	"github.com/elmosoftware/eventprotocol/transport/memory"
)

type (
	absenceV1 struct {
		Employee string `json:"employee"`
		Date     string `json:"date"`
		Days     string `json:"days"`
	}
	absenceV2 struct {
		Employee string `json:"employee"`
		Date     string `json:"date"`
		Amount   string `json:"amount"`
		Unit     string `json:"unit"`
	}
)

var (
	absence1 = event.MustDefine[absenceV1]("elmo.leave.absence.approved.v1")
	absence2 = event.MustDefine[absenceV2]("elmo.leave.absence.approved.v2")
)

func toV2(o absenceV1) (absenceV2, error) {
	return absenceV2{Employee: o.Employee, Date: o.Date, Amount: o.Days, Unit: "DAYS"}, nil
}

// BenchmarkUpcastDelivery delivers one event at a time to a typed handler
// of v2 (a push consumer: no transport in the measure): a v2 event as it
// came, and a v1 event upcast; "decode+encode" is one decode of the v1
// payload (as Definition.Decode makes it) and one encode of the v2 one,
// what an upcast may add.
func BenchmarkUpcastDelivery(b *testing.B) {
	ctx := context.Background()
	broker, err := memory.New(nil)
	if err != nil {
		b.Fatal(err)
	}
	if err := broker.CreateSubscription(memory.SubscriptionConfig{Name: "balance", Topics: []string{"leave"}}); err != nil {
		b.Fatal(err)
	}
	recv, err := broker.Receiver("balance")
	if err != nil {
		b.Fatal(err)
	}
	ups, err := envelope.NewUpcasters(event.Upcast(absence1, absence2, toV2))
	if err != nil {
		b.Fatal(err)
	}
	c, err := transport.NewConsumer(recv, &transport.ConsumerConfig{Push: true, Concurrency: 1, Idempotency: transport.NoIdempotency{}, Upcasters: ups})
	if err != nil {
		b.Fatal(err)
	}
	var sink absenceV2
	if err := transport.Handle(c, absence2, func(_ context.Context, _ *envelope.Envelope, p absenceV2) error { sink = p; return nil }); err != nil {
		b.Fatal(err)
	}
	if err := c.Start(ctx); err != nil {
		b.Fatal(err)
	}
	defer c.Shutdown(ctx) //nolint:errcheck
	message := func(def string, data string) *driver.Message {
		e, _ := (&envelope.Producer{Source: "urn:elmo:service:leave"}).New(def, []byte(data))
		e.Subject, e.TenantID = "ern:elmo:hr:acme:employee/e-1", "acme"
		body, _ := e.MarshalJSON()
		return &driver.Message{Body: body, Attributes: transport.MirroredAttributes(&e), ReceiveCount: 1}
	}
	v1 := `{"employee":"ern:elmo:hr:acme:employee/e-1","date":"2026-12-21","days":"2"}`
	v2 := `{"employee":"ern:elmo:hr:acme:employee/e-1","date":"2026-12-21","amount":"2","unit":"DAYS"}`
	for _, bc := range []struct {
		name string
		msg  *driver.Message
	}{{"v2 as it came", message(absence2.Type().String(), v2)}, {"v1 upcast", message(absence1.Type().String(), v1)}} {
		b.Run(bc.name, func(b *testing.B) {
			b.ReportAllocs()
			for i := range b.N {
				m := *bc.msg
				m.Handle = fmt.Sprint(i)
				out, err := c.Deliver(ctx, []*driver.Message{&m})
				if err != nil || out[0] != transport.Handled {
					b.Fatalf("%v %v", out, err)
				}
			}
		})
	}
	b.Run("decode+encode", func(b *testing.B) {
		b.ReportAllocs()
		old := &envelope.Envelope{Type: absence1.Type().String(), Data: []byte(v1)}
		for range b.N {
			o, err := absence1.Decode(old) // as the library decodes a payload
			if err != nil {
				b.Fatal(err)
			}
			n, _ := toV2(o)
			if _, err := json.Marshal(n); err != nil {
				b.Fatal(err)
			}
		}
	})
	_ = sink
}
