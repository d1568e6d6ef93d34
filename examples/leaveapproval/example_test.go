package main

import (
	"context"
	"fmt"
	"time"

	"github.com/elmosoftware/eventprotocol/config"
	"github.com/elmosoftware/eventprotocol/envelope"
	"github.com/elmosoftware/eventprotocol/event"
)

// What the leave-approval process decides on a submitted request: it
// records the request, asks the manager, and sets the deadline.
func Example_decide() {
	clock := config.NewManualClock(time.Date(2026, 12, 7, 9, 0, 0, 0, time.UTC))
	def := leaveApproval(&envelope.Producer{Source: "urn:elmo:service:leave"}, clock)
	r := requests[0]
	cmd, _ := submitCmd.New(&envelope.Producer{Source: "urn:elmo:service:portal"}, r, event.WithSubject(r.Request))
	d, err := def.Decide(context.Background(), approval{}, &cmd)
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, e := range d.Record {
		fmt.Println("record", e.Type)
	}
	for _, e := range d.Send {
		fmt.Println("send", e.Type, "replies to", e.Extensions["replyto"])
	}
	for _, dl := range d.Deadlines {
		fmt.Println("deadline", dl.Event.Type, "at", dl.At.Format(time.RFC3339))
	}
	// Output:
	// record elmo.leave.request.submitted.v1
	// send elmo.leave.request.review.v1 replies to leave
	// deadline elmo.leave.review.lapsed.v1 at 2026-12-10T09:00:00Z
}
