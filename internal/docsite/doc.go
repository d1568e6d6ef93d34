// Package docsite writes a browsable catalogue of a topology's events: the
// code behind `eventctl docs`.
//
// [Build] returns the files of a static site that works offline (no font,
// style or script from elsewhere; the search index is a script, since
// browsers refuse fetch() on file:// pages):
//
//   - index.html: the domains (topic, event types, producers, consumers),
//     the services (what each publishes and consumes) and every event type;
//   - domain-<name>.html: a flow picture (SVG) of the domain's producers,
//     its topic and its consumers, and its event types;
//   - service-<name>.html: its queue, dead-letter queue and settings, and
//     the event types it publishes and consumes;
//   - event-<type>.html: who publishes and consumes the type, and per minor
//     version its dataschema, its payload as a table (each member's path,
//     type, whether it is required, description and constraints; $defs,
//     arrays, nested objects and oneOf/anyOf alternatives expanded), its
//     examples, and the changes from the minor before it as the
//     compatibility checker classifies them;
//   - search.html: every word of the query against the types, their
//     members and descriptions, the services and the domains.
//
// Text from schemas is escaped (html/template); the search script writes
// text, never HTML.
package docsite
