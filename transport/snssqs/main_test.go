package snssqs_test

import (
	"context"
	"fmt"
	"os"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/sns"
	"github.com/aws/aws-sdk-go-v2/service/sqs"

	"github.com/elmosoftware/eventprotocol/internal/goaws"
	"github.com/elmosoftware/eventprotocol/transport/snssqs"
)

// server is the GoAws every test of this package talks to. TestMain starts
// it; if it cannot, every test fails: they never skip.
var server *goaws.Server

func TestMain(m *testing.M) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	s, err := goaws.Start(ctx)
	cancel()
	if err != nil {
		fmt.Fprintf(os.Stderr, "FAIL: the SNS/SQS tests need GoAws (%s), and it could not be built or started: %v\n", goaws.Module, err)
		os.Exit(1)
	}
	server = s
	code := m.Run()
	if err := s.Stop(); err != nil {
		fmt.Fprintf(os.Stderr, "stopping GoAws: %v\n", err)
	}
	os.Exit(code)
}

// clients returns SNS and SQS clients of the test server.
func clients(t testing.TB) (*sns.Client, *sqs.Client) {
	t.Helper()
	s, q, err := snssqs.Connect(context.Background(), snssqs.ConnectConfig{
		Region: goaws.Region, Endpoint: server.Endpoint,
		Credentials: credentials.NewStaticCredentialsProvider("test", "test", ""),
	})
	if err != nil {
		t.Fatal(err)
	}
	return s, q
}
