package transport

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"sync"
	"time"

	"github.com/elmosoftware/eventprotocol/config"
	"github.com/elmosoftware/eventprotocol/envelope"
	"github.com/elmosoftware/eventprotocol/event"
	"github.com/elmosoftware/eventprotocol/naming"
	"github.com/elmosoftware/eventprotocol/transport/driver"
)

// Delivery is one delivery of an event to a handler.
type Delivery struct {
	// Envelope is the decoded, validated event.
	Envelope *envelope.Envelope
	// ReceiveCount is how often the message has been delivered, this time
	// included. Transports may approximate it.
	ReceiveCount int
	// Attributes are the message's transport attributes.
	Attributes map[string]string
	// UpcastFrom is the type the event came as when it was upcast to its
	// handler's (ConsumerConfig.Upcasters), "" otherwise.
	UpcastFrom string
	// Body is the message's body as it came: the envelope's encoding, byte
	// for byte. It is nil when Envelope is not what the body holds: its
	// data fetched from its dataref (claim check), or upcast.
	Body []byte

	duplicate bool // set by Idempotent: the event was handled already
}

// HandlerFunc handles one delivery. Returning nil acknowledges the message;
// an error makes it a failed delivery, retried after a backoff, unless it
// matches ErrPermanent, which dead-letters the message at once. Handlers
// must respect ctx: it is cancelled when Shutdown's deadline passes.
type HandlerFunc func(ctx context.Context, d *Delivery) error

// Middleware wraps a handler with behaviour of its own.
type Middleware func(HandlerFunc) HandlerFunc

// Consumer receives the messages of one subscription and dispatches each
// event, by type, to its handler: at-least-once delivery with retries,
// dead-lettering and deduplication. Register handlers, then Start; Shutdown
// stops it.
type Consumer struct {
	recv      driver.Receiver
	cfg       ConsumerConfig
	validator envelope.Validator
	backoff   Backoff
	hooks     ConsumerHooks
	log       *slog.Logger
	handlers  map[string]HandlerFunc
	fallback  HandlerFunc                       // HandleDefault's: of every type without its own
	members   map[string]envelope.MemberChecker // of the typed handlers
	receives  func(eventType string) bool       // what the subscription delivers, when a topology says
	chain     HandlerFunc
	failures  *failures

	ackMu      sync.RWMutex // held to send on acks, and to close it
	acksClosed bool
	ackCtx     context.Context // of the acknowledgement calls; Shutdown ends it
	ackCancel  context.CancelFunc

	health *Health // of receiving
	alarm  *slog.Logger

	mu       sync.Mutex
	started  bool
	stopped  bool
	inflight map[string]*tracked  // by handle
	groups   map[string]*groupRun // message groups being run or held
	batches  uint64               // receives so far, guarded by mu
	recvCtx  context.Context      // of receiving: Shutdown ends it
	// inline runs each message in the goroutine that hands it over: a push
	// consumer of Concurrency 1 (Deliver's goroutine is its one worker).
	inline     bool
	handlerCtx context.Context    // of the handlers
	cancel     context.CancelFunc // stops receiving
	hcancel    context.CancelFunc // cancels handlers
	xcancel    context.CancelFunc // stops extending visibility
	shutDone   chan struct{}      // closed when Shutdown has finished
	work       chan job
	acks       chan string
	done       chan struct{} // closed when Shutdown begins
	pollers    sync.WaitGroup
	workers    sync.WaitGroup
	helpers    sync.WaitGroup
	shutErr    error
}

type tracked struct {
	msg      *driver.Message
	id       string // the event's, once decoded
	extended time.Time
	delivery *delivery // of a delivered message (Deliver), nil for a polled one
	index    int       // in its delivery
}

