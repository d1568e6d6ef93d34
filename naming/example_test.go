package naming_test

import (
	"errors"
	"fmt"

	"github.com/elmosoftware/eventprotocol/naming"
)

func ExampleParseType() {
	typ, err := naming.ParseType("elmo.leave.balance.adjusted.v1")
	if err != nil {
		panic(err)
	}
	fmt.Println(typ.Domain(), typ.Entity(), typ.Action(), typ.Major())

	_, err = naming.ParseType("elmo.leave.balance.Adjusted.v1")
	fmt.Println(errors.Is(err, naming.ErrInvalidType))
	fmt.Println(err)
	// Output:
	// leave balance adjusted 1
	// true
	// naming: invalid event type "elmo.leave.balance.Adjusted.v1": action "Adjusted" must be lowercase snake_case ([a-z][a-z0-9]*(_[a-z0-9]+)*)
}

func ExamplePastTense() {
	// The wire accepts any snake_case action; producers and lint check the
	// past-tense convention, with an organisation's own words.
	var recogniser naming.PastTense
	fmt.Println(recogniser.Check("repaid"))
	fmt.Println(recogniser.Check("adjust"))

	recogniser.Words = []string{"onboard"} // an organisation's jargon
	fmt.Println(recogniser.Check("onboard_complete"))
	// Output:
	// <nil>
	// naming: action not in the past tense "adjust": first word "adjust" is not a recognised verb in the past tense (an event states a fact: created, paid, signed_up); if it is one, declare it as an accepted word
	// <nil>
}

func ExampleParseERN() {
	e, err := naming.ParseERN("ern:elmo:hr:acme:employee/e-1001")
	if err != nil {
		panic(err)
	}
	fmt.Println(e.Tenant(), e.ResourceType(), e.ResourceID())
	// Output: acme employee e-1001
}

func ExampleAWSNames() {
	names := naming.AWSNames{Env: "prod"}
	topic, _ := names.Topic("identity", false)
	queue, _ := names.Queue("billing", false)
	dlq, _ := names.DeadLetterQueue("billing", false)
	fmt.Println(topic)
	fmt.Println(queue)
	fmt.Println(dlq)
	// Output:
	// prod-elmo-identity-events
	// prod-elmo-billing
	// prod-elmo-billing-dlq
}
