package awslambda

import (
	"context"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"github.com/elmosoftware/eventprotocol/config"
	"github.com/elmosoftware/eventprotocol/transport"
	"github.com/elmosoftware/eventprotocol/transport/driver"
)

// DefaultReserve is Config.Reserve's default.
const DefaultReserve = 2 * time.Second

// Config configures New. A nil *Config means the defaults; a zero field
// means its default; an invalid value is an error.
type Config struct {
	// Reserve is how long before the invocation's deadline the handler
	// stops starting records: what a record's handler may take, at most,
	// once started. Default DefaultReserve.
	Reserve time.Duration
}

// converter is what the handler needs of the consumer's receiver: the
// conversion of a message the mapping received (snssqs.Receiver.Record).
type converter interface {
	Record(body []byte, attrs map[string]string, handle string, system map[string]string) *driver.Message
}

// Handler is a Lambda handler of SQS batches over a push consumer. It is
// safe for concurrent use.
type Handler struct {
	consumer *transport.Consumer
	conv     converter
	reserve  time.Duration
}

// New returns the handler of the consumer's batches. The consumer must be a
// push consumer (transport.ConsumerConfig.Push) on an SNS/SQS receiver (its
// driver's, from transport.Bus.Consumer), started before the first batch.
func New(c *transport.Consumer, cfg *Config) (*Handler, error) {
	var cf Config
	if cfg != nil {
		cf = *cfg
	}
	if c == nil {
		return nil, &config.Error{Setting: "awslambda.New's consumer", Problem: "must not be nil"}
	}
	conv, ok := c.Receiver().(converter)
	if !ok {
		return nil, &config.Error{Setting: "awslambda.New's consumer", Problem: "must receive from SQS (an snssqs receiver): a Lambda is fed by an SQS event source mapping"}
	}
	if cf.Reserve < 0 {
		return nil, &config.Error{Setting: "awslambda.Config.Reserve", Problem: "must not be negative"}
	}
	if cf.Reserve == 0 {
		cf.Reserve = DefaultReserve
	}
	return &Handler{consumer: c, conv: conv, reserve: cf.Reserve}, nil
}

// SQS handles a batch of an SQS event source mapping and reports the
// records that must come back. Pass it to lambda.Start.
func (h *Handler) SQS(ctx context.Context, ev events.SQSEvent) (events.SQSEventResponse, error) {
	msgs := make([]*driver.Message, len(ev.Records))
	for i, r := range ev.Records {
		attrs := make(map[string]string, len(r.MessageAttributes))
		for k, a := range r.MessageAttributes {
			switch {
			case a.StringValue != nil:
				attrs[k] = *a.StringValue
			case a.BinaryValue != nil:
				attrs[k] = string(a.BinaryValue)
			}
		}
		msgs[i] = h.conv.Record([]byte(r.Body), attrs, r.ReceiptHandle, r.Attributes)
	}
	start := ctx
	if dl, ok := ctx.Deadline(); ok {
		var cancel context.CancelFunc
		start, cancel = context.WithDeadline(ctx, dl.Add(-h.reserve))
		defer cancel()
	}
	outcomes, err := h.consumer.Deliver(start, msgs)
	if err != nil {
		return events.SQSEventResponse{}, err
	}
	var resp events.SQSEventResponse
	for i, o := range outcomes {
		if o == transport.Retried || o == transport.Released || msgs[i].Handle == "" {
			resp.BatchItemFailures = append(resp.BatchItemFailures, events.SQSBatchItemFailure{ItemIdentifier: ev.Records[i].MessageId})
		}
	}
	return resp, nil
}
