package snssqs_test

import (
	"context"
	"flag"
	"fmt"
	"os"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/sns"
	"github.com/aws/aws-sdk-go-v2/service/sqs"

	"github.com/elmosoftware/eventprotocol/internal/fauxqs"
	"github.com/elmosoftware/eventprotocol/naming"
	"github.com/elmosoftware/eventprotocol/transport/snssqs"
	"github.com/elmosoftware/eventprotocol/transport/snssqs/snssqstest"
	"github.com/elmosoftware/eventprotocol/transport/topology"
)

// The two SNS/SQS servers the tests of this package talk to: GoAws and
// fauxqs. TestMain starts both; if either cannot start, every test fails:
// they never skip.
var (
	server *snssqstest.Server // GoAws, the default of the tests
	faux   *fauxqs.Server     // fauxqs, for the conformance suite and the paths GoAws cannot show
)

func TestMain(m *testing.M) {
	// The parallel tests wait on the servers' whole-second timeouts, not
	// on the CPU: unless -test.parallel says otherwise, run more of them at
	// once than GOMAXPROCS, the default.
	flag.Parse()
	set := false
	flag.Visit(func(f *flag.Flag) { set = set || f.Name == "test.parallel" })
	if !set {
		if err := flag.Set("test.parallel", "8"); err != nil {
			fmt.Fprintf(os.Stderr, "FAIL: setting -test.parallel: %v\n", err)
			os.Exit(1)
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	s, err := snssqstest.Start(ctx)
	if err != nil {
		cancel()
		fmt.Fprintf(os.Stderr, "FAIL: the SNS/SQS tests need GoAws (%s), and it could not be built or started: %v\n", snssqstest.Module, err)
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
	s, q, err := snssqs.Connect(context.Background(), &snssqs.ConnectConfig{
		Region: snssqstest.Region, Endpoint: endpoint,
		Credentials: credentials.NewStaticCredentialsProvider("test", "test", ""),
	})
	if err != nil {
		t.Fatal(err)
	}
	return s, q
}

// testServer is one of the SNS/SQS servers the tests run against.
type testServer struct {
	name     string
	endpoint string
	batch    int // the most entries PublishBatch takes
}

func testServers() []testServer {
	return []testServer{
		{name: "goaws", endpoint: server.Endpoint, batch: goawsBatch},
		{name: "fauxqs", endpoint: faux.Endpoint, batch: snssqs.MaxBatch},
	}
}

// onEachServer runs test against every test server, as parallel subtests
// of a parallel test: the tests make topics and queues of their own, and
// they wait on the servers more than on the CPU.
func onEachServer(t *testing.T, test func(t *testing.T, srv testServer)) {
	t.Parallel()
	for _, srv := range testServers() {
		t.Run(srv.name, func(t *testing.T) {
			t.Parallel()
			test(t, srv)
		})
	}
}

// ledgerSpec is a fresh environment with one domain, leave (FIFO when
// fifo), whose topic the ledger service's queue subscribes to for absence
// approvals, with the given visibility timeout and maxReceiveCount (0: the
// defaults).
func ledgerSpec(fifo bool, visibility, maxReceive int) *topology.Topology {
	return &topology.Topology{Env: newEnvName(), Domains: []topology.Domain{{Name: "leave", FIFO: fifo}},
		Services: []topology.Service{{Name: "ledger", Consumes: []string{"elmo.leave.absence.approved.v1"},
			VisibilityTimeoutSeconds: visibility, MaxReceiveCount: maxReceive}}}
}

// provisioned is a topology provisioned on a test server, with what the
// tests address directly.
type provisioned struct {
	driver    *snssqs.Driver
	TopicARNs map[string]string // by domain
	QueueURLs map[string]string // by service
	DLQURLs   map[string]string // by service
}

// provision provisions topo with a Driver on the clients, and tears it
// down when the test ends.
func provision(t testing.TB, snsC *sns.Client, sqsC *sqs.Client, topo *topology.Topology) *provisioned {
	t.Helper()
	ctx := context.Background()
	d, err := snssqs.NewDriver(snsC, sqsC, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := d.Provision(ctx, topo); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = d.Teardown(context.Background(), topo) })
	p := &provisioned{driver: d, TopicARNs: map[string]string{}, QueueURLs: map[string]string{}, DLQURLs: map[string]string{}}
	names := naming.AWSNames{Env: topo.Env, Org: topo.Org}
	for _, dom := range topo.Domains {
		name, _ := names.Topic(dom.Name, dom.FIFO)
		out, err := snsC.CreateTopic(ctx, &sns.CreateTopicInput{Name: aws.String(name)}) // idempotent: the ARN
		if err != nil {
			t.Fatal(err)
		}
		p.TopicARNs[dom.Name] = aws.ToString(out.TopicArn)
	}
	for _, s := range topo.Services {
		q, _ := names.Queue(s.Name, topo.FIFO(s))
		dlq, _ := names.DeadLetterQueue(s.Name, topo.FIFO(s))
		for name, into := range map[string]map[string]string{q: p.QueueURLs, dlq: p.DLQURLs} {
			out, err := sqsC.GetQueueUrl(ctx, &sqs.GetQueueUrlInput{QueueName: aws.String(name)})
			if err != nil {
				t.Fatal(err)
			}
			into[s.Name] = aws.ToString(out.QueueUrl)
		}
	}
	return p
}

// ledgerTopology provisions ledgerSpec on srv and returns it with the
// server's clients.
func ledgerTopology(t testing.TB, srv testServer, fifo bool, visibility, maxReceive int) (*provisioned, *sns.Client, *sqs.Client) {
	t.Helper()
	snsC, sqsC := clientsOf(t, srv.endpoint)
	return provision(t, snsC, sqsC, ledgerSpec(fifo, visibility, maxReceive)), snsC, sqsC
}

// fauxqsServer is fauxqs as a testServer.
func fauxqsServer() testServer { return testServers()[1] }
