package service

import (
	"context"
	"errors"

	"github.com/elmosoftware/eventprotocol/outbox"
)

// Start opens what the service's handlers settle (on mem://, the derived
// topology), starts its consumer when it has handlers, and the outbox
// relay when Config.Relay is set. Publish works from then on. A Start
// that fails leaves the service as it was: fix the cause and Start again,
// or Close it.
func (s *Service) Start(ctx context.Context) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	switch {
	case s.closed:
		return ErrClosed
	case s.started:
		return ErrStarted
	}
	if s.bus == nil {
		if err := s.startDerived(ctx); err != nil {
			return err
		}
	}
	var relay *outbox.Relay
	if s.cfg.Relay {
		var err error
		if relay, err = s.newRelay(); err != nil {
			return err
		}
	}
	if s.consumer != nil {
		if err := s.consumer.Start(ctx); err != nil {
			return err
		}
	}
	if relay != nil {
		ctx, stop := context.WithCancel(context.Background())
		s.relay, s.stop, s.relayErr = relay, stop, make(chan error, 1)
		go func() { s.relayErr <- relay.Run(ctx) }()
	}
	s.started = true
	return nil
}

// startDerived derives the topology from the catalogue and the handlers,
// opens it, and registers the handlers on the new consumer.
func (s *Service) startDerived(ctx context.Context) error {
	t, err := derive(s.name, s.catalog, s.pending)
	if err != nil {
		return err
	}
	s.topo = t
	if err := s.openBus(ctx); err != nil {
		s.topo, s.bus, s.consumer = nil, nil, nil
		return err
	}
	for _, r := range s.pending {
		if err := r.apply(s.consumer); err != nil {
			s.topo, s.bus, s.consumer = nil, nil, nil
			return err
		}
	}
	s.pending = nil
	return nil
}

// newRelay returns the service's outbox relay, its configuration
// completed.
func (s *Service) newRelay() (*outbox.Relay, error) {
	oc := outbox.Config{}
	if s.cfg.Outbox != nil {
		oc = *s.cfg.Outbox
	}
	if oc.Name == "" {
		oc.Name = s.name
	}
	if oc.Logger == nil {
		oc.Logger = s.cfg.Logger
	}
	if oc.Hooks == nil {
		oc.Hooks = s.tel.Relay(oc.Name).Hooks()
	}
	return outbox.New(s.store, s.bus.Publisher(), &oc)
}

func (s *Service) shutdownConsumer(ctx context.Context) error {
	if s.consumer == nil {
		return nil
	}
	return s.consumer.Shutdown(ctx)
}

// Close stops the service: the consumer stops receiving and waits for
// running handlers until ctx is done (see transport.Consumer.Shutdown;
// they may still publish), the relay stops, and the store closes. It is
// idempotent and keeps returning its first result.
func (s *Service) Close(ctx context.Context) error {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		<-s.done
		return s.closeErr
	}
	s.closed = true
	started, stop := s.started, s.stop
	s.mu.Unlock()

	var errs []error
	if started {
		errs = append(errs, s.shutdownConsumer(ctx))
	}
	if stop != nil {
		stop()
		if err := <-s.relayErr; !errors.Is(err, context.Canceled) {
			errs = append(errs, err)
		}
	}
	errs = append(errs, s.store.Close())
	s.closeErr = errors.Join(errs...)
	close(s.done)
	return s.closeErr
}

// Run starts the service, runs fn, and closes the service when fn
// returns; with fn nil it runs until ctx is done, which is a service's
// main loop (signal.NotifyContext gives such a ctx). Closing waits for
// running handlers at most Config.ShutdownTimeout. Run returns fn's
// error joined with Start's or Close's.
func (s *Service) Run(ctx context.Context, fn func(ctx context.Context) error) error {
	err := s.Start(ctx)
	if err == nil {
		if fn != nil {
			err = fn(ctx)
		} else {
			<-ctx.Done()
		}
	}
	shutdown, cancel := context.WithTimeout(context.WithoutCancel(ctx), s.cfg.ShutdownTimeout)
	defer cancel()
	return errors.Join(err, s.Close(shutdown))
}
