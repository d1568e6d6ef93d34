// Package sqlite is the event store's embedded backend: SQLite through
// modernc.org/sqlite, pure Go with no cgo, in a file (write-ahead log,
// several readers beside the single writer) or in memory.
//
// SQLite admits one writer at a time, so global positions are assigned in
// commit order and a reader following them never skips an event that
// commits later. Appends take the write lock when they begin (BEGIN
// IMMEDIATE) and wait up to Config.BusyTimeout for another process's.
//
// The schema (tables es_events, es_head, es_branches, es_snapshots and
// es_checkpoints) is created when missing.
package sqlite
