package transport

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"slices"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

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

	duplicate bool // set by Idempotent: the event was handled already
}

// HandlerFunc handles one delivery. Returning nil acknowledges the message;
// an error makes it a failed delivery, retried after a backoff, unless it
// matches ErrPermanent, which dead-letters the message at once. Handlers
// must respect ctx: it is cancelled when Shutdown's deadline passes.
type HandlerFunc func(ctx context.Context, d *Delivery) error

// Middleware wraps a handler with behaviour of its own.
type Middleware func(HandlerFunc) HandlerFunc

// ConsumerConfig configures a [Consumer]. A nil *ConsumerConfig, like the
// zero value, means the defaults.
type ConsumerConfig struct {
	// Name identifies the consumer in logs, e.g. the subscription's name.
	Name string
	// Concurrency is the number of handler goroutines. Default 8.
	Concurrency int
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
	// Catalog, when set (usually a *schema.Catalog), validates each
	// payload tolerantly against its schema before the handler runs
	// (ValidateTolerant: the newest minor version of the event's major
	// that the catalogue knows accepts data of any minor version that
	// follows the evolution policy, newer ones included). A payload that
	// fails, or whose type and major version have no schema, is
	// dead-lettered with a reason matching ErrInvalidPayload that names
	// JSON pointers and rules, never values.
	Catalog PayloadValidator
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
	cancel   context.CancelFunc   // stops receiving
	hcancel  context.CancelFunc   // cancels handlers
	xcancel  context.CancelFunc   // stops extending visibility
	shutDone chan struct{}        // closed when Shutdown has finished
	work     chan job
	acks     chan string
	done     chan struct{} // closed when Shutdown begins
	pollers  sync.WaitGroup
	workers  sync.WaitGroup
	helpers  sync.WaitGroup
	shutErr  error
}

type tracked struct {
	msg      *driver.Message
	id       string // the event's, once decoded
	extended time.Time
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
		handlers: map[string]HandlerFunc{}, inflight: map[string]*tracked{}, groups: map[string]*groupRun{}, failures: newFailures(c.Clock.Now)}
	return cons, nil
}

