package memory_test

import (
	"context"
	"testing"

	"github.com/elmosoftware/eventprotocol/eventstore"
	"github.com/elmosoftware/eventprotocol/eventstore/memory"
	"github.com/elmosoftware/eventprotocol/eventstore/storetest"
)

func TestConformance(t *testing.T) {
	storetest.Run(t, storetest.Opener(func(_ context.Context, t *testing.T) (eventstore.Backend, error) {
		b := memory.New()
		t.Cleanup(func() { _ = b.Close() })
		return b, nil
	}))
}
