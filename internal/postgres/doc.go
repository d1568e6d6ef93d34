// Package postgres runs a PostgreSQL 15 server for tests: a fresh cluster
// in a temporary folder (initdb, as the postgres user when the tests run
// as root, since PostgreSQL refuses to run as root), listening on a free
// loopback port, stopped by its PID and removed when done. It uses the
// server binaries of the machine: $PG_BIN when set, else the Debian
// layout /usr/lib/postgresql/15/bin, else the folder of pg_config on the
// PATH. A server that cannot start fails the test with the reason; it
// never skips.
//
// The cluster trusts local connections and trades durability for speed
// (fsync off): it is for tests only.
package postgres
