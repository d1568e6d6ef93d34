package snssqstest

import (
	"testing"

	"github.com/elmosoftware/eventprotocol/internal/localserver"
)

// StartForTest starts a server for one test and stops it when the test
// ends. If GoAws cannot be built or started the test fails with the
// reason: it never skips.
func StartForTest(t testing.TB) *Server {
	t.Helper()
	return localserver.StartForTest(t, "GoAws ("+Module+")", Start)
}
