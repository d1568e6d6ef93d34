package transport

import (
	"log/slog"
	"time"

	"github.com/elmosoftware/eventprotocol/config"
	"github.com/elmosoftware/eventprotocol/envelope"
	"github.com/elmosoftware/eventprotocol/transport/driver"
)

// ConsumerConfig configures a [Consumer]. A nil *ConsumerConfig, like the
// zero value, means the defaults.
type ConsumerConfig struct {
	// Name identifies the consumer in logs, e.g. the subscription's name.
	Name string
	// Concurrency is the number of handler goroutines. Default 8.
	Concurrency int
	// Push makes the consumer receive nothing itself: its messages are
	// those a runtime received and hands it with Deliver (AWS Lambda's
	// SQS event source mapping, see transport/awslambda), which also
	// deletes the ones Deliver reports done: the consumer acknowledges
	// nothing itself. Its receiver still delays retries, dead-letters and
	// extends visibility. Pollers is then unused.
	Push bool
	// Pollers is the number of goroutines receiving from the transport.
	// Default 8: with a network round trip per receive, one poller would
	// cap the consumer at a batch per round trip.
	Pollers int
	// VisibilityTimeout is the queue's: a message whose handler is still
	// running has its visibility extended by this much every third of it.
	// Default: what the receiver reports at Start (driver.VisibilitySource,
	// which the memory and SNS/SQS transports implement), else 30s. A
	// value that contradicts the receiver's makes Start fail: two sources
	// of truth would let a message come back while its handler still
	// works.
	VisibilityTimeout time.Duration
	// MaxAttempts dead-letters a message, with the last error as the
	// reason, once its handler has failed this many times. Default 5.
	// Deliveries that did not fail (released by a Shutdown, a rolling
	// deploy) do not count. The counts live in the consumer, so a message
	// that fails in several consumer processes gets MaxAttempts in each:
	// the queue's own maxReceiveCount should be higher, as the backstop
	// for messages whose consumers keep dying.
	MaxAttempts int
	// Backoff gives the delay before a failed message is delivered again;
	// the message goes back to the transport with that delay, and no
	// goroutine waits for it. Default: 1s doubling up to 5m, ±20% jitter.
	Backoff *Backoff
	// Validator checks each envelope; invalid ones are dead-lettered. Nil
	// means the ELMO profile, read tolerantly (envelope.Validator's
	// Tolerant), as consumers must.
	Validator *envelope.Validator
	// Upcasters converts an event of an older major to the type of a
	// handler the consumer has, when it has none for the event's own:
	// the handler of elmo.x.y.z.v2 receives v1 events upcast, and the
	// Delivery says the type they came as (UpcastFrom). The subscription
	// must deliver the old types too (the topology's consumes). The event
	// is checked against its own schema before it is converted. Default:
	// none.
	Upcasters *envelope.Upcasters
	// Catalog, when set (usually a *schema.Catalog), validates each
	// payload tolerantly against its schema before the handler runs
	// (ValidateTolerant: the newest minor version of the event's major
	// that the catalogue knows accepts data of any minor version that
	// follows the evolution policy, newer ones included). A payload that
	// fails, or whose type and major version have no schema, is
	// dead-lettered with a reason matching ErrInvalidPayload that names
	// JSON pointers and rules, never values.
	Catalog PayloadValidator
	// ClaimCheck gets the data of claim-checked events (a dataref in place
	// of the data) before the payload is validated; see
	// PublisherConfig.ClaimCheck. A Bus sets the driver's. Nil: such an
	// event is dead-lettered with a reason matching ErrClaimCheck.
	ClaimCheck driver.ClaimCheck
	// MaxClaimBytes bounds the claim-checked data fetched for one event.
	// Default DefaultMaxClaimBytes (64 MiB).
	MaxClaimBytes int
	// Idempotency deduplicates deliveries by (source, id). Default: a
	// MemoryStore with its defaults; NoIdempotency turns it off.
	Idempotency IdempotencyStore
	// Middleware wraps every handler, first is outermost, inside the
	// built-in recovery, payload validation and idempotency.
	Middleware []Middleware
	// AckDelay bounds how long an acknowledgement waits to be batched with
	// others. Default 20ms.
	AckDelay time.Duration
	// Logger receives a record per failed or dead-lettered delivery (debug
	// level for successes); nil means no logging, except for receiving
	// that keeps failing (expired credentials, a deleted queue), which
	// would otherwise go unseen: it is logged at Error to slog.Default().
	// Payloads are never logged.
	Logger *slog.Logger
	// Rand returns numbers in [0, 1) for backoff jitter; nil means
	// math/rand/v2.
	Rand func() float64
	// Hooks observe what the consumer does, for telemetry; nil means none.
	Hooks *ConsumerHooks
	// UnhealthyAfter is how many failed receives in a row make Health
	// report ErrUnhealthy. Default DefaultUnhealthyAfter (3).
	UnhealthyAfter int
	// Clock is the time the consumer's delays follow (visibility
	// extension, acknowledgement batching, pauses after failed receives);
	// nil means the system's. Give it the transport's clock in tests (the
	// memory broker's ManualClock).
	Clock config.Clock
}
