// Package asyncapi writes the AsyncAPI 3.0 document of a topology and its
// schema catalogue: the code behind `eventctl asyncapi`.
//
// The document has a channel per SNS topic (topic.<domain>, with its sns
// binding: name and ordering) and per SQS queue (queue.<service>, with its
// sqs binding: the queue, its visibility timeout, retention and redrive
// policy, and its dead-letter queue); a receive operation per consuming
// service (with the sqs operation binding), and a send operation per
// producer and topic (with the sns operation binding: the queues
// subscribed, raw delivery, and their filter policies on type). Every
// schema of an event type on a topic is a message (one per type and minor
// version: elmo.identity.client.signed_up.v1.2) whose payload is the JSON
// Schema, whose headers are the CloudEvents attributes of the envelope (the
// envelope schema's, with type fixed), and whose examples are the schema's.
// A payload's $defs become components/schemas <message>.<name>, and its
// $refs are rewritten to point there; a $ref to another schema of the
// catalogue points at that schema's payload.
//
// Messages travel as CloudEvents structured JSON envelopes (the attributes
// beside the payload in data), as the document's description says; type,
// source and tenantid are mirrored as message attributes.
package asyncapi
