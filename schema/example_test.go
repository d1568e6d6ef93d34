package schema_test

import (
	"errors"
	"fmt"
	"os"

	"github.com/elmosoftware/eventprotocol/envelope"
	"github.com/elmosoftware/eventprotocol/schema"
)

func Example() {
	catalog, err := schema.Load(os.DirFS("../testdata/catalog"))
	if err != nil {
		fmt.Println(err)
		return
	}
	e := &envelope.Envelope{
		Type: "elmo.leave.balance.adjusted.v1",
		Data: []byte(`{"employee":"ern:elmo:hr:acme:employee/e-1001","days":"two","reason":"CORRECTION"}`),
	}
	err = catalog.Validate(e)
	var invalid *schema.ValidationError
	if errors.As(err, &invalid) {
		for _, v := range invalid.Violations {
			fmt.Println(v.Pointer, "fails", v.SchemaLocation)
		}
	}
	// Output:
	// /days fails https://schemas.elmo.example/elmo.leave.balance.adjusted/1.0#/$defs/decimal/pattern
}

func ExampleCompare() {
	oldSchema := []byte(`{"type":"object","properties":{"plan":{"enum":["STARTER","STANDARD"]}},"additionalProperties":false}`)
	newSchema := []byte(`{"type":"object","properties":{"plan":{"enum":["STARTER","STANDARD","TRIAL"]}},"additionalProperties":false}`)
	report, err := schema.Compare(oldSchema, newSchema)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("backward:", report.Compatible(schema.Backward))
	fmt.Println("forward:", report.Compatible(schema.Forward))
	for _, c := range report.Breaking(schema.Forward) {
		fmt.Println(c)
	}
	// Tolerant consumers on the old version accept the new value, so the
	// evolution policy allows it in a minor version.
	fmt.Println("policy:", report.Compatible(schema.Policy))
	// Output:
	// backward: true
	// forward: false
	// /properties/plan/enum: enum-value-added: value "TRIAL" now allowed (widens)
	// policy: true
}

func ExampleCatalog_ValidateTolerant() {
	catalog, err := schema.Load(os.DirFS("../testdata/catalog"))
	if err != nil {
		fmt.Println(err)
		return
	}
	// A producer at a minor version this catalogue has not seen yet adds a
	// member and a plan. The consumer's check accepts them; the producer's
	// check refuses the unknown version.
	e := &envelope.Envelope{
		Type:       "elmo.identity.client.signed_up.v1",
		DataSchema: "https://schemas.elmo.example/elmo.identity.client.signed_up/1.3",
		Data: []byte(`{"client":"ern:elmo:identity:acme:client/acme","companyName":"Acme",
			"plan":"PREMIUM","contactEmail":"ops@acme.example","referrer":"partner-7"}`),
	}
	fmt.Println("consumer:", catalog.ValidateTolerant(e))
	fmt.Println("producer:", errors.Is(catalog.Validate(e), schema.ErrUnknownSchema))

	// What the newest known version states still holds.
	e.Data = []byte(`{"client":"ern:elmo:identity:acme:client/acme","companyName":"Acme",
		"plan":"PREMIUM","contactEmail":"jane.doe@","seats":0}`)
	var invalid *schema.ValidationError
	if errors.As(catalog.ValidateTolerant(e), &invalid) {
		for _, v := range invalid.Violations {
			fmt.Println(v) // pointers and rules, never the values
		}
	}
	// Output:
	// consumer: <nil>
	// producer: true
	// /contactEmail: is not a valid "email"
	// /seats: must be at least 1
}

func ExampleLint() {
	findings, err := schema.Lint(os.DirFS("../testdata/catalog"), nil)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(len(findings), "findings")
	// Output:
	// 0 findings
}
