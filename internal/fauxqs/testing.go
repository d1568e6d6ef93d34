package fauxqs

import (
	"testing"

	"github.com/elmosoftware/eventprotocol/internal/localserver"
)

// StartForTest starts a server for one test and stops it when the test
// ends. If fauxqs cannot be installed or started the test fails with the
// reason: it never skips.
func StartForTest(t testing.TB) *Server {
	t.Helper()
	return localserver.StartForTest(t, "fauxqs "+Version+" (npm, on Node.js)", Start)
}
