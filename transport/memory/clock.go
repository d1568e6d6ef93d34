package memory

import (
	"time"

	"github.com/elmosoftware/eventprotocol/config"
)

// Clock is the broker's source of time, [config.Clock]. Visibility
// timeouts, redelivery delays and the FIFO deduplication window follow
// it, so that a consumer and its broker can share one.
type Clock = config.Clock

// ManualClock is [config.ManualClock], under the name this package gave it
// first.
type ManualClock = config.ManualClock

// NewManualClock returns a ManualClock set to start: [config.NewManualClock].
func NewManualClock(start time.Time) *ManualClock { return config.NewManualClock(start) }
