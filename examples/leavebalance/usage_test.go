package main

import (
	"bytes"
	"testing"

	"github.com/stretchr/testify/assert"
)

// TestUsage: every command's -h prints its synopsis and flags to standard
// output and exits 0, as eventctl's do; a flag mistake prints them to
// standard error and exits 2.
func TestUsage(t *testing.T) {
	for _, cmd := range [][]string{{}, {"balance"}, {"import"}, {"serve"}} {
		var out, errOut bytes.Buffer
		code := run(append(append([]string{}, cmd...), "-h"), &out, &errOut)
		assert.Equal(t, exitOK, code, "%v", cmd)
		assert.Contains(t, out.String(), "usage: leavebalance", "%v", cmd)
		assert.Contains(t, out.String(), "-catalog string", "%v: the flags", cmd)
		assert.Empty(t, errOut.String(), "%v", cmd)

		out.Reset()
		errOut.Reset()
		code = run(append(append([]string{}, cmd...), "--no-such-flag"), &out, &errOut)
		assert.Equal(t, exitUsage, code, "%v", cmd)
		assert.Empty(t, out.String(), "%v", cmd)
		assert.Contains(t, errOut.String(), "flag provided but not defined", "%v", cmd)
		assert.Contains(t, errOut.String(), "usage: leavebalance", "%v", cmd)
	}
}
