package archive

import (
	"context"
	"errors"
	"fmt"
	"sync"

	"github.com/elmosoftware/eventprotocol/config"
	"github.com/elmosoftware/eventprotocol/envelope"
	"github.com/elmosoftware/eventprotocol/eventstore"
	"github.com/elmosoftware/eventprotocol/naming"
	"github.com/elmosoftware/eventprotocol/transport"
	"github.com/elmosoftware/eventprotocol/transport/topology"
)

// Archive appends the events it handles to a store. It is safe for
// concurrent use: give its consumer any Concurrency. On a backend that
// appends to several streams in one transaction (SQLite's AppendAll), the
// events of concurrent deliveries are written in one.
type Archive struct {
	store *eventstore.Store
	all   allAppender // nil: one append per event

	mu       sync.Mutex
	queue    []write
	flushing bool
}

// allAppender appends to several streams in one transaction
// (*sqlite.Backend).
type allAppender interface {
	AppendAll(ctx context.Context, batches []*eventstore.Batch) ([]eventstore.Appended, error)
}

// write is an event waiting for its transaction.
type write struct {
	batch *eventstore.Batch
	done  chan error
}

// maxWrites bounds the events of one transaction.
const maxWrites = 256

// Concurrency is the archive consumer's ConsumerConfig.Concurrency that
// fills its transactions: deliveries wait for theirs, so the more there
// are at once, the more each transaction writes. eventctl archive uses it.
const Concurrency = 256

// New returns an archive into store.
func New(store *eventstore.Store) (*Archive, error) {
	if store == nil {
		return nil, &config.Error{Setting: "archive.New's store", Problem: "must not be nil"}
	}
	a := &Archive{store: store}
	a.all, _ = store.Backend().(allAppender)
	return a, nil
}

// Stream returns the stream that archives an event: its subject's, or its
// type's when it has none.
func Stream(e *envelope.Envelope) eventstore.Stream {
	if e.Subject != "" {
		return eventstore.Stream{Name: e.Subject}
	}
	return eventstore.Stream{Name: e.Type}
}

// Register makes the archive the consumer's handler of every type (its
// default handler).
func (a *Archive) Register(c *transport.Consumer) error { return c.HandleDefault(a.Handle) }

// Handle archives a delivery's event: the message's bytes as they came
// (the envelope's encoding when its data was fetched from a claim check),
// once per (source, id). An event the store refuses for what it is (too
// large, against the envelope's rules) is a permanent failure: the
// consumer dead-letters it with the reason.
func (a *Archive) Handle(ctx context.Context, d *transport.Delivery) error {
	var batch *eventstore.Batch
	var err error
	if d.Body != nil { // stored as it came
		batch, err = a.store.PrepareEncoded(ctx, Stream(d.Envelope), eventstore.Any, d.Envelope, d.Body)
	} else {
		batch, err = a.store.Prepare(ctx, Stream(d.Envelope), eventstore.Any, d.Envelope)
	}
	if errors.Is(err, eventstore.ErrInvalidEvent) || errors.Is(err, eventstore.ErrInvalidStream) {
		return transport.Permanent(fmt.Errorf("archive: %w", err))
	}
	if err != nil {
		return err
	}
	if a.all == nil {
		res, err := a.store.Backend().Append(ctx, batch)
		if err != nil {
			return fmt.Errorf("archive: %w", err)
		}
		a.store.Appended(res)
		return nil
	}
	return a.batched(ctx, batch)
}

// batched queues an append, and makes the caller write the queue's
// transactions when nobody else is: a leader writes what the others
// queued meanwhile, in one transaction, until the queue is empty.
func (a *Archive) batched(ctx context.Context, batch *eventstore.Batch) error {
	w := write{batch: batch, done: make(chan error, 1)}
	a.mu.Lock()
	a.queue = append(a.queue, w)
	lead := !a.flushing
	a.flushing = true
	a.mu.Unlock()
	if lead {
		a.flush(context.WithoutCancel(ctx)) // the others wait on it
	}
	select {
	case err := <-w.done:
		return err
	case <-ctx.Done():
		return fmt.Errorf("archive: %w: %w", eventstore.ErrOutcomeUnknown, ctx.Err())
	}
}

// flush writes the queue until it is empty.
func (a *Archive) flush(ctx context.Context) {
	for {
		a.mu.Lock()
		n := min(len(a.queue), maxWrites)
		if n == 0 {
			a.flushing = false
			a.mu.Unlock()
			return
		}
		ws := a.queue[:n:n]
		a.queue = a.queue[n:]
		a.mu.Unlock()
		batches := make([]*eventstore.Batch, n)
		for i, w := range ws {
			batches[i] = w.batch
		}
		res, err := a.all.AppendAll(ctx, batches)
		for i, w := range ws {
			if err != nil {
				w.done <- fmt.Errorf("archive: %w", err)
				continue
			}
			a.store.Appended(res[i])
			w.done <- nil
		}
	}
}

// Service returns the topology entry of an archive called name that
// consumes every event of the domains given, or of all the topology's
// when none is. Add it to the topology (and provision it) as any
// service's.
func Service(t *topology.Topology, name string, domains ...string) (topology.Service, error) {
	if len(domains) == 0 {
		for _, d := range t.Domains {
			domains = append(domains, d.Name)
		}
	}
	org := t.Org
	if org == "" {
		org = naming.DefaultOrg
	}
	svc := topology.Service{Name: name}
	for _, d := range domains {
		found := false
		for _, td := range t.Domains {
			found = found || td.Name == d
		}
		if !found {
			return topology.Service{}, fmt.Errorf("%w: %q", ErrUnknownDomain, d)
		}
		svc.Consumes = append(svc.Consumes, org+"."+d+".*")
	}
	return svc, nil
}
