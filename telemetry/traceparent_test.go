package telemetry

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestParseTraceParent(t *testing.T) {
	const valid = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"
	for _, tc := range []struct {
		name, in string
		ok       bool
	}{
		{"valid", valid, true},
		{"unsampled", "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-00", true},
		{"too short", valid[:54], false},
		{"too long", valid + "0", false},
		{"bad separators", "00_4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01", false},
		{"version ff", "ff-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01", false},
		{"zero trace id", "00-00000000000000000000000000000000-00f067aa0ba902b7-01", false},
		{"zero span id", "00-4bf92f3577b34da6a3ce929d0e0e4736-0000000000000000-01", false},
		{"uppercase hex", "00-4BF92F3577B34DA6A3CE929D0E0E4736-00f067aa0ba902b7-01", false},
		{"bad flags", "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-0g", false},
		{"bad version", "0g-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			sc, ok := parseTraceParent(tc.in, "")
			require.Equal(t, tc.ok, ok)
			if ok {
				assert.Equal(t, tc.in, formatTraceParent(sc), "formats back")
				assert.True(t, sc.IsRemote())
			}
		})
	}
	sc, ok := parseTraceParent("01"+valid[2:], "")
	require.True(t, ok, "a later version is read as 00")
	assert.Equal(t, valid, formatTraceParent(sc))
	sc, ok = parseTraceParent(valid, "congo=t61rcWkgMzE")
	require.True(t, ok)
	assert.Equal(t, "congo=t61rcWkgMzE", sc.TraceState().String())
	sc, ok = parseTraceParent(valid, "not a tracestate")
	require.True(t, ok, "a bad tracestate is dropped, the parent kept")
	assert.Empty(t, sc.TraceState().String())
}

// FuzzParseTraceParent: any input is parsed without panicking, and what
// parses formats back to the same text, but for the version, always 00.
func FuzzParseTraceParent(f *testing.F) {
	f.Add("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01", "a=b")
	f.Add("ff-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01", "")
	f.Add("", ",,,")
	f.Fuzz(func(t *testing.T, traceparent, tracestate string) {
		sc, ok := parseTraceParent(traceparent, tracestate)
		if ok && formatTraceParent(sc)[2:] != traceparent[2:] {
			t.Fatalf("%q parsed, formats as %q", traceparent, formatTraceParent(sc))
		}
	})
}