// HandleFunc registers the handler of an event type (with its major
// version, e.g. elmo.leave.balance.adjusted.v1). Register every handler
// before Start. A type that is not a valid event type, or a nil handler,
// is refused with an error matching ErrInvalidHandler.
func (c *Consumer) HandleFunc(eventType string, h HandlerFunc) error {
	if _, err := naming.ParseType(eventType); err != nil {
		return fmt.Errorf("transport: %w: %w", ErrInvalidHandler, err)
	}
	if h == nil {
		return fmt.Errorf("transport: %w: nil handler for %s", ErrInvalidHandler, eventType)
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.started {
		return ErrStarted
	}
	if _, dup := c.handlers[eventType]; dup {
		return fmt.Errorf("transport: %w: %s", ErrHandlerExists, eventType)
	}
	c.handlers[eventType] = h
	return nil
}

// ErrInvalidHandler reports a registration that can never be dispatched
// to: an invalid event type, or a nil definition, consumer or handler.
var ErrInvalidHandler = errors.New("invalid handler registration")

// Handle registers a typed handler for the events of a definition: the
// payload is decoded into T before h runs. A payload that does not decode
// is a permanent failure.
func Handle[T any](c *Consumer, def *event.Definition[T], h func(ctx context.Context, e *envelope.Envelope, payload T) error) error {
	switch {
	case c == nil:
		return fmt.Errorf("transport: %w: nil consumer", ErrInvalidHandler)
	case def == nil:
		return fmt.Errorf("transport: %w: nil definition", ErrInvalidHandler)
	case h == nil:
		return fmt.Errorf("transport: %w: nil handler for %s", ErrInvalidHandler, def.Type())
	}
	return c.HandleFunc(def.Type().String(), func(ctx context.Context, d *Delivery) error {
		payload, err := def.Decode(d.Envelope)
		if err != nil {
			return Permanent(err)
		}
		return h(ctx, d.Envelope, payload)
	})
}

func (c *Consumer) dispatch(ctx context.Context, d *Delivery) error {
	h, ok := c.handlers[d.Envelope.Type]
	if !ok {
		return fmt.Errorf("%w: %s", ErrNoHandler, d.Envelope.Type)
	}
	return h(ctx, d)
}

// Start begins receiving. It returns at once; ctx bounds the whole life of
// the consumer (cancelling it is like a Shutdown with no time to drain).
// It fails when the receiver's visibility timeout cannot be read, or
// contradicts ConsumerConfig.VisibilityTimeout.
func (c *Consumer) Start(ctx context.Context) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	switch {
	case c.stopped:
		return ErrShutdown
	case c.started:
		return ErrStarted
	}
	if err := c.resolveVisibility(ctx); err != nil {
		return err
	}
	c.started = true
	var h HandlerFunc = c.dispatch
	for i := len(c.cfg.Middleware) - 1; i >= 0; i-- {
		h = c.cfg.Middleware[i](h)
	}
	h = Idempotent(c.cfg.Idempotency)(h)
	if c.cfg.Catalog != nil {
		h = validatePayload(c.cfg.Catalog)(h)
	}
	c.chain = Recover(h)

	recvCtx, cancel := context.WithCancel(ctx)
	handlerCtx, hcancel := context.WithCancel(context.WithoutCancel(ctx))
	c.cancel, c.hcancel = cancel, hcancel
	c.work = make(chan job, c.batchSize())
	c.acks = make(chan string, 4*c.batchSize())
	for range c.cfg.Pollers {
		c.pollers.Add(1)
		go c.poll(recvCtx)
	}
	for range c.cfg.Concurrency {
		c.workers.Add(1)
		go c.worker(handlerCtx)
	}
	c.ackCtx, c.ackCancel = context.WithCancel(context.WithoutCancel(ctx))
	extCtx, xcancel := context.WithCancel(context.WithoutCancel(ctx))
	c.xcancel = xcancel
	c.helpers.Add(2)
	go c.acker()
	go c.extender(extCtx) // runs until the last handler is done
	c.done = make(chan struct{})
	go func() {
		select {
		case <-ctx.Done():
			now, cancel := context.WithCancel(context.Background())
			cancel()
			c.Shutdown(now) //nolint:errcheck // a later Shutdown returns the same error
		case <-c.done:
		}
	}()
	return nil
}

// resolveVisibility settles the visibility timeout: the receiver's, which
// an explicit setting must equal, else the configured one or 30s.
func (c *Consumer) resolveVisibility(ctx context.Context) error {
	src, ok := c.recv.(driver.VisibilitySource)
	if !ok {
		if c.cfg.VisibilityTimeout == 0 {
			c.cfg.VisibilityTimeout = 30 * time.Second
		}
		return nil
	}
	queue, err := src.VisibilityTimeout(ctx)
	switch {
	case err != nil:
		return fmt.Errorf("transport: reading the queue's visibility timeout: %w", err)
	case queue <= 0:
		return fmt.Errorf("transport: the queue's visibility timeout is %v: messages in flight cannot be kept invisible", queue)
	case c.cfg.VisibilityTimeout != 0 && c.cfg.VisibilityTimeout != queue:
		return fmt.Errorf("%w: ConsumerConfig.VisibilityTimeout is %v, the queue's is %v", ErrVisibilityMismatch, c.cfg.VisibilityTimeout, queue)
	}
	c.cfg.VisibilityTimeout = queue
	return nil
}

// ErrVisibilityMismatch reports a ConsumerConfig.VisibilityTimeout that
// contradicts the queue's.
var ErrVisibilityMismatch = errors.New("transport: the visibility timeout contradicts the queue's")

func (c *Consumer) batchSize() int {
	if n := c.recv.Limits().MaxBatch; n > 0 {
		return n
	}
	return 10
}

