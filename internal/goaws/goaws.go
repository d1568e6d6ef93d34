package goaws

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"sync"
	"time"
)

// Module is the GoAws command this package builds.
const Module = "github.com/Admiral-Piett/goaws/app/cmd@v0.5.4"

// Region and Account are the ones the server reports in ARNs.
const (
	Region  = "us-east-1"
	Account = "100010001000"
)

// Server is a running GoAws.
type Server struct {
	Endpoint string // http://127.0.0.1:<port>
	cmd      *exec.Cmd
	dir      string
	done     chan error
	stop     sync.Once
	stopErr  error
}

// Binary returns the path of the GoAws binary, building it first if the
// cache has none. Building needs the Go command and the module proxy.
func Binary(ctx context.Context) (string, error) {
	cache, err := os.UserCacheDir()
	if err != nil {
		cache = os.TempDir()
	}
	dir := filepath.Join(cache, "elmo-eventprotocol", "goaws-v0.5.4")
	bin := filepath.Join(dir, "cmd")
	if runtime.GOOS == "windows" {
		bin += ".exe"
	}
	if st, err := os.Stat(bin); err == nil && st.Mode().IsRegular() {
		return bin, nil
	}
	// Build into a folder of our own, then rename into place: test
	// binaries of several packages may build at the same time.
	tmp, err := os.MkdirTemp(filepath.Dir(dir), "build-")
	if err != nil {
		if err := os.MkdirAll(filepath.Dir(dir), 0o755); err != nil {
			return "", fmt.Errorf("goaws: cache folder: %w", err)
		}
		if tmp, err = os.MkdirTemp(filepath.Dir(dir), "build-"); err != nil {
			return "", fmt.Errorf("goaws: cache folder: %w", err)
		}
	}
	goCmd, err := exec.LookPath("go") // go test puts its own go first on PATH
	if err != nil {
		os.RemoveAll(tmp)
		return "", fmt.Errorf("goaws: building GoAws needs the go command: %w", err)
	}
	build := exec.CommandContext(ctx, goCmd, "install", Module)
	build.Dir = tmp
	build.Env = append(os.Environ(), "GOBIN="+tmp, "GOFLAGS=", "CGO_ENABLED=0")
	if out, err := build.CombinedOutput(); err != nil {
		os.RemoveAll(tmp)
		return "", fmt.Errorf("goaws: go install %s failed: %v\n%s", Module, err, out)
	}
	if err := os.Rename(tmp, dir); err != nil {
		os.RemoveAll(tmp)
		if _, serr := os.Stat(bin); serr == nil {
			return bin, nil // another process won the race
		}
		return "", fmt.Errorf("goaws: %w", err)
	}
	return bin, nil
}

// Start builds GoAws if needed and starts it on a free loopback port,
// waiting until it answers.
func Start(ctx context.Context) (*Server, error) {
	bin, err := Binary(ctx)
	if err != nil {
		return nil, err
	}
	port, err := freePort()
	if err != nil {
		return nil, err
	}
	dir, err := os.MkdirTemp("", "goaws-")
	if err != nil {
		return nil, err
	}
	conf := filepath.Join(dir, "goaws.yaml")
	yaml := fmt.Sprintf(`Local:
  Host: 127.0.0.1
  Port: %d
  Region: %s
  AccountId: "%s"
  LogToFile: false
  EnableDuplicates: false
  QueueAttributeDefaults:
    VisibilityTimeout: 30
    ReceiveMessageWaitTimeSeconds: 0
    MaximumMessageSize: 262144
  Queues: []
  Topics: []
`, port, Region, Account)
	if err := os.WriteFile(conf, []byte(yaml), 0o644); err != nil {
		return nil, err
	}
	logFile, err := os.Create(filepath.Join(dir, "goaws.log"))
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(bin, "-config", conf, "-loglevel", "warn", "Local")
	cmd.Stdout, cmd.Stderr = logFile, logFile
	if err := cmd.Start(); err != nil {
		logFile.Close()
		return nil, fmt.Errorf("goaws: start %s: %w", bin, err)
	}
	s := &Server{Endpoint: "http://127.0.0.1:" + strconv.Itoa(port), cmd: cmd, dir: dir, done: make(chan error, 1)}
	go func() {
		s.done <- cmd.Wait()
		logFile.Close()
	}()
	deadline := time.Now().Add(15 * time.Second)
	for {
		conn, err := net.DialTimeout("tcp", "127.0.0.1:"+strconv.Itoa(port), 200*time.Millisecond)
		if err == nil {
			conn.Close()
			return s, nil
		}
		select {
		case err := <-s.done:
			log, _ := os.ReadFile(filepath.Join(dir, "goaws.log"))
			return nil, fmt.Errorf("goaws: exited before it listened (%v):\n%s", err, log)
		case <-time.After(50 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			s.Stop()
			return nil, errors.New("goaws: not listening after 15s")
		}
	}
}

// Stop kills the server by its PID and removes its files. It is
// idempotent.
func (s *Server) Stop() error {
	if s == nil || s.cmd.Process == nil {
		return nil
	}
	s.stop.Do(func() {
		err := s.cmd.Process.Kill()
		<-s.done
		os.RemoveAll(s.dir)
		if !errors.Is(err, os.ErrProcessDone) {
			s.stopErr = err
		}
	})
	return s.stopErr
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, fmt.Errorf("goaws: no free port: %w", err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}
