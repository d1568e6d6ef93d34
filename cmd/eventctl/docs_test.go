package main

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestDocs: eventctl docs writes the site (internal/docsite's tests open
// it in a browser); bad input is a clear error.
func TestDocs(t *testing.T) {
	out := filepath.Join(t.TempDir(), "site")
	code, stdout, stderr := eventctl(t, "", "docs", "--catalog", catalogDir, "--topology", signupTopology, "--out", out+"/", "--title", "Sign-up events")
	require.Equal(t, exitOK, code, stderr)
	assert.Contains(t, stdout, "open "+filepath.Join(out, "index.html"), "a trailing slash doubles none")
	assert.NotContains(t, stdout, "//")
	index, err := os.ReadFile(filepath.Join(out, "index.html"))
	require.NoError(t, err)
	assert.Contains(t, string(index), "<h1>Sign-up events</h1>")
	for _, f := range []string{"search.html", "search.js", "search-index.js", "style.css", "domain-identity.html", "service-billing.html", "event-elmo.identity.client.signed_up.v1.html"} {
		assert.FileExists(t, filepath.Join(out, f))
	}

	dir := t.TempDir()
	invalid := filepath.Join(dir, "invalid.json")
	require.NoError(t, os.WriteFile(invalid, []byte(`{"env":"Dev","domains":[]}`), 0o644))
	blocked := filepath.Join(dir, "file")
	require.NoError(t, os.WriteFile(blocked, nil, 0o644))
	for _, tc := range []struct {
		name   string
		args   []string
		code   int
		stderr string
	}{
		{"no out", []string{"docs", "--catalog", catalogDir, "--topology", signupTopology}, exitUsage, "usage: eventctl docs"},
		{"invalid topology", []string{"docs", "--catalog", catalogDir, "--topology", invalid, "--out", dir}, exitInvalid, "invalid topology"},
		{"missing catalogue", []string{"docs", "--catalog", filepath.Join(dir, "nope"), "--topology", signupTopology, "--out", dir}, exitUsage, "nope"},
		{"out is a file", []string{"docs", "--catalog", catalogDir, "--topology", signupTopology, "--out", blocked}, exitUsage, "file"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, _, stderr := eventctl(t, "", tc.args...)
			assert.Equal(t, tc.code, code, stderr)
			assert.Contains(t, stderr, tc.stderr)
		})
	}
}
