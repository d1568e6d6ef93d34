package awslambdatest

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"strconv"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"github.com/elmosoftware/eventprotocol/internal/localserver"
	"github.com/elmosoftware/eventprotocol/internal/toolcache"
)

// Module is the emulator the tests install.
const Module = "github.com/aws/aws-lambda-runtime-interface-emulator/cmd/aws-lambda-rie@v0.0.0-20261030222936-bef5c4ba774d"

// Binary returns the path of the emulator's binary, building it first if
// the cache has none. Building needs the Go command and the module proxy.
func Binary(ctx context.Context) (string, error) {
	bin, err := toolcache.GoInstall(ctx, "aws-lambda-rie-20261030222936", Module)
	if err != nil {
		return "", fmt.Errorf("awslambdatest: %w", err)
	}
	return bin, nil
}

// Function is a Lambda function running under the emulator, on loopback
// ports of its own.
type Function struct {
	*localserver.Process
}

// Start runs the function's binary (built for the machine, with
// lambda.Start) under the emulator, with env added to its environment
// (the emulator passes its own on), and waits until the emulator answers.
// The function itself starts with the first invocation.
func Start(ctx context.Context, function string, env ...string) (*Function, error) {
	bin, err := Binary(ctx)
	if err != nil {
		return nil, err
	}
	port, err := localserver.FreePort()
	if err != nil {
		return nil, fmt.Errorf("awslambdatest: %w", err)
	}
	api, err := localserver.FreePort()
	if err != nil {
		return nil, fmt.Errorf("awslambdatest: %w", err)
	}
	dir, err := os.MkdirTemp("", "aws-lambda-rie-")
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(bin, "--runtime-interface-emulator-address", "127.0.0.1:"+strconv.Itoa(port),
		"--runtime-api-address", "127.0.0.1:"+strconv.Itoa(api), function)
	cmd.Env = append(os.Environ(), env...)
	p, err := localserver.Launch("aws-lambda-rie", cmd, port, dir, 15*time.Second)
	if err != nil {
		return nil, err
	}
	return &Function{p}, nil
}

// StartForTest starts a function for one test and stops it, with the
// emulator, when the test ends. If the emulator cannot be built or started
// the test fails with the reason: it never skips.
func StartForTest(t testing.TB, function string, env ...string) *Function {
	t.Helper()
	return localserver.StartForTest(t, "the AWS Lambda Runtime Interface Emulator ("+Module+")",
		func(ctx context.Context) (*Function, error) { return Start(ctx, function, env...) })
}

// Invoke invokes the function with an SQS batch and returns its response.
// A function error (the handler's, or a crash) is an error.
func (f *Function) Invoke(ctx context.Context, ev events.SQSEvent) (events.SQSEventResponse, error) {
	body, err := json.Marshal(ev)
	if err != nil {
		return events.SQSEventResponse{}, err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, f.Endpoint+"/2015-03-31/functions/function/invocations", bytes.NewReader(body))
	if err != nil {
		return events.SQSEventResponse{}, err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return events.SQSEventResponse{}, fmt.Errorf("awslambdatest: invoke: %w", err)
	}
	defer resp.Body.Close()
	out, err := io.ReadAll(resp.Body)
	if err != nil {
		return events.SQSEventResponse{}, fmt.Errorf("awslambdatest: invoke: %w", err)
	}
	var fnErr struct {
		ErrorMessage string `json:"errorMessage"`
		ErrorType    string `json:"errorType"`
	}
	if resp.StatusCode != http.StatusOK || (json.Unmarshal(out, &fnErr) == nil && fnErr.ErrorType != "") {
		return events.SQSEventResponse{}, fmt.Errorf("awslambdatest: the function failed (HTTP %d): %s", resp.StatusCode, out)
	}
	var r events.SQSEventResponse
	if err := json.Unmarshal(out, &r); err != nil {
		return events.SQSEventResponse{}, fmt.Errorf("awslambdatest: the function's response: %w: %s", err, out)
	}
	return r, nil
}
