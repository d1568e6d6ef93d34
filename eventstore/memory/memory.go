package memory

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/elmosoftware/eventprotocol/eventstore"
)

// Backend keeps everything in memory. It is safe for concurrent use.
type Backend struct {
	mu        sync.RWMutex
	all       []*eventstore.Record                        // by position
	timelines map[timeline]*events                        // by stream and branch
	seen      map[string]map[[2]string]*eventstore.Record // by branch: (source, id)
	branches  map[string]eventstore.Branch
	snapshots map[timeline][]eventstore.Snapshot
	points    map[string]int64
	parked    map[string][]eventstore.Parked // by relay, in position order
	recorded  int64                          // newest recorded time
	closed    bool
}

type timeline struct{ stream, branch string }

// events are one timeline's, by version and by (effective, position).
type events struct {
	byVersion, byEffective []*eventstore.Record
}

// New returns an empty backend.
func New() *Backend {
	return &Backend{timelines: map[timeline]*events{}, seen: map[string]map[[2]string]*eventstore.Record{}, branches: map[string]eventstore.Branch{}, snapshots: map[timeline][]eventstore.Snapshot{}, points: map[string]int64{}, parked: map[string][]eventstore.Parked{}}
}

// NewStore returns a store over a new Backend.
func NewStore(cfg *eventstore.Config) (*eventstore.Store, error) { return eventstore.New(New(), cfg) }

func (m *Backend) check() error {
	if m.closed {
		return eventstore.ErrClosed
	}
	return nil
}

// Append implements eventstore.Backend.
func (m *Backend) Append(_ context.Context, b *eventstore.Batch) (eventstore.Appended, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if err := m.check(); err != nil {
		return eventstore.Appended{}, err
	}
	seen := m.seen[b.Branch]
	fresh := make([]eventstore.Pending, 0, len(b.Events))
	batchSeen := map[[2]string]bool{}
	for _, p := range b.Events {
		k := [2]string{p.Source, p.ID}
		if seen[k] == nil && !batchSeen[k] && !m.inherited(b, k) {
			batchSeen[k] = true
			fresh = append(fresh, p)
		}
	}
	tl := m.timelines[timeline{b.Stream, b.Branch}]
	version := b.Base
	if tl != nil && len(tl.byVersion) > 0 {
		version = tl.byVersion[len(tl.byVersion)-1].Version
	}
	if len(fresh) == 0 {
		return eventstore.Appended{Version: version}, nil
	}
	if !b.Any && b.Expected != version {
		return eventstore.Appended{}, &eventstore.ConflictError{Stream: b.Stream, Branch: b.Branch, Expected: b.Expected, Actual: version}
	}
	if tl == nil {
		tl = &events{}
		m.timelines[timeline{b.Stream, b.Branch}] = tl
	}
	if seen == nil {
		seen = map[[2]string]*eventstore.Record{}
		m.seen[b.Branch] = seen
	}
	m.recorded = max(b.Now, m.recorded+1)
	first := int64(len(m.all)) + 1
	for i, p := range fresh {
		r := &eventstore.Record{Position: first + int64(i), Stream: b.Stream, Branch: b.Branch, Version: version + int64(i) + 1,
			Recorded: time.Unix(0, m.recorded).UTC(), Effective: time.Unix(0, p.Effective).UTC(), Raw: slices.Clone(p.Raw)}
		m.all = append(m.all, r)
		seen[[2]string{p.Source, p.ID}] = r
		tl.byVersion = append(tl.byVersion, r)
		at := sort.Search(len(tl.byEffective), func(j int) bool { return after(tl.byEffective[j], r.Effective.UnixNano(), r.Position) })
		tl.byEffective = slices.Insert(tl.byEffective, at, r)
	}
	return eventstore.Appended{Version: version + int64(len(fresh)), Stored: len(fresh), FirstPosition: first, Recorded: m.recorded}, nil
}

