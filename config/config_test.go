package config_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/elmosoftware/eventprotocol/config"
)

func TestError(t *testing.T) {
	err := errors.Join(&config.Error{Setting: "a.Config.X", Problem: "must not be negative"}, errors.New("other"))
	require.ErrorIs(t, err, config.ErrInvalid)
	var ce *config.Error
	require.ErrorAs(t, err, &ce)
	assert.Equal(t, "a.Config.X", ce.Setting)
	assert.Equal(t, "config: invalid configuration: a.Config.X must not be negative", ce.Error())
	assert.NotErrorIs(t, errors.New("config: invalid configuration"), config.ErrInvalid)
}

var t0 = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

func fired(ch <-chan time.Time) bool {
	select {
	case <-ch:
		return true
	default:
		return false
	}
}

func TestManualClock(t *testing.T) {
	tests := []struct {
		name string
		move func(c *config.ManualClock)
		at   time.Duration // of the waiter, from t0
		want bool
	}{
		{"advance short of it", func(c *config.ManualClock) { c.Advance(time.Second) }, 2 * time.Second, false},
		{"advance to it", func(c *config.ManualClock) { c.Advance(2 * time.Second) }, 2 * time.Second, true},
		{"advance past it", func(c *config.ManualClock) { c.Advance(time.Minute) }, 2 * time.Second, true},
		{"set to it", func(c *config.ManualClock) { c.Set(t0.Add(2 * time.Second)) }, 2 * time.Second, true},
		{"set backwards", func(c *config.ManualClock) { c.Set(t0.Add(-time.Hour)) }, 2 * time.Second, false},
		{"already due", func(*config.ManualClock) {}, 0, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c := config.NewManualClock(t0)
			ch := c.At(t0.Add(tc.at))
			tc.move(c)
			assert.Equal(t, tc.want, fired(ch))
		})
	}
}

func TestManualClockKeepsLaterWaiters(t *testing.T) {
	c := config.NewManualClock(t0)
	soon, late := c.At(t0.Add(time.Second)), c.At(t0.Add(time.Hour))
	assert.Equal(t, 2, c.Waiting())
	c.Advance(time.Minute)
	assert.Equal(t, 1, c.Waiting())
	assert.True(t, fired(soon))
	assert.False(t, fired(late))
	assert.Equal(t, t0.Add(time.Minute), c.Now())
	c.Advance(time.Hour)
	assert.True(t, fired(late))
}

func TestSystemClock(t *testing.T) {
	var c config.Clock = config.SystemClock{}
	before := time.Now()
	now := c.Now()
	assert.False(t, now.Before(before))
	select {
	case <-c.At(now.Add(-time.Second)):
	case <-time.After(5 * time.Second):
		t.Fatal("a time already past did not fire")
	}
}

func TestSleep(t *testing.T) {
	c := config.NewManualClock(t0)
	done := make(chan bool, 1)
	go func() { done <- config.Sleep(context.Background(), c, time.Minute) }()
	require.Eventually(t, func() bool { return c.Waiting() == 1 }, 10*time.Second, time.Millisecond)
	c.Advance(time.Minute)
	assert.True(t, <-done, "the time passed")

	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	assert.False(t, config.Sleep(ctx, c, time.Hour), "the context ended first")
}
