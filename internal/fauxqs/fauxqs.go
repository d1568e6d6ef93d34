package fauxqs

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"time"

	"github.com/elmosoftware/eventprotocol/internal/localserver"
	"github.com/elmosoftware/eventprotocol/internal/npmpkg"
)

// Version is the npm package version the tests run.
const Version = "1.9.2"

// Region and Account are the ones the server reports in ARNs.
const (
	Region  = "us-east-1"
	Account = "000000000000"
)

// launcher serves fauxqs on 127.0.0.1 only (its own CLI listens on every
// interface), without request logs.
const launcher = `import { buildApp } from "fauxqs";
const app = buildApp({ logger: false });
await app.listen({ port: parseInt(process.env.FAUXQS_PORT, 10), host: "127.0.0.1" });
`

// Server is a running fauxqs; Stop kills it by its PID.
type Server struct {
	*localserver.Process
}

// Install returns the folder fauxqs is installed in, installing it with
// npm first if the cache has none.
func Install(ctx context.Context) (string, error) {
	return npmpkg.Install(ctx, "fauxqs", Version, map[string]string{"launch.mjs": launcher})
}

// Start installs fauxqs if needed and starts it on a free loopback port,
// waiting until it answers.
func Start(ctx context.Context) (*Server, error) {
	dir, err := Install(ctx)
	if err != nil {
		return nil, err
	}
	node, err := exec.LookPath("node")
	if err != nil {
		return nil, fmt.Errorf("fauxqs: running fauxqs needs Node.js: %w", err)
	}
	port, err := localserver.FreePort()
	if err != nil {
		return nil, fmt.Errorf("fauxqs: %w", err)
	}
	run, err := os.MkdirTemp("", "fauxqs-")
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(node, filepath.Join(dir, "launch.mjs"))
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "FAUXQS_PORT="+strconv.Itoa(port), "FAUXQS_DEFAULT_REGION="+Region)
	p, err := localserver.Launch("fauxqs", cmd, port, run, 30*time.Second)
	if err != nil {
		return nil, err
	}
	return &Server{p}, nil
}
