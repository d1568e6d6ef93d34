// Package service is the front door: one ELMO service, opened by its name,
// its catalogue of payload schemas and where it runs, with typed publishing
// and handling, its event store, an outbox relay and telemetry wired.
//
//	//go:embed catalog
//	var catalog embed.FS
//
//	svc, err := service.Open(ctx, "leave-balance", catalog, nil)
//	err = service.Handle(svc, absenceApproved, func(ctx context.Context, e *envelope.Envelope, p AbsenceApproved) error { ... })
//	err = svc.Run(ctx, nil) // until ctx ends: signal.NotifyContext
//
// # Where it runs
//
// A transport URL and a store URL, each from Config or, when empty, from
// the environment variables ELMO_TRANSPORT and ELMO_STORE, so that one
// binary runs on a laptop and in AWS:
//
//	mem://                                          events in this process (the default)
//	snssqs://?region=ap-southeast-2&topology=topology.json
//	snssqs://?endpoint=http://127.0.0.1:4100&region=us-east-1&provision=true&topology=t.json
//	mem://                                          an event store in memory (the default)
//	sqlite:///var/lib/leave/events.db               an SQLite file (sqlite://rel/path.db)
//	postgres://user:pass@host:5432/db?sslmode=require
//
// A mistake in either is a *config.Error (config.ErrInvalid) naming the
// field or the environment variable and the fix, never the URL.
//
// # Topology
//
// On mem:// the topology is derived when the service starts: a topic per
// domain of the catalogue's and the handled event types, and the service's
// subscription to the types it handles. On SNS/SQS it is the topology file
// named by the URL's topology parameter (or Config.Topology), the one
// eventctl provision applies; a handler of a type the service's
// subscription never delivers is refused when it is registered.
//
// # Life cycle
//
// Open, register handlers with Handle, then Start (or Run, which also
// closes), Publish, and Close. Publish before Start is ErrNotStarted: the
// topology is settled when the service starts. Close waits for running
// handlers, which may still publish, then stops the relay and closes the
// store.
//
// # Typed events
//
// Handle and Publish take event.Definitions. Publish sets the source
// (urn:<org>:service:<name>), the subject (required of every ELMO event;
// the tenant follows from it) and, with a handler's context, the causation
// and correlation of the event handled. Append and Read keep events in the
// store by the protocol's convention, one stream per subject.
//
// # Everything else
//
// The front door composes the packages below it and adds no second
// implementation: Bus, Consumer, Store, Relay and Telemetry return them,
// and Config passes their own configurations through (transport.
// ConsumerConfig, transport.PublisherConfig, eventstore.Config,
// outbox.Config, telemetry.Config), with the service's logger, catalogue
// and telemetry hooks filled in where they leave them empty.
//
// The package links every transport and store it can open (the AWS SDK,
// SQLite and PostgreSQL drivers), as database/sql programs that import
// every driver would; a binary that wants fewer uses transport.Open and the
// eventstore backends directly.
package service
