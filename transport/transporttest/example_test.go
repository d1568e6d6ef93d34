package transporttest_test

import (
	"fmt"
	"time"

	"github.com/elmosoftware/eventprotocol/transport/transporttest"
)

// A transport declares what it can do, and its test runs the suite with a
// Harness that creates isolated subscriptions (see the memory transport's
// conformance_test.go for a whole one):
//
//	func TestConformance(t *testing.T) { transporttest.Run(t, harness{}) }
func ExampleCapabilities() {
	sqs := transporttest.Capabilities{
		FIFO:              true,
		ExactReceiveCount: true,
		Tick:              time.Second, // SQS counts visibility in whole seconds
		SendBatchLimit:    10,
		Parallel:          true, // each Open makes its own topics and queues
	}
	fmt.Println(sqs.Tick * 20) // the suite's default visibility timeout
	// Output: 20s
}
