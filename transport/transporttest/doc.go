// Package transporttest is the conformance suite of the transport API: any
// driver runs it, through the portable Publisher and Consumer, with a
// [Harness] that creates topics and subscriptions and declares what the
// transport can do. The memory transport passes all of it; so must every
// other transport.
//
//	func TestConformance(t *testing.T) {
//		transporttest.Run(t, myHarness{})
//	}
//
// The suite covers: an envelope delivered equal to the one sent (every
// attribute and extension); fan-out to several subscriptions; filtering by
// type; acknowledged messages removed; a failed handler's message
// redelivered after its backoff with a higher receive count;
// dead-lettering after repeated failure, with the reason; a long handler
// whose visibility is extended not redelivered meanwhile; two consumers of
// one subscription handling every message once; shutdown draining the
// handlers in flight, and releasing those that do not finish; a publish
// larger than the driver's batch limit; invalid and oversized events
// refused before sending; undecodable, contradictory and schema-invalid
// messages dead-lettered with their reason; per-partition order on FIFO
// transports.
//
// Durations are multiples of Capabilities.Tick, so a transport with
// second-granular timeouts (SQS) runs the same tests as one with
// millisecond timeouts. Such a suite spends its time waiting: a harness
// whose environments share nothing sets Capabilities.Parallel, and the
// tests run in parallel (as many at once as -test.parallel allows), but
// for the one that looks at every goroutine of the process, which runs
// first and alone.
package transporttest
