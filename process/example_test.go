package process_test

import (
	"context"
	"fmt"
	"time"

	"github.com/elmosoftware/eventprotocol/envelope"
	esmemory "github.com/elmosoftware/eventprotocol/eventstore/memory"
	"github.com/elmosoftware/eventprotocol/process"
)

// A leave request asks the employee's manager and waits three days for
// the answer; the deadline, should it come first, expires the request.
func Example() {
	ctx := context.Background()
	store, _ := esmemory.NewStore(nil)
	leave := &envelope.Producer{Source: "urn:elmo:service:leave"}
	because := func(cause *envelope.Envelope, typ string) *envelope.Envelope {
		e, _ := leave.Caused(cause, typ, []byte(`{}`))
		e.Subject, e.TenantID = cause.Subject, cause.TenantID
		return &e
	}
	approval, _ := process.New(store, process.Definition[bool]{
		Name: "leave-approval",
		Evolve: func(asked bool, fact *envelope.Envelope) (bool, error) {
			return asked || fact.Type == "elmo.leave.approval.asked.v1", nil
		},
		Decide: func(_ context.Context, asked bool, m *envelope.Envelope) (process.Decision, error) {
			if asked || m.Type != "elmo.leave.request.submitted.v1" {
				return process.Decision{}, nil
			}
			return process.Decision{
				Record:    []*envelope.Envelope{because(m, "elmo.leave.approval.asked.v1")},
				Send:      []*envelope.Envelope{because(m, "elmo.leave.request.approve.v1")},
				Deadlines: []process.Deadline{{At: m.Time.Add(72 * time.Hour), Event: because(m, "elmo.leave.request.expired.v1")}},
			}, nil
		},
	}, nil)

	req, _ := (&envelope.Producer{Source: "urn:elmo:service:hr"}).New("elmo.leave.request.submitted.v1", []byte(`{}`))
	req.Subject, req.TenantID = "ern:elmo:hr:acme:employee/e-1", "acme"
	for range 2 { // delivered twice: decided once
		if err := approval.Handle(ctx, &req); err != nil {
			fmt.Println(err)
			return
		}
	}

	for rec, err := range store.ReadAll(ctx, 0) {
		if err != nil {
			fmt.Println(err)
			return
		}
		e, _ := rec.Envelope()
		role := e.Extensions[process.RoleAttr]
		if role == nil {
			role = "sent by the relay"
		}
		fmt.Printf("%s: %s\n", e.Type, role)
	}
	// Output:
	// elmo.process.message.handled.v1: handled
	// elmo.leave.approval.asked.v1: fact
	// elmo.leave.request.expired.v1: deadline
	// elmo.leave.request.approve.v1: sent by the relay
}
