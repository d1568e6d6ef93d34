package awslambda_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"testing"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	sqstypes "github.com/aws/aws-sdk-go-v2/service/sqs/types"
	"github.com/stretchr/testify/require"

	"github.com/elmosoftware/eventprotocol/envelope"
	"github.com/elmosoftware/eventprotocol/event"
	"github.com/elmosoftware/eventprotocol/naming"
	"github.com/elmosoftware/eventprotocol/schema"
	"github.com/elmosoftware/eventprotocol/transport"
	"github.com/elmosoftware/eventprotocol/transport/awslambda"
	"github.com/elmosoftware/eventprotocol/transport/snssqs"
)

// noNetwork is an SQS client for a benchmark in which handled records
// need none: it answers the one question a consumer asks at Start, and
// refuses anything else.
type noNetwork struct{ snssqs.SQSReceiver }

func (noNetwork) GetQueueAttributes(context.Context, *sqs.GetQueueAttributesInput, ...func(*sqs.Options)) (*sqs.GetQueueAttributesOutput, error) {
	return &sqs.GetQueueAttributesOutput{Attributes: map[string]string{string(sqstypes.QueueAttributeNameVisibilityTimeout): "30"}}, nil
}

type signUp struct {
	Client       naming.ERN `json:"client"`
	CompanyName  string     `json:"companyName"`
	Plan         string     `json:"plan"`
	ContactEmail string     `json:"contactEmail"`
}

var signedUp = event.MustDefine[signUp]("elmo.identity.client.signed_up.v1")

// BenchmarkBatch compares a batch of 10 valid events through the Lambda
// handler (no network: handled records need none) with the same handler
// called directly after the same decoding and tolerant validation. With
// Concurrency 1 the handlers run in the invocation's goroutine; with 8, on
// workers, which costs a hand-over per record and pays off when handlers
// wait on I/O.
func BenchmarkBatch(b *testing.B) {
	cat, err := schema.Load(os.DirFS("../../testdata/catalog"))
	require.NoError(b, err)
	var ev events.SQSEvent
	for i := range 10 {
		e, err := (&envelope.Producer{Source: "urn:elmo:service:signup"}).New(typeSignedUp,
			[]byte(fmt.Sprintf(`{"client":"ern:elmo:identity:acme:client/c-%d","companyName":"Acme Pty Ltd","plan":"STANDARD","contactEmail":"ops@acme.example"}`, i)))
		require.NoError(b, err)
		e.Subject, e.TenantID = fmt.Sprintf("ern:elmo:identity:acme:client/c-%d", i), "acme"
		body, err := e.MarshalJSON()
		require.NoError(b, err)
		ev.Records = append(ev.Records, events.SQSMessage{MessageId: fmt.Sprint(i), ReceiptHandle: fmt.Sprint("r-", i), Body: string(body),
			MessageAttributes: map[string]events.SQSMessageAttribute{"type": {DataType: "String", StringValue: &e.Type}}})
	}
	handle := func(_ context.Context, _ *envelope.Envelope, p signUp) error {
		if p.Plan == "" {
			return errors.New("no plan")
		}
		return nil
	}
	ctx := context.Background()

	for _, conc := range []int{1, 8} {
		b.Run(fmt.Sprintf("handler/concurrency=%d", conc), func(b *testing.B) {
			r, err := snssqs.NewReceiver(noNetwork{}, "https://sqs/billing", &snssqs.ReceiverConfig{DeadLetterQueueURL: "https://sqs/billing-dlq"})
			require.NoError(b, err)
			cons, err := transport.NewConsumer(r, &transport.ConsumerConfig{Push: true, Catalog: cat, Idempotency: transport.NoIdempotency{}, Concurrency: conc})
			require.NoError(b, err)
			require.NoError(b, transport.Handle(cons, signedUp, handle))
			require.NoError(b, cons.Start(ctx))
			defer cons.Shutdown(ctx) //nolint:errcheck
			h, err := awslambda.New(cons, nil)
			require.NoError(b, err)
			b.ReportAllocs()
			for b.Loop() { // a handle is free again once its record is settled
				resp, err := h.SQS(ctx, ev)
				if err != nil || len(resp.BatchItemFailures) > 0 {
					b.Fatal(err, resp)
				}
			}
		})
	}
	b.Run("direct", func(b *testing.B) {
		v := envelope.Validator{Tolerant: true}
		b.ReportAllocs()
		for b.Loop() {
			for _, r := range ev.Records {
				e, err := v.Check([]byte(r.Body))
				if err != nil {
					b.Fatal(err)
				}
				if err := cat.ValidateTolerant(&e); err != nil {
					b.Fatal(err)
				}
				p, err := signedUp.Decode(&e)
				if err != nil {
					b.Fatal(err)
				}
				if err := handle(ctx, &e, p); err != nil {
					b.Fatal(err)
				}
			}
		}
	})
}
