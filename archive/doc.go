// Package archive keeps every event of chosen domains in an event store,
// and replays what it kept to one service.
//
// # The archive
//
// An Archive is a consumer's handler (Register it as the default handler
// of a service that consumes the domains: Service builds that topology
// entry). It appends each event, its bytes as they came, to the stream of
// its subject (its type's when it has none), deduplicated by (source, id),
// with the store's own recorded time. It acknowledges an event only once
// it is stored, so an archive killed at any point loses nothing: what it
// had not stored comes again, and what it had is not stored twice.
//
// # Replay
//
// Replay sends archived events to one service's queue, never to a topic
// (transport.Bus.Resend), selected by type, tenant, subject and a window
// on recorded or effective time, as known at a given time; in the order
// they were archived, which keeps each subject's and each partition key's;
// marked as a replay (transport.Delivery.Replayed); paced; resumable from
// its checkpoint in the store. A dry run reports what it would send.
//
// eventctl archive and eventctl replay run both from the command line.
package archive
