package service

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"sync"

	"github.com/elmosoftware/eventprotocol/config"
	"github.com/elmosoftware/eventprotocol/envelope"
	"github.com/elmosoftware/eventprotocol/eventstore"
	"github.com/elmosoftware/eventprotocol/naming"
	"github.com/elmosoftware/eventprotocol/outbox"
	"github.com/elmosoftware/eventprotocol/schema"
	"github.com/elmosoftware/eventprotocol/telemetry"
	"github.com/elmosoftware/eventprotocol/transport"
	"github.com/elmosoftware/eventprotocol/transport/driver"
	"github.com/elmosoftware/eventprotocol/transport/topology"
)

// Service is one ELMO service opened on a transport and an event store:
// its publisher, its consumer with the handlers registered by Handle, its
// store, an optional outbox relay, and telemetry. Open it, register its
// handlers, Start it (or Run it), Publish, and Close it. Its methods are
// safe for concurrent use.
type Service struct {
	name     string
	cfg      Config
	catalog  *schema.Catalog
	producer *envelope.Producer
	tel      *telemetry.Telemetry
	store    *eventstore.Store
	driver   driver.Driver
	where    *where

	mu       sync.Mutex
	topo     *topology.Topology // nil until Start when derived
	bus      *transport.Bus     // opened at Open for a given topology, else at Start
	consumer *transport.Consumer
	pending  []registration // the handlers of a derived topology, until Start
	started  bool
	closed   bool          // Close has begun
	done     chan struct{} // closed when Close has finished
	closeErr error         // Close's result, once done is closed
	relay    *outbox.Relay
	stop     context.CancelFunc // stops the relay
	relayErr chan error
}

// registration is a typed handler waiting for its consumer.
type registration struct {
	eventType string
	apply     func(*transport.Consumer) error
}

// Open opens the service of that name (lowercase letters, digits and
// hyphens, e.g. "leave-balance"): it loads the payload schemas of the
// catalogue (an fs.FS, so that //go:embed works: see schema.Load), opens
// the event store and connects to the transport that the Config, or the
// environment, names. A nil cfg means the defaults: ELMO_TRANSPORT and
// ELMO_STORE, else everything in memory.
//
// On mem:// the topology is derived when the service starts: a topic for
// every domain of the catalogue and of the handled event types, and the
// service's subscription to the types it handles. On snssqs:// it is the
// topology file's (or Config.Topology), as everywhere else in production.
func Open(ctx context.Context, name string, catalog fs.FS, cfg *Config) (*Service, error) {
	s := &Service{name: name, done: make(chan struct{})}
	if cfg != nil {
		s.cfg = *cfg
	}
	if catalog == nil {
		return nil, &config.Error{Setting: "Open's catalogue", Problem: "must not be nil (an fs.FS of payload schemas, e.g. an embed.FS)"}
	}
	if s.cfg.ShutdownTimeout < 0 {
		return nil, &config.Error{Setting: "service.Config.ShutdownTimeout", Problem: "must not be negative"}
	}
	if s.cfg.ShutdownTimeout == 0 {
		s.cfg.ShutdownTimeout = DefaultShutdownTimeout
	}
	var err error
	if s.catalog, err = schema.Load(catalog); err != nil {
		return nil, err
	}
	if s.where, err = parseTransport(resolve("Transport", s.cfg.Transport, TransportEnv, "mem://")); err != nil {
		return nil, err
	}
	if s.tel, err = telemetry.New(s.cfg.Telemetry); err != nil {
		return nil, err
	}
	var fileTopo *topology.Topology
	if s.driver, fileTopo, err = s.where.open(ctx); err != nil {
		return nil, err
	}
	s.topo = s.cfg.Topology
	if s.topo == nil {
		s.topo = fileTopo
	}
	if s.topo == nil && !s.where.memory {
		return nil, &config.Error{Setting: "service.Config.Topology", Problem: "is required on snssqs://: set it, or add topology=FILE to the transport URL"}
	}
	org := orgOf(catalogTypes(s.catalog))
	if s.topo != nil {
		org = s.topo.Org
	}
	if org == "" {
		org = naming.DefaultOrg
	}
	src, err := naming.NewSource(org, name)
	if err != nil {
		return nil, fmt.Errorf("service: the service's name: %w", err)
	}
	s.producer = &envelope.Producer{Source: src.String()}
	if s.topo != nil {
		if err := s.openBus(ctx); err != nil {
			return nil, err
		}
	}
	var sc eventstore.Config
	if s.cfg.EventStore != nil {
		sc = *s.cfg.EventStore
	}
	if sc.Logger == nil {
		sc.Logger = s.cfg.Logger
	}
	if s.store, err = openStore(ctx, resolve("Store", s.cfg.Store, StoreEnv, "mem://"), &sc); err != nil {
		return nil, err
	}
	return s, nil
}

