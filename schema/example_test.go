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
	// Output:
	// backward: true
	// forward: false
	// /properties/plan/enum: enum-value-added: value "TRIAL" now allowed (widens)
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
