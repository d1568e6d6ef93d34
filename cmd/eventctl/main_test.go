package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func eventctl(t *testing.T, stdin string, args ...string) (int, string, string) {
	t.Helper()
	var out, errOut bytes.Buffer
	code := run(args, strings.NewReader(stdin), &out, &errOut)
	return code, out.String(), errOut.String()
}

func glob(t *testing.T, pattern string) []string {
	t.Helper()
	paths, err := filepath.Glob(filepath.Join("..", "..", "testdata", "envelopes", pattern))
	require.NoError(t, err)
	require.NotEmpty(t, paths, pattern)
	return paths
}

func checkJSON(t *testing.T, args ...string) (int, report) {
	t.Helper()
	code, out, stderr := eventctl(t, "", append([]string{"check", "--json"}, args...)...)
	var rep report
	require.NoError(t, json.Unmarshal([]byte(out), &rep), "stdout %q stderr %q", out, stderr)
	return code, rep
}

func TestCheckTestdata(t *testing.T) {
	for _, tc := range []struct {
		pattern, profile string
		want             int
	}{
		{"valid/elmo/*.json", "elmo", exitOK},
		{"valid/elmo/*.json", "cloudevents", exitOK},
		{"valid/cloudevents/*.json", "cloudevents", exitOK},
		{"invalid/elmo/*.json", "cloudevents", exitOK},
	} {
		code, rep := checkJSON(t, append([]string{"--profile", tc.profile}, glob(t, tc.pattern)...)...)
		assert.Equal(t, tc.want, code, "%s as %s: %+v", tc.pattern, tc.profile, rep)
		assert.Zero(t, rep.Invalid)
		assert.Positive(t, rep.Valid)
	}

	for _, tc := range []struct{ pattern, profile string }{
		{"invalid/cloudevents/*.json", "cloudevents"},
		{"invalid/cloudevents/*.json", "elmo"},
		{"invalid/elmo/*.json", "elmo"},
	} {
		for _, path := range glob(t, tc.pattern) {
			code, rep := checkJSON(t, "--profile", tc.profile, path)
			require.Equal(t, exitInvalid, code, path)
			require.Positive(t, rep.Invalid, path)
			if strings.HasPrefix(tc.pattern, "invalid/"+tc.profile) {
				rule, _, _ := strings.Cut(filepath.Base(path), "--")
				var rules []string
				for _, r := range rep.Events {
					for _, v := range r.Violations {
						rules = append(rules, v.Rule)
					}
				}
				assert.Contains(t, rules, rule, path)
			}
		}
	}
}

func TestCheckTextOutput(t *testing.T) {
	path := glob(t, "invalid/cloudevents/timestamp--garbage.json")[0]
	code, out, _ := eventctl(t, "", "check", "--profile", "cloudevents", path)
	assert.Equal(t, exitInvalid, code)
	assert.Contains(t, out, path+": event 0: invalid")
	assert.Contains(t, out, `[timestamp] time: must be an RFC 3339 timestamp ("lunchtime")`)
	assert.Contains(t, out, "cloudevents profile: 1 event checked, 0 valid, 1 invalid")
}

func TestCheckStdinAndJSONLines(t *testing.T) {
	valid, err := os.ReadFile(glob(t, "valid/elmo/balance-adjusted.json")[0])
	require.NoError(t, err)
	var compact bytes.Buffer
	require.NoError(t, json.Compact(&compact, valid))
	lines := compact.String() + "\n\n" + `{"specversion":"1.0"}` + "\n" + "not json\n"
	code, out, _ := eventctl(t, lines, "check", "--json", "-")
	assert.Equal(t, exitInvalid, code)
	var rep report
	require.NoError(t, json.Unmarshal([]byte(out), &rep))
	require.Len(t, rep.Events, 3)
	assert.True(t, rep.Events[0].Valid)
	assert.Equal(t, 1, rep.Events[0].Line)
	assert.Equal(t, 3, rep.Events[1].Line)
	assert.Equal(t, 2, rep.Events[2].Index)
	assert.Equal(t, 4, rep.Events[2].Line)
	assert.Equal(t, "malformed", rep.Events[2].Violations[0].Rule)

	code, _, _ = eventctl(t, string(valid), "check", "-")
	assert.Equal(t, exitOK, code, "a pretty-printed event on stdin")
}

func TestCheckBadInput(t *testing.T) {
	dir := t.TempDir()
	write := func(name string, b []byte) string {
		p := filepath.Join(dir, name)
		require.NoError(t, os.WriteFile(p, b, 0o600))
		return p
	}
	cases := []struct {
		name, rule string
		content    []byte
	}{
		{"utf8.json", "invalid_utf8", []byte("{\"id\":\"\xff\"}")},
		{"deep.json", "too_deep", []byte(`{"data":` + strings.Repeat("[", 5000) + strings.Repeat("]", 5000) + `}`)},
		{"huge.json", "too_large", append([]byte(`{"data":"`), bytes.Repeat([]byte("a"), 100<<20)...)},
		{"truncated-batch.json", "malformed", []byte(`[{"id":"1"}`)},
		{"number.json", "malformed", []byte(`42`)},
	}
	for _, tc := range cases {
		code, rep := checkJSON(t, write(tc.name, tc.content))
		assert.Equal(t, exitInvalid, code, tc.name)
		require.Len(t, rep.Events, 1, tc.name)
		assert.Equal(t, tc.rule, rep.Events[0].Violations[0].Rule, tc.name)
	}
}

func TestUsageErrors(t *testing.T) {
	for _, args := range [][]string{
		{},
		{"nope"},
		{"check"},
		{"check", "--profile", "strict", "x.json"},
		{"check", "--bogus", "x.json"},
		{"check", "/does/not/exist.json"},
	} {
		code, _, stderr := eventctl(t, "", args...)
		assert.Equal(t, exitUsage, code, "%v", args)
		assert.NotEmpty(t, stderr, "%v", args)
	}
	code, out, _ := eventctl(t, "", "help")
	assert.Equal(t, exitOK, code)
	assert.Contains(t, out, "check")
	code, _, _ = eventctl(t, "", "check", "-h")
	assert.Equal(t, exitOK, code)
}
