package main

import (
	"fmt"
	"io"
	"strings"
	"sync"

	"github.com/elmosoftware/eventprotocol/envelope"
)

// trace prints the story, one line per step, safely from many goroutines.
type trace struct {
	mu  sync.Mutex
	out io.Writer
}

func newTrace(out io.Writer) *trace { return &trace{out: out} }

func (t *trace) header(format string, args ...any) {
	t.mu.Lock()
	defer t.mu.Unlock()
	fmt.Fprintf(t.out, "\n== "+format+"\n", args...)
}

// line prints "<who> <what>".
func (t *trace) line(who, format string, args ...any) {
	t.mu.Lock()
	defer t.mu.Unlock()
	fmt.Fprintf(t.out, "%-20s %s\n", "["+who+"]", fmt.Sprintf(format, args...))
}

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
