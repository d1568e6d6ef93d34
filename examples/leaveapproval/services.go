package main

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/elmosoftware/eventprotocol/config"
	"github.com/elmosoftware/eventprotocol/envelope"
	"github.com/elmosoftware/eventprotocol/event"
	"github.com/elmosoftware/eventprotocol/eventstore"
	"github.com/elmosoftware/eventprotocol/examples/leavebalance/ledger"
	"github.com/elmosoftware/eventprotocol/naming"
	"github.com/elmosoftware/eventprotocol/outbox"
	"github.com/elmosoftware/eventprotocol/process"
	"github.com/elmosoftware/eventprotocol/transport"
)

// world is the running example: the leave service (its consumer, process
// manager and outbox relay), the manager, balance and notifications
// services, and what the story waits for.
type world struct {
	bus   *transport.Bus
	tr    *trace
	store *eventstore.Store
	clock *config.ManualClock // the process's: "three days pass" in no time

	leave, manager *envelope.Producer
	approvals      *process.Manager[approval]
	consumers      []*transport.Consumer
	stop           func() // stops the relay and the process's deadlines
	done           chan error

	answers map[string]string // the manager's answer per employee; none: it never answers

	mu      sync.Mutex
	ledger  *ledger.Ledger
	known   map[naming.ERN]map[string]bool // the types the balance service learnt of each employee
	learned chan struct{}                  // it knows an employee's hire and policy
	events  chan string                    // "<service> <what>" per step the story waits for
}

func start(ctx context.Context, bus *transport.Bus, store *eventstore.Store, tr *trace) (*world, error) {
	w := &world{
		bus: bus, tr: tr, store: store, clock: config.NewManualClock(time.Now().UTC()),
		leave:   &envelope.Producer{Source: "urn:elmo:service:leave"},
		manager: &envelope.Producer{Source: "urn:elmo:service:manager"},
		answers: map[string]string{"e-1": "APPROVED", "e-2": "DECLINED"},
		ledger:  ledger.NewLedger(0),
		known:   map[naming.ERN]map[string]bool{},
		learned: make(chan struct{}, 16),
		events:  make(chan string, 64),
		done:    make(chan error, 2),
	}
	approvals, err := process.New(store, leaveApproval(w.leave, w.clock), &process.Config{Producer: w.leave, Clock: w.clock})
	if err != nil {
		return nil, err
	}
	w.approvals = approvals
	handlers := map[string]func(*transport.Consumer) error{
		"leave": func(c *transport.Consumer) error {
			return errors.Join(c.HandleFunc(submitCmd.Type().String(), w.decide), c.HandleReply(reviewed.Type().String(), w.decide))
		},
		"manager": func(c *transport.Consumer) error {
			return errors.Join(transport.Handle(c, reviewCmd, w.review), transport.Handle(c, withdrawCmd, w.withdrawn))
		},
		"balance": func(c *transport.Consumer) error {
			return errors.Join(c.HandleFunc(ledger.EmployeeHiredEvent.Type().String(), w.learn),
				c.HandleFunc(ledger.PolicyAssignedEvent.Type().String(), w.learn),
				transport.Handle(c, ledger.AbsenceApprovedEvent, w.deduct))
		},
		"notifications": func(c *transport.Consumer) error {
			return errors.Join(transport.Handle(c, approved, w.notify), transport.Handle(c, declined, w.notify), transport.Handle(c, expired, w.notify))
		},
	}
	for _, name := range []string{"leave", "manager", "balance", "notifications"} {
		c, err := bus.Consumer(ctx, name, &transport.ConsumerConfig{Backoff: &transport.Backoff{Initial: 50 * time.Millisecond, Max: time.Second}})
		if err != nil {
			return nil, err
		}
		if err := handlers[name](c); err != nil {
			return nil, err
		}
		if err := c.Start(ctx); err != nil {
			return nil, err
		}
		w.consumers = append(w.consumers, c)
	}
	// The leave service's relay sends what its processes decide; its
	// manager fires their deadlines.
	relay, err := outbox.New(store, bus.Publisher(), &outbox.Config{Publish: process.Publishable})
	if err != nil {
		return nil, err
	}
	runCtx, stop := context.WithCancel(context.WithoutCancel(ctx))
	w.stop = stop
	go func() { w.done <- relay.Run(runCtx) }()
	go func() { w.done <- approvals.Run(runCtx) }()
	return w, nil
}