// poll receives messages and hands each to a worker. Messages it cannot
// hand over because receiving stopped are released at once.
func (c *Consumer) poll(ctx context.Context) {
	defer c.pollers.Done()
	for ctx.Err() == nil {
		msgs, err := c.recv.Receive(ctx, c.batchSize())
		if c.hooks.Received != nil && ctx.Err() == nil {
			c.hooks.Received(ctx, msgs, err)
		}
		if err != nil {
			if ctx.Err() != nil {
				return
			}
			fails := c.receiveFailed(ctx, err)
			sleep(ctx, c.cfg.Clock, min(c.backoff.Delay(fails, c.cfg.Rand), maxReceivePause)) // do not spin
			continue
		}
		c.receiveSucceeded()
		c.mu.Lock()
		now := c.cfg.Clock.Now()
		for _, m := range msgs {
			c.inflight[m.Handle] = &tracked{msg: m, extended: now}
		}
		c.batches++
		batch := c.batches
		c.mu.Unlock()
		for i, m := range msgs {
			d := c.prepare(ctx, m)
			if d == nil {
				continue // dead-lettered
			}
			if !c.dispatchJob(ctx, job{m, d, batch}) {
				final, cancel := context.WithTimeout(context.Background(), shutdownGrace)
				for _, rest := range msgs[i:] {
					c.release(final, rest)
				}
				cancel()
				return
			}
		}
	}
}

// maxReceivePause bounds the pause after a failed receive: pauses grow
// with the consumer's Backoff up to it.
const maxReceivePause = 10 * time.Second

// receiveFailed records a failed receive and returns the failures in a
// row. The one that makes the consumer unhealthy is logged at Error.
func (c *Consumer) receiveFailed(ctx context.Context, err error) int {
	n, unhealthy := c.health.Failed(err)
	switch {
	case unhealthy:
		c.alarm.LogAttrs(ctx, slog.LevelError, "receiving keeps failing; the consumer is unhealthy", slog.Int("failures", n), slog.Any("error", err))
	case c.health.Err() == nil:
		c.log.LogAttrs(ctx, slog.LevelWarn, "receive failed", slog.Any("error", err))
	}
	return n
}

func (c *Consumer) receiveSucceeded() {
	if c.health.Succeeded() {
		c.alarm.LogAttrs(context.Background(), slog.LevelInfo, "receiving works again")
	}
}

// Health reports whether the consumer can do its work: nil, or a
// *HealthError matching [ErrUnhealthy] (with the last receive error) once
// ConsumerConfig.UnhealthyAfter receives in a row have failed, until one
// succeeds. Put it behind a readiness probe: a consumer with expired
// credentials or a deleted queue otherwise idles silently. A consumer that
// was shut down reports [ErrShutdown].
func (c *Consumer) Health() error {
	c.mu.Lock()
	stopped := c.stopped
	c.mu.Unlock()
	if stopped {
		return ErrShutdown
	}
	return c.health.Err()
}

// job is a message ready for its handler.
type job struct {
	m     *driver.Message
	d     *Delivery
	batch uint64 // the receive that brought it
}

// groupRun is a message group (FIFO transports) whose messages are being
// run: the ones waiting, in order. held is set, to the receive that
// brought the message, when the run ended on a message left for a retry:
// the group's other messages of that receive are released as they come
// (the transport delivers the retried one first, in a later receive).
type groupRun struct {
	pending []job
	held    uint64
}

func (c *Consumer) worker(ctx context.Context) {
	defer c.workers.Done()
	for j := range c.work {
		if ctx.Err() != nil {
			continue // Shutdown's deadline passed and released the message
		}
		next := c.process(ctx, j.m, j.d)
		if j.m.GroupID != "" {
			c.runGroup(ctx, j, next)
		}
	}
}

// dispatchJob hands a prepared message to the workers. Messages of one
// message group (FIFO transports) run one at a time, in the order they
// were received: a group's first message goes to a worker, the others
// wait in the group's queue for that worker (see runGroup).
func (c *Consumer) dispatchJob(ctx context.Context, j job) bool {
	if g := j.m.GroupID; g != "" {
		c.mu.Lock()
		run := c.groups[g]
		switch {
		case run == nil || (run.held != 0 && run.held != j.batch):
			c.groups[g] = &groupRun{} // a new run; a held message came back first
		case run.held != 0:
			c.mu.Unlock()
			c.release(context.WithoutCancel(ctx), j.m) // behind a message left for a retry
			return true
		default:
			run.pending = append(run.pending, j)
			c.mu.Unlock()
			return true
		}
		c.mu.Unlock()
	}
	select {
	case c.work <- j:
		return true
	case <-ctx.Done():
		return false
	}
}

