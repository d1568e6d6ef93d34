package service_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/elmosoftware/eventprotocol/envelope"
	"github.com/elmosoftware/eventprotocol/event"
	"github.com/elmosoftware/eventprotocol/eventstore"
	"github.com/elmosoftware/eventprotocol/naming"
	"github.com/elmosoftware/eventprotocol/outbox"
	"github.com/elmosoftware/eventprotocol/process"
	"github.com/elmosoftware/eventprotocol/service"
)

// TestProcessManager: a process manager on the service's store, as
// docs/service.md says: a hire starts a process that sends an adjustment,
// once however often the hire comes; the relay publishes what the process
// sends and passes over what it keeps.
func TestProcessManager(t *testing.T) {
	c := ctx(t)
	svc := open(t, "leave-balance", &service.Config{Relay: true, Outbox: &outbox.Config{Publish: process.Publishable}})
	onboarding, err := process.New(svc.Store(), process.Definition[bool]{
		Name:   "onboarding",
		Evolve: func(started bool, _ *envelope.Envelope) (bool, error) { return true, nil },
		Decide: func(_ context.Context, started bool, m *envelope.Envelope) (process.Decision, error) {
			if started || !hired.Matches(m) {
				return process.Decision{}, nil
			}
			subject := event.WithSubject(naming.MustParseERN(employee))
			fact, err := hired.NewCaused(svc.Producer(), m, EmployeeHired{Employee: employee, HireDate: "2026-01-05"}, subject)
			if err != nil {
				return process.Decision{}, err
			}
			grant, err := adjusted.NewCaused(svc.Producer(), m, adjustment("5"), subject)
			return process.Decision{Record: []*envelope.Envelope{&fact}, Send: []*envelope.Envelope{&grant}}, err
		},
	}, nil)
	require.NoError(t, err)
	require.NoError(t, service.Handle(svc, hired, func(ctx context.Context, e *envelope.Envelope, _ EmployeeHired) error {
		return onboarding.Handle(ctx, e)
	}))
	got := make(chan string, 4)
	require.NoError(t, service.Handle(svc, adjusted, func(_ context.Context, _ *envelope.Envelope, p BalanceAdjusted) error {
		got <- p.Days
		return nil
	}))
	require.NoError(t, svc.Start(c))

	hire, err := service.Publish(c, svc, hired, employee, EmployeeHired{Employee: employee, HireDate: "2026-01-05"})
	require.NoError(t, err)
	// The hire again, as a redelivery would bring it: decided once. A
	// conflict with the consumer's delivery of it is passing, as there.
	err = onboarding.Handle(c, &hire)
	for errors.Is(err, eventstore.ErrConflict) {
		err = onboarding.Handle(c, &hire)
	}
	require.NoError(t, err)
	assert.Equal(t, "5", receive(t, c, got))
	head, err := svc.Store().Head(c)
	require.NoError(t, err)
	require.Eventually(t, func() bool { return svc.Relay().Position() == head }, 10*time.Second, 5*time.Millisecond)
	parked, err := svc.Store().Parked(c, "leave-balance")
	require.NoError(t, err)
	assert.Empty(t, parked, "the process's own records were passed over, not refused")
	assert.Empty(t, got, "one adjustment")
}
