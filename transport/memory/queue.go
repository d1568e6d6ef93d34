package memory

import (
	"container/heap"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/elmosoftware/eventprotocol/transport/driver"
)

// message is a stored copy of a published message.
type message struct {
	body         []byte
	attrs        map[string]string
	group, dedup string
	receiveCount int
	visibleAt    time.Time
	handle       string // of the current delivery; "" when not in flight
	dlqID        string // in the dead-letter queue
	deadAt       time.Time
	index        int // in queue.waiting, -1 when not there
}

// export returns the message as a driver.Message. Body and Attributes are
// shared with the stored message: receivers must not modify them.
func (m *message) export(handle string) *driver.Message {
	return &driver.Message{Body: m.body, Attributes: m.attrs, GroupID: m.group, DedupID: m.dedup, Handle: handle, ReceiveCount: m.receiveCount}
}

// group is the ordered messages of one FIFO message group.
type group struct {
	msgs []*message // the head may be in flight
}

// queue is one subscription's queue. Its fields are guarded by b.mu.
type queue struct {
	b   *Broker
	cfg SubscriptionConfig

	count    int                 // messages stored, dead letters excluded
	ready    []*message          // standard: visible, in order
	waiting  timeHeap            // standard: invisible until visibleAt
	inflight map[string]*message // by delivery handle

	groups     map[string]*group // FIFO
	groupOrder []string          // FIFO: groups in order of first message
	dedup      map[string]time.Time

	dlq    []*message
	notify chan struct{} // closed and replaced on every change receivers wait for
}

func (q *queue) wake() {
	close(q.notify)
	q.notify = make(chan struct{})
}

func (q *queue) matches(m *driver.Message) bool {
	if len(q.cfg.Types) > 0 && !slices.ContainsFunc(q.cfg.Types, func(t string) bool { return typeMatches(t, m.Attributes[driver.AttrType]) }) {
		return false
	}
	for name, allowed := range q.cfg.Attributes {
		if v, ok := m.Attributes[name]; !ok || !slices.Contains(allowed, v) {
			return false
		}
	}
	return true
}

// typeMatches reports whether an entry of SubscriptionConfig.Types takes
// the type typ.
func typeMatches(entry, typ string) bool {
	if prefix, ok := strings.CutSuffix(entry, "*"); ok {
		return strings.HasPrefix(typ, prefix)
	}
	return entry == typ
}

func (q *queue) enqueue(m *message, now time.Time) {
	if q.cfg.FIFO {
		for id, at := range q.dedup {
			if now.Sub(at) >= FIFODeduplicationWindow {
				delete(q.dedup, id)
			}
		}
		if m.dedup != "" {
			if _, seen := q.dedup[m.dedup]; seen {
				return // a duplicate within the window: accepted, not stored
			}
			q.dedup[m.dedup] = now
		}
		g, ok := q.groups[m.group]
		if !ok {
			g = &group{}
			q.groups[m.group] = g
			q.groupOrder = append(q.groupOrder, m.group)
		}
		g.msgs = append(g.msgs, m)
	} else {
		q.ready = append(q.ready, m)
	}
	q.count++
	q.wake()
}

