package snssqstest

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"time"

	"github.com/elmosoftware/eventprotocol/internal/localserver"
	"github.com/elmosoftware/eventprotocol/internal/toolcache"
	"github.com/elmosoftware/eventprotocol/transport/snssqs"
)

// Module is the GoAws command this package builds.
const Module = "github.com/Admiral-Piett/goaws/app/cmd@v0.5.4"

// Region and Account are the ones the server reports in ARNs.
const (
	Region  = "us-east-1"
	Account = "100010001000"
)

// Server is a running GoAws; Stop kills it by its PID.
type Server struct {
	*localserver.Process
}

// Binary returns the path of the GoAws binary, building it first if the
// cache has none. Building needs the Go command and the module proxy.
func Binary(ctx context.Context) (string, error) {
	bin, err := toolcache.GoInstall(ctx, "goaws-v0.5.4", Module)
	if err != nil {
		return "", fmt.Errorf("snssqstest: %w", err)
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
	port, err := localserver.FreePort()
	if err != nil {
		return nil, fmt.Errorf("snssqstest: %w", err)
	}
	dir, err := os.MkdirTemp("", "goaws-")
	if err != nil {
		return nil, err
	}
	conf := filepath.Join(dir, "snssqstest.yaml")
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
		os.RemoveAll(dir)
		return nil, err
	}
	p, err := localserver.Launch("goaws", exec.Command(bin, "-config", conf, "-loglevel", "warn", "Local"), port, dir, 15*time.Second)
	if err != nil {
		return nil, err
	}
	return &Server{p}, nil
}

// Driver returns an snssqs.Driver on the server, with placeholder
// credentials unless the environment has some (GoAws accepts any). A nil
// cfg means a long-poll wait of one second, so that a consumer's Shutdown
// in a test does not wait out the default 20 (see snssqs.Receiver.Close),
// and the driver's other defaults: the server being local, batches of 9
// and no queue policies.
func (s *Server) Driver(ctx context.Context, cfg *snssqs.DriverConfig) (*snssqs.Driver, error) {
	if cfg == nil {
		cfg = &snssqs.DriverConfig{WaitTime: time.Second}
	}
	snsC, sqsC, err := snssqs.Connect(ctx, &snssqs.ConnectConfig{Region: Region, Endpoint: s.Endpoint, LocalServer: true})
	if err != nil {
		return nil, err
	}
	return snssqs.NewDriver(snsC, sqsC, cfg)
}
