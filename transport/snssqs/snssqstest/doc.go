// Package snssqstest runs GoAws, a real SNS/SQS-compatible server, for
// tests: the library's own, and those of services that use it. No AWS
// account is needed and no manual step. The binary is built once per
// machine (go install of [Module], so the first run needs the Go command
// and the module proxy) into the user's cache folder; each test binary
// starts its own server on a free loopback port and stops it by PID at the
// end. A server that cannot start fails the test with the reason; it never
// skips.
//
//	func TestBilling(t *testing.T) {
//		srv := snssqstest.StartForTest(t)
//		d, err := srv.Driver(ctx, nil)
//		...
//		bus, err := transport.Open(ctx, d, topo, &transport.OpenConfig{Provision: true})
//
// GoAws is not AWS: the package documentation of transport/snssqs lists
// where it falls short.
package snssqstest