// runGroup goes on with the messages of a group after one of them was
// processed: the next in order, while each is handled or dead-lettered.
// A message left for a retry holds its group, as SQS FIFO does: the
// group's waiting messages are released to come back after it.
func (c *Consumer) runGroup(ctx context.Context, j job, next bool) {
	group := j.m.GroupID
	for {
		c.mu.Lock()
		run := c.groups[group]
		if ctx.Err() != nil {
			delete(c.groups, group)
			c.mu.Unlock()
			return // Shutdown releases what is left
		}
		if !next {
			waiting := run.pending
			run.pending, run.held = nil, j.batch
			c.mu.Unlock()
			for _, w := range waiting {
				c.release(context.WithoutCancel(ctx), w.m)
			}
			return
		}
		if len(run.pending) == 0 {
			delete(c.groups, group)
			c.mu.Unlock()
			return
		}
		j = run.pending[0]
		run.pending = run.pending[1:]
		c.mu.Unlock()
		next = c.process(ctx, j.m, j.d)
	}
}

// prepare decodes and validates a received message, in the receiving
// goroutine so that it overlaps with the handlers' work. A message that can
// never succeed is dead-lettered and prepare returns nil.
func (c *Consumer) prepare(ctx context.Context, m *driver.Message) *Delivery {
	e, err := c.validator.Check(m.Body)
	if err != nil {
		c.refuse(ctx, m, nil, fmt.Errorf("%w: %w", ErrUndecodable, err))
		return nil
	}
	if m.Conflict != nil {
		c.refuse(ctx, m, &e, fmt.Errorf("%w: %w", ErrAttributeMismatch, m.Conflict))
		return nil
	}
	if err := checkAttributes(m.Attributes, &e); err != nil {
		c.refuse(ctx, m, &e, err)
		return nil
	}
	c.mu.Lock()
	if t := c.inflight[m.Handle]; t != nil {
		t.id = e.ID
	}
	c.mu.Unlock()
	return &Delivery{Envelope: &e, ReceiveCount: m.ReceiveCount, Attributes: m.Attributes}
}

// refuse dead-letters a message before any handler runs.
func (c *Consumer) refuse(ctx context.Context, m *driver.Message, e *envelope.Envelope, reason error) {
	if c.hooks.Refused != nil {
		c.hooks.Refused(ctx, m, e, reason)
	}
	id := ""
	if e != nil {
		id = e.ID
	}
	c.deadLetter(ctx, m, id, reason)
}

