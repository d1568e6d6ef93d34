package service

import (
	"log/slog"
	"time"

	"github.com/elmosoftware/eventprotocol/eventstore"
	"github.com/elmosoftware/eventprotocol/outbox"
	"github.com/elmosoftware/eventprotocol/telemetry"
	"github.com/elmosoftware/eventprotocol/transport"
	"github.com/elmosoftware/eventprotocol/transport/topology"
)

// The environment variables Open reads when Config leaves the setting
// empty, so that one binary runs on a laptop and in AWS.
const (
	// TransportEnv names where the service's events travel: a transport
	// URL (see Config.Transport).
	TransportEnv = "ELMO_TRANSPORT"
	// StoreEnv names the service's event store: a store URL (see
	// Config.Store).
	StoreEnv = "ELMO_STORE"
)

// Config configures Open. A nil *Config means the defaults; a zero field
// means its default; an invalid value is an error.
type Config struct {
	// Transport is where the service's events travel, as a URL:
	//
	//   - "mem://": an in-process broker; the topology is derived from the
	//     catalogue and the handlers (the default);
	//   - "snssqs://?region=R&endpoint=E&wait=D&topology=FILE&provision=true":
	//     Amazon SNS and SQS. region defaults to the SDK's (AWS_REGION);
	//     endpoint points at a local server such as GoAws or LocalStack,
	//     which then accepts placeholder credentials; wait is the long poll
	//     (a Go duration, at most 20s); topology is the topology file
	//     (or set Topology); provision=true creates its topics and queues
	//     first, for development (production runs eventctl provision).
	//
	// Empty means the environment variable ELMO_TRANSPORT, then "mem://".
	Transport string
	// Store is the service's event store, as a URL: "mem://" (in memory,
	// the default), "sqlite:///abs/path.db" or "sqlite://rel/path.db" (a
	// file; its folder must exist), or a PostgreSQL URL
	// "postgres://user:pass@host:5432/db?sslmode=disable". Empty means the
	// environment variable ELMO_STORE, then "mem://".
	Store string
	// Topology, when set, is the service's topology on any transport,
	// instead of the one derived (mem://) or read from the URL's topology
	// file (snssqs://).
	Topology *topology.Topology
	// Consumer configures the service's consumer; its Catalog defaults to
	// the service's, its Logger to Logger, its Hooks to the telemetry's.
	Consumer *transport.ConsumerConfig
	// Publisher configures the service's publisher likewise.
	Publisher *transport.PublisherConfig
	// EventStore configures the event store; its Logger defaults to
	// Logger.
	EventStore *eventstore.Config
	// Relay runs an outbox relay while the service runs: it publishes,
	// in order and at least once, every event appended to the store's
	// main timeline. Leave it off when the service appends events it
	// received, which the relay would publish again.
	Relay bool
	// Outbox configures the relay; its Name defaults to the service's, its
	// Logger to Logger, its Hooks to the telemetry's.
	Outbox *outbox.Config
	// Telemetry configures the OpenTelemetry hooks, which are always
	// wired: they use the providers registered with OpenTelemetry (none
	// means nearly no cost). Hooks set in Consumer, Publisher or Outbox
	// replace them.
	Telemetry *telemetry.Config
	// ShutdownTimeout bounds how long Run, once done, waits for running
	// handlers to finish before it closes the service. Default 30s.
	ShutdownTimeout time.Duration
	// Logger receives what would otherwise go unseen, for every
	// component whose own config sets no logger. Default: none.
	Logger *slog.Logger
}

// DefaultShutdownTimeout is Config.ShutdownTimeout's default.
const DefaultShutdownTimeout = 30 * time.Second
