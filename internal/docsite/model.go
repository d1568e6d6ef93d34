package docsite

import (
	"bytes"
	"cmp"
	"encoding/json"
	"fmt"
	"slices"
	"strings"

	"github.com/elmosoftware/eventprotocol/internal/orderedjson"
	"github.com/elmosoftware/eventprotocol/naming"
	"github.com/elmosoftware/eventprotocol/schema"
	"github.com/elmosoftware/eventprotocol/transport/topology"
)

// site is what the pages show.
type site struct {
	Title    string
	Env      string
	Domains  []*domain
	Services []*service
	Events   []*eventType
}

type domain struct {
	Name                 string
	Topic                string // "" when the topology has none
	FIFO                 bool
	Events               []*eventType
	Producers, Consumers []*service
}

type service struct {
	Name                string
	Queue, DeadLetters  string // "" for a service that only publishes
	Visibility          string
	ReceiveLimit        int
	Retention           string
	Publishes, Consumes []string // as the topology writes them
	Sends, Receives     []*eventType
	Accepts             []*eventType // the commands it owns
	Requests            []*eventType // the commands whose replies come to its queue
}

type eventType struct {
	Type                 string
	Domain               string
	Title, Description   string
	Shape                string     // the newest minor's x-elmo-shape, "" when undeclared
	Kind                 string     // event, command or reply
	Owner                *service   // of a command: the service that accepts it
	UpcastFrom           *eventType // the previous major, when the catalogue declares its upcast
	Upcast               string     // the upcast's summary
	Versions             []*version // ascending
	Producers, Consumers []*service
}

type version struct {
	Label    string // 1.2
	ID       string // $id
	Rows     []row
	Examples []string // indented JSON
	Changes  []change // from the previous minor
	Previous string   // its label, "" for the first
	Breaking bool     // a change breaks the evolution policy
}

type change struct {
	Pointer, Rule, Detail string
	Breaking, Tolerated   bool
}

// row is one member of a payload's table.
type row struct {
	Path        string // lines[].sku
	Depth       int
	Type        string
	Required    bool
	Description string
	Constraints string
}

// Page names.
func (d *domain) Page() string    { return "domain-" + d.Name + ".html" }
func (s *service) Page() string   { return "service-" + s.Name + ".html" }
func (e *eventType) Page() string { return "event-" + e.Type + ".html" }

// Newest is the newest minor.
func (e *eventType) Newest() *version { return e.Versions[len(e.Versions)-1] }

// getOrAdd returns m[key]; when it is missing, it makes it with mk, and
// adds it to m and to the end of *list.
func getOrAdd[T any](m map[string]*T, list *[]*T, key string, mk func() *T) *T {
	if v, ok := m[key]; ok {
		return v
	}
	v := mk()
	m[key] = v
	*list = append(*list, v)
	return v
}