// process runs the handler chain and settles the message: ack, redelivery
// after a backoff, or dead letter. It reports whether the message's group
// may go on to its next message: the message was handled or dead-lettered
// (not left for a retry, nor released by Shutdown).
func (c *Consumer) process(ctx context.Context, m *driver.Message, d *Delivery) (next bool) {
	e := d.Envelope
	hctx := context.WithValue(ctx, deliveryKey{}, d) // also its trace context, see TraceContext
	if c.hooks.Handling != nil {
		hctx = c.hooks.Handling(hctx, d)
	}
	var began time.Time
	if c.hooks.Settled != nil { // no clock reads for nobody
		began = c.cfg.Clock.Now()
	}
	err := c.chain(hctx, d)
	s := Settlement{Err: err}
	if c.hooks.Settled != nil {
		s.Duration = c.cfg.Clock.Now().Sub(began)
		defer func() { c.hooks.Settled(hctx, d, s) }()
	}
	attrs := func() []slog.Attr {
		return []slog.Attr{slog.String("id", e.ID), slog.String("type", e.Type), slog.String("source", e.Source), slog.Int("receive_count", m.ReceiveCount)}
	}
	key := e.Source + "\x00" + e.ID
	if err == nil || errors.Is(err, ErrPermanent) {
		c.failures.forget(key)
	}
	switch {
	case err == nil:
		if d.duplicate {
			s.Outcome = Duplicate
		}
		if c.log.Enabled(ctx, slog.LevelDebug) {
			c.log.LogAttrs(ctx, slog.LevelDebug, "handled", attrs()...)
		}
		c.ack(m)
		return true
	case errors.Is(err, ErrPermanent):
		s.Outcome = DeadLettered
		c.deadLetter(ctx, m, e.ID, err)
		return true
	case ctx.Err() != nil:
		// Shutdown cancelled the handler: a release, not a failure. The
		// message is released by Shutdown.
		s.Outcome = Released
		return false
	default:
		failed := 1
		if !errors.Is(err, ErrInProgress) {
			// A twin being handled is no failure: once it is done this
			// delivery finds it done and is acknowledged, so a handler
			// that succeeds never leads to a dead letter.
			failed = c.failures.add(key)
		}
		s.Failures = failed
		if failed >= c.cfg.MaxAttempts && !errors.Is(err, ErrInProgress) {
			c.failures.forget(key)
			s.Outcome, s.Err = DeadLettered, fmt.Errorf("handler failed %d times, the consumer's MaxAttempts; last error: %w", failed, err)
			c.deadLetter(ctx, m, e.ID, s.Err)
			return true
		}
		if !c.settle(m) {
			s.Outcome = Released
			return false // released by Shutdown already
		}
		delay := c.backoff.Delay(failed, c.cfg.Rand)
		s.Outcome, s.Delay = Retried, delay
		c.log.LogAttrs(ctx, slog.LevelWarn, "handler failed; will retry", append(attrs(), slog.Duration("retry_in", delay), slog.Any("error", err))...)
		if err := c.recv.SetVisibility(context.WithoutCancel(ctx), m.Handle, delay); err != nil {
			c.log.LogAttrs(ctx, slog.LevelWarn, "could not delay the redelivery; the visibility timeout will", append(attrs(), slog.Any("error", err))...)
		}
		return false
	}
}

// checkAttributes refuses mirrored attributes that contradict the envelope.
// An attribute the message lacks is not a contradiction.
func checkAttributes(attrs map[string]string, e *envelope.Envelope) error {
	for _, a := range [...]struct{ name, want string }{
		{driver.AttrType, e.Type}, {driver.AttrSource, e.Source}, {driver.AttrTenantID, e.TenantID},
	} {
		if got, ok := attrs[a.name]; ok && got != a.want {
			return fmt.Errorf("%w: %s is %q in the message, %q in the envelope", ErrAttributeMismatch, a.name, got, a.want)
		}
	}
	return nil
}

// settle stops tracking a message whose fate is decided. It reports
// whether the message was still tracked (not released by Shutdown).
func (c *Consumer) settle(m *driver.Message) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	_, ok := c.inflight[m.Handle]
	delete(c.inflight, m.Handle)
	return ok
}

// ack queues the acknowledgement of a handled message, unless Shutdown
// released it already. A handler that ignored its context and finished
// after Shutdown returned finds its message released and the queue closed.
func (c *Consumer) ack(m *driver.Message) {
	if !c.settle(m) {
		return
	}
	c.ackMu.RLock()
	defer c.ackMu.RUnlock()
	if !c.acksClosed {
		c.acks <- m.Handle
	}
}

func (c *Consumer) release(ctx context.Context, m *driver.Message) {
	c.settle(m)
	if err := c.recv.SetVisibility(ctx, m.Handle, 0); err != nil {
		c.log.LogAttrs(ctx, slog.LevelWarn, "could not release a message; its visibility timeout will", slog.Any("error", err))
	}
}

func (c *Consumer) deadLetter(ctx context.Context, m *driver.Message, id string, reason error) {
	if !c.settle(m) {
		return // released by Shutdown already
	}
	text := reasonText(reason)
	attrs := []slog.Attr{slog.String("id", id), slog.String("type", m.Attributes[driver.AttrType]), slog.Int("receive_count", m.ReceiveCount), slog.String("reason", text)}
	if err := c.recv.DeadLetter(context.WithoutCancel(ctx), m, text); err != nil {
		// Not lost: the message stays in its queue and comes back after
		// its visibility timeout, and the queue's redrive policy is the
		// backstop.
		c.log.LogAttrs(ctx, slog.LevelError, "could not dead-letter a message; it stays in its queue", append(attrs, slog.Any("error", err))...)
		return
	}
	c.log.LogAttrs(ctx, slog.LevelError, "dead-lettered", attrs...)
}

