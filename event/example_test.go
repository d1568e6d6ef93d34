package event_test

import (
	"fmt"
	"time"

	"github.com/elmosoftware/eventprotocol/envelope"
	"github.com/elmosoftware/eventprotocol/event"
	"github.com/elmosoftware/eventprotocol/naming"
)

func ExampleDefinition() {
	type BalanceAdjusted struct {
		Employee naming.ERN `json:"employee"`
		Days     string     `json:"days"`
		Reason   string     `json:"reason"`
	}
	adjusted := event.MustDefine[BalanceAdjusted]("elmo.leave.balance.adjusted.v1",
		event.WithClassification(envelope.ClassificationConfidential))

	producer := &envelope.Producer{
		Source: "urn:elmo:service:leave-balance",
		Now:    func() time.Time { return time.Date(2026, 11, 26, 9, 30, 0, 0, time.UTC) },
		NewID:  func() (string, error) { return "019a6b1e-7c2d-7a3b-8c4d-5e6f7a8b9c0d", nil },
	}
	employee := naming.MustParseERN("ern:elmo:hr:acme:employee/e-1001")
	env, err := adjusted.New(producer, BalanceAdjusted{Employee: employee, Days: "1.5", Reason: "CORRECTION"},
		event.WithSubject(employee), event.WithTenant("acme"))
	if err != nil {
		panic(err)
	}
	wire, _ := env.MarshalJSON()
	fmt.Println(string(wire))

	received, _ := envelope.Decode(wire)
	payload, _ := adjusted.Decode(&received)
	fmt.Println(payload.Days, payload.Reason)
	// Output:
	// {"specversion":"1.0","id":"019a6b1e-7c2d-7a3b-8c4d-5e6f7a8b9c0d","source":"urn:elmo:service:leave-balance","type":"elmo.leave.balance.adjusted.v1","time":"2026-11-26T09:30:00.000Z","subject":"ern:elmo:hr:acme:employee/e-1001","datacontenttype":"application/json","tenantid":"acme","correlationid":"019a6b1e-7c2d-7a3b-8c4d-5e6f7a8b9c0d","dataclassification":"confidential","data":{"employee":"ern:elmo:hr:acme:employee/e-1001","days":"1.5","reason":"CORRECTION"}}
	// 1.5 CORRECTION
}

// Enumerations: a string type, its known values in an EnumSet. A consumer
// keeps a value it does not know (a newer producer may send one) and
// decides what to do with it.
func ExampleEnumSet() {
	type Plan string
	plans := event.MustEnumSet[Plan]("STANDARD", "PREMIUM")

	fmt.Println(plans.Values())
	fmt.Println(plans.Known("GOLD"))
	fmt.Println(plans.Check("GOLD"))
	fmt.Println(plans.Check("gold"))
	// Output:
	// [PREMIUM STANDARD]
	// false
	// event: unknown enumeration value: "GOLD"
	// naming: invalid enumeration value "gold": must be UPPER_SNAKE_CASE ([A-Z][A-Z0-9]*(_[A-Z0-9]+)*)
}
