// Package topology describes, independently of any transport, who
// publishes and who consumes what in an environment: the domains whose
// events have a topic, and the consuming services, each with one
// subscription (a queue with its dead-letter queue) filtered to the event
// types it consumes.
//
// A [Topology] is read from JSON ([Read]) or built in code, and checked
// with [Topology.Validate]. It is the data model alone and imports no
// transport package: transports serve a topology through the interfaces
// of package transport/driver (Driver, and optionally Provisioner and
// DeadLetterAccess), and transport.Open wires a topology on a driver into
// a Publisher, a Consumer per service and the dead letters, so
// application code never names a driver type.
//
// A topology file:
//
//	{
//	  "env": "dev",
//	  "tags": {"team": "identity"},
//	  "domains": [{"name": "identity", "encryption": {}},
//	              {"name": "payroll", "maxMessageBytes": 1048576}],
//	  "services": [
//	    {"name": "billing", "consumes": ["elmo.identity.client.signed_up.v1"],
//	     "encryption": {"kmsKeyId": "alias/billing"}, "retentionSeconds": 1209600},
//	    {"name": "audit", "consumes": ["elmo.identity.*"], "maxReceiveCount": 20}
//	  ]
//	}
//
// Confidential and restricted events need encryption at rest ("encryption":
// {} for the provider's keys, or a KMS key); tags label every resource;
// retention bounds how long a queue keeps what nobody handles; a domain's
// maxMessageBytes (default 262144, at most 1048576) is the largest message
// its topic and the queues subscribed to it take.
//
// An entry of consumes is an event type (with its major version) or
// "<org>.<domain>.*" for every type of a domain.
package topology
