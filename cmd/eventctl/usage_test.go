package main

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
)

// TestHelpGoesToStandardOutput: asked for, a command's usage (synopsis and
// flags) goes to standard output with exit 0; after a mistake, to standard
// error with exit 2.
func TestHelpGoesToStandardOutput(t *testing.T) {
	commands := [][]string{
		{"check"}, {"validate"}, {"lint"}, {"compat"}, {"provision"}, {"teardown"},
		{"dlq", "list"}, {"gen", "go"}, {"asyncapi"}, {"docs"},
	}
	for _, cmd := range commands {
		name := strings.Join(cmd, " ")
		for _, ask := range [][]string{append(append([]string{}, cmd...), "-h"), append([]string{"help"}, cmd[0])} {
			code, out, errOut := eventctl(t, "", ask...)
			assert.Equal(t, exitOK, code, "%v", ask)
			assert.Contains(t, out, "usage: eventctl "+cmd[0], "%v", ask)
			assert.Empty(t, errOut, "%v", ask)
		}
		code, out, errOut := eventctl(t, "", append(append([]string{}, cmd...), "--no-such-flag")...)
		assert.Equal(t, exitUsage, code, name)
		assert.Empty(t, out, name)
		assert.Contains(t, errOut, "flag provided but not defined: -no-such-flag", name)
		assert.Contains(t, errOut, "usage: eventctl "+cmd[0], name)
	}
	// The flags are listed with the synopsis.
	_, out, _ := eventctl(t, "", "dlq", "list", "-h")
	assert.Contains(t, out, "-service string")
	assert.Contains(t, out, "-max int")
}

// TestDLQSaysWhatIsMissing: dlq -h lists the subcommands and the flags;
// a dlq command without a required flag or argument names it.
func TestDLQSaysWhatIsMissing(t *testing.T) {
	code, out, _ := eventctl(t, "", "dlq", "-h")
	assert.Equal(t, exitOK, code)
	assert.Contains(t, out, "redrive")
	assert.Contains(t, out, "-service string")
	cases := []struct {
		args []string
		want string
	}{
		{[]string{"dlq", "list", "--service", "billing"}, "--topology is required"},
		{[]string{"dlq", "list", "--topology", "t.json"}, "--service is required"},
		{[]string{"dlq", "show", "--topology", "t.json", "--service", "billing"}, "show takes one dead-letter id"},
		{[]string{"dlq", "redrive", "--topology", "t.json", "--service", "billing"}, "redrive takes dead-letter ids, or --all"},
		{[]string{"dlq", "list", "--topology", "t.json", "--service", "billing", "--max", "0"}, "--max must be at least 1"},
	}
	for _, tc := range cases {
		code, _, errOut := eventctl(t, "", tc.args...)
		assert.Equal(t, exitUsage, code, "%v", tc.args)
		assert.Contains(t, errOut, tc.want, "%v", tc.args)
	}
}

// TestMissingFlagsAreNamed: a command without a required flag names it.
func TestMissingFlagsAreNamed(t *testing.T) {
	cases := []struct {
		args []string
		want string
	}{
		{[]string{"asyncapi", "--catalog", "c"}, "--topology is required"},
		{[]string{"docs", "--catalog", "c", "--topology", "t.json"}, "--out is required"},
		{[]string{"docs"}, "--catalog is required; --topology is required; --out is required"},
		{[]string{"provision"}, "--topology is required"},
		{[]string{"teardown", "--topology", "t.json", "extra"}, "unexpected arguments: extra"},
		{[]string{"gen", "go", "--catalog", "c"}, "--package is required"},
	}
	for _, tc := range cases {
		code, out, errOut := eventctl(t, "", tc.args...)
		assert.Equal(t, exitUsage, code, "%v", tc.args)
		assert.Empty(t, out, "%v", tc.args)
		assert.Contains(t, errOut, tc.want, "%v", tc.args)
		assert.Contains(t, errOut, "usage: eventctl", "%v", tc.args)
	}
}
