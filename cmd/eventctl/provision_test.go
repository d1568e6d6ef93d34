package main

import (
	"net"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/elmosoftware/eventprotocol/transport/snssqs/snssqstest"
)

var signupTopology = filepath.Join("..", "..", "testdata", "topology", "signup.json")

func TestProvisionDryRun(t *testing.T) {
	code, out, _ := eventctl(t, "", "provision", "--topology", signupTopology, "--dry-run")
	require.Equal(t, exitOK, code)
	assert.Contains(t, out, "create-topic dev-elmo-identity-events\n")
	assert.Contains(t, out, "subscribe dev-elmo-leadership-notify (to dev-elmo-platform-events, raw delivery, type in elmo.platform.tenant.provisioned.v1)")
	code, out, _ = eventctl(t, "", "teardown", "--topology", signupTopology, "--dry-run")
	require.Equal(t, exitOK, code)
	assert.Contains(t, out, "delete-queue dev-elmo-billing-dlq")
	assert.NotContains(t, out, "subscribe")
}

func TestProvisionUsage(t *testing.T) {
	bad := filepath.Join(t.TempDir(), "bad.json")
	require.NoError(t, os.WriteFile(bad, []byte(`{"env":"Dev","domains":[],"services":[]}`), 0o644))
	for _, tc := range []struct {
		args []string
		code int
	}{
		{[]string{"provision"}, exitUsage},
		{[]string{"provision", "--topology", "no/such/file.json"}, exitUsage}, // I/O: 2
		{[]string{"provision", "--topology", bad, "--dry-run"}, exitInvalid},  // an invalid topology: 1
		{[]string{"teardown", "--topology", signupTopology, "extra"}, exitUsage},
	} {
		code, _, stderr := eventctl(t, "", tc.args...)
		assert.Equal(t, tc.code, code, "%v", tc.args)
		assert.NotEmpty(t, stderr)
	}
}

// Provision and teardown against a real SNS/SQS server.
func TestProvisionOnGoAws(t *testing.T) {
	server := snssqstest.StartForTest(t)
	t.Setenv("AWS_ACCESS_KEY_ID", "test")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "test")

	args := []string{"--topology", signupTopology, "--endpoint", server.Endpoint, "--region", snssqstest.Region}
	code, out, stderr := eventctl(t, "", append([]string{"provision"}, args...)...)
	require.Equal(t, exitOK, code, stderr)
	assert.Equal(t, "provisioned environment dev: 15 steps\n", out)
	code, plan, _ := eventctl(t, "", append([]string{"provision", "--dry-run"}, args...)...)
	require.Equal(t, exitOK, code)
	assert.NotContains(t, plan, "set-queue-policy", "a local server has no queue policies")

	code, again, stderr := eventctl(t, "", append([]string{"provision"}, args...)...)
	require.Equal(t, exitOK, code, stderr)
	assert.Equal(t, out, again, "provisioning is idempotent")

	code, out, stderr = eventctl(t, "", append([]string{"teardown"}, args...)...)
	require.Equal(t, exitOK, code, stderr)
	assert.Contains(t, out, "removed")
	code, _, stderr = eventctl(t, "", append([]string{"teardown"}, args...)...)
	require.Equal(t, exitOK, code, "nothing left to remove is no error: %s", stderr)

	// An unreachable endpoint is an I/O error, never a success.
	closed := "http://" + closedAddr(t)
	for _, cmd := range []string{"teardown", "provision"} {
		code, out, stderr = eventctl(t, "", cmd, "--topology", signupTopology, "--endpoint", closed, "--region", snssqstest.Region, "--timeout", "3s")
		assert.Equal(t, exitUsage, code, "%s: %s %s", cmd, out, stderr)
		assert.NotContains(t, out, "removed")
		assert.NotContains(t, out, "provisioned environment")
	}
}

// closedAddr returns a loopback address nothing listens on.
func closedAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	addr := ln.Addr().String()
	require.NoError(t, ln.Close())
	return addr
}