// inherited reports whether a branch append's event k is one of its
// stream's main-timeline events up to the fork.
func (m *Backend) inherited(b *eventstore.Batch, k [2]string) bool {
	if b.Branch == "" {
		return false
	}
	r := m.seen[""][k]
	return r != nil && r.Stream == b.Stream && r.Version <= b.Base
}

// Find implements eventstore.Backend.
func (m *Backend) Find(_ context.Context, branch, source, id string) (eventstore.Record, bool, error) {
	m.mu.RLock()
	defer m.mu.RUnlock()
	if err := m.check(); err != nil {
		return eventstore.Record{}, false, err
	}
	r := m.seen[branch][[2]string{source, id}]
	if r == nil {
		return eventstore.Record{}, false, nil
	}
	return *r, true, nil
}

// after reports whether r comes after (effective, position).
func after(r *eventstore.Record, effective, position int64) bool {
	e := r.Effective.UnixNano()
	return e > effective || (e == effective && r.Position > position)
}

// Read implements eventstore.Backend.
func (m *Backend) Read(_ context.Context, q *eventstore.Query, limit int) ([]eventstore.Record, error) {
	m.mu.RLock()
	defer m.mu.RUnlock()
	if err := m.check(); err != nil {
		return nil, err
	}
	var list []*eventstore.Record
	start := 0
	switch {
	case q.Stream == "":
		list = m.all
		start = int(min(max(q.AfterPosition, 0), int64(len(list))))
	case m.timelines[timeline{q.Stream, q.Branch}] == nil:
		return nil, nil
	case q.Order == eventstore.ByEffective:
		list = m.timelines[timeline{q.Stream, q.Branch}].byEffective
		if q.AfterPosition > 0 {
			start = sort.Search(len(list), func(j int) bool { return after(list[j], q.AfterEffective, q.AfterPosition) })
		}
	default:
		list = m.timelines[timeline{q.Stream, q.Branch}].byVersion
		start = sort.Search(len(list), func(j int) bool {
			return list[j].Position > q.AfterPosition && list[j].Version > q.AfterVersion
		})
	}
	var out []eventstore.Record
	for _, r := range list[start:] {
		if len(out) == limit {
			break
		}
		if match(q, r) {
			out = append(out, *r)
		}
	}
	return out, nil
}

func match(q *eventstore.Query, r *eventstore.Record) bool {
	rec, eff := r.Recorded.UnixNano(), r.Effective.UnixNano()
	return r.Branch == q.Branch &&
		(q.MaxVersion == 0 || r.Version <= q.MaxVersion) &&
		rec > q.RecordedAfter && (q.RecordedBy == 0 || rec <= q.RecordedBy) &&
		(q.EffectiveAfter == 0 || eff > q.EffectiveAfter) && (q.EffectiveBy == 0 || eff <= q.EffectiveBy)
}

// Version implements eventstore.Backend.
func (m *Backend) Version(_ context.Context, stream, branch string, recordedBy int64) (int64, error) {
	m.mu.RLock()
	defer m.mu.RUnlock()
	if err := m.check(); err != nil {
		return 0, err
	}
	tl := m.timelines[timeline{stream, branch}]
	if tl == nil {
		return 0, nil
	}
	n := sort.Search(len(tl.byVersion), func(j int) bool {
		return recordedBy != 0 && tl.byVersion[j].Recorded.UnixNano() > recordedBy
	})
	if n == 0 {
		return 0, nil
	}
	return tl.byVersion[n-1].Version, nil
}

// Head implements eventstore.Backend.
func (m *Backend) Head(context.Context) (int64, int64, error) {
	m.mu.RLock()
	defer m.mu.RUnlock()
	return int64(len(m.all)), m.recorded, m.check()
}

// CreateBranch implements eventstore.Backend.
func (m *Backend) CreateBranch(_ context.Context, b eventstore.Branch) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.branches[b.ID] = b
	return m.check()
}

