package transport_test

import (
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/elmosoftware/eventprotocol/config"
	"github.com/elmosoftware/eventprotocol/transport"
)

func TestHealth(t *testing.T) {
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	tests := []struct {
		name      string
		threshold int
		fails     int
		wantAfter int // the failure that makes it unhealthy
	}{
		{"default threshold", 0, 3, transport.DefaultUnhealthyAfter},
		{"one failure is a state", 1, 1, 1},
		{"below the threshold", 5, 4, 5},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			clock := config.NewManualClock(t0)
			h, err := transport.NewHealth("relay r", tc.threshold, clock)
			require.NoError(t, err)
			cause := errors.New("expired credentials")
			for i := 1; i <= tc.fails; i++ {
				n, became := h.Failed(cause)
				assert.Equal(t, i, n)
				assert.Equal(t, i == tc.wantAfter, became, "failure %d", i)
				clock.Advance(time.Second)
			}
			err = h.Err()
			if tc.fails < tc.wantAfter {
				require.NoError(t, err)
				return
			}
			require.ErrorIs(t, err, transport.ErrUnhealthy)
			require.ErrorIs(t, err, cause)
			var he *transport.HealthError
			require.ErrorAs(t, err, &he)
			assert.Equal(t, transport.HealthError{Component: "relay r", Failures: tc.fails, Since: t0, Last: cause}, *he)
			assert.Contains(t, err.Error(), "relay r is unhealthy")
			assert.True(t, h.Succeeded(), "recovered")
			assert.NoError(t, h.Err())
			assert.False(t, h.Succeeded(), "already healthy")
		})
	}
}

func TestNewHealthNegative(t *testing.T) {
	_, err := transport.NewHealth("x", -1, nil)
	require.ErrorIs(t, err, config.ErrInvalid)
}