// shutdown stops the services, waiting for running handlers.
func (w *world) shutdown() error {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	var errs []error
	for _, c := range w.consumers {
		errs = append(errs, c.Shutdown(ctx))
	}
	w.stop()
	for range 2 {
		if err := <-w.done; !errors.Is(err, context.Canceled) {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// step tells the story that something happened.
func (w *world) step(what string) {
	select {
	case w.events <- what:
	default: // nobody waits for more than the buffer holds
	}
}

// decide is the leave service's handler: the request's process decides.
func (w *world) decide(ctx context.Context, d *transport.Delivery) error {
	if err := w.approvals.Handle(ctx, d.Envelope); err != nil {
		return err
	}
	switch {
	case submitCmd.Matches(d.Envelope):
		r, _ := submitCmd.Decode(d.Envelope) // decoded by the process already
		w.tr.Line("leave", "%s from %s: %s from %s; asked %s to review it within 3 days", id(r.Request), id(r.Employee), days(r.Days), r.Date, id(r.Manager))
	case reviewed.Matches(d.Envelope):
		a, _ := reviewed.Decode(d.Envelope)
		w.tr.Line("leave", "%s: the manager answered %s", id(a.Request), a.Decision)
	}
	return nil
}

// review is the manager service: it answers as the script says, or never.
func (w *world) review(ctx context.Context, cmd *envelope.Envelope, r Review) error {
	answer, ok := w.answers[id(r.Employee)]
	if !ok {
		w.tr.Line("manager", "%s from %s: left unanswered", id(r.Request), id(r.Employee))
		w.step("manager holds " + id(r.Request))
		return nil
	}
	reply, err := reviewed.NewCaused(w.manager, cmd, Reviewed{Request: r.Request, Decision: answer}, event.WithSubject(r.Request))
	if err != nil {
		return err
	}
	transport.ReplyTo(cmd, &reply)
	if err := w.bus.Publisher().Publish(ctx, &reply); err != nil {
		return err
	}
	w.tr.Line("manager", "%s from %s: %s", id(r.Request), id(r.Employee), answer)
	return nil
}

// withdrawn is the manager service's handling of the compensation.
func (w *world) withdrawn(_ context.Context, _ *envelope.Envelope, r Withdraw) error {
	w.tr.Line("manager", "%s withdrawn from my reviews", id(r.Request))
	w.step("manager withdrew " + id(r.Request))
	return nil
}

// learn is the balance service learning an employee and their policy.
func (w *world) learn(_ context.Context, d *transport.Delivery) error {
	w.mu.Lock()
	defer w.mu.Unlock()
	if err := w.ledger.Add(d.Envelope); err != nil {
		return err
	}
	emp, _ := ledger.Employee(d.Envelope) // added: a fact of the ledger's
	if w.known[emp] == nil {
		w.known[emp] = map[string]bool{}
	}
	if w.known[emp][d.Envelope.Type] = true; len(w.known[emp]) == 2 {
		w.learned <- struct{}{} // its hire and its policy, whichever came first
	}
	return nil
}

// yearEnd is the day the balance service reports balances on.
var yearEnd = time.Date(2026, 12, 31, 0, 0, 0, 0, time.UTC)

// deduct is the balance service counting an approved absence with the
// ledger.
func (w *world) deduct(_ context.Context, e *envelope.Envelope, a ledger.AbsenceApproved) error {
	w.mu.Lock()
	defer w.mu.Unlock()
	before, err := w.ledger.Balance(a.Employee, yearEnd, time.Now())
	if err != nil {
		return err // the hire not yet known: the delivery comes back
	}
	if err := w.ledger.Add(e); err != nil {
		return err
	}
	after, err := w.ledger.Balance(a.Employee, yearEnd, time.Now())
	if err != nil {
		return err
	}
	w.tr.Line("balance", "%s: %s deducted for %s; balance on %s: %s -> %s days", id(a.Employee), days(a.Days), a.Date, yearEnd.Format(time.DateOnly), before, after)
	w.step("balance deducted " + id(a.Employee))
	return nil
}

// balance returns an employee's balance at the year's end, as known now.
func (w *world) balance(employee naming.ERN) (ledger.Days, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.ledger.Balance(employee, yearEnd, time.Now())
}

// notify is the notifications service telling the employee.
func (w *world) notify(_ context.Context, e *envelope.Envelope, o Outcome) error {
	word := map[string]string{approved.Type().String(): "was approved", declined.Type().String(): "was declined", expired.Type().String(): "lapsed: nobody answered in time"}[e.Type]
	w.tr.Line("notifications", "told %s: your leave of %s from %s %s", id(o.Employee), days(o.Days), o.Date, word)
	w.step(fmt.Sprintf("notified %s %s", id(o.Request), e.Type))
	return nil
}

// id is an ERN's resource id, for reading: e-1, r-1.
func id(ern naming.ERN) string { return ern.ResourceID() }

// days reads an amount of days: "1 day", "2 days".
func days(n string) string {
	if n == "1" {
		return "1 day"
	}
	return n + " days"
}
