// Package sqlq holds what the SQL backends of the event store share: the
// read query built from an eventstore.Query, and the scanning of rows.
package sqlq