// openBus opens the topology on the transport, and the service's consumer
// when the topology lists the service as one. The caller holds mu or owns s.
func (s *Service) openBus(ctx context.Context) error {
	pc := transport.PublisherConfig{}
	if s.cfg.Publisher != nil {
		pc = *s.cfg.Publisher
	}
	if pc.Logger == nil {
		pc.Logger = s.cfg.Logger
	}
	if pc.Hooks == nil {
		pc.Hooks = s.tel.PublishHooks()
	}
	bus, err := transport.Open(ctx, s.driver, s.topo, &transport.OpenConfig{
		Provision: s.where.memory || s.where.provision, Catalog: s.catalog, Publisher: &pc})
	if err != nil {
		return err
	}
	s.bus = bus
	if _, ok := s.topo.Service(s.name); !ok {
		return nil
	}
	cc := transport.ConsumerConfig{}
	if s.cfg.Consumer != nil {
		cc = *s.cfg.Consumer
	}
	if cc.Logger == nil {
		cc.Logger = s.cfg.Logger
	}
	if cc.Hooks == nil {
		cc.Hooks = s.tel.Consumer(s.name).Hooks()
	}
	s.consumer, err = bus.Consumer(ctx, s.name, &cc)
	return err
}

// Name returns the service's name.
func (s *Service) Name() string { return s.name }

// Producer returns the service's producer: its source is
// urn:<org>:service:<name>. Publish uses it.
func (s *Service) Producer() *envelope.Producer { return s.producer }

// Catalog returns the service's payload schemas.
func (s *Service) Catalog() *schema.Catalog { return s.catalog }

// Store returns the service's event store.
func (s *Service) Store() *eventstore.Store { return s.store }

// Telemetry returns the service's OpenTelemetry instrumentation.
func (s *Service) Telemetry() *telemetry.Telemetry { return s.tel }

// Topology returns the service's topology: nil before Start when it is
// derived.
func (s *Service) Topology() *topology.Topology {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.topo
}

// Bus returns the service's bus (its publisher, dead letters and the
// consumers of other services of the topology): nil before Start when the
// topology is derived.
func (s *Service) Bus() *transport.Bus {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.bus
}

// Consumer returns the service's consumer: nil while no handler is
// registered on a derived topology, or when the topology lists the
// service as no consumer.
func (s *Service) Consumer() *transport.Consumer {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.consumer
}

// Relay returns the service's outbox relay: nil unless Config.Relay is
// set and the service has started.
func (s *Service) Relay() *outbox.Relay {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.relay
}

// Health reports whether the service can do its work: the consumer's and
// the relay's health, one transport.HealthError each when failing.
func (s *Service) Health() error {
	s.mu.Lock()
	c, r := s.consumer, s.relay
	s.mu.Unlock()
	var errs []error
	if c != nil {
		errs = append(errs, c.Health())
	}
	if r != nil {
		errs = append(errs, r.Health())
	}
	return errors.Join(errs...)
}
