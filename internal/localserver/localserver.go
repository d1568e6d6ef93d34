package localserver

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"sync"
	"testing"
	"time"
)

// Process is a running server.
type Process struct {
	Endpoint string // http://127.0.0.1:<port>
	cmd      *exec.Cmd
	dir      string
	done     chan error
	stop     sync.Once
	stopErr  error
}

// FreePort returns a loopback port nothing listens on right now.
func FreePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, fmt.Errorf("no free loopback port: %w", err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// Launch starts cmd, which must listen on 127.0.0.1:port, with its output
// in dir/server.log, and waits up to wait for the port to answer. dir
// belongs to the process and is removed by Stop. The error of a server
// that exits or does not listen in time carries its log.
func Launch(name string, cmd *exec.Cmd, port int, dir string, wait time.Duration) (*Process, error) {
	logPath := filepath.Join(dir, "server.log")
	logFile, err := os.Create(logPath)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	cmd.Stdout, cmd.Stderr = logFile, logFile
	ownGroup(cmd)
	if err := cmd.Start(); err != nil {
		logFile.Close()
		return nil, fmt.Errorf("%s: start %s: %w", name, cmd.Path, err)
	}
	p := &Process{Endpoint: "http://127.0.0.1:" + strconv.Itoa(port), cmd: cmd, dir: dir, done: make(chan error, 1)}
	go func() {
		p.done <- cmd.Wait()
		logFile.Close()
	}()
	deadline := time.Now().Add(wait)
	for {
		conn, err := net.DialTimeout("tcp", "127.0.0.1:"+strconv.Itoa(port), 200*time.Millisecond)
		if err == nil {
			conn.Close()
			return p, nil
		}
		select {
		case err := <-p.done:
			log, _ := os.ReadFile(logPath)
			os.RemoveAll(dir)
			return nil, fmt.Errorf("%s: exited before it listened (%v):\n%s", name, err, log)
		case <-time.After(50 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			log, _ := os.ReadFile(logPath)
			p.Stop()
			return nil, fmt.Errorf("%s: not listening after %v:\n%s", name, wait, log)
		}
	}
}

// PID returns the server's process id.
func (p *Process) PID() int { return p.cmd.Process.Pid }

// Stop kills the server by its PID and removes its folder. It is
// idempotent.
func (p *Process) Stop() error {
	if p == nil || p.cmd.Process == nil {
		return nil
	}
	p.stop.Do(func() {
		err := kill(p.cmd.Process)
		<-p.done
		os.RemoveAll(p.dir)
		if !errors.Is(err, os.ErrProcessDone) {
			p.stopErr = err
		}
	})
	return p.stopErr
}

// Log returns what the process wrote to its standard output and error so
// far.
func (p *Process) Log() (string, error) {
	b, err := os.ReadFile(filepath.Join(p.dir, "server.log"))
	return string(b), err
}

// StartForTest starts a server with start for one test and stops it when
// the test ends. If it cannot start, the test fails with the reason: it
// never skips. what names the server in that message.
func StartForTest[S interface{ Stop() error }](t testing.TB, what string, start func(context.Context) (S, error)) S {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	s, err := start(ctx)
	if err != nil {
		t.Fatalf("%s must install and start for this test: %v", what, err)
	}
	t.Cleanup(func() { _ = s.Stop() })
	return s
}