// take delivers up to max messages and returns them, or the time at which
// one may become visible (zero if none will without a publish).
func (q *queue) take(max int, now time.Time) ([]*driver.Message, time.Time) {
	var out []*driver.Message
	deliver := func(m *message) bool {
		if m.receiveCount >= q.cfg.MaxReceiveCount && len(q.dlq) < q.b.cfg.MaxMessages {
			m.attrs = withReason(m.attrs, fmt.Sprintf("received %d times, the subscription's maxReceiveCount", m.receiveCount), m.receiveCount)
			q.deadLetter(m, now)
			q.count--
			return false
		}
		m.receiveCount++
		q.b.nextID++
		m.handle = strconv.FormatUint(q.b.nextID, 36)
		m.visibleAt = now.Add(q.cfg.VisibilityTimeout)
		q.inflight[m.handle] = m
		out = append(out, m.export(m.handle))
		return true
	}
	if q.cfg.FIFO {
		// As SQS FIFO: a group with a message in flight delivers nothing;
		// otherwise one receive may take several of its messages, in order.
		var next time.Time
		for _, id := range q.groupOrder {
			if len(out) >= max {
				break
			}
			g := q.groups[id]
			locked := false
			for _, m := range g.msgs {
				if m.handle == "" {
					continue
				}
				if m.visibleAt.After(now) {
					locked = true
					if next.IsZero() || m.visibleAt.Before(next) {
						next = m.visibleAt
					}
					continue
				}
				delete(q.inflight, m.handle) // its visibility ran out
				m.handle = ""
			}
			if locked {
				continue
			}
			kept := g.msgs[:0]
			for _, m := range g.msgs {
				if len(out) < max && !deliver(m) {
					continue // dead-lettered
				}
				kept = append(kept, m)
			}
			clear(g.msgs[len(kept):])
			g.msgs = kept
		}
		q.compactGroups()
		return out, next
	}
	for q.waiting.Len() > 0 && !q.waiting[0].visibleAt.After(now) {
		m := heap.Pop(&q.waiting).(*message)
		delete(q.inflight, m.handle)
		m.handle = ""
		q.ready = append(q.ready, m)
	}
	for len(q.ready) > 0 && len(out) < max {
		m := q.ready[0]
		q.ready[0] = nil
		q.ready = q.ready[1:]
		if deliver(m) {
			heap.Push(&q.waiting, m)
		}
	}
	if len(q.ready) == 0 {
		q.ready = nil // let the backing array go
	}
	var next time.Time
	if q.waiting.Len() > 0 {
		next = q.waiting[0].visibleAt
	}
	return out, next
}

func (q *queue) compactGroups() {
	kept := q.groupOrder[:0]
	for _, id := range q.groupOrder {
		if len(q.groups[id].msgs) == 0 {
			delete(q.groups, id)
			continue
		}
		kept = append(kept, id)
	}
	q.groupOrder = kept
}

// remove deletes a delivered message from the queue.
func (q *queue) remove(m *message) {
	delete(q.inflight, m.handle)
	m.handle = ""
	q.count--
	if q.cfg.FIFO {
		g := q.groups[m.group]
		if i := slices.Index(g.msgs, m); i >= 0 {
			g.msgs = slices.Delete(g.msgs, i, i+1)
		}
		q.compactGroups()
		q.wake() // the group may deliver its next message
		return
	}
	if m.index >= 0 {
		heap.Remove(&q.waiting, m.index)
	}
}

// deadLetter appends m to the dead-letter queue with an id of its own.
func (q *queue) deadLetter(m *message, now time.Time) {
	q.b.nextID++
	m.dlqID = "dl-" + strconv.FormatUint(q.b.nextID, 36)
	m.deadAt = now
	q.dlq = append(q.dlq, m)
}

func withReason(attrs map[string]string, reason string, receiveCount int) map[string]string {
	out := maps.Clone(attrs)
	if out == nil {
		out = map[string]string{}
	}
	out[driver.AttrDeadLetterReason] = reason
	out[driver.AttrDeadLetterReceiveCount] = strconv.Itoa(receiveCount)
	return out
}

// timeHeap orders messages by visibleAt.
type timeHeap []*message

func (h timeHeap) Len() int           { return len(h) }
func (h timeHeap) Less(i, j int) bool { return h[i].visibleAt.Before(h[j].visibleAt) }
func (h timeHeap) Swap(i, j int) {
	h[i], h[j] = h[j], h[i]
	h[i].index, h[j].index = i, j
}
func (h *timeHeap) Push(x any) {
	m := x.(*message)
	m.index = len(*h)
	*h = append(*h, m)
}
func (h *timeHeap) Pop() any {
	old := *h
	m := old[len(old)-1]
	old[len(old)-1] = nil
	m.index = -1
	*h = old[:len(old)-1]
	return m
}
