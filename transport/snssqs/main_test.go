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

	"github.com/elmosoftware/eventprotocol/internal/fauxqs"
	"github.com/elmosoftware/eventprotocol/internal/goaws"
	"github.com/elmosoftware/eventprotocol/transport/snssqs"
)

// The two SNS/SQS servers the tests of this package talk to: GoAws and
// fauxqs. TestMain starts both; if either cannot start, every test fails:
// they never skip.
var (
	server *goaws.Server  // GoAws, the default of the tests
	faux   *fauxqs.Server // fauxqs, for the conformance suite and the paths GoAws cannot show
)

func TestMain(m *testing.M) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	s, err := goaws.Start(ctx)
	if err != nil {
		cancel()
		fmt.Fprintf(os.Stderr, "FAIL: the SNS/SQS tests need GoAws (%s), and it could not be built or started: %v\n", goaws.Module, err)
		os.Exit(1)
	}
	f, err := fauxqs.Start(ctx)
	cancel()
	if err != nil {
		_ = s.Stop()
		fmt.Fprintf(os.Stderr, "FAIL: the SNS/SQS tests need fauxqs %s (npm, on Node.js), and it could not be installed or started: %v\n", fauxqs.Version, err)
		os.Exit(1)
	}
	server, faux = s, f
	code := m.Run()
	if err := s.Stop(); err != nil {
		fmt.Fprintf(os.Stderr, "stopping GoAws: %v\n", err)
	}
	if err := f.Stop(); err != nil {
		fmt.Fprintf(os.Stderr, "stopping fauxqs: %v\n", err)
	}
	os.Exit(code)
}

// clients returns SNS and SQS clients of GoAws.
func clients(t testing.TB) (*sns.Client, *sqs.Client) {
	t.Helper()
	return clientsOf(t, server.Endpoint)
}

// clientsOf returns SNS and SQS clients of the server at endpoint.
func clientsOf(t testing.TB, endpoint string) (*sns.Client, *sqs.Client) {
	t.Helper()
	s, q, err := snssqs.Connect(context.Background(), snssqs.ConnectConfig{
		Region: goaws.Region, Endpoint: endpoint,
		Credentials: credentials.NewStaticCredentialsProvider("test", "test", ""),
	})
	if err != nil {
		t.Fatal(err)
	}
	return s, q
}

// testServer is one of the SNS/SQS servers the tests run against.
type testServer struct {
	name       string
	endpoint   string
	batch      int  // the most entries PublishBatch takes
	skipPolicy bool // the server has no queue policies
}

func testServers() []testServer {
	return []testServer{
		{name: "goaws", endpoint: server.Endpoint, batch: goawsBatch, skipPolicy: true},
		{name: "fauxqs", endpoint: faux.Endpoint, batch: snssqs.MaxBatch},
	}
}

// onEachServer runs test against every test server, as a subtest.
func onEachServer(t *testing.T, test func(t *testing.T, srv testServer)) {
	for _, srv := range testServers() {
		t.Run(srv.name, func(t *testing.T) { test(t, srv) })
	}
}

// ledgerTopology provisions on srv the leave domain's topic (FIFO when
// fifo) and the queue of a ledger service that consumes
// elmo.leave.absence.approved.v1 with the given visibility timeout and
// maxReceiveCount (0: the defaults), and removes them when the test ends.
// ledgerSpec is a fresh environment with one domain, leave, whose topic
// the ledger service's queue subscribes to for absence approvals.
func ledgerSpec(fifo bool, visibility, maxReceive int) *snssqs.Topology {
	return &snssqs.Topology{Env: newEnvName(), Domains: []snssqs.Domain{{Name: "leave", FIFO: fifo}},
		Services: []snssqs.Service{{Name: "ledger", Consumes: []string{"elmo.leave.absence.approved.v1"},
			VisibilityTimeoutSeconds: visibility, MaxReceiveCount: maxReceive}}}
}

func ledgerTopology(t testing.TB, srv testServer, fifo bool, visibility, maxReceive int) (*snssqs.Provisioned, *sns.Client, *sqs.Client) {
	t.Helper()
	snsC, sqsC := clientsOf(t, srv.endpoint)
	c := snssqs.Clients{SNS: snsC, SQS: sqsC}
	topo := ledgerSpec(fifo, visibility, maxReceive)
	p, err := snssqs.Provision(context.Background(), c, topo, snssqs.ProvisionOptions{SkipQueuePolicy: srv.skipPolicy})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = snssqs.Teardown(context.Background(), c, topo) })
	return p, snsC, sqsC
}

// fauxqsServer is fauxqs as a testServer.
func fauxqsServer() testServer { return testServers()[1] }