// NewConsumer returns a Consumer of the receiver's messages.
func NewConsumer(r driver.Receiver, cfg *ConsumerConfig) (*Consumer, error) {
	if r == nil {
		return nil, &config.Error{Setting: "NewConsumer's receiver", Problem: "must not be nil"}
	}
	var c ConsumerConfig
	if cfg != nil {
		c = *cfg
	}
	var errs []error
	for _, f := range []struct {
		name     string
		negative bool
	}{
		{"Concurrency", c.Concurrency < 0},
		{"Pollers", c.Pollers < 0},
		{"MaxAttempts", c.MaxAttempts < 0},
		{"VisibilityTimeout", c.VisibilityTimeout < 0},
		{"AckDelay", c.AckDelay < 0},
		{"UnhealthyAfter", c.UnhealthyAfter < 0},
		{"MaxClaimBytes", c.MaxClaimBytes < 0},
	} {
		if f.negative {
			errs = append(errs, &config.Error{Setting: "ConsumerConfig." + f.name, Problem: "must not be negative"})
		}
	}
	errs = append(errs, c.Backoff.check("ConsumerConfig.Backoff")...)
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	if c.Concurrency == 0 {
		c.Concurrency = 8
	}
	if c.Pollers == 0 {
		c.Pollers = 8
	}
	if c.MaxAttempts == 0 {
		c.MaxAttempts = 5
	}
	if c.AckDelay == 0 {
		c.AckDelay = 20 * time.Millisecond
	}
	if c.MaxClaimBytes == 0 {
		c.MaxClaimBytes = DefaultMaxClaimBytes
	}
	if c.Rand == nil {
		c.Rand = rand.Float64
	}
	if c.Clock == nil {
		c.Clock = config.SystemClock{}
	}
	if c.Idempotency == nil {
		c.Idempotency, _ = NewMemoryStore(&MemoryStoreConfig{Clock: c.Clock}) // valid: the defaults
	}
	validator := envelope.Validator{Tolerant: true}
	if c.Validator != nil {
		validator = *c.Validator
	}
	backoff := Backoff{Initial: time.Second, Max: 5 * time.Minute, Jitter: 0.2}
	if c.Backoff != nil {
		backoff = *c.Backoff
	}
	var hooks ConsumerHooks
	if c.Hooks != nil {
		hooks = *c.Hooks
	}
	alarm := c.Logger
	if alarm == nil {
		alarm = slog.Default()
	}
	component := "consumer"
	if c.Name != "" {
		component += " " + c.Name
	}
	health, _ := NewHealth(component, c.UnhealthyAfter, c.Clock) // checked above
	cons := &Consumer{recv: r, cfg: c, health: health, log: logger(c.Logger).With(slog.String("consumer", c.Name)),
		alarm:     alarm.With(slog.String("consumer", c.Name)),
		validator: validator, backoff: backoff, hooks: hooks,
		handlers: map[string]HandlerFunc{}, members: map[string]envelope.MemberChecker{},
		inflight: map[string]*tracked{}, groups: map[string]*groupRun{}, failures: newFailures(c.Clock.Now)}
	if cons.validator.Decoder.Members == nil {
		// The typed handlers' member checks run in the decoder's one pass
		// over the data (see event.Definition.Members).
		cons.validator.Decoder.Members = cons.memberCheck
	}
	return cons, nil
}

// HandleFunc registers the handler of an event type (with its major
// version, e.g. elmo.leave.balance.adjusted.v1). Register every handler
// before Start. A type that is not a valid event type, a nil handler, and
// (on a consumer from Bus.Consumer) a type the service's subscription
// never delivers are refused with an error matching ErrInvalidHandler.
func (c *Consumer) HandleFunc(eventType string, h HandlerFunc) error {
	if _, err := naming.ParseType(eventType); err != nil {
		return fmt.Errorf("%w: %w", ErrInvalidHandler, err)
	}
	if h == nil {
		return fmt.Errorf("%w: nil handler for %s", ErrInvalidHandler, eventType)
	}
	return c.register(eventType, h, nil, true)
}

// HandleReply registers the handler of a reply type. Replies to the
// commands a service sends come to its queue (the topology's requests),
// whatever it consumes: use it where a reply is handled as a message, by a
// process manager for one, rather than awaited (Requester). A type that is
// not a valid type and a nil handler are refused with an error matching
// ErrInvalidHandler.
func (c *Consumer) HandleReply(replyType string, h HandlerFunc) error {
	if _, err := naming.ParseType(replyType); err != nil {
		return fmt.Errorf("%w: %w", ErrInvalidHandler, err)
	}
	if h == nil {
		return fmt.Errorf("%w: nil handler for %s", ErrInvalidHandler, replyType)
	}
	return c.register(replyType, h, nil, false)
}

