package goaws

import (
	"context"
	"testing"
	"time"
)

// StartForTest starts a server for one test and stops it when the test
// ends. If GoAws cannot be built or started the test fails with the
// reason: it never skips.
func StartForTest(t testing.TB) *Server {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	s, err := Start(ctx)
	if err != nil {
		t.Fatalf("GoAws (%s) must build and start for this test: %v", Module, err)
	}
	t.Cleanup(func() { _ = s.Stop() })
	return s
}
