package snssqs_test

import (
	"fmt"
	"strings"

	"github.com/elmosoftware/eventprotocol/transport/snssqs"
)

// A topology read from JSON, and the plan Provision would carry out.
func ExampleTopology_Plan() {
	topo, err := snssqs.ReadTopology(strings.NewReader(`{
		"env": "dev",
		"domains": [{"name": "identity"}],
		"services": [{"name": "billing", "consumes": ["elmo.identity.client.signed_up.v1"], "maxReceiveCount": 5}]
	}`))
	if err != nil {
		fmt.Println(err)
		return
	}
	steps, _ := topo.Plan()
	for _, s := range steps {
		fmt.Println(s)
	}
	// Output:
	// create-topic dev-elmo-identity-events
	// create-queue dev-elmo-billing-dlq (dead-letter queue)
	// create-queue dev-elmo-billing (visibility 30s, maxReceiveCount 5 to dev-elmo-billing-dlq)
	// set-queue-policy dev-elmo-billing (allow sns:SendMessage from dev-elmo-identity-events)
	// subscribe dev-elmo-billing (to dev-elmo-identity-events, raw delivery, type in elmo.identity.client.signed_up.v1)
}
