package main

import "fmt"

// The services of the story and what each consumes from its own queue.
func Example_services() {
	for _, s := range signupTopology("dev").Services {
		fmt.Println(s.Name, s.Consumes)
	}
	// Output:
	// provisioning [elmo.identity.client.signed_up.v1]
	// welcome-email [elmo.identity.client.signed_up.v1]
	// billing [elmo.identity.client.signed_up.v1]
	// leadership-notify [elmo.identity.client.signed_up.v1 elmo.platform.tenant.provisioned.v1]
}
