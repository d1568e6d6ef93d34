// Package process runs process managers (sagas): the coordination of a
// business process across services and time, such as a leave request that
// waits for a manager's answer. A process instance's state is an
// event-sourced stream in the event store; it reacts to the events and
// replies sent to it, records what it learnt, sends commands and events,
// and sets deadlines that come back to it as events when nothing else
// happened in time.
//
// # Exactly once
//
// Handle appends, in one append to the instance's stream, the mark that
// the message was handled, the facts the process recorded, the deadlines
// it set, and what it sends. The outbox relay sends what it sends, from the
// store: a process killed between deciding and sending sends on restart,
// one killed between sending and recording its relay's position sends
// again (the same ids: consumers deduplicate), and a message handled twice
// (a redelivery, a second instance of the service) decides once. Give the
// relay Publishable, so that it publishes what the process sends and not
// what it keeps:
//
//	relay, err := outbox.New(store, bus.Publisher(), &outbox.Config{Publish: process.Publishable})
//
// # Streams
//
// An instance's stream is process/<name>/<instance>; the instance of a
// message is its correlationid unless Definition.Instance says otherwise,
// and a deadline's is the instance that set it. What the process keeps for
// itself carries the extension attribute processrole: fact, handled or
// deadline.
package process
