package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"sync/atomic"
	"syscall"

	"github.com/elmosoftware/eventprotocol/archive"
	"github.com/elmosoftware/eventprotocol/eventstore"
	"github.com/elmosoftware/eventprotocol/service"
	"github.com/elmosoftware/eventprotocol/transport"
	"github.com/elmosoftware/eventprotocol/transport/topology"
)

const archiveUsage = `usage: eventctl archive --db URL --topology FILE.json [--service archive] [--domains D,...] [--provision]

Keeps every event of the archive's domains in an event store, byte for byte, one
stream per subject, each once, until interrupted (Ctrl-C, SIGTERM). The archive is
a service of the topology that consumes its domains; without it in the file,
--provision adds it (with --domains, or every domain) and provisions its queue,
and without --provision the command prints the entry to add. --db is a store URL:
sqlite:///path/archive.db, sqlite://rel.db or postgres://...
`

// signalled returns a context that ends on SIGINT or SIGTERM.
func signalled() (context.Context, context.CancelFunc) {
	return signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
}

// archiveCmd runs "eventctl archive" until ctx ends.
func archiveCmd(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := newFlagSet("archive", archiveUsage, stdout, stderr)
	aws := addAWSFlags(fs.FlagSet)
	db := fs.String("db", "", "event store URL (required)")
	name := fs.String("service", "archive", "the archive's service in the topology")
	domains := fs.String("domains", "", "comma-separated domains to archive, with --provision (default: all)")
	provision := fs.Bool("provision", false, "add the archive's service to the topology if it is missing, and provision its queue")
	rest, status, ok := fs.parse(args)
	if !ok {
		return status
	}
	if code := fs.misuse(rest, "db", "topology"); code != exitOK {
		return code
	}
	topo, err := aws.readTopology()
	if err != nil {
		fmt.Fprintf(stderr, "eventctl archive: %v\n", err)
		return topologyExit(err)
	}
	if _, ok := topo.Service(*name); !ok {
		svc, err := archive.Service(topo, *name, split(*domains)...)
		if err != nil {
			fmt.Fprintf(stderr, "eventctl archive: %v\n", err)
			return exitInvalid
		}
		if !*provision {
			entry, _ := json.Marshal(svc)
			fmt.Fprintf(stderr, "eventctl archive: the topology lists no service %q: add %s to its services and provision it (or use --provision)\n", *name, entry)
			return exitInvalid
		}
		topo.Services = append(topo.Services, svc)
	}
	bus, store, code := openArchive(ctx, aws, *db, topo, *provision, stderr)
	if code != exitOK {
		return code
	}
	defer store.Close()
	a, err := archive.New(store)
	if err != nil {
		fmt.Fprintf(stderr, "eventctl archive: %v\n", err)
		return exitUsage
	}
	consumer, err := bus.Consumer(ctx, *name, &transport.ConsumerConfig{Concurrency: archive.Concurrency})
	if err != nil {
		fmt.Fprintf(stderr, "eventctl archive: %v\n", err)
		return exitUsage
	}
	var archived atomic.Int64
	if err := consumer.HandleDefault(func(ctx context.Context, d *transport.Delivery) error {
		err := a.Handle(ctx, d)
		if err == nil {
			archived.Add(1)
		}
		return err
	}); err != nil {
		fmt.Fprintf(stderr, "eventctl archive: %v\n", err)
		return exitUsage
	}
	if err := consumer.Start(context.WithoutCancel(ctx)); err != nil { // Shutdown stops it
		fmt.Fprintf(stderr, "eventctl archive: %v\n", err)
		return exitUsage
	}
	fmt.Fprintf(stdout, "archiving %s into the store; Ctrl-C stops\n", strings.Join(servicesConsumes(topo, *name), ", "))
	<-ctx.Done()
	sctx, cancel := context.WithTimeout(context.Background(), *aws.timeout)
	defer cancel()
	err = consumer.Shutdown(sctx)
	fmt.Fprintf(stdout, "archived %s\n", plural(int(archived.Load()), "event"))
	if err != nil {
		fmt.Fprintf(stderr, "eventctl archive: %v\n", err)
		return exitUsage
	}
	return exitOK
}

// servicesConsumes returns what a service of the topology consumes.
func servicesConsumes(topo *topology.Topology, name string) []string {
	svc, _ := topo.Service(name)
	return svc.Consumes
}

// openArchive opens the bus of the topology on SNS/SQS and the store.
func openArchive(ctx context.Context, aws awsFlags, db string, topo *topology.Topology, provision bool, stderr io.Writer) (*transport.Bus, *eventstore.Store, int) {
	d, err := aws.driver(ctx)
	if err != nil {
		fmt.Fprintf(stderr, "eventctl: %v\n", err)
		return nil, nil, exitUsage
	}
	bus, err := transport.Open(ctx, d, topo, &transport.OpenConfig{Provision: provision})
	if err != nil {
		fmt.Fprintf(stderr, "eventctl: %v\n", err)
		return nil, nil, exitUsage
	}
	store, err := service.OpenStore(ctx, "--db", db, nil)
	if err != nil {
		fmt.Fprintf(stderr, "eventctl: %v\n", err)
		return nil, nil, exitUsage
	}
	return bus, store, exitOK
}

// split returns the comma-separated items of s, none when s is empty.
func split(s string) []string {
	if s == "" {
		return nil
	}
	return strings.Split(s, ",")
}
