//go:build linux

package localserver_test

import (
	"bufio"
	"fmt"
	"net"
	"os"
	"os/exec"
	"strconv"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/elmosoftware/eventprotocol/internal/localserver"
)

// parentEnv makes the test binary a parent that launches a server (the
// test binary again, with serveEnv: it listens on the port given) and
// prints its PID, then waits to be killed (see TestMain).
const (
	parentEnv = "LOCALSERVER_TEST_PARENT"
	serveEnv  = "LOCALSERVER_TEST_SERVE"
)

func TestMain(m *testing.M) {
	switch {
	case os.Getenv(serveEnv) != "":
		l, err := net.Listen("tcp", "127.0.0.1:"+os.Getenv(serveEnv))
		if err != nil {
			fmt.Println(err)
			os.Exit(1)
		}
		for {
			c, err := l.Accept()
			if err == nil {
				c.Close()
			}
		}
	case os.Getenv(parentEnv) != "":
		os.Exit(beParent())
	}
	os.Exit(m.Run())
}

func beParent() int {
	port, err := localserver.FreePort()
	if err != nil {
		fmt.Println(err)
		return 1
	}
	dir, err := os.MkdirTemp("", "parent-")
	if err != nil {
		fmt.Println(err)
		return 1
	}
	self, err := os.Executable()
	if err != nil {
		fmt.Println(err)
		return 1
	}
	server := exec.Command(self)
	server.Env = append(os.Environ(), serveEnv+"="+strconv.Itoa(port), parentEnv+"=")
	p, err := localserver.Launch("listener", server, port, dir, 20*time.Second)
	if err != nil {
		fmt.Println(err)
		return 1
	}
	fmt.Println(p.PID())
	select {} // until killed
}

// TestServerDiesWithItsParent: a test binary killed by SIGKILL, as a
// timeout kills it, leaves no server behind.
func TestServerDiesWithItsParent(t *testing.T) {
	self, err := os.Executable()
	require.NoError(t, err)
	parent := exec.Command(self)
	parent.Env = append(os.Environ(), parentEnv+"=1")
	out, err := parent.StdoutPipe()
	require.NoError(t, err)
	require.NoError(t, parent.Start())
	line, err := bufio.NewReader(out).ReadString('\n')
	require.NoError(t, err)
	pid, err := strconv.Atoi(line[:len(line)-1])
	require.NoError(t, err, "the parent said %q", line)
	require.NoError(t, syscall.Kill(pid, 0), "the server runs")

	require.NoError(t, parent.Process.Kill())
	_ = parent.Wait()
	require.Eventually(t, func() bool {
		var status syscall.WaitStatus
		_, _ = syscall.Wait4(pid, &status, syscall.WNOHANG, nil) // reaped by init, not us: harmless
		return syscall.Kill(pid, 0) != nil
	}, 10*time.Second, 10*time.Millisecond, "the server died with its parent")
}
