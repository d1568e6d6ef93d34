package config_test

import (
	"errors"
	"fmt"
	"time"

	"github.com/elmosoftware/eventprotocol/config"
)

// A constructor's invalid settings, matched and read.
func ExampleError() {
	err := errors.Join(
		&config.Error{Setting: "outbox.Config.BatchSize", Problem: "must not be negative"},
		&config.Error{Setting: "outbox.Config.UnhealthyAfter", Problem: "must not be negative"},
	)
	fmt.Println(errors.Is(err, config.ErrInvalid))
	var ce *config.Error
	if errors.As(err, &ce) {
		fmt.Println(ce.Setting)
	}
	// Output:
	// true
	// outbox.Config.BatchSize
}

// A test moves time instead of sleeping.
func ExampleManualClock() {
	clock := config.NewManualClock(time.Date(2026, 1, 1, 9, 0, 0, 0, time.UTC))
	retry := clock.At(clock.Now().Add(30 * time.Second))
	clock.Advance(time.Minute)
	fmt.Println((<-retry).Format(time.TimeOnly))
	// Output: 09:01:00
}
