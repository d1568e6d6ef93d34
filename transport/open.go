package transport

import (
	"context"
	"errors"
	"fmt"

	"github.com/elmosoftware/eventprotocol/config"
	"github.com/elmosoftware/eventprotocol/naming"
	"github.com/elmosoftware/eventprotocol/transport/driver"
	"github.com/elmosoftware/eventprotocol/transport/topology"
)

// OpenConfig configures [Open]. A nil *OpenConfig means the defaults.
type OpenConfig struct {
	// Provision creates the topology's resources first (idempotently); the
	// driver must be a driver.Provisioner. For development, tests and
	// examples; production provisions with eventctl provision.
	Provision bool
	// Catalog validates payloads: strictly in the Publisher, tolerantly
	// in every Consumer whose own config sets no Catalog. Usually a
	// *schema.Catalog.
	Catalog PayloadValidator
	// Publisher configures the Publisher; its Catalog defaults to the one
	// above. Its Topic must be left nil: topics are the topology's domains.
	Publisher *PublisherConfig
}

// Bus is a topology opened on a transport: the Publisher, a Consumer per
// consuming service, and the services' dead letters. Application code
// wires itself through a Bus and never names a driver type.
type Bus struct {
	t       *topology.Topology
	d       driver.Driver
	catalog PayloadValidator
	claims  driver.ClaimCheck // the driver's, for a topology that names a store
	pub     *Publisher
}

// Open validates the topology, provisions it when asked, and returns its
// Bus on the driver (the memory broker, or an snssqs.Driver).
func Open(ctx context.Context, d driver.Driver, t *topology.Topology, cfg *OpenConfig) (*Bus, error) {
	var c OpenConfig
	if cfg != nil {
		c = *cfg
	}
	if d == nil {
		return nil, &config.Error{Setting: "Open's driver", Problem: "must not be nil"}
	}
	if t == nil {
		return nil, &config.Error{Setting: "Open's topology", Problem: "must not be nil"}
	}
	var pc PublisherConfig
	if c.Publisher != nil {
		pc = *c.Publisher
	}
	if pc.Topic != nil {
		return nil, &config.Error{Setting: "OpenConfig.Publisher.Topic", Problem: "must be nil: topics are the topology's domains"}
	}
	if pc.Catalog == nil {
		pc.Catalog = c.Catalog
	}
	if pc.MaxMessageBytes == nil {
		pc.MaxMessageBytes = func(dest string) int {
			if service, ok := driver.QueueOf(dest); ok {
				s, _ := t.Service(service)
				limit, _ := t.QueueMessageLimit(s)
				return limit
			}
			return t.MessageLimit(dest) // topics are domains
		}
	}
	// Events go to their domain's topic, commands to the queue of the one
	// service that accepts them.
	pc.Topic = func(typ naming.Type) string {
		if owner, ok := t.Owner(typ.String()); ok {
			return driver.QueueDestination(owner.Name)
		}
		return typ.Domain()
	}
	if err := t.Validate(); err != nil {
		return nil, err
	}
	if c.Provision {
		p, ok := d.(driver.Provisioner)
		if !ok {
			return nil, fmt.Errorf("%w: the driver cannot provision", ErrUnsupported)
		}
		if err := p.Provision(ctx, t); err != nil {
			return nil, err
		}
	}
	var claims driver.ClaimCheck
	if t.ClaimCheck != nil {
		p, ok := d.(driver.ClaimCheckProvider)
		if !ok {
			return nil, fmt.Errorf("%w: the topology names a claim-check store and the driver keeps none", ErrUnsupported)
		}
		var err error
		if claims, err = p.ClaimCheck(t); err != nil {
			return nil, err
		}
		if pc.ClaimCheck == nil {
			pc.ClaimCheck = claims
		}
	}
	sender, err := d.OpenSender(ctx, t)
	if err != nil {
		return nil, notProvisioned(err)
	}
	pub, err := NewPublisher(provisionHint{sender}, &pc)
	if err != nil {
		return nil, err
	}
	return &Bus{t: t, d: d, catalog: c.Catalog, claims: claims, pub: pub}, nil
}

