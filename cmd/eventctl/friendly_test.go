package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

var (
	validEvent   = filepath.Join("..", "..", "testdata", "envelopes", "valid", "elmo", "balance-adjusted.json")
	badPayloadEv = filepath.Join("..", "..", "testdata", "payloads", "payload_schema--missing-employee.json")
)

func TestVersionAndHelp(t *testing.T) {
	code, out, _ := eventctl(t, "", "version")
	require.Equal(t, exitOK, code)
	assert.True(t, strings.HasPrefix(out, "eventctl "), out)
	assert.Contains(t, out, "go1.")

	for _, cmd := range []string{"check", "validate", "lint", "compat", "provision", "teardown", "dlq", "gen", "asyncapi", "docs"} {
		code, helpOut, helpErr := eventctl(t, "", "help", cmd)
		assert.Equal(t, exitOK, code, cmd)
		_, flagOut, flagErr := eventctl(t, "", cmd, "-h")
		assert.Equal(t, flagOut+flagErr, helpOut+helpErr, "help %s is %s -h", cmd, cmd)
		assert.Contains(t, helpOut+helpErr, "usage: eventctl "+cmd, cmd)
	}
	code, out, _ = eventctl(t, "", "help")
	require.Equal(t, exitOK, code)
	assert.Contains(t, out, "version")
}

// TestFlagsAfterFiles: flags may follow the file arguments.
func TestFlagsAfterFiles(t *testing.T) {
	for _, args := range [][]string{
		{"check", validEvent, "--json"},
		{"validate", validEvent, "--catalog", catalogDir, "--json"},
		{"lint", catalogDir, "--json"},
	} {
		code, out, stderr := eventctl(t, "", args...)
		assert.Equal(t, exitOK, code, "%v: %s", args, stderr)
		assert.True(t, strings.HasPrefix(strings.TrimSpace(out), "{") || strings.HasPrefix(strings.TrimSpace(out), "["), "%v: JSON output: %s", args, out)
	}
}

// TestValidateTextNamesThePointer: the text output names the payload's
// JSON pointer, as --json does.
func TestValidateTextNamesThePointer(t *testing.T) {
	code, out, _ := eventctl(t, "", "validate", "--catalog", catalogDir, badPayloadEv)
	require.Equal(t, exitInvalid, code)
	assert.Regexp(t, `\[payload_schema\] data(/\w*)?: `, out)
}

func TestSyntaxPositionsAndBOM(t *testing.T) {
	dir := t.TempDir()
	good, err := os.ReadFile(validEvent)
	require.NoError(t, err)
	write := func(name string, b []byte) string {
		p := filepath.Join(dir, name)
		require.NoError(t, os.WriteFile(p, b, 0o644))
		return p
	}
	for _, tc := range []struct {
		name, file, want string
	}{
		{"a BOM", write("bom.json", append([]byte("\xef\xbb\xbf"), good...)), "byte order mark (BOM)"},
		{"malformed on line 3", write("bad.json", []byte("{\n  \"specversion\": \"1.0\",\n  \"id\": ,\n}")), "line 3, column 9"},
		{"a malformed line of JSON lines", write("lines.jsonl", []byte(strings.TrimSpace(string(compact(t, good)))+"\n{\"id\" 1}\n")), "line 2, column 7"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, out, _ := eventctl(t, "", "check", tc.file)
			assert.Equal(t, exitInvalid, code)
			assert.Contains(t, out, tc.want)
		})
	}
}

// compact is one JSON document on one line.
func compact(t *testing.T, b []byte) []byte {
	var out strings.Builder
	for _, l := range strings.Split(string(b), "\n") {
		out.WriteString(strings.TrimSpace(l))
	}
	return []byte(out.String())
}

// TestCheckFlagsTooLargeForTransport: an event over SNS/SQS's 256 KiB
// is valid JSON and a valid envelope, and still flagged, unless the
// topology's domain takes more.
func TestCheckFlagsTooLargeForTransport(t *testing.T) {
	good, err := os.ReadFile(validEvent)
	require.NoError(t, err)
	big := strings.Replace(string(good), `"reason"`, `"note":"`+strings.Repeat("x", 300<<10)+`","reason"`, 1)
	require.NotEqual(t, string(good), big)
	file := filepath.Join(t.TempDir(), "big.json")
	require.NoError(t, os.WriteFile(file, []byte(big), 0o644))
	code, out, _ := eventctl(t, "", "check", file)
	assert.Equal(t, exitInvalid, code)
	assert.Contains(t, out, "[too_large_for_transport]")

	// A topology whose leave domain takes 1 MiB lets it through; one that
	// keeps the default does not; an invalid one is named.
	topo := func(leave string) string {
		f := filepath.Join(t.TempDir(), "topology.json")
		require.NoError(t, os.WriteFile(f, []byte(`{"env":"dev","domains":[{"name":"leave"`+leave+`}],"services":[]}`), 0o644))
		return f
	}
	code, out, stderr := eventctl(t, "", "check", "--topology", topo(`,"maxMessageBytes":1048576`), file)
	assert.Equal(t, exitOK, code, out+stderr)
	code, out, _ = eventctl(t, "", "check", "--topology", topo(""), file)
	assert.Equal(t, exitInvalid, code)
	assert.Contains(t, out, "limit of 262144")
	code, _, stderr = eventctl(t, "", "check", "--topology", topo(`,"maxMessageBytes":2097152`), file)
	assert.Equal(t, exitInvalid, code)
	assert.Contains(t, stderr, "maxMessageBytes must be 1024 to 1048576")
}

func TestLintEmptyFolder(t *testing.T) {
	code, _, stderr := eventctl(t, "", "lint", t.TempDir())
	assert.Equal(t, exitUsage, code)
	assert.Contains(t, stderr, "holds no schemas")
	code, _, stderr = eventctl(t, "", "lint", filepath.Join(t.TempDir(), "missing"))
	assert.Equal(t, exitUsage, code)
	assert.Contains(t, stderr, "is not a folder")
}
