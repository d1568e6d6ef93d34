package examplekit

import (
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"sync"
	"time"

	"github.com/elmosoftware/eventprotocol/transport/driver"
	"github.com/elmosoftware/eventprotocol/transport/memory"
	"github.com/elmosoftware/eventprotocol/transport/snssqs"
)

// Driver returns the driver of an example's -transport flag, "memory" or
// "snssqs" (at endpoint, a local server when set, in region), and the
// environment its topology takes: "dev" in memory, a fresh one on SNS/SQS,
// which the example's bus.Teardown removes.
func Driver(ctx context.Context, transport, endpoint, region string) (driver.Driver, string, error) {
	switch transport {
	case "memory":
		d, err := memory.New(nil)
		return d, "dev", err
	case "snssqs":
		snsC, sqsC, err := snssqs.Connect(ctx, &snssqs.ConnectConfig{Region: region, Endpoint: endpoint, LocalServer: endpoint != ""})
		if err != nil {
			return nil, "", err
		}
		d, err := snssqs.NewDriver(snsC, sqsC, &snssqs.DriverConfig{WaitTime: time.Second})
		return d, fmt.Sprintf("ex%06d", rand.IntN(1_000_000)), err
	}
	return nil, "", fmt.Errorf("unknown transport %q (want memory or snssqs)", transport)
}

// Trace prints a story, one line per step, safely from many goroutines.
type Trace struct {
	mu    sync.Mutex
	out   io.Writer
	width int
}

// NewTrace returns a trace to out whose "[who]" column is width wide.
func NewTrace(out io.Writer, width int) *Trace { return &Trace{out: out, width: width} }

// Header prints a section's title.
func (t *Trace) Header(format string, args ...any) {
	t.mu.Lock()
	defer t.mu.Unlock()
	fmt.Fprintf(t.out, "\n== "+format+"\n", args...)
}

// Line prints "[who] what".
func (t *Trace) Line(who, format string, args ...any) {
	t.mu.Lock()
	defer t.mu.Unlock()
	fmt.Fprintf(t.out, "%-*s %s\n", t.width, "["+who+"]", fmt.Sprintf(format, args...))
}
