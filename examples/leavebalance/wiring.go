package main

import (
	"context"
	"flag"

	"github.com/elmosoftware/eventprotocol/examples/internal/examplekit"
	"github.com/elmosoftware/eventprotocol/transport"
	"github.com/elmosoftware/eventprotocol/transport/topology"
)

// options are the example's command-line options.
type options struct {
	transport string // "memory" or "snssqs"
	endpoint  string // SNS/SQS endpoint of a local server, e.g. http://127.0.0.1:4100
	region    string
	catalog   string // folder of the schema catalogue
}

func flags(fs *flag.FlagSet) *options {
	o := &options{}
	fs.StringVar(&o.transport, "transport", "memory", "memory, or snssqs for SNS/SQS")
	fs.StringVar(&o.endpoint, "endpoint", "", "SNS/SQS endpoint of a local server, e.g. http://127.0.0.1:4100 (default: AWS)")
	fs.StringVar(&o.region, "region", "us-east-1", "AWS region (snssqs)")
	fs.StringVar(&o.catalog, "catalog", "", catalogHelp)
	return o
}

// open loads the catalogue and opens the topology on the transport the
// options name, provisioned: on SNS/SQS in a fresh environment, which
// bus.Teardown removes.
func open(ctx context.Context, o *options, topo func(env string) *topology.Topology) (*transport.Bus, error) {
	cat, err := loadCatalog(o.catalog)
	if err != nil {
		return nil, err
	}
	d, env, err := examplekit.Driver(ctx, o.transport, o.endpoint, o.region)
	if err != nil {
		return nil, err
	}
	return transport.Open(ctx, d, topo(env), &transport.OpenConfig{Provision: true, Catalog: cat})
}
