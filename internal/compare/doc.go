// Package compare holds benchmarks that measure the library side by side with
// other implementations of the same work, in one run. It is a module of its
// own so that the library never depends on what it is compared with; nothing
// imports it.
//
// envelope_test.go compares the envelope codec with cloudevents/sdk-go and
// encoding/json; transport_test.go compares publish -> handled throughput of
// the memory transport with watermill's gochannel pub/sub.
//
// consumer_test.go measures what a consumer and a producer do with a
// typed payload, flat and nested, against the same floor.
//
// Run from this folder:
//
//	go test -run '^$' -bench . -benchmem
package compare
