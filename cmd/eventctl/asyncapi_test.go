package main

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/elmosoftware/eventprotocol/internal/asyncapi"
	"github.com/elmosoftware/eventprotocol/schema"
	"github.com/elmosoftware/eventprotocol/transport/topology"
)

func TestAsyncAPI(t *testing.T) {
	cat, err := schema.LoadDir(catalogDir)
	require.NoError(t, err)
	f, err := os.Open(signupTopology)
	require.NoError(t, err)
	topo, err := topology.Read(f)
	f.Close()
	require.NoError(t, err)
	want, err := asyncapi.Generate(cat, topo, &asyncapi.Config{Title: "Sign-up", Version: "2.1.0"})
	require.NoError(t, err)

	out := filepath.Join(t.TempDir(), "asyncapi.json")
	code, stdout, stderr := eventctl(t, "", "asyncapi", "--catalog", catalogDir, "--topology", signupTopology, "--out", out, "--title", "Sign-up", "--version", "2.1.0")
	require.Equal(t, exitOK, code, stderr)
	assert.Empty(t, stdout)
	got, err := os.ReadFile(out)
	require.NoError(t, err)
	assert.Equal(t, string(want), string(got))

	dir := t.TempDir()
	invalid := filepath.Join(dir, "invalid.json")
	require.NoError(t, os.WriteFile(invalid, []byte(`{"env":"Dev","domains":[]}`), 0o644))
	unknown := filepath.Join(dir, "unknown.json")
	require.NoError(t, os.WriteFile(unknown, []byte(`{"env":"dev","domains":[{"name":"hr"}],"services":[{"name":"x","consumes":["elmo.hr.employee.fired.v1"]}]}`), 0o644))
	for _, tc := range []struct {
		name   string
		args   []string
		code   int
		stderr string
	}{
		{"stdout", []string{"asyncapi", "--catalog", catalogDir, "--topology", signupTopology}, exitOK, ""},
		{"no topology", []string{"asyncapi", "--catalog", catalogDir}, exitUsage, "usage: eventctl asyncapi"},
		{"missing topology", []string{"asyncapi", "--catalog", catalogDir, "--topology", filepath.Join(dir, "nope.json")}, exitUsage, "nope.json"},
		{"invalid topology", []string{"asyncapi", "--catalog", catalogDir, "--topology", invalid}, exitInvalid, "invalid topology"},
		{"a type without schema", []string{"asyncapi", "--catalog", catalogDir, "--topology", unknown}, exitInvalid, "elmo.hr.employee.fired.v1"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, stdout, stderr := eventctl(t, "", tc.args...)
			assert.Equal(t, tc.code, code, stderr)
			assert.Contains(t, stderr, tc.stderr)
			if tc.code == exitOK {
				assert.Contains(t, stdout, `"asyncapi": "3.0.0"`)
			}
		})
	}
}
