package main

import (
	"context"
	"flag"
	"fmt"

	"github.com/elmosoftware/eventprotocol/examples/internal/examplekit"
	"github.com/elmosoftware/eventprotocol/schema"
	"github.com/elmosoftware/eventprotocol/transport"
	"github.com/elmosoftware/eventprotocol/transport/driver"
	"github.com/elmosoftware/eventprotocol/transport/topology"
)

// options are the example's command-line options.
type options struct {
	transport string // "memory" or "snssqs"
	endpoint  string // SNS/SQS endpoint of a local server, e.g. http://127.0.0.1:4100
	region    string
	catalog   string // folder of the schema catalogue
	trace     bool   // print the OpenTelemetry spans of the run
}

func flags(fs *flag.FlagSet) *options {
	o := &options{}
	fs.StringVar(&o.transport, "transport", "memory", "memory, or snssqs for SNS/SQS")
	fs.StringVar(&o.endpoint, "endpoint", "", "SNS/SQS endpoint of a local server, e.g. http://127.0.0.1:4100 (default: AWS)")
	fs.StringVar(&o.region, "region", "us-east-1", "AWS region (snssqs)")
	fs.StringVar(&o.catalog, "catalog", "testdata/catalog", "folder of the schema catalogue")
	fs.BoolVar(&o.trace, "trace", false, "print the OpenTelemetry span tree of the run")
	return o
}

// open loads the catalogue and opens the topology on the transport the
// options name, provisioned: on SNS/SQS in a fresh environment, which
// bus.Teardown removes. It returns the driver too, for a second Bus.
func open(ctx context.Context, o *options, topo func(env string) *topology.Topology, hooks *transport.PublishHooks) (*transport.Bus, driver.Driver, error) {
	cat, err := schema.LoadDir(o.catalog)
	if err != nil {
		return nil, nil, fmt.Errorf("%w (run from the repository's root, or use -catalog)", err)
	}
	d, env, err := examplekit.Driver(ctx, o.transport, o.endpoint, o.region)
	if err != nil {
		return nil, nil, err
	}
	bus, err := transport.Open(ctx, d, topo(env), &transport.OpenConfig{Provision: true, Catalog: cat,
		Publisher: &transport.PublisherConfig{Hooks: hooks}})
	if err != nil {
		return nil, nil, err
	}
	return bus, d, nil
}
