package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/elmosoftware/eventprotocol/transport/driver"
	"github.com/elmosoftware/eventprotocol/transport/snssqs"
	"github.com/elmosoftware/eventprotocol/transport/topology"
)

// awsFlags are the flags of the commands that talk to SNS/SQS about a
// topology.
type awsFlags struct {
	endpoint, region, topology *string
	timeout                    *time.Duration
}

func addAWSFlags(fs *flag.FlagSet) awsFlags {
	return awsFlags{
		endpoint: fs.String("endpoint", "", "SNS/SQS endpoint, e.g. http://127.0.0.1:4100 (default: AWS); a loopback address is a local server (GoAws, fauxqs): no queue policies, batches of 9"),
		region:   fs.String("region", "", "AWS region (default: the SDK's, e.g. AWS_REGION)"),
		topology: fs.String("topology", "", "topology JSON file (required)"),
		timeout:  fs.Duration("timeout", 2*time.Minute, "give up after this long"),
	}
}

// topologyExit is the exit status of a topology that cannot be read: 1 when
// it is invalid, 2 when it cannot be opened.
func topologyExit(err error) int {
	if errors.Is(err, topology.ErrInvalid) {
		return exitInvalid
	}
	return exitUsage
}

// readTopology reads the --topology file.
func (a awsFlags) readTopology() (*topology.Topology, error) { return readTopology(*a.topology) }

// readTopology reads a topology file.
func readTopology(path string) (*topology.Topology, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return topology.Read(f)
}

// driver connects to SNS/SQS.
func (a awsFlags) driver(ctx context.Context) (*snssqs.Driver, error) {
	snsC, sqsC, err := snssqs.Connect(ctx, &snssqs.ConnectConfig{Region: *a.region, Endpoint: *a.endpoint, LocalServer: *a.endpoint != ""})
	if err != nil {
		return nil, err
	}
	return snssqs.NewDriver(snsC, sqsC, &snssqs.DriverConfig{WaitTime: time.Second})
}

// offline is a driver for planning: it calls nothing, so it needs no AWS
// configuration.
func (a awsFlags) offline(ctx context.Context) (*snssqs.Driver, error) {
	region := *a.region
	if region == "" {
		region = "us-east-1" // any: a plan names no region
	}
	// Placeholder credentials: a plan makes no call.
	snsC, sqsC, err := snssqs.Connect(ctx, &snssqs.ConnectConfig{Region: region, Endpoint: *a.endpoint, LocalServer: true})
	if err != nil {
		return nil, err
	}
	return snssqs.NewDriver(snsC, sqsC, nil)
}

// provision runs "eventctl provision" and "eventctl teardown".
func provision(name string, args []string, stdout, stderr io.Writer) int {
	fs := newFlagSet(name, fmt.Sprintf("usage: eventctl %s --topology FILE.json [--endpoint URL] [--region R] [--dry-run]\n", name), stdout, stderr)
	aws := addAWSFlags(fs.FlagSet)
	dryRun := fs.Bool("dry-run", false, "print the plan without calling AWS")
	rest, status, ok := fs.parse(args)
	if !ok {
		return status
	}
	if code := fs.misuse(rest, "topology"); code != exitOK {
		return code
	}
	topo, err := aws.readTopology()
	if err != nil {
		fmt.Fprintf(stderr, "eventctl %s: %v\n", name, err)
		return topologyExit(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), *aws.timeout)
	defer cancel()
	connect := aws.driver
	if *dryRun {
		connect = aws.offline
	}
	d, err := connect(ctx)
	if err != nil {
		fmt.Fprintf(stderr, "eventctl %s: %v\n", name, err)
		return exitUsage
	}
	steps, _ := d.Plan(topo) // the topology was validated
	if name == "teardown" {
		var deletes []driver.Step
		for _, s := range steps {
			if s.Action == "create-topic" || s.Action == "create-queue" {
				deletes = append(deletes, driver.Step{Action: "delete-" + s.Action[len("create-"):], Resource: s.Resource})
			}
		}
		steps = deletes
	}
	if *dryRun {
		for _, s := range steps {
			fmt.Fprintln(stdout, s)
		}
		return exitOK
	}
	if name == "teardown" {
		if err := d.Teardown(ctx, topo); err != nil {
			fmt.Fprintf(stderr, "eventctl teardown: %v\n", err)
			return exitUsage // an I/O error: nothing is known to be invalid
		}
		fmt.Fprintf(stdout, "removed the topics and queues of environment %s\n", topo.Env)
		return exitOK
	}
	if err := d.Provision(ctx, topo); err != nil {
		fmt.Fprintf(stderr, "eventctl provision: %v\n", err)
		return exitUsage // an I/O error (the topology was validated above)
	}
	fmt.Fprintf(stdout, "provisioned environment %s: %s\n", topo.Env, plural(len(steps), "step"))
	return exitOK
}