// reasonText is the dead-letter reason of err as every transport can carry
// it: at most driver.MaxReasonBytes, cut at a character boundary, holding
// only characters an SQS message attribute accepts (tab, line feed,
// carriage return, U+0020-U+D7FF, U+E000-U+FFFC, U+10000-U+10FFFF; others,
// and U+FFFD, which cannot be told from invalid UTF-8 here, become '?').
// The reasons the runtime writes name JSON pointers and rules, never
// payload values.
func reasonText(err error) string {
	const ellipsis = "..."
	s := err.Error()
	clean := []byte(strings.Map(func(r rune) rune {
		switch {
		case r == '\t' || r == '\n' || r == '\r', r >= 0x20 && r <= 0xD7FF, r >= 0xE000 && r < utf8.RuneError, r >= 0x10000:
			return r
		}
		return '?' // also invalid UTF-8, which strings.Map reads as U+FFFD
	}, s))
	if len(clean) <= driver.MaxReasonBytes {
		return string(clean)
	}
	cut := driver.MaxReasonBytes - len(ellipsis)
	for cut > 0 && !utf8.RuneStart(clean[cut]) {
		cut--
	}
	return string(clean[:cut]) + ellipsis
}

// acker batches acknowledgements.
// maxAckFlights bounds the acknowledgement calls in flight at once: with
// network latency, one call at a time would cap a consumer at a batch per
// round trip.
const maxAckFlights = 8

func (c *Consumer) acker() {
	defer c.helpers.Done()
	size := c.batchSize()
	var pending []string
	var flights sync.WaitGroup
	slots := make(chan struct{}, maxAckFlights)
	var due <-chan time.Time // when pending must go, nil while none is
	flush := func() {
		if len(pending) == 0 {
			return
		}
		batch := slices.Clone(pending)
		pending = pending[:0]
		slots <- struct{}{} // waits while maxAckFlights calls are in flight
		flights.Add(1)
		go func() {
			defer func() { <-slots; flights.Done() }()
			ctx, cancel := context.WithTimeout(c.ackCtx, c.cfg.VisibilityTimeout)
			defer cancel()
			if err := c.recv.Ack(ctx, batch); err != nil {
				c.log.LogAttrs(ctx, slog.LevelWarn, "acknowledgement failed; the messages will be delivered again and deduplicated", slog.Int("messages", len(batch)), slog.Any("error", err))
			}
		}()
	}
	for {
		select {
		case h, ok := <-c.acks:
			if !ok {
				flights.Wait()
				c.finalFlush(pending)
				return
			}
			if len(pending) == 0 {
				due = c.cfg.Clock.At(c.cfg.Clock.Now().Add(c.cfg.AckDelay))
			}
			pending = append(pending, h)
			if len(pending) >= size {
				due = nil
				flush()
			}
		case <-due:
			due = nil
			flush()
		}
	}
}

// finalFlush acknowledges what is pending at Shutdown, within
// shutdownGrace: what it cannot is delivered again and deduplicated.
func (c *Consumer) finalFlush(pending []string) {
	if len(pending) == 0 {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), shutdownGrace)
	defer cancel()
	if err := c.recv.Ack(ctx, pending); err != nil {
		c.log.LogAttrs(ctx, slog.LevelWarn, "final acknowledgement failed; the messages will be delivered again and deduplicated", slog.Int("messages", len(pending)), slog.Any("error", err))
	}
}

// extender keeps the messages in flight invisible while they are handled.
func (c *Consumer) extender(ctx context.Context) {
	defer c.helpers.Done()
	period := c.cfg.VisibilityTimeout / 3
	for {
		select {
		case <-ctx.Done():
			return
		case now := <-c.cfg.Clock.At(c.cfg.Clock.Now().Add(period)):
			var due []string
			c.mu.Lock()
			for h, t := range c.inflight {
				if now.Sub(t.extended) >= period {
					t.extended = now
					due = append(due, h)
				}
			}
			c.mu.Unlock()
			for _, h := range due {
				if err := c.recv.SetVisibility(ctx, h, c.cfg.VisibilityTimeout); err != nil && ctx.Err() == nil {
					c.log.LogAttrs(ctx, slog.LevelWarn, "could not extend a message's visibility", slog.Any("error", err))
				}
			}
		}
	}
}

