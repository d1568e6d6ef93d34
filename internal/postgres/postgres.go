package postgres

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/elmosoftware/eventprotocol/internal/localserver"
)

// Version is the PostgreSQL major version the tests run against.
const Version = "15"

// Server is a running PostgreSQL; Stop kills it by its PID and removes its
// cluster.
type Server struct {
	*localserver.Process
	// DSN connects to the postgres database as the postgres superuser,
	// e.g. postgres://postgres@127.0.0.1:5433/postgres?sslmode=disable.
	DSN string
	// Port is the server's loopback port.
	Port int
	bin  string
}

// BinDir returns the folder of the PostgreSQL server binaries.
func BinDir() (string, error) {
	if dir := os.Getenv("PG_BIN"); dir != "" {
		return dir, nil
	}
	debian := filepath.Join("/usr/lib/postgresql", Version, "bin")
	if _, err := os.Stat(filepath.Join(debian, "postgres")); err == nil {
		return debian, nil
	}
	if cfg, err := exec.LookPath("pg_config"); err == nil {
		out, err := exec.Command(cfg, "--bindir").Output()
		if err == nil {
			return strings.TrimSpace(string(out)), nil
		}
	}
	return "", fmt.Errorf("postgres: no PostgreSQL %s server binaries: set PG_BIN, or install them (Debian: apt-get install postgresql-%s)", Version, Version)
}

// Start creates a cluster and starts PostgreSQL on a free loopback port,
// waiting until it answers.
func Start(ctx context.Context) (*Server, error) {
	bin, err := BinDir()
	if err != nil {
		return nil, err
	}
	cred, err := credential()
	if err != nil {
		return nil, err
	}
	dir, err := os.MkdirTemp("", "postgres-")
	if err != nil {
		return nil, err
	}
	if cred != nil {
		if err := os.Chown(dir, int(cred.Uid), int(cred.Gid)); err != nil {
			os.RemoveAll(dir)
			return nil, fmt.Errorf("postgres: %w", err)
		}
	}
	data := filepath.Join(dir, "data")
	initdb := exec.CommandContext(ctx, filepath.Join(bin, "initdb"), "-D", data, "-U", "postgres", "-A", "trust", "-E", "UTF8", "--no-sync", "--locale=C")
	initdb.SysProcAttr = &syscall.SysProcAttr{Credential: cred}
	if out, err := initdb.CombinedOutput(); err != nil {
		os.RemoveAll(dir)
		return nil, fmt.Errorf("postgres: initdb failed: %v\n%s", err, out)
	}
	port, err := localserver.FreePort()
	if err != nil {
		os.RemoveAll(dir)
		return nil, fmt.Errorf("postgres: %w", err)
	}
	cmd := exec.Command(filepath.Join(bin, "postgres"), "-D", data, "-h", "127.0.0.1", "-p", strconv.Itoa(port), "-k", dir,
		"-c", "fsync=off", "-c", "synchronous_commit=off", "-c", "full_page_writes=off", "-c", "max_connections=200")
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: cred}
	p, err := localserver.Launch("postgres", cmd, port, dir, 30*time.Second)
	if err != nil {
		return nil, err
	}
	s := &Server{Process: p, Port: port, bin: bin,
		DSN: fmt.Sprintf("postgres://postgres@127.0.0.1:%d/postgres?sslmode=disable", port)}
	if err := s.ready(ctx); err != nil {
		_ = s.Stop()
		return nil, err
	}
	return s, nil
}

// ready waits until the server accepts connections (it listens before it
// has finished starting up).
func (s *Server) ready(ctx context.Context) error {
	deadline := time.Now().Add(30 * time.Second)
	for {
		out, err := exec.CommandContext(ctx, filepath.Join(s.bin, "pg_isready"), "-h", "127.0.0.1", "-p", strconv.Itoa(s.Port), "-U", "postgres").CombinedOutput()
		if err == nil {
			return nil
		}
		if time.Now().After(deadline) || ctx.Err() != nil {
			return fmt.Errorf("postgres: not ready: %v: %s", err, out)
		}
		time.Sleep(50 * time.Millisecond) // polling a process, with a deadline
	}
}

// Psql runs an SQL script with psql against the server and returns its
// output: for tests that need no driver.
func (s *Server) Psql(ctx context.Context, sql string) (string, error) {
	cmd := exec.CommandContext(ctx, filepath.Join(s.bin, "psql"), "-X", "-q", "-t", "-A", "-v", "ON_ERROR_STOP=1",
		"-h", "127.0.0.1", "-p", strconv.Itoa(s.Port), "-U", "postgres", "-d", "postgres", "-c", sql)
	out, err := cmd.CombinedOutput()
	if err != nil {
		return string(out), fmt.Errorf("postgres: psql: %w: %s", err, out)
	}
	return strings.TrimSpace(string(out)), nil
}

// credential returns the postgres user's credential when the process runs
// as root (PostgreSQL refuses root), else nil.
func credential() (*syscall.Credential, error) {
	if os.Geteuid() != 0 {
		return nil, nil
	}
	u, err := user.Lookup("postgres")
	if err != nil {
		return nil, errors.New("postgres: running as root, and there is no postgres user to run the server as")
	}
	uid, err1 := strconv.ParseUint(u.Uid, 10, 32)
	gid, err2 := strconv.ParseUint(u.Gid, 10, 32)
	if err := errors.Join(err1, err2); err != nil {
		return nil, fmt.Errorf("postgres: the postgres user's ids: %w", err)
	}
	return &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid)}, nil
}

// StartForTest starts a server for one test and stops it when the test
// ends. If PostgreSQL cannot start the test fails with the reason: it
// never skips.
func StartForTest(t testing.TB) *Server {
	t.Helper()
	return localserver.StartForTest(t, "PostgreSQL "+Version, Start)
}
