package main

import (
	"context"
	"fmt"
	"time"

	"github.com/elmosoftware/eventprotocol/envelope"
	"github.com/elmosoftware/eventprotocol/event"
	"github.com/elmosoftware/eventprotocol/examples/leavebalance/ledger"
	"github.com/elmosoftware/eventprotocol/naming"
	"github.com/elmosoftware/eventprotocol/process"
	"github.com/elmosoftware/eventprotocol/transport"
)

// Request is what an employee asks for: the payload of the submit
// command, and of the process's record of it.
type Request struct {
	Request  naming.ERN `json:"request"`
	Employee naming.ERN `json:"employee"`
	Manager  naming.ERN `json:"manager"`
	Date     string     `json:"date"`
	Days     string     `json:"days"`
}

// Review asks a manager to review a request.
type Review struct {
	Request  naming.ERN `json:"request"`
	Employee naming.ERN `json:"employee"`
	Date     string     `json:"date"`
	Days     string     `json:"days"`
}

// Reviewed is a manager's answer.
type Reviewed struct {
	Request  naming.ERN `json:"request"`
	Decision string     `json:"decision"` // APPROVED or DECLINED
}

// Withdraw tells a manager a request no longer awaits review.
type Withdraw struct {
	Request naming.ERN `json:"request"`
}

// Outcome is what the employee is told: approved, declined or expired.
type Outcome struct {
	Request  naming.ERN `json:"request"`
	Employee naming.ERN `json:"employee"`
	Date     string     `json:"date"`
	Days     string     `json:"days"`
}

// Closed is the process's record of how a request ended.
type Closed struct {
	Outcome string `json:"outcome"` // APPROVED, DECLINED or EXPIRED
}

// Lapsed is the process's deadline: the review's time is up.
type Lapsed struct{}

// The messages of the story; the last three are the process's own, kept
// in its stream and never published.
var (
	submitCmd   = event.MustDefine[Request]("elmo.leave.request.submit.v1", event.AsCommand())
	reviewCmd   = event.MustDefine[Review]("elmo.leave.request.review.v1", event.AsCommand())
	reviewed    = event.MustDefine[Reviewed]("elmo.leave.request.reviewed.v1")
	withdrawCmd = event.MustDefine[Withdraw]("elmo.leave.request.withdraw.v1", event.AsCommand())
	approved    = event.MustDefine[Outcome]("elmo.leave.request.approved.v1")
	declined    = event.MustDefine[Outcome]("elmo.leave.request.declined.v1")
	expired     = event.MustDefine[Outcome]("elmo.leave.request.expired.v1")

	submitted = event.MustDefine[Request]("elmo.leave.request.submitted.v1")
	closed    = event.MustDefine[Closed]("elmo.leave.request.closed.v1")
	lapsed    = event.MustDefine[Lapsed]("elmo.leave.review.lapsed.v1")
)

// reviewWithin is how long a manager has to answer.
const reviewWithin = 72 * time.Hour

// approval is the state of one request's process.
type approval struct {
	Request *Request // nil before the request is submitted
	Outcome string   // "" while it awaits the manager
}

// leaveApproval is the process: the leave service's producer makes what it
// records and sends, clock dates its deadlines.
func leaveApproval(leave *envelope.Producer, clock interface{ Now() time.Time }) process.Definition[approval] {
	return process.Definition[approval]{
		Name: "leave-approval",
		Evolve: func(s approval, fact *envelope.Envelope) (approval, error) {
			switch fact.Type {
			case submitted.Type().String():
				r, err := submitted.Decode(fact)
				if err != nil {
					return s, err
				}
				s.Request = &r
			case closed.Type().String():
				c, err := closed.Decode(fact)
				if err != nil {
					return s, err
				}
				s.Outcome = c.Outcome
			}
			return s, nil
		},
		Decide: func(_ context.Context, s approval, m *envelope.Envelope) (process.Decision, error) {
			d := decider{leave: leave, cause: m, state: s}
			switch {
			case submitCmd.Matches(m) && s.Request == nil:
				return d.submit(clock.Now())
			case s.Request == nil || s.Outcome != "":
				return process.Decision{}, nil // moot: a late answer, a deadline after the answer
			case reviewed.Matches(m):
				return d.answer()
			case lapsed.Matches(m):
				return d.lapse()
			}
			return process.Decision{}, fmt.Errorf("leave-approval: %s is not a message of the process", m.Type)
		},
	}
}

// decider builds one decision's messages, each caused by the message
// decided on.
type decider struct {
	leave *envelope.Producer
	cause *envelope.Envelope
	state approval
	err   error
}

// msg makes a message caused by the one decided on, about the request.
func msg[T any](d *decider, def *event.Definition[T], payload T, opts ...event.Option) *envelope.Envelope {
	subject := d.state.Request.Request
	e, err := def.NewCaused(d.leave, d.cause, payload, append([]event.Option{event.WithSubject(subject)}, opts...)...)
	if err != nil && d.err == nil {
		d.err = err
	}
	return &e
}

// submit asks the manager and sets the deadline.
func (d *decider) submit(now time.Time) (process.Decision, error) {
	r, err := submitCmd.Decode(d.cause)
	if err != nil {
		return process.Decision{}, err
	}
	d.state.Request = &r
	review := msg(d, reviewCmd, Review{Request: r.Request, Employee: r.Employee, Date: r.Date, Days: r.Days})
	review.Extensions = map[string]any{transport.AttrReplyTo: "leave"} // the reply comes back to the leave service
	dec := process.Decision{
		Record:    []*envelope.Envelope{msg(d, submitted, r)},
		Send:      []*envelope.Envelope{review},
		Deadlines: []process.Deadline{{At: now.Add(reviewWithin), Event: msg(d, lapsed, Lapsed{})}},
	}
	return dec, d.err
}

// answer carries out the manager's decision: on approval the ledger's
// absence (which deducts the days) and the employee's notice.
func (d *decider) answer() (process.Decision, error) {
	a, err := reviewed.Decode(d.cause)
	if err != nil {
		return process.Decision{}, err
	}
	r := d.state.Request
	outcome := Outcome{Request: r.Request, Employee: r.Employee, Date: r.Date, Days: r.Days}
	dec := process.Decision{Record: []*envelope.Envelope{msg(d, closed, Closed{Outcome: a.Decision})}}
	switch a.Decision {
	case "APPROVED":
		date, err := ledger.ParseDate(r.Date)
		if err != nil {
			return process.Decision{}, err
		}
		absence, err := ledger.AbsenceApprovedEvent.NewCaused(d.leave, d.cause, ledger.AbsenceApproved{Employee: r.Employee, Date: r.Date, Days: r.Days},
			event.WithSubject(r.Employee), event.WithEffectiveTime(date), event.WithPartitionKey(r.Employee.String()))
		if err != nil {
			return process.Decision{}, err
		}
		dec.Send = []*envelope.Envelope{&absence, msg(d, approved, outcome)}
	default:
		dec.Send = []*envelope.Envelope{msg(d, declined, outcome)}
	}
	return dec, d.err
}

// lapse expires the request, tells the employee, and withdraws the review
// from the manager: the compensation of asking.
func (d *decider) lapse() (process.Decision, error) {
	r := d.state.Request
	dec := process.Decision{
		Record: []*envelope.Envelope{msg(d, closed, Closed{Outcome: "EXPIRED"})},
		Send: []*envelope.Envelope{
			msg(d, expired, Outcome{Request: r.Request, Employee: r.Employee, Date: r.Date, Days: r.Days}),
			msg(d, withdrawCmd, Withdraw{Request: r.Request}),
		},
	}
	return dec, d.err
}
