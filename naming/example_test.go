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

	_, err = naming.ParseType("elmo.leave.balance.adjust.v1")
	fmt.Println(errors.Is(err, naming.ErrInvalidType))
	fmt.Println(err)
	// Output:
	// leave balance adjusted 1
	// true
	// invalid event type "elmo.leave.balance.adjust.v1": action "adjust" must start with a verb in the past tense (-ed, or a listed irregular form)
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
