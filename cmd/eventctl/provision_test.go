package main

import (
	"encoding/json"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/elmosoftware/eventprotocol/internal/goaws"
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
	for _, args := range [][]string{
		{"provision"},
		{"provision", "--topology", "no/such/file.json"},
		{"provision", "--topology", bad, "--dry-run"},
		{"teardown", "--topology", signupTopology, "extra"},
	} {
		code, _, stderr := eventctl(t, "", args...)
		assert.Equal(t, exitUsage, code, "%v", args)
		assert.NotEmpty(t, stderr)
	}
}

// Provision and teardown against a real SNS/SQS server.
func TestProvisionOnGoAws(t *testing.T) {
	server := goaws.StartForTest(t)
	t.Setenv("AWS_ACCESS_KEY_ID", "test")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "test")

	args := []string{"--topology", signupTopology, "--endpoint", server.Endpoint, "--region", goaws.Region}
	code, out, stderr := eventctl(t, "", append([]string{"provision", "--skip-queue-policy"}, args...)...)
	require.Equal(t, exitOK, code, stderr)
	var p struct {
		TopicARNs map[string]string `json:"topicArns"`
		QueueURLs map[string]string `json:"queueUrls"`
	}
	require.NoError(t, json.Unmarshal([]byte(out), &p))
	assert.Len(t, p.TopicARNs, 2)
	assert.Len(t, p.QueueURLs, 4)
	assert.True(t, strings.HasSuffix(p.TopicARNs["identity"], ":dev-elmo-identity-events"))

	code, again, stderr := eventctl(t, "", append([]string{"provision", "--skip-queue-policy"}, args...)...)
	require.Equal(t, exitOK, code, stderr)
	assert.JSONEq(t, out, again, "provisioning is idempotent")

	code, _, stderr = eventctl(t, "", append([]string{"provision"}, args...)...)
	assert.Equal(t, exitUsage, code, "GoAws refuses queue policies: a server's error, not an invalid topology")
	assert.Contains(t, stderr, "queue policy")

	code, out, stderr = eventctl(t, "", append([]string{"teardown"}, args...)...)
	require.Equal(t, exitOK, code, stderr)
	assert.Contains(t, out, "removed")
	code, _, stderr = eventctl(t, "", append([]string{"teardown"}, args...)...)
	require.Equal(t, exitOK, code, "nothing left to remove is no error: %s", stderr)

	// An unreachable endpoint is an I/O error, never a success.
	closed := "http://" + closedAddr(t)
	for _, cmd := range []string{"teardown", "provision"} {
		code, out, stderr = eventctl(t, "", cmd, "--topology", signupTopology, "--endpoint", closed, "--region", goaws.Region,
			"--skip-queue-policy", "--timeout", "3s")
		assert.Equal(t, exitUsage, code, "%s: %s %s", cmd, out, stderr)
		assert.NotContains(t, out, "removed")
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