// Topology returns the bus's topology.
func (b *Bus) Topology() *topology.Topology { return b.t }

// Publisher returns the bus's Publisher.
func (b *Bus) Publisher() *Publisher { return b.pub }

// Consumer returns a new Consumer of the service's subscription. A nil
// cfg means the defaults; the config's Name defaults to the service, its
// Catalog to the bus's, and its ClaimCheck to the driver's.
func (b *Bus) Consumer(ctx context.Context, service string, cfg *ConsumerConfig) (*Consumer, error) {
	var c ConsumerConfig
	if cfg != nil {
		c = *cfg
	}
	if c.Name == "" {
		c.Name = service
	}
	if c.Catalog == nil {
		c.Catalog = b.catalog
	}
	if c.ClaimCheck == nil {
		c.ClaimCheck = b.claims
	}
	r, err := b.d.OpenReceiver(ctx, b.t, service)
	if err != nil {
		return nil, notProvisioned(err)
	}
	cons, err := NewConsumer(r, &c)
	if err != nil {
		return nil, err
	}
	if svc, ok := b.t.Service(service); ok {
		// a handler for what never arrives is a mistake
		cons.receives = func(eventType string) bool { return b.t.Delivers(svc, eventType) }
	}
	return cons, nil
}

func (b *Bus) deadLetters() (driver.DeadLetterAccess, error) {
	dl, ok := b.d.(driver.DeadLetterAccess)
	if !ok {
		return nil, fmt.Errorf("%w: the driver offers no dead-letter access", ErrUnsupported)
	}
	return dl, nil
}

// DeadLetters returns up to max of the service's dead letters, leaving
// them in place.
func (b *Bus) DeadLetters(ctx context.Context, service string, max int) ([]driver.DeadLetter, error) {
	dl, err := b.deadLetters()
	if err != nil {
		return nil, err
	}
	return dl.ListDeadLetters(ctx, b.t, service, max)
}

// Redrive sends the service's dead letters of those ids back to the
// service's own queue, their bytes unchanged, and removes them from the
// dead-letter queue; the topic's other subscribers get nothing again. See
// driver.DeadLetterAccess. It returns the ids redriven.
func (b *Bus) Redrive(ctx context.Context, service string, ids ...string) ([]string, error) {
	dl, err := b.deadLetters()
	if err != nil {
		return nil, err
	}
	return dl.RedriveDeadLetters(ctx, b.t, service, ids)
}

// Purge deletes the service's dead letters and returns how many.
func (b *Bus) Purge(ctx context.Context, service string) (int, error) {
	dl, err := b.deadLetters()
	if err != nil {
		return 0, err
	}
	return dl.PurgeDeadLetters(ctx, b.t, service)
}

// Teardown deletes the topology's resources (the driver must be a
// driver.Provisioner). For development, tests and examples.
func (b *Bus) Teardown(ctx context.Context) error {
	p, ok := b.d.(driver.Provisioner)
	if !ok {
		return fmt.Errorf("%w: the driver cannot tear down", ErrUnsupported)
	}
	return p.Teardown(ctx, b.t)
}

// notProvisioned adds the fix to an error saying that a topic or queue of
// the topology does not exist.
func notProvisioned(err error) error {
	if errors.Is(err, driver.ErrNotFound) && !errors.Is(err, topology.ErrUnknownService) {
		return fmt.Errorf("%w (is the topology provisioned? open the bus with OpenConfig.Provision, or run eventctl provision)", err)
	}
	return err
}

// provisionHint is the Bus's sender: the driver's, with notProvisioned's
// fix added to its errors.
type provisionHint struct{ driver.Sender }

func (s provisionHint) Send(ctx context.Context, topic string, msgs []*driver.Message) error {
	err := s.Sender.Send(ctx, topic, msgs)
	var berr *driver.BatchError
	if errors.As(err, &berr) {
		for i := range berr.Failed {
			berr.Failed[i].Err = notProvisioned(berr.Failed[i].Err)
		}
		return err
	}
	return notProvisioned(err)
}
