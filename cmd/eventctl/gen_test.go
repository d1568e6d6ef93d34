package main

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/elmosoftware/eventprotocol/internal/gengo"
	"github.com/elmosoftware/eventprotocol/schema"
)

func TestGenGo(t *testing.T) {
	cat, err := schema.LoadDir(catalogDir)
	require.NoError(t, err)
	want, err := gengo.Generate(cat, &gengo.Config{Package: "hr", Types: []string{"elmo.hr.employee.hired.v1", "elmo.leave.absence.approved"}})
	require.NoError(t, err)

	out := filepath.Join(t.TempDir(), "internal", "events", "events.go") // folders made as needed
	code, stdout, stderr := eventctl(t, "", "gen", "go", "--catalog", catalogDir, "--package", "hr", "--types", "elmo.hr.employee.hired.v1,elmo.leave.absence.approved", "--out", out)
	require.Equal(t, exitOK, code, stderr)
	assert.Empty(t, stdout)
	got, err := os.ReadFile(out)
	require.NoError(t, err)
	assert.Equal(t, string(want), string(got))

	// Standard output, and --types repeated.
	code, stdout, stderr = eventctl(t, "", "gen", "go", "--catalog", catalogDir, "--package", "hr", "--types", "elmo.hr.employee.hired.v1", "--types", "elmo.leave.absence.approved")
	require.Equal(t, exitOK, code, stderr)
	assert.Equal(t, string(want), stdout)

	bad := t.TempDir()
	require.NoError(t, os.MkdirAll(filepath.Join(bad, "shop"), 0o755))
	require.NoError(t, os.WriteFile(filepath.Join(bad, "shop", "thing.made.v1.0.json"), []byte(`{"$schema":"https://json-schema.org/draft/2020-12/schema",
"$id":"https://schemas.elmo.example/elmo.shop.thing.made/1.0","title":"T","description":"d","type":"object","additionalProperties":false,
"properties":{"x":{"oneOf":[{"type":"string"},{"type":"integer"}]}}}`), 0o644))
	for _, tc := range []struct {
		name   string
		args   []string
		code   int
		stderr string
	}{
		{"no language", []string{"gen"}, exitUsage, "usage: eventctl gen go"},
		{"another language", []string{"gen", "rust"}, exitUsage, "usage: eventctl gen go"},
		{"no package", []string{"gen", "go", "--catalog", catalogDir}, exitUsage, "usage: eventctl gen go"},
		{"bad package", []string{"gen", "go", "--catalog", catalogDir, "--package", "my-events"}, exitUsage, `package "my-events" is not a Go identifier`},
		{"unknown type", []string{"gen", "go", "--catalog", catalogDir, "--package", "x", "--types", "elmo.hr.employee.fired.v1"}, exitUsage, "unknown event type"},
		{"missing catalogue", []string{"gen", "go", "--catalog", filepath.Join(bad, "nope"), "--package", "x"}, exitUsage, "nope"},
		{"unsupported", []string{"gen", "go", "--catalog", bad, "--package", "x"}, exitInvalid, "shop/thing.made.v1.0.json#/properties/x/oneOf: alternatives without a discriminator"},
		{"unwritable", []string{"gen", "go", "--catalog", catalogDir, "--package", "x", "--out", filepath.Join(bad, "shop", "thing.made.v1.0.json", "x.go")}, exitUsage, "not a directory"}, // under a file
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, stdout, stderr := eventctl(t, "", tc.args...)
			assert.Equal(t, tc.code, code)
			assert.Empty(t, stdout)
			assert.Contains(t, stderr, tc.stderr)
		})
	}
}
