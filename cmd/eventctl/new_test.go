package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestNewSchemas: eventctl new event and new command write skeletons that
// eventctl lint accepts as written, at the conventions' path and $id, in
// an empty catalogue and in one that has schemas.
func TestNewSchemas(t *testing.T) {
	for _, tc := range []struct {
		args []string
		path string
	}{
		{[]string{"event", "elmo.leave.absence.cancelled.v1", "--shape", "notification"}, "leave/absence.cancelled.v1.0.json"},
		{[]string{"event", "elmo.leave.balance.changed.v1", "--shape", "state"}, "leave/balance.changed.v1.0.json"},
		{[]string{"event", "elmo.payroll.pay_slip.corrected.v2", "--shape", "delta"}, "payroll/pay_slip.corrected.v2.0.json"},
		{[]string{"command", "elmo.payroll.pay_slip.generate.v1"}, "payroll/pay_slip.generate.v1.0.json"},
	} {
		for _, dir := range map[string]string{"empty": t.TempDir(), "sample": copyCatalog(t)} {
			code, out, errOut := eventctl(t, "", append([]string{"new"}, append(tc.args, "--catalog", dir)...)...)
			require.Equal(t, exitOK, code, errOut)
			assert.Contains(t, out, filepath.Join(dir, tc.path))
			code, out, _ = eventctl(t, "", "lint", dir)
			assert.Equal(t, exitOK, code, "lint accepts %s as written: %s", tc.path, out)
			doc, err := os.ReadFile(filepath.Join(dir, tc.path))
			require.NoError(t, err)
			assert.Contains(t, string(doc), `"additionalProperties": false`)

			code, _, errOut = eventctl(t, "", append([]string{"new"}, append(tc.args, "--catalog", dir)...)...)
			assert.Equal(t, exitInvalid, code)
			assert.Regexp(t, "has schemas already|nothing is overwritten", errOut)
			again, err := os.ReadFile(filepath.Join(dir, tc.path))
			require.NoError(t, err)
			assert.Equal(t, doc, again)
		}
	}
}

// TestNewRefuses: names the rules refuse are refused with the rule, and
// nothing is written.
func TestNewRefuses(t *testing.T) {
	for _, tc := range []struct {
		args []string
		code int
		says string
	}{
		{[]string{"event", "elmo.leave.Absence.cancelled.v1", "--shape", "notification"}, exitInvalid, "lowercase snake_case"},
		{[]string{"event", "elmo.leave.absence.cancel.v1", "--shape", "notification"}, exitInvalid, "rule past-tense"},
		{[]string{"command", "elmo.leave.absence.cancelled.v1"}, exitInvalid, "rule imperative"},
		{[]string{"event", "elmo.leave.absence.cancelled.v1"}, exitUsage, "--shape must be"},
		{[]string{"event", "elmo.leave.absence.cancelled.v1", "--shape", "blob"}, exitUsage, "--shape must be"},
		{[]string{"event", "elmo.leave.absence.approved.v1", "--shape", "notification"}, exitInvalid, "eventctl new minor"},
		{[]string{"minor", "elmo.leave.absence.cancelled.v1"}, exitInvalid, "no schema"},
		{[]string{"service", "Bad Name", "--consumes", "elmo.leave.absence.approved.v1", "--dir", "x"}, exitInvalid, ""},
	} {
		t.Run(strings.Join(tc.args[:2], " "), func(t *testing.T) {
			dir := copyCatalog(t)
			before, err := os.ReadDir(filepath.Join(dir, "leave"))
			require.NoError(t, err)
			code, _, errOut := eventctl(t, "", append([]string{"new"}, append(tc.args, "--catalog", dir)...)...)
			assert.Equal(t, tc.code, code, errOut)
			assert.Contains(t, errOut, tc.says)
			after, err := os.ReadDir(filepath.Join(dir, "leave"))
			require.NoError(t, err)
			assert.Len(t, after, len(before), "nothing written")
		})
	}
}

// TestNewMinor: the next minor is the newest copied with its $id raised;
// lint and compat accept it, and it is never written twice.
func TestNewMinor(t *testing.T) {
	dir := copyCatalog(t)
	code, out, errOut := eventctl(t, "", "new", "minor", "elmo.leave.absence.approved.v1", "--catalog", dir)
	require.Equal(t, exitOK, code, errOut)
	assert.Contains(t, out, "leave/absence.approved.v1.2.json")
	doc, err := os.ReadFile(filepath.Join(dir, "leave", "absence.approved.v1.2.json"))
	require.NoError(t, err)
	assert.Contains(t, string(doc), `"$id": "https://schemas.elmo.example/elmo.leave.absence.approved/1.2"`)
	code, out, _ = eventctl(t, "", "lint", dir)
	assert.Equal(t, exitOK, code, out)
	code, out, _ = eventctl(t, "", "compat", "--catalog", dir, "--baseline", catalogDir)
	assert.Equal(t, exitOK, code, out)
	assert.Contains(t, out, "elmo.leave.absence.approved/1.1 -> https://schemas.elmo.example/elmo.leave.absence.approved/1.2: compatible")
	code, _, errOut = eventctl(t, "", "new", "minor", "elmo.leave.absence.approved.v1", "--catalog", dir)
	require.Equal(t, exitOK, code, "1.3 next: %s", errOut)
	require.NoError(t, os.Remove(filepath.Join(dir, "leave", "absence.approved.v1.3.json")))
}

// TestNewService: the skeleton builds in a module of its own and its test
// passes as written; a second run overwrites nothing.
func TestNewService(t *testing.T) {
	root, err := filepath.Abs("../..")
	require.NoError(t, err)
	scratch := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(scratch, "go.mod"), []byte("module scratch.example/app\n\ngo 1.26\n\nrequire github.com/elmosoftware/eventprotocol v0.0.0-00010101000000-000000000000\n\nreplace github.com/elmosoftware/eventprotocol => "+root+"\n"), 0o644))
	args := []string{"new", "service", "payroll-sync", "--catalog", catalogDir,
		"--consumes", "elmo.hr.employee.hired.v1,elmo.leave.absence.approved.v1", "--publishes", "elmo.leave.balance.adjusted.v1", "--dir", filepath.Join(scratch, "svc")}
	code, out, errOut := eventctl(t, "", args...)
	require.Equal(t, exitOK, code, errOut)
	assert.Contains(t, out, "7 files")
	for _, f := range []string{"main.go", "main_test.go", "events.go", "catalog/hr/employee.hired.v1.0.json", "catalog/leave/balance.adjusted.v1.0.json"} {
		assert.FileExists(t, filepath.Join(scratch, "svc", f))
	}
	code, _, errOut = eventctl(t, "", args...)
	assert.Equal(t, exitInvalid, code)
	assert.Contains(t, errOut, "nothing is overwritten")

	env := append(os.Environ(), "GOFLAGS=-mod=mod", "GOPROXY=off", "GOSUMDB=off") // the module cache has what the library needs
	for _, c := range [][]string{{"go", "mod", "tidy"}, {"go", "vet", "./..."}, {"go", "test", "-count=1", "./..."}} {
		cmd := exec.Command(c[0], c[1:]...)
		cmd.Dir, cmd.Env = scratch, env
		out, err := cmd.CombinedOutput()
		require.NoError(t, err, "%s: %s", strings.Join(c, " "), out)
	}
}