// shutdownGrace bounds the calls Shutdown makes after its deadline: the
// releases of unfinished messages and the last acknowledgements.
const shutdownGrace = time.Second

// Shutdown stops receiving, lets the handlers in flight finish until ctx is
// done, then cancels the handlers' contexts and releases the messages that
// did not finish for redelivery, flushes pending acknowledgements and
// returns. It returns by ctx's deadline plus at most shutdownGrace (one
// second) for those last transport calls, also when a handler ignores its
// context: such a handler is named in the error, its message released, and
// whatever it does later discarded. It returns nil when everything finished, or a *ShutdownError
// naming what did not. Shutdown is idempotent: later calls wait for the
// first and return its result.
func (c *Consumer) Shutdown(ctx context.Context) error {
	c.mu.Lock()
	if c.shutDone == nil {
		c.shutDone = make(chan struct{})
	}
	shutDone := c.shutDone
	if !c.started || c.stopped {
		started, stopped := c.started, c.stopped
		c.stopped = true
		c.mu.Unlock()
		if !started {
			return nil
		}
		if stopped {
			<-shutDone // the first Shutdown's result
		}
		c.mu.Lock()
		defer c.mu.Unlock()
		return c.shutErr
	}
	c.stopped = true
	close(c.done)
	c.mu.Unlock()
	defer close(shutDone)

	c.cancel()
	c.pollers.Wait()
	close(c.work)
	done := make(chan struct{})
	go func() {
		c.workers.Wait()
		close(done)
	}()
	var err error
	select {
	case <-done:
	case <-ctx.Done():
		c.mu.Lock()
		var unfinished []string
		var msgs []*driver.Message
		for h, t := range c.inflight {
			id := t.id
			if id == "" {
				id = "handle " + h
			}
			unfinished = append(unfinished, id)
			msgs = append(msgs, t.msg)
		}
		c.mu.Unlock()
		c.hcancel()
		// Handlers that ignore their context are not waited for: their
		// messages are released, and what they do later is discarded.
		final, cancel := context.WithTimeout(context.WithoutCancel(ctx), shutdownGrace)
		for _, m := range msgs {
			c.release(final, m)
		}
		cancel()
		slices.Sort(unfinished)
		err = &ShutdownError{Unfinished: unfinished, Err: ctx.Err()}
	}
	c.hcancel()
	c.xcancel()
	c.ackMu.Lock()
	c.acksClosed = true
	close(c.acks)
	c.ackMu.Unlock()
	// Acknowledgements in flight get until the deadline and the grace.
	limit := shutdownGrace
	if dl, ok := ctx.Deadline(); ok {
		limit = max(time.Until(dl), 0) + shutdownGrace
	}
	if ctx.Err() != nil || limit > shutdownGrace {
		stop := time.AfterFunc(limit, c.ackCancel)
		defer stop.Stop()
	}
	c.helpers.Wait()
	c.ackCancel()
	if closer, ok := c.recv.(driver.Closer); ok {
		final, cancel := ctx, context.CancelFunc(func() {})
		if ctx.Err() != nil {
			final, cancel = context.WithTimeout(context.WithoutCancel(ctx), shutdownGrace)
		}
		if cerr := closer.Close(final); cerr != nil {
			err = errors.Join(err, fmt.Errorf("transport: closing the receiver: %w", cerr))
		}
		cancel()
	}
	c.mu.Lock()
	c.shutErr = err
	c.mu.Unlock()
	return err
}

// Run starts the consumer, waits until ctx is done, then shuts it down,
// giving handlers in flight up to drain to finish.
func (c *Consumer) Run(ctx context.Context, drain time.Duration) error {
	inner, cancel := context.WithCancel(context.WithoutCancel(ctx))
	defer cancel()
	if err := c.Start(inner); err != nil {
		return err
	}
	<-ctx.Done()
	sctx, scancel := context.WithTimeout(context.Background(), drain)
	defer scancel()
	return c.Shutdown(sctx)
}
