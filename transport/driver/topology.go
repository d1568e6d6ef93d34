package driver

import (
	"context"
	"time"

	"github.com/elmosoftware/eventprotocol/transport/topology"
)

// Driver is a transport that serves topologies. Topics are named by their
// domain: a driver maps the name onto its own resources.
type Driver interface {
	// OpenSender returns a sender to the topology's topics.
	OpenSender(ctx context.Context, t *topology.Topology) (Sender, error)
	// OpenReceiver returns a receiver of the service's subscription. It fails
	// with an error matching topology.ErrUnknownService when the topology has no
	// such service, and ErrNotFound when the transport has no
	// subscription for it (not provisioned).
	OpenReceiver(ctx context.Context, t *topology.Topology, service string) (Receiver, error)
}

// Provisioner is a Driver that can create and delete a topology's
// resources.
type Provisioner interface {
	// Plan returns the steps Provision takes, without doing anything.
	Plan(t *topology.Topology) ([]Step, error)
	// Provision creates what the topology describes. It is idempotent: run
	// again, it changes nothing that is already as described, and brings
	// what differs (subscription filters, queue settings) back to it.
	Provision(ctx context.Context, t *topology.Topology) error
	// Teardown deletes what Provision created. Only what is certainly
	// absent counts as deleted: any other failure is an error.
	Teardown(ctx context.Context, t *topology.Topology) error
}

// Step is one action of a provisioning plan.
type Step struct {
	Action   string `json:"action"`   // e.g. create-topic, create-queue, subscribe
	Resource string `json:"resource"` // the resource's name
	// Detail says how, e.g. the subscription's filter; may be empty.
	Detail string `json:"detail,omitempty"`
}

// String formats the step as one line.
func (s Step) String() string {
	if s.Detail == "" {
		return s.Action + " " + s.Resource
	}
	return s.Action + " " + s.Resource + " (" + s.Detail + ")"
}

// DeadLetterAccess is a Driver whose dead-letter queues can be inspected,
// redriven and purged.
type DeadLetterAccess interface {
	// ListDeadLetters returns up to max of the service's dead letters, oldest
	// first where the transport knows the order, leaving them in place.
	ListDeadLetters(ctx context.Context, t *topology.Topology, service string, max int) ([]DeadLetter, error)
	// RedriveDeadLetters sends the dead letters of those ids back to the
	// service's own queue, never to a topic (the topic's other subscribers
	// had them already), their bytes and attributes unchanged but for the
	// dead-letter ones, and removes them from the dead-letter queue. It
	// returns the ids redriven; those not found are named in an error
	// matching ErrNotFound. A dead letter whose send failed stays in the
	// dead-letter queue; unless the error matches ErrNotSent the send may
	// have happened, and redriving it again may deliver it twice (the
	// service deduplicates on (source, id)).
	RedriveDeadLetters(ctx context.Context, t *topology.Topology, service string, ids []string) ([]string, error)
	// PurgeDeadLetters deletes the service's dead letters and returns how many.
	PurgeDeadLetters(ctx context.Context, t *topology.Topology, service string) (int, error)
}

// DeadLetter is a message in a dead-letter queue.
type DeadLetter struct {
	// ID identifies the dead letter in its queue (the SQS MessageId).
	ID string `json:"id"`
	// Body is the message as it was published: the structured JSON event.
	Body []byte `json:"body"`
	// Attributes are the message's attributes: the mirrored ones and the
	// dead-letter ones.
	Attributes map[string]string `json:"attributes"`
	// Reason is why it was dead-lettered (AttrDeadLetterReason):
	// JSON pointers and rules, never payload values. Empty when the queue's
	// own redrive moved it (its consumers kept dying).
	Reason string `json:"reason,omitempty"`
	// ReceiveCount is how often it had been received before.
	ReceiveCount int `json:"receiveCount"`
	// DeadLetteredAt is when it entered the dead-letter queue, when the
	// transport knows; else the zero time.
	DeadLetteredAt time.Time `json:"deadLetteredAt,omitzero"`
}
