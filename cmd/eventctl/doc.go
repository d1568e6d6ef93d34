// Command eventctl checks ELMO events, payload schemas and schema changes.
// It is meant for CI and for people at a terminal.
//
// Usage:
//
//	eventctl check [--profile elmo|cloudevents] [--json] [--org ORG] [--strict=false] FILE...
//	eventctl validate --catalog DIR [--profile elmo|cloudevents] [--json] [--org ORG] [--strict=false] FILE...
//	eventctl lint [--json] DIR
//	eventctl compat [--mode MODE] [--json] OLD.json NEW.json
//	eventctl compat [--mode MODE] [--json] --catalog NEW_DIR --baseline OLD_DIR
//	eventctl provision --topology FILE.json [--endpoint URL] [--region R] [--dry-run]
//	eventctl teardown --topology FILE.json [--endpoint URL] [--region R] [--dry-run]
//	eventctl dlq list|show|redrive|purge --topology FILE.json --service NAME [--json] [--max N] [--all] [ID...]
//	eventctl gen go --catalog DIR --package NAME [--out FILE] [--types T,...]
//	eventctl asyncapi --catalog DIR --topology FILE.json [--out FILE] [--title T] [--version V]
//	eventctl docs --catalog DIR --topology FILE.json --out DIR [--title T]
//
// check validates envelopes; validate also validates each payload against
// its schema in the catalogue. For both, FILE "-" is standard input, and a
// file holds one JSON event, a JSON array of events (a batch), or JSON lines
// (one event per line).
//
// lint reports every breach of the catalogue conventions (see package
// schema). compat compares two versions of a JSON Schema, or every schema of
// a baseline catalogue with its successor, in mode backward (the default),
// forward, full, or their _transitive forms, and prints each breaking change
// with its JSON pointer and rule.
//
// provision applies a topology (see package transport/topology) on SNS/SQS
// idempotently; with --dry-run it prints the plan and calls nothing.
// teardown removes what provision created. dlq lists a service's dead
// letters (id, event type, event id, receives, reason; --json for all of
// it), shows one whole (reason, attempts, attributes, the original bytes),
// redrives some (or --all) back to the service's own queue with their bytes
// unchanged (the topic's other subscribers get nothing again; the
// service's deduplication still applies), and purges them.
// gen go writes Go payload types and event definitions for the newest
// minor of each major of a catalogue (see internal/gengo for the mapping);
// a construct with no faithful Go type is an error naming its pointer.
// asyncapi writes the AsyncAPI 3.0 document of a topology and its
// catalogue (see internal/asyncapi): topics and queues as channels with
// their sns and sqs bindings, send and receive operations per service, a
// message per event type and minor version. docs writes a static site
// to browse offline (see internal/docsite): domains with a flow picture,
// services, and each event type's versions, payload tables, examples and
// changes between minors, with search.
// Credentials come from the AWS SDK's default chain (the environment,
// shared files, roles); --endpoint points at a local server such as GoAws
// or LocalStack (a loopback address is taken for a local server: no queue
// policies, batches of 9).
//
// The exit status is 0 when everything is valid or compatible, 1 when
// anything is invalid, has a finding or is incompatible (an invalid
// topology too; for dlq: an unknown service or dead letter), and 2 on a
// usage or I/O error (provisioning that failed is one: nothing is known to
// be invalid). Flags may come before or after the file arguments;
// eventctl version prints the version, eventctl help CMD a command's usage.
package main
