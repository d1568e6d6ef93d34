package envelope_test

import (
	"errors"
	"fmt"

	"github.com/elmosoftware/eventprotocol/envelope"
)

func ExampleValidator_Check() {
	wire := []byte(`{"specversion":"1.0","id":"42","source":"urn:elmo:service:payroll",
		"type":"elmo.payroll.pay_run.finalise.v1","time":"2026-11-26T09:30:00+10:00"}`)

	// Strict validation, as producers and CI apply it.
	_, err := envelope.Validator{}.Check(wire)
	var verr *envelope.ValidationError
	if errors.As(err, &verr) {
		for _, v := range verr.Violations {
			fmt.Printf("%s [%s]\n", v.Attribute, v.Rule.Code())
		}
	}
	fmt.Println(errors.Is(err, envelope.ErrRequired))

	// The same event is a valid CloudEvent.
	_, err = envelope.Validator{Profile: envelope.CloudEvents}.Check(wire)
	fmt.Println(err)
	// Output:
	// id [uuid]
	// type [past_tense]
	// time [utc]
	// subject [required]
	// tenantid [required]
	// correlationid [required]
	// true
	// <nil>
}

func ExampleProducer_Caused() {
	ids := []string{"019a6b20-0000-7000-8000-000000000001", "019a6b20-0000-7000-8000-000000000002"}
	p := &envelope.Producer{
		Source: "urn:elmo:service:provisioning",
		NewID:  func() (string, error) { id := ids[0]; ids = ids[1:]; return id, nil },
	}
	signedUp, _ := p.New("elmo.identity.client.signed_up.v1", []byte(`{"client":"acme"}`))
	provisioned, _ := p.Caused(&signedUp, "elmo.platform.tenant.provisioned.v1", []byte(`{}`))
	fmt.Println("correlation:", provisioned.CorrelationID)
	fmt.Println("causation:  ", provisioned.CausationID)
	// Output:
	// correlation: 019a6b20-0000-7000-8000-000000000001
	// causation:   019a6b20-0000-7000-8000-000000000001
}

func ExampleCheckData() {
	for _, data := range []string{
		`{"days":"1.5","reason":"CORRECTION"}`,
		`{"days":"1.5","days":"9"}`,
		`{"balance":{"days":1e999999}}`,
	} {
		fmt.Println(envelope.CheckData([]byte(data)))
	}
	// Output:
	// <nil>
	// data: appears more than once (at "/days")
	// data: must be a number of at most 100 characters, a 3-digit exponent and within the range of a double (at "/balance/days")
}
