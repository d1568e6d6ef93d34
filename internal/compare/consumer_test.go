package compare

import (
	"testing"

	"github.com/elmosoftware/eventprotocol/internal/benchdata"
)

// BenchmarkConsumerDecode: decodeWork, on both payloads.
func BenchmarkConsumerDecode(b *testing.B) {
	sideBySide(b, decodeWork(benchdata.NewPayload()), decodeWork(benchdata.NewPayRun()))
}

// BenchmarkNewAndEncode: newAndEncodeWork, on both payloads.
func BenchmarkNewAndEncode(b *testing.B) {
	sideBySide(b, newAndEncodeWork(benchdata.NewPayload()), newAndEncodeWork(benchdata.NewPayRun()))
}
