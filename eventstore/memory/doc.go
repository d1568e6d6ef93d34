// Package memory is the in-memory backend of the event store: for tests,
// examples and the onboarding demo. It keeps every event for the life of
// the process.
package memory
