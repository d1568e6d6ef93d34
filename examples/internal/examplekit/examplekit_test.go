package examplekit_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/elmosoftware/eventprotocol/examples/internal/examplekit"
)

func TestDriver(t *testing.T) {
	for _, tc := range []struct {
		transport, env, err string
	}{
		{"memory", "dev", ""},
		{"snssqs", "ex", ""}, // connects lazily: no server is asked
		{"carrier-pigeon", "", `unknown transport "carrier-pigeon"`},
	} {
		t.Run(tc.transport, func(t *testing.T) {
			d, env, err := examplekit.Driver(context.Background(), tc.transport, "http://127.0.0.1:1", "us-east-1")
			if tc.err != "" {
				require.ErrorContains(t, err, tc.err)
				return
			}
			require.NoError(t, err)
			assert.NotNil(t, d)
			assert.Contains(t, env, tc.env)
		})
	}
}
