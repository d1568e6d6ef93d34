package archive

import (
	"context"
	"errors"
	"fmt"

	"github.com/elmosoftware/eventprotocol/config"
	"github.com/elmosoftware/eventprotocol/envelope"
	"github.com/elmosoftware/eventprotocol/eventstore"
	"github.com/elmosoftware/eventprotocol/naming"
	"github.com/elmosoftware/eventprotocol/transport"
	"github.com/elmosoftware/eventprotocol/transport/topology"
)

// Archive appends the events it handles to a store. It is safe for
// concurrent use: give its consumer any Concurrency.
type Archive struct {
	store *eventstore.Store
}

// New returns an archive into store.
func New(store *eventstore.Store) (*Archive, error) {
	if store == nil {
		return nil, &config.Error{Setting: "archive.New's store", Problem: "must not be nil"}
	}
	return &Archive{store: store}, nil
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
	batch, err := a.store.Prepare(ctx, Stream(d.Envelope), eventstore.Any, d.Envelope)
	if errors.Is(err, eventstore.ErrInvalidEvent) || errors.Is(err, eventstore.ErrInvalidStream) {
		return transport.Permanent(fmt.Errorf("archive: %w", err))
	}
	if err != nil {
		return err
	}
	if d.Body != nil {
		batch.Events[0].Raw = d.Body
	}
	res, err := a.store.Backend().Append(ctx, batch)
	if err != nil {
		return fmt.Errorf("archive: %w", err)
	}
	a.store.Appended(res)
	return nil
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