// LoadBranch implements eventstore.Backend.
func (m *Backend) LoadBranch(_ context.Context, id string) (eventstore.Branch, error) {
	m.mu.RLock()
	defer m.mu.RUnlock()
	b, ok := m.branches[id]
	if !ok {
		return b, fmt.Errorf("%w: %s", eventstore.ErrUnknownBranch, id)
	}
	return b, m.check()
}

// Branches implements eventstore.Backend.
func (m *Backend) Branches(_ context.Context, stream string) ([]eventstore.Branch, error) {
	m.mu.RLock()
	defer m.mu.RUnlock()
	var out []eventstore.Branch
	for _, b := range m.branches {
		if b.Stream == stream {
			out = append(out, b)
		}
	}
	slices.SortFunc(out, func(x, y eventstore.Branch) int {
		return cmp.Or(x.Created.Compare(y.Created), strings.Compare(x.ID, y.ID))
	})
	return out, m.check()
}

// DeleteBranch implements eventstore.Backend. The branch's events keep
// their positions in the global order, which never shows branches.
func (m *Backend) DeleteBranch(_ context.Context, id string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	b, ok := m.branches[id]
	if !ok {
		return fmt.Errorf("%w: %s", eventstore.ErrUnknownBranch, id)
	}
	delete(m.branches, id)
	delete(m.timelines, timeline{b.Stream, id})
	delete(m.snapshots, timeline{b.Stream, id})
	delete(m.seen, id)
	return m.check()
}

// SaveSnapshot implements eventstore.Backend.
func (m *Backend) SaveSnapshot(_ context.Context, s *eventstore.Snapshot) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	k := timeline{s.Stream, s.Branch}
	c := *s
	c.State = slices.Clone(s.State)
	list := slices.DeleteFunc(m.snapshots[k], func(x eventstore.Snapshot) bool {
		return x.Recorded.Equal(c.Recorded) && x.Effective.Equal(c.Effective)
	})
	m.snapshots[k] = append(list, c)
	return m.check()
}

// Snapshots implements eventstore.Backend.
func (m *Backend) Snapshots(_ context.Context, stream, branch string, recordedBy, effectiveBy int64, limit int) ([]eventstore.Snapshot, error) {
	m.mu.RLock()
	defer m.mu.RUnlock()
	var out []eventstore.Snapshot
	for _, s := range m.snapshots[timeline{stream, branch}] {
		if s.Recorded.UnixNano() <= recordedBy && s.Effective.UnixNano() <= effectiveBy {
			out = append(out, s)
		}
	}
	slices.SortFunc(out, func(x, y eventstore.Snapshot) int {
		if c := y.Effective.Compare(x.Effective); c != 0 {
			return c
		}
		return y.Recorded.Compare(x.Recorded)
	})
	return out[:min(limit, len(out))], m.check()
}

// LoadCheckpoint implements eventstore.Backend.
func (m *Backend) LoadCheckpoint(_ context.Context, name string) (int64, error) {
	m.mu.RLock()
	defer m.mu.RUnlock()
	return m.points[name], m.check()
}

// SaveCheckpoint implements eventstore.Backend.
func (m *Backend) SaveCheckpoint(_ context.Context, name string, position int64) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.points[name] = position
	return m.check()
}

// Close implements eventstore.Backend: later calls fail with
// eventstore.ErrClosed.
func (m *Backend) Close() error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.closed = true
	return nil
}

// Park implements eventstore.Backend.
func (m *Backend) Park(_ context.Context, name string, p eventstore.Parked) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	list := m.parked[name]
	if i, found := slices.BinarySearchFunc(list, p.Position, func(x eventstore.Parked, pos int64) int { return cmp.Compare(x.Position, pos) }); found {
		list[i] = p
	} else {
		m.parked[name] = slices.Insert(list, i, p)
	}
	return m.check()
}

// Parked implements eventstore.Backend.
func (m *Backend) Parked(_ context.Context, name string) ([]eventstore.Parked, error) {
	m.mu.RLock()
	defer m.mu.RUnlock()
	return slices.Clone(m.parked[name]), m.check()
}
