package memory_test

import (
	"testing"

	"github.com/elmosoftware/eventprotocol/eventstore"
	"github.com/elmosoftware/eventprotocol/eventstore/memory"
	"github.com/elmosoftware/eventprotocol/eventstore/storetest"
)

func TestConformance(t *testing.T) {
	storetest.Run(t, func(t *testing.T) eventstore.Backend {
		b := memory.New()
		t.Cleanup(func() { _ = b.Close() })
		return b
	})
}
