package driver

import (
	"context"
	"strings"

	"github.com/elmosoftware/eventprotocol/transport/topology"
)

// ClaimCheck keeps the data of events too large for their topic, the
// protocol's claim check: the Publisher puts an oversized event's data and
// sends its envelope with a dataref; the Consumer gets the data back.
// Implementations must be safe for concurrent use.
type ClaimCheck interface {
	// Put stores data under key for an event of domain (which may choose
	// its encryption) and returns the URI that names it, the event's
	// dataref. key is the event's type and id: it holds no payload value.
	// Putting the same key again replaces the data.
	Put(ctx context.Context, domain, key string, data []byte) (ref string, err error)
	// Get returns the data ref names, at most max bytes. It refuses a ref
	// outside its own store with ErrForeignRef (it never fetches what an
	// event merely names), more than max bytes with ErrTooLarge, and data
	// that is not there with ErrNotFound; other errors are passing
	// failures.
	Get(ctx context.Context, ref string, max int) ([]byte, error)
}

// ClaimCheckProvider is implemented by a Driver that keeps claim-checked
// data for a topology that names a store (topology.ClaimCheck):
// transport.Open wires its ClaimCheck into the Publisher and the
// Consumers.
type ClaimCheckProvider interface {
	// ClaimCheck returns the topology's claim check, nil when the
	// topology names none.
	ClaimCheck(t *topology.Topology) (ClaimCheck, error)
}

// queuePrefix marks a Send destination that is a service's own queue.
const queuePrefix = "queue:"

// QueueDestination returns the Send destination that is a service's own
// queue rather than a topic: the way in of the commands the service
// accepts (topology.Service.Accepts). A Sender of a driver that serves
// topologies delivers there.
func QueueDestination(service string) string { return queuePrefix + service }

// QueueOf reports whether a Send destination is a service's queue
// (QueueDestination), and whose.
func QueueOf(destination string) (service string, ok bool) {
	return strings.CutPrefix(destination, queuePrefix)
}