// register adds the handler of an event type, with the member check of
// its payload's type when it is typed.
func (c *Consumer) register(eventType string, h HandlerFunc, members envelope.MemberChecker, checkReceives bool) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.started {
		return ErrStarted
	}
	if checkReceives && c.receives != nil && !c.receives(eventType) {
		return fmt.Errorf("%w: the subscription of %q never delivers %s: add it to the service's consumes in the topology, or remove the handler",
			ErrInvalidHandler, c.cfg.Name, eventType)
	}
	if _, dup := c.handlers[eventType]; dup {
		return fmt.Errorf("%w: %s", ErrHandlerExists, eventType)
	}
	c.handlers[eventType] = h
	if members != nil {
		c.members[eventType] = members
	}
	return nil
}

// memberCheck returns the member check of a typed handler's payload type.
// Handlers are registered before Start: the map is read without a lock
// after it, as handlers is.
func (c *Consumer) memberCheck(eventType string) envelope.MemberChecker { return c.members[eventType] }

// Handle registers a typed handler for the events of a definition: the
// payload is decoded into T before h runs. A payload that does not decode
// is a permanent failure.
func Handle[T any](c *Consumer, def *event.Definition[T], h func(ctx context.Context, e *envelope.Envelope, payload T) error) error {
	switch {
	case c == nil:
		return fmt.Errorf("%w: nil consumer", ErrInvalidHandler)
	case def == nil:
		return fmt.Errorf("%w: nil definition", ErrInvalidHandler)
	case h == nil:
		return fmt.Errorf("%w: nil handler for %s", ErrInvalidHandler, def.Type())
	}
	return c.register(def.Type().String(), func(ctx context.Context, d *Delivery) error {
		payload, err := def.Decode(d.Envelope)
		if err != nil {
			return Permanent(err)
		}
		return h(ctx, d.Envelope, payload)
	}, def.Members(), true)
}

func (c *Consumer) dispatch(ctx context.Context, d *Delivery) error {
	h, ok := c.handlers[d.Envelope.Type]
	if !ok && c.cfg.Upcasters != nil {
		var err error
		if h, err = c.upcast(d); err != nil {
			return Permanent(fmt.Errorf("transport: %w", err)) // the same event fails the same way
		}
	}
	if h == nil {
		h = c.fallback
	}
	if h == nil {
		return fmt.Errorf("%w: %s", ErrNoHandler, d.Envelope.Type)
	}
	return h(ctx, d)
}

// upcast converts the delivery's event to the first type of its upcast
// path that has a handler, and returns the handler; nil when none has.
func (c *Consumer) upcast(d *Delivery) (HandlerFunc, error) {
	for t, ok := c.cfg.Upcasters.Next(d.Envelope.Type); ok; t, ok = c.cfg.Upcasters.Next(t) {
		h, ok := c.handlers[t]
		if !ok {
			continue
		}
		e, _, err := c.cfg.Upcasters.To(d.Envelope, t)
		if err != nil {
			return nil, err
		}
		d.UpcastFrom, d.Envelope, d.Body = d.Envelope.Type, e, nil // the body is the old major's
		return h, nil
	}
	return nil, nil
}

// HandleDefault registers the handler of every type that has no handler
// of its own: whatever the subscription delivers (an archive's, a
// router's). Register it before Start; a second one, or a nil one, is
// refused with an error matching ErrInvalidHandler.
func (c *Consumer) HandleDefault(h HandlerFunc) error {
	if h == nil {
		return fmt.Errorf("%w: nil default handler", ErrInvalidHandler)
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	switch {
	case c.started:
		return ErrStarted
	case c.fallback != nil:
		return fmt.Errorf("%w: a default handler is registered already", ErrInvalidHandler)
	}
	c.fallback = h
	return nil
}

// Replayed returns the id of the replay that sent the delivery (see
// Bus.Resend), or "" when it is no replay.
func (d *Delivery) Replayed() string { return d.Attributes[driver.AttrReplay] }
