// Package sqlq holds what the SQL backends of the event store share: the
// read query built from an eventstore.Query, the scanning of rows, and
// Tables, the Backend methods that are the same SQL on every database
// (a backend embeds it over an adapter of its driver, a Conn).
package sqlq