func build(cat *schema.Catalog, topo *topology.Topology) (*site, error) {
	names := naming.AWSNames{Env: topo.Env, Org: topo.Org}
	st := &site{Env: topo.Env}
	domains := map[string]*domain{}
	dom := func(name string) *domain {
		return getOrAdd(domains, &st.Domains, name, func() *domain { return &domain{Name: name} })
	}
	for _, d := range topo.Domains {
		topic, err := names.Topic(d.Name, d.FIFO)
		if err != nil {
			return nil, err
		}
		x := dom(d.Name)
		x.Topic, x.FIFO = topic, d.FIFO
	}
	events := map[string]*eventType{}
	previous := map[string]*schema.Schema{} // the last minor seen, by type
	for _, s := range cat.Schemas() {
		t := s.ID().Type
		e := getOrAdd(events, &st.Events, t.String(), func() *eventType {
			e := &eventType{Type: t.String(), Domain: t.Domain()}
			d := dom(t.Domain())
			d.Events = append(d.Events, e)
			return e
		})
		v, err := newVersion(s, previous[t.String()])
		if err != nil {
			return nil, err
		}
		previous[t.String()] = s
		e.Versions = append(e.Versions, v)
		var doc struct{ Title, Description string }
		_ = json.Unmarshal(s.Bytes(), &doc) // the catalogue decoded it
		e.Title, e.Description, e.Shape, e.Kind = doc.Title, doc.Description, s.Shape(), s.Kind()
	}
	for _, e := range st.Events {
		t, _ := naming.ParseType(e.Type) // the catalogue's: valid
		if from, summary, ok := cat.UpcastOf(t); ok {
			e.UpcastFrom, e.Upcast = events[from.String()], summary
		}
	}
	services := map[string]*service{}
	svc := func(name string) *service {
		return getOrAdd(services, &st.Services, name, func() *service { return &service{Name: name} })
	}
	matches := func(entry string) []*eventType {
		var out []*eventType
		prefix, wildcard := strings.CutSuffix(entry, "*")
		for _, e := range st.Events {
			if e.Type == entry || (wildcard && strings.HasPrefix(e.Type, prefix)) {
				out = append(out, e)
			}
		}
		return out
	}
	for _, c := range topo.Services {
		s := svc(c.Name)
		fifo := topo.FIFO(c)
		s.Queue, _ = names.Queue(c.Name, fifo)
		s.DeadLetters, _ = names.DeadLetterQueue(c.Name, fifo)
		s.Visibility, s.ReceiveLimit, s.Retention = c.VisibilityTimeout().String(), c.ReceiveLimit(), c.Retention().String()
		s.Consumes = c.Consumes
		for _, typ := range c.Accepts {
			for _, e := range matches(typ) {
				s.Accepts = appendNew(s.Accepts, e)
				e.Owner = s
			}
		}
		for _, typ := range c.Requests {
			for _, e := range matches(typ) {
				s.Requests = appendNew(s.Requests, e)
			}
		}
		for _, entry := range c.Consumes {
			for _, e := range matches(entry) {
				s.Receives = appendNew(s.Receives, e)
				e.Consumers = appendNew(e.Consumers, s)
				dom(e.Domain).Consumers = appendNew(dom(e.Domain).Consumers, s)
			}
		}
	}
	for _, p := range topo.Producers {
		s := svc(p.Name)
		s.Publishes = p.Publishes
		for _, entry := range p.Publishes {
			for _, e := range matches(entry) {
				s.Sends = appendNew(s.Sends, e)
				e.Producers = appendNew(e.Producers, s)
				dom(e.Domain).Producers = appendNew(dom(e.Domain).Producers, s)
			}
		}
	}
	slices.SortFunc(st.Domains, func(a, b *domain) int { return cmp.Compare(a.Name, b.Name) })
	slices.SortFunc(st.Services, func(a, b *service) int { return cmp.Compare(a.Name, b.Name) })
	return st, nil
}

func appendNew[T comparable](list []T, v T) []T {
	if slices.Contains(list, v) {
		return list
	}
	return append(list, v)
}

// newVersion describes one minor: its table, examples and the changes
// from the minor before it (prev, nil for the first).
func newVersion(s, prev *schema.Schema) (*version, error) {
	doc, err := orderedjson.Decode(s.Bytes())
	if err != nil {
		return nil, fmt.Errorf("docsite: %s: %w", s.Path(), err)
	}
	root, _ := doc.(*orderedjson.Object)
	if root == nil {
		return nil, fmt.Errorf("docsite: %s: the schema is not an object", s.Path())
	}
	id := s.ID()
	v := &version{Label: fmt.Sprintf("%d.%d", id.Type.Major(), id.Minor), ID: id.URI}
	v.Rows = (&table{root: root}).rows(root, "", 0)
	var raw struct {
		Examples []json.RawMessage `json:"examples"`
	}
	_ = json.Unmarshal(s.Bytes(), &raw)
	for _, ex := range raw.Examples {
		var b bytes.Buffer
		if json.Indent(&b, ex, "", "  ") == nil {
			v.Examples = append(v.Examples, b.String())
		}
	}
	if prev != nil {
		v.Previous = fmt.Sprintf("%d.%d", prev.ID().Type.Major(), prev.ID().Minor)
		for _, c := range schema.CompareSchemas(prev, s).Changes {
			breaking := c.Breaks(schema.Policy)
			v.Breaking = v.Breaking || breaking
			v.Changes = append(v.Changes, change{Pointer: c.Pointer, Rule: string(c.Rule), Detail: c.Detail, Breaking: breaking, Tolerated: c.Tolerated})
		}
	}
	return v, nil
}
