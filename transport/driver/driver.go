package driver

import (
	"context"
	"time"
)

// Attribute names mirrored from the envelope onto every message, so that
// subscriptions can filter without parsing bodies. The envelope in the body
// is the truth: a consumer refuses a message whose mirrored attributes
// contradict it.
const (
	AttrType     = "type"
	AttrSource   = "source"
	AttrTenantID = "tenantid"
)

// Attributes a dead-lettered message carries, besides its own.
const (
	// AttrDeadLetterReason says why the message was dead-lettered.
	AttrDeadLetterReason = "deadletter_reason"
	// AttrDeadLetterReceiveCount is how often the message had been received.
	AttrDeadLetterReceiveCount = "deadletter_receive_count"
)

// Attributes a replayed message carries (transport.Bus.Resend), besides
// the mirrored ones.
const (
	// AttrReplay is the id of the replay that sent the message.
	AttrReplay = "replay"
	// AttrReplayBypass, "true", asks consumers to handle the event again
	// even when they handled it before: their deduplication keys it by
	// the replay too.
	AttrReplayBypass = "replay_bypass"
)

// Message is one message as a transport carries it: the encoded envelope and
// a few string attributes.
type Message struct {
	// Body is the structured JSON envelope. A driver must not modify it.
	Body []byte
	// Attributes are the mirrored attributes (AttrType, AttrSource,
	// AttrTenantID) and, on dead-lettered messages, the AttrDeadLetter ones.
	Attributes map[string]string
	// GroupID orders messages on transports with FIFO ordering (the
	// envelope's partitionkey); other transports ignore it.
	GroupID string
	// DedupID is the envelope's id; FIFO transports deduplicate on it.
	DedupID string

	// Set by a Receiver:

	// Handle identifies this delivery for Ack and SetVisibility. A new
	// delivery of the same message gets a new handle.
	Handle string
	// ReceiveCount is how often the message has been delivered, this time
	// included (1 on the first delivery). Some transports only approximate it.
	ReceiveCount int
	// Conflict, when not nil, says that the message carries an attribute
	// twice with different values (say, an SNS notification's and the SQS
	// message's own). Attributes then holds one of them; the portable layer
	// dead-letters the message, as it does one whose attributes contradict
	// the envelope.
	Conflict error
}

// Size is the message's size as SNS and SQS count it: the body plus each
// attribute's name, data type ("String") and value.
func (m *Message) Size() int {
	n := len(m.Body)
	for k, v := range m.Attributes {
		n += len(k) + len("String") + len(v)
	}
	return n
}

// Limits are the batch limits of a driver. Zero means no limit.
type Limits struct {
	MaxBatch      int // messages in one Send, Receive or Ack call
	MaxBatchBytes int // total Size of the messages of one Send call
}

// Sender publishes messages to topics.
//
// Send must be safe for concurrent use. It may keep the Body and Attributes
// of the messages (an in-process transport stores them as they are): the
// caller hands them over and never modifies them afterwards.
type Sender interface {
	// Send publishes msgs to the topic, in one request where the transport
	// allows it, or, for a destination made by QueueDestination, sends them
	// to that service's queue (commands). The portable layer never passes
	// more than Limits allow.
	// When some messages were accepted and others not, Send returns a
	// *BatchError naming the others. An error, of the whole call or of a
	// batch entry, means the outcome is unknown (the message may have been
	// published: a lost reply, a timeout) unless it matches ErrNotSent,
	// which the driver returns only when it knows the transport did not
	// take the message. The portable layer retries either kind when
	// IsRetryable allows, which at-least-once delivery permits.
	Send(ctx context.Context, topic string, msgs []*Message) error
	// Limits returns the batch limits of Send.
	Limits() Limits
	// IsRetryable reports whether sending again may succeed after err.
	IsRetryable(err error) bool
}

// Receiver receives the messages of one subscription (one queue).
//
// Every method must be safe for concurrent use. The Body and Attributes of
// received messages may be shared with the driver: callers must not modify
// them. A message is invisible to
// other receives from its delivery until it is acknowledged or its
// visibility timeout passes; then it is delivered again, with a higher
// ReceiveCount.
type Receiver interface {
	// Receive returns up to max messages. It blocks until at least one is
	// available or ctx is done, in which case it returns ctx's error and no
	// message. A driver may also return an empty slice and no error after
	// a long poll that found nothing.
	Receive(ctx context.Context, max int) ([]*Message, error)
	// Ack deletes delivered messages by their handles. When some were
	// deleted and others not, it returns a *BatchError naming the others.
	Ack(ctx context.Context, handles []string) error
	// SetVisibility makes the delivered message visible again after d:
	// d = 0 releases it at once, a short d is a retry backoff, a d as long
	// as the visibility timeout extends it while a handler still works.
	SetVisibility(ctx context.Context, handle string, d time.Duration) error
	// DeadLetter moves a delivered message to the subscription's
	// dead-letter queue with reason in AttrDeadLetterReason, then deletes
	// it. It must not lose the message: if the dead-letter queue did not
	// take it, the original is left in place and an error returned. The
	// portable layer passes a reason of at most MaxReasonBytes, holding
	// only characters an SQS message attribute accepts.
	DeadLetter(ctx context.Context, m *Message, reason string) error
	// Limits returns the batch limits of Receive and Ack.
	Limits() Limits
	// IsRetryable reports whether the call may succeed when tried again.
	IsRetryable(err error) bool
}

// VisibilitySource is implemented by a Receiver that can tell its queue's
// visibility timeout. The consumer runtime reads it at Start and extends
// the visibility of messages in flight by it, so that the queue and the
// consumer never disagree about when a message comes back.
type VisibilitySource interface {
	// VisibilityTimeout returns the queue's visibility timeout.
	VisibilityTimeout(ctx context.Context) (time.Duration, error)
}

// Closer is implemented by a Receiver that runs work of its own (a long
// poll finishing after its caller gave up, say). Close ends that work,
// waiting for it at most until ctx is done; after Close returns nothing of
// the receiver runs. The portable layer calls it at the end of a
// consumer's Shutdown.
type Closer interface {
	// Close ends what the receiver runs on its own, waiting until ctx is done at most.
	Close(ctx context.Context) error
}

// MaxReasonBytes bounds the dead-letter reason a transport is given.
const MaxReasonBytes = 1024
