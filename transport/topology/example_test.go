package topology_test

import (
	"fmt"
	"strings"

	"github.com/elmosoftware/eventprotocol/transport/topology"
)

// A topology read from JSON: what each service receives from which topic.
func ExampleRead() {
	topo, err := topology.Read(strings.NewReader(`{
		"env": "dev",
		"domains": [{"name": "identity"}, {"name": "platform"}],
		"services": [
			{"name": "billing", "consumes": ["elmo.identity.client.signed_up.v1"]},
			{"name": "audit", "consumes": ["elmo.identity.*", "elmo.platform.tenant.provisioned.v1"]}
		]
	}`))
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, s := range topo.Services {
		for _, sub := range s.Subscriptions() {
			fmt.Println(s.Name, "from", sub.Domain, "takes", sub.Types)
		}
	}
	// Output:
	// billing from identity takes [elmo.identity.client.signed_up.v1]
	// audit from identity takes []
	// audit from platform takes [elmo.platform.tenant.provisioned.v1]
}
