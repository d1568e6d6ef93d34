package main

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/elmosoftware/eventprotocol/envelope"
	"github.com/elmosoftware/eventprotocol/examples/leavebalance/ledger"
)

var update = flag.Bool("update", false, "rewrite testdata/history.jsonl")

const historyFile = "testdata/history.jsonl"

// jsonLines encodes events as JSON lines.
func jsonLines(t *testing.T, events []*envelope.Envelope) []byte {
	t.Helper()
	var b bytes.Buffer
	for _, e := range events {
		line, err := e.MarshalJSON()
		require.NoError(t, err)
		b.Write(line)
		b.WriteByte('\n')
	}
	return b.Bytes()
}

// The sample file is the demo's history with stable ids.
func TestHistoryFileIsTheDemoHistory(t *testing.T) {
	h := demoHistory()
	for i, e := range h.events {
		e.ID = fmt.Sprintf("019b7c00-0000-7000-8000-%012d", i+1)
		e.CorrelationID = e.ID
	}
	// The amendment names its absence by its new id.
	amendment, err := ledger.AbsenceAmendedEvent.Decode(h.events[5])
	require.NoError(t, err)
	amendment.AbsenceID = h.events[4].ID
	h.events[5].Data, err = json.Marshal(amendment)
	require.NoError(t, err)
	want := jsonLines(t, h.events)
	if *update {
		require.NoError(t, os.WriteFile(historyFile, want, 0o644))
	}
	got, err := os.ReadFile(historyFile)
	require.NoError(t, err)
	assert.Equal(t, string(want), string(got), "run go test -run HistoryFile -update ./examples/leavebalance to refresh it")
}

func cli(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	var out, errOut bytes.Buffer
	now := func() time.Time { return demoNow }
	code := balance(append([]string{"--catalog", "../../testdata/catalog"}, args...), &out, &errOut, now)
	return code, out.String(), errOut.String()
}

func TestBalanceCommand(t *testing.T) {
	emp := demoEmployee.String()
	cases := []struct {
		name string
		args []string
		want answer
	}{
		{"past", []string{"--on", "2026-03-31"}, answer{Balance: "9.5", On: "2026-03-31"}},
		{"present", []string{"--on", "2026-11-26"}, answer{Balance: "30.5", On: "2026-11-26"}},
		{"forecast", []string{"--on", "2026-12-31", "--snapshot-every", "0"}, answer{Balance: "30.5", On: "2026-12-31"}},
		{"as known before the amendment", []string{"--on", "2026-06-30", "--known-at", "2026-06-24T00:00:00Z"}, answer{Balance: "11.5", On: "2026-06-30", KnownAt: "2026-06-24T00:00:00Z"}},
		{"before the hire date", []string{"--on", "2026-01-04"}, answer{Balance: "0", On: "2026-01-04"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			code, out, stderr := cli(t, append([]string{"--events", historyFile, "--employee", emp, "--json"}, tc.args...)...)
			require.Equal(t, exitOK, code, stderr)
			var got answer
			require.NoError(t, json.Unmarshal([]byte(out), &got))
			want := tc.want
			want.Employee = emp
			if want.KnownAt == "" {
				want.KnownAt = demoNow.Format(time.RFC3339Nano)
			}
			assert.Equal(t, want, got)
		})
	}
}

func TestBalanceWhatIf(t *testing.T) {
	dir := t.TempDir()
	wh := newHistory()
	record(wh, ledger.AbsenceApprovedEvent, "2026-11-26T18:00:00Z", date("2026-12-28"), ledger.AbsenceApproved{Employee: demoEmployee, Date: "2026-12-28", Days: "5"})
	whatIf := filepath.Join(dir, "whatif.jsonl")
	require.NoError(t, os.WriteFile(whatIf, jsonLines(t, wh.events), 0o644))
	code, out, stderr := cli(t, "--events", historyFile, "--employee", demoEmployee.String(), "--on", "2026-12-31",
		"--what-if", whatIf, "--fork-at", "2026-11-26T18:00:00Z", "--json")
	require.Equal(t, exitOK, code, stderr)
	var got answer
	require.NoError(t, json.Unmarshal([]byte(out), &got))
	assert.Equal(t, "25.5", got.Balance)
	assert.Equal(t, "30.5", got.MainBalance)

	code, out, _ = cli(t, "--events", historyFile, "--employee", demoEmployee.String(), "--on", "2026-12-31", "--what-if", whatIf, "--fork-at", "2026-11-26T18:00:00Z")
	require.Equal(t, exitOK, code)
	assert.Contains(t, out, "on 2026-12-31, as known at 2026-11-26T18:00:00Z: 25.5 days")
	assert.Contains(t, out, "main timeline (without the what-if): 30.5 days")
}

func TestBalanceInvalidLines(t *testing.T) {
	good, err := os.ReadFile(historyFile)
	require.NoError(t, err)
	lines := strings.Split(strings.TrimSpace(string(good)), "\n")
	lines = append(lines[:3],
		`{"specversion":"1.0"`, // line 4: not JSON
		strings.Replace(lines[3], `"days":"2"`, `"days":"two"`, 1),                        // line 5: payload fails its schema
		strings.Replace(lines[3], `"subject":"ern:elmo:hr:acme:employee/e-1001",`, ``, 1), // line 6: no subject
	)
	file := filepath.Join(t.TempDir(), "events.jsonl")
	require.NoError(t, os.WriteFile(file, []byte(strings.Join(lines, "\n")+"\n"), 0o644))
	code, out, stderr := cli(t, "--events", file, "--employee", demoEmployee.String(), "--on", "2026-03-31")
	assert.Equal(t, exitInvalid, code)
	assert.Empty(t, out)
	for _, n := range []string{":4:", ":5:", ":6:"} {
		assert.Contains(t, stderr, file+n)
	}
	assert.Contains(t, stderr, "3 invalid lines")
}

func TestBalanceUsage(t *testing.T) {
	emp := demoEmployee.String()
	for _, args := range [][]string{
		{},
		{"--events", historyFile, "--employee", emp},
		{"--events", historyFile, "--employee", "e-1001", "--on", "2026-01-01"},
		{"--events", historyFile, "--employee", emp, "--on", "31/03/2026"},
		{"--events", historyFile, "--employee", emp, "--on", "2026-03-31", "--known-at", "yesterday"},
		{"--events", historyFile, "--employee", emp, "--on", "2026-03-31", "--what-if", historyFile},
		{"--events", "no/such/file", "--employee", emp, "--on", "2026-03-31"},
		{"--events", historyFile, "--employee", emp, "--on", "2026-03-31", "--snapshot-every", "-1"},
	} {
		code, _, stderr := cli(t, args...)
		assert.Equal(t, exitUsage, code, "%v", args)
		assert.NotEmpty(t, stderr)
	}
	code, _, stderr := cli(t, "--events", historyFile, "--employee", "ern:elmo:hr:acme:employee/nobody", "--on", "2026-03-31")
	assert.Equal(t, exitInvalid, code)
	assert.Contains(t, stderr, "not hired")
}
