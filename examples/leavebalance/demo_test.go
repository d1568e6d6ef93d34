package main

import (
	"bytes"
	"context"
	"regexp"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/elmosoftware/eventprotocol/transport/snssqs/snssqstest"
)

// checkDemo asserts the demo's answers, which the table tests derive by hand.
func checkDemo(t *testing.T, out string) {
	t.Helper()
	for _, want := range []string{
		`past: end of March\s+9.5 days`,
		`present\s+30.5 days`,
		`forecast: end of the year \(credits derived\)\s+30.5 days`,
		`30 June, before and after the amendment\s+11.5 days\s+\(on 2026-06-30, as known at 2026-06-24`,
		`30 June, before and after the amendment\s+13.5 days\s+\(on 2026-06-30, as known at 2026-06-26`,
		`end of March, as known this morning\s+9.5 days`,
		`end of March, as known now\s+11.5 days`,
		`what-if branch, end of the year\s+27.5 days`,
		`main timeline, end of the year \(unchanged\)\s+32.5 days`,
	} {
		assert.Regexp(t, regexp.MustCompile(want), out)
	}
}

func TestDemoOnMemory(t *testing.T) {
	var out, errOut bytes.Buffer
	require.Equal(t, exitOK, run([]string{"-catalog", "../../testdata/catalog"}, &out, &errOut), errOut.String())
	assert.Contains(t, out.String(), "on the memory transport")
	checkDemo(t, out.String())
}

func TestDemoOnGoAws(t *testing.T) {
	server := snssqstest.StartForTest(t)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	var out bytes.Buffer
	require.NoError(t, demo(ctx, &options{transport: "snssqs", endpoint: server.Endpoint, region: snssqstest.Region, catalog: "../../testdata/catalog"}, &out))
	assert.Contains(t, out.String(), "on the snssqs transport")
	checkDemo(t, out.String())
}
