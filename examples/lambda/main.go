// Command lambda is the sign-up story's billing service as an AWS Lambda
// function, fed by an SQS event source mapping (with
// ReportBatchItemFailures) on billing's queue. The environment variable
// ELMO_TRANSPORT names the SNS/SQS transport and its topology, e.g.
// snssqs://?region=ap-southeast-2&topology=topology.json; deploy the
// binary as bootstrap on a provided.al2023 runtime.
package main

import (
	"context"
	"embed"
	"errors"
	"fmt"
	"io"
	"log"
	"os"
	"strings"
	"sync"

	"github.com/aws/aws-lambda-go/lambda"

	"github.com/elmosoftware/eventprotocol/envelope"
	"github.com/elmosoftware/eventprotocol/event"
	"github.com/elmosoftware/eventprotocol/naming"
	"github.com/elmosoftware/eventprotocol/service"
	"github.com/elmosoftware/eventprotocol/transport"
	"github.com/elmosoftware/eventprotocol/transport/awslambda"
)

//go:embed catalog
var catalog embed.FS

// ClientSignedUp is the payload of elmo.identity.client.signed_up.v1.
type ClientSignedUp struct {
	Client       naming.ERN `json:"client"`
	CompanyName  string     `json:"companyName"`
	Plan         string     `json:"plan"`
	ContactEmail string     `json:"contactEmail"`
}

var signedUp = event.MustDefine[ClientSignedUp]("elmo.identity.client.signed_up.v1")

func main() {
	h, err := open(context.Background(), os.Stdout)
	if err != nil {
		log.Fatal(err)
	}
	lambda.Start(h.SQS)
}

// open opens billing as a push consumer and returns its Lambda handler.
// Billing invoices each new client once; its billing system times out on
// the first attempt for a company whose name says "Flaky", so that the
// retry shows.
func open(ctx context.Context, out io.Writer) (*awslambda.Handler, error) {
	svc, err := service.Open(ctx, "billing", catalog, &service.Config{Consumer: &transport.ConsumerConfig{Push: true}})
	if err != nil {
		return nil, err
	}
	var tried sync.Map // event ids whose first attempt failed
	err = service.Handle(svc, signedUp, func(ctx context.Context, e *envelope.Envelope, p ClientSignedUp) error {
		if _, again := tried.LoadOrStore(e.ID, true); !again && strings.Contains(p.CompanyName, "Flaky") {
			return errors.New("the billing system timed out")
		}
		fmt.Fprintf(out, "billing: invoiced %s on the %s plan (event %s)\n", p.Client, p.Plan, e.ID)
		return nil
	})
	if err != nil {
		return nil, err
	}
	if err := svc.Start(ctx); err != nil {
		return nil, err
	}
	return awslambda.New(svc.Consumer(), nil)
}
