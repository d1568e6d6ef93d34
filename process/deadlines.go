package process

import (
	"container/heap"
	"context"
	"strings"
	"sync"
	"time"

	"github.com/elmosoftware/eventprotocol/config"
	"github.com/elmosoftware/eventprotocol/envelope"
)

// deadlines are the deadlines not yet due, earliest first.
type deadlines struct {
	mu      sync.Mutex
	h       deadlineHeap
	changed chan struct{} // closed and replaced when one is added
}

type pendingDeadline struct {
	at    time.Time
	event *envelope.Envelope
}

type deadlineHeap []pendingDeadline

func (h deadlineHeap) Len() int           { return len(h) }
func (h deadlineHeap) Less(i, j int) bool { return h[i].at.Before(h[j].at) }
func (h deadlineHeap) Swap(i, j int)      { h[i], h[j] = h[j], h[i] }
func (h *deadlineHeap) Push(x any)        { *h = append(*h, x.(pendingDeadline)) }
func (h *deadlineHeap) Pop() any {
	old := *h
	x := old[len(old)-1]
	*h = old[:len(old)-1]
	return x
}

func newDeadlines() *deadlines { return &deadlines{changed: make(chan struct{})} }

func (d *deadlines) add(at time.Time, e *envelope.Envelope) {
	d.mu.Lock()
	defer d.mu.Unlock()
	heap.Push(&d.h, pendingDeadline{at, e})
	close(d.changed)
	d.changed = make(chan struct{})
}

// next returns the earliest deadline, whether there is one, and the
// channel closed when another is added.
func (d *deadlines) next() (pendingDeadline, bool, <-chan struct{}) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if len(d.h) == 0 {
		return pendingDeadline{}, false, d.changed
	}
	return d.h[0], true, d.changed
}

func (d *deadlines) len() int {
	d.mu.Lock()
	defer d.mu.Unlock()
	return len(d.h)
}

// Pending returns how many deadlines the manager holds that are not
// handled yet: due or not, set here or loaded by Run.
func (m *Manager[S]) Pending() int { return m.due.len() }

func (d *deadlines) pop() {
	d.mu.Lock()
	defer d.mu.Unlock()
	heap.Pop(&d.h)
}

// Run delivers deadlines when they are due, until ctx ends: first those the
// store holds that no instance has handled yet (set before a restart, or by
// another instance of the service), then those Handle sets. A deadline is
// handled as any message, exactly once. A failed one is tried again after
// a second.
func (m *Manager[S]) Run(ctx context.Context) error {
	if err := m.load(ctx); err != nil {
		return err
	}
	for {
		dl, ok, changed := m.due.next()
		var due <-chan time.Time
		if ok {
			due = config.After(m.clock, dl.at.Sub(m.clock.Now()))
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-changed:
		case <-due:
			if err := m.Handle(ctx, dl.event); err != nil {
				if !config.Sleep(ctx, m.clock, time.Second) {
					return ctx.Err()
				}
				continue
			}
			m.due.pop()
		}
	}
}

// load finds the deadlines of this kind of process that are not handled.
func (m *Manager[S]) load(ctx context.Context) error {
	prefix := "process/" + m.def.Name + "/"
	handled := map[string]bool{}
	var found []pendingDeadline
	for rec, err := range m.store.ReadAll(ctx, 0) {
		if err != nil {
			return err
		}
		if !strings.HasPrefix(rec.Stream, prefix) {
			continue
		}
		e, err := rec.Envelope()
		if err != nil {
			return err
		}
		switch e.Extensions[RoleAttr] {
		case RoleHandled:
			handled[e.ID] = true
		case RoleDeadline:
			ev := e
			delete(ev.Extensions, RoleAttr)
			ev.EffectiveTime = time.Time{}
			found = append(found, pendingDeadline{at: e.EffectiveTime, event: &ev})
		}
	}
	for _, f := range found {
		if !handled[m.handledID(f.event)] {
			m.due.add(f.at, f.event)
		}
	}
	return nil
}
