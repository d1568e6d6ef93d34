package snssqs_test

import (
	"context"
	"fmt"
	"log"
	"os"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/elmosoftware/eventprotocol/transport"
	"github.com/elmosoftware/eventprotocol/transport/snssqs"
	"github.com/elmosoftware/eventprotocol/transport/topology"
)

// A topology read from JSON, and the plan the Driver's Provision would
// carry out on AWS.
func ExampleDriver_Plan() {
	topo, err := topology.Read(strings.NewReader(`{
		"env": "dev",
		"domains": [{"name": "identity"}],
		"services": [{"name": "billing", "consumes": ["elmo.identity.client.signed_up.v1"], "maxReceiveCount": 5}]
	}`))
	if err != nil {
		fmt.Println(err)
		return
	}
	snsC, sqsC, err := snssqs.NewClients(aws.Config{Region: "ap-southeast-2"}, "")
	if err != nil {
		fmt.Println(err)
		return
	}
	d, err := snssqs.NewDriver(snsC, sqsC, nil)
	if err != nil {
		fmt.Println(err)
		return
	}
	steps, _ := d.Plan(topo)
	for _, s := range steps {
		fmt.Println(s)
	}
	// Output:
	// create-topic dev-elmo-identity-events
	// create-queue dev-elmo-billing-dlq (dead-letter queue, retention 14d)
	// create-queue dev-elmo-billing (visibility 30s, maxReceiveCount 5 to dev-elmo-billing-dlq)
	// set-queue-policy dev-elmo-billing (allow sns:SendMessage from dev-elmo-identity-events)
	// subscribe dev-elmo-billing (to dev-elmo-identity-events, raw delivery, type in elmo.identity.client.signed_up.v1)
}

// The wiring of a service on SNS/SQS: the AWS clients, a Driver, and the
// topology opened on it. The resources exist already (eventctl provision);
// the service publishes through the Bus's Publisher and consumes through a
// Consumer of its own subscription.
func Example_wiring() {
	ctx := context.Background()
	f, err := os.Open("topology.json")
	if err != nil {
		log.Fatal(err)
	}
	defer f.Close()
	topo, err := topology.Read(f)
	if err != nil {
		log.Fatal(err)
	}
	snsC, sqsC, err := snssqs.Connect(ctx, nil) // the SDK's configuration: environment, shared files, roles
	if err != nil {
		log.Fatal(err)
	}
	d, err := snssqs.NewDriver(snsC, sqsC, nil)
	if err != nil {
		log.Fatal(err)
	}
	bus, err := transport.Open(ctx, d, topo, nil)
	if err != nil {
		log.Fatal(err)
	}
	billing, err := bus.Consumer(ctx, "billing", nil)
	if err != nil {
		log.Fatal(err)
	}
	_ = billing // register handlers, then billing.Run(ctx, 30*time.Second)
	_ = bus.Publisher()
}
