package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/elmosoftware/eventprotocol/transport/snssqs"
)

// provision runs "eventctl provision" and "eventctl teardown".
func provision(name string, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	endpoint := fs.String("endpoint", "", "SNS/SQS endpoint, e.g. http://127.0.0.1:4100 (default: AWS)")
	region := fs.String("region", "", "AWS region (default: the SDK's, e.g. AWS_REGION)")
	topologyFile := fs.String("topology", "", "topology JSON file (required)")
	dryRun := fs.Bool("dry-run", false, "print the plan without calling AWS")
	skipPolicy := fs.Bool("skip-queue-policy", false, "do not set queue policies (for servers without them, such as GoAws)")
	timeout := fs.Duration("timeout", 2*time.Minute, "give up after this long")
	fs.Usage = func() {
		fmt.Fprintf(stderr, "usage: eventctl %s --topology FILE.json [--endpoint URL] [--region R] [--dry-run]", name)
		if name == "provision" {
			fmt.Fprint(stderr, " [--skip-queue-policy]")
		}
		fmt.Fprintln(stderr)
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return exitOK
		}
		return exitUsage
	}
	if *topologyFile == "" || fs.NArg() > 0 {
		fs.Usage()
		return exitUsage
	}
	f, err := os.Open(*topologyFile)
	if err != nil {
		fmt.Fprintf(stderr, "eventctl %s: %v\n", name, err)
		return exitUsage
	}
	topo, err := snssqs.ReadTopology(f)
	f.Close()
	if err != nil {
		fmt.Fprintf(stderr, "eventctl %s: %v\n", name, err)
		return exitUsage
	}
	if *dryRun {
		steps, _ := topo.Plan() // the topology was validated
		for _, s := range steps {
			if name == "teardown" {
				if s.Action != "create-topic" && s.Action != "create-queue" {
					continue
				}
				s.Action, s.Detail = "delete-"+s.Action[len("create-"):], ""
			}
			fmt.Fprintln(stdout, s)
		}
		return exitOK
	}
	ctx, cancel := context.WithTimeout(context.Background(), *timeout)
	defer cancel()
	snsC, sqsC, err := snssqs.Connect(ctx, snssqs.ConnectConfig{Region: *region, Endpoint: *endpoint, LocalServer: *endpoint != ""})
	if err != nil {
		fmt.Fprintf(stderr, "eventctl %s: %v\n", name, err)
		return exitUsage
	}
	clients := snssqs.Clients{SNS: snsC, SQS: sqsC}
	if name == "teardown" {
		if err := snssqs.Teardown(ctx, clients, topo); err != nil {
			fmt.Fprintf(stderr, "eventctl teardown: %v\n", err)
			return exitUsage // an I/O error: nothing is known to be invalid
		}
		fmt.Fprintf(stdout, "removed the topics and queues of environment %s\n", topo.Env)
		return exitOK
	}
	p, err := snssqs.Provision(ctx, clients, topo, snssqs.ProvisionOptions{SkipQueuePolicy: *skipPolicy})
	if err != nil {
		fmt.Fprintf(stderr, "eventctl provision: %v\n", err)
		return exitUsage // an I/O error (the topology was validated above)
	}
	if err := writeJSON(stdout, p); err != nil {
		fmt.Fprintf(stderr, "eventctl provision: %v\n", err)
		return exitUsage
	}
	return exitOK
}
