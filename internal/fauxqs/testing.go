package fauxqs

import (
	"context"
	"testing"
	"time"
)

// StartForTest starts a server for one test and stops it when the test
// ends. If fauxqs cannot be installed or started the test fails with the
// reason: it never skips.
func StartForTest(t testing.TB) *Server {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	s, err := Start(ctx)
	if err != nil {
		t.Fatalf("fauxqs %s (npm, on Node.js) must install and start for this test: %v", Version, err)
	}
	t.Cleanup(func() { _ = s.Stop() })
	return s
}
