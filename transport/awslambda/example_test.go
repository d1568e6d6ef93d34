package awslambda_test

import (
	"context"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sqs"

	"github.com/elmosoftware/eventprotocol/envelope"
	"github.com/elmosoftware/eventprotocol/naming"
	"github.com/elmosoftware/eventprotocol/transport"
	"github.com/elmosoftware/eventprotocol/transport/awslambda"
	"github.com/elmosoftware/eventprotocol/transport/awslambda/awslambdatest"
	"github.com/elmosoftware/eventprotocol/transport/snssqs"
	"github.com/elmosoftware/eventprotocol/transport/snssqs/snssqstest"
)

// Billing as a Lambda function, fed in process by an event source mapping
// on a local SNS/SQS server; in a function, main calls
// lambda.Start(handler.SQS) instead.
func Example() {
	ctx := context.Background()
	srv, err := snssqstest.Start(ctx)
	if err != nil {
		fmt.Println(err)
		return
	}
	defer srv.Stop()
	d, err := srv.Driver(ctx, nil)
	if err != nil {
		fmt.Println(err)
		return
	}
	bus, err := transport.Open(ctx, d, topo, &transport.OpenConfig{Provision: true})
	if err != nil {
		fmt.Println(err)
		return
	}
	billing, err := bus.Consumer(ctx, "billing", &transport.ConsumerConfig{Push: true})
	if err != nil {
		fmt.Println(err)
		return
	}
	_ = billing.HandleFunc(typeSignedUp, func(_ context.Context, d *transport.Delivery) error {
		fmt.Println("invoiced", d.Envelope.Subject)
		return nil
	})
	if err := billing.Start(ctx); err != nil {
		fmt.Println(err)
		return
	}
	defer billing.Shutdown(ctx) //nolint:errcheck
	handler, err := awslambda.New(billing, nil)
	if err != nil {
		fmt.Println(err)
		return
	}

	e, _ := (&envelope.Producer{Source: "urn:elmo:service:signup"}).New(typeSignedUp,
		[]byte(`{"client":"ern:elmo:identity:acme:client/acme","companyName":"Acme","plan":"STANDARD","contactEmail":"ops@acme.example"}`))
	e.Subject, e.TenantID = "ern:elmo:identity:acme:client/acme", "acme"
	if err := bus.Publisher().Publish(ctx, &e); err != nil {
		fmt.Println(err)
		return
	}
	_, sqsC, _ := snssqs.Connect(ctx, &snssqs.ConnectConfig{Region: snssqstest.Region, Endpoint: srv.Endpoint, LocalServer: true})
	name, _ := naming.AWSNames{Env: topo.Env}.Queue("billing", false)
	q, err := sqsC.GetQueueUrl(ctx, &sqs.GetQueueUrlInput{QueueName: aws.String(name)})
	if err != nil {
		fmt.Println(err)
		return
	}
	mapping := &awslambdatest.Mapping{SQS: sqsC, QueueURL: aws.ToString(q.QueueUrl), Invoke: handler.SQS}
	for n := 0; n == 0; {
		var failed int
		if n, failed, err = mapping.Poll(ctx); err != nil {
			fmt.Println(err)
			return
		}
		if n > 0 {
			fmt.Printf("%d record, %d reported failed\n", n, failed)
		}
	}
	// Output:
	// invoiced ern:elmo:identity:acme:client/acme
	// 1 record, 0 reported failed
}
