package main

import (
	"io"
	"strings"

	"github.com/elmosoftware/eventprotocol/envelope"
	"github.com/elmosoftware/eventprotocol/examples/internal/examplekit"
)

// trace prints the story, one line per step, safely from many goroutines.
type trace = examplekit.Trace

func newTrace(out io.Writer) *trace { return examplekit.NewTrace(out, 20) }

// short abbreviates an id for reading: its last 8 characters.
func short(id string) string {
	if len(id) <= 8 {
		return id
	}
	return "…" + id[len(id)-8:]
}

// links describes how an event is linked to its flow.
func links(e *envelope.Envelope) string {
	parts := []string{"id " + short(e.ID), "correlation " + short(e.CorrelationID)}
	if e.CausationID != "" {
		parts = append(parts, "causation "+short(e.CausationID))
	}
	return strings.Join(parts, ", ")
}
