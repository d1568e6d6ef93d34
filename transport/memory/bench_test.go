package memory_test

import (
	"testing"

	"github.com/elmosoftware/eventprotocol/internal/transportbench"
)

// BenchmarkThroughput measures publish -> handled through the portable
// Publisher and Consumer on the memory transport: validation, encoding,
// fan-out, decoding, idempotency, payload decoding and batched acks.
func BenchmarkThroughput(b *testing.B) {
	b.Run("handlers=1", func(b *testing.B) { transportbench.MemoryThroughput(b, 1) })
	b.Run("handlers=8", func(b *testing.B) { transportbench.MemoryThroughput(b, 8) })
}
