package localserver_test

import (
	"os"
	"os/exec"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/elmosoftware/eventprotocol/internal/localserver"
)

func TestLaunchReportsAServerThatExits(t *testing.T) {
	port, err := localserver.FreePort()
	require.NoError(t, err)
	assert.Positive(t, port)
	dir := t.TempDir()
	_, err = localserver.Launch("broken", exec.Command("sh", "-c", "echo cannot bind; exit 3"), port, dir, 5*time.Second)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "cannot bind", "the server's log is in the error")
	_, statErr := os.Stat(dir)
	assert.True(t, os.IsNotExist(statErr), "its folder is removed")
}
