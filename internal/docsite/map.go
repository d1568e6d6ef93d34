package docsite

import (
	"fmt"
	"html"
	"html/template"
	"slices"
	"strings"

	"github.com/elmosoftware/eventprotocol/naming"
	"github.com/elmosoftware/eventprotocol/schema"
)

// dependency is what one service takes from another: the events it
// consumes, or the commands it sends.
type dependency struct {
	From, To *service
	Types    []*eventType
}

// direct reports whether a type goes straight to a queue, never through
// its domain's topic: a command, or a reply.
func direct(e *eventType) bool { return e.Kind == schema.KindCommand || e.Kind == schema.KindReply }

// requesters returns the services a reply goes to: those that request a
// command of its entity (the convention that pairs them).
func requesters(st *site, reply *eventType) []*service {
	t, err := naming.ParseType(reply.Type)
	if err != nil {
		return nil // the catalogue's types parse
	}
	entity := t.Org() + "." + t.Domain() + "." + t.Entity() + "."
	var out []*service
	for _, s := range st.Services {
		for _, c := range s.Requests {
			if strings.HasPrefix(c.Type, entity) {
				out = appendNew(out, s)
			}
		}
	}
	return out
}

// systemView is the map page: the picture and each service's view (the
// AsyncAPI document's operations of the service, by the other services).
type systemView struct {
	site     *site
	Facts    []dependency // From publishes events To consumes: To depends on From's facts
	Commands []dependency // From sends commands To accepts, or replies To requested
	Services []serviceView
}

type serviceView struct {
	Service                     *service
	DependsOn, FeedsInto        []dependency
	CommandsTo, CommandsFrom    []dependency
	SendsEvents, ReceivesEvents []*eventType
}

// system works out the flows between services: events by their topics,
// commands straight to their owners.
func system(st *site) *systemView {
	v := &systemView{site: st}
	add := func(list *[]dependency, from, to *service, e *eventType) {
		for i := range *list {
			if (*list)[i].From == from && (*list)[i].To == to {
				(*list)[i].Types = appendNew((*list)[i].Types, e)
				return
			}
		}
		*list = append(*list, dependency{From: from, To: to, Types: []*eventType{e}})
	}
	for _, e := range st.Events {
		for _, p := range e.Producers {
			switch e.Kind {
			case schema.KindCommand:
				if e.Owner != nil {
					add(&v.Commands, p, e.Owner, e)
				}
				continue
			case schema.KindReply:
				for _, r := range requesters(st, e) {
					add(&v.Commands, p, r, e)
				}
				continue
			}
			for _, c := range e.Consumers {
				if c != p {
					add(&v.Facts, p, c, e)
				}
			}
		}
	}
	for _, s := range st.Services {
		sv := serviceView{Service: s}
		for _, d := range v.Facts {
			if d.To == s {
				sv.DependsOn = append(sv.DependsOn, d)
			}
			if d.From == s {
				sv.FeedsInto = append(sv.FeedsInto, d)
			}
		}
		for _, d := range v.Commands {
			if d.From == s {
				sv.CommandsTo = append(sv.CommandsTo, d)
			}
			if d.To == s {
				sv.CommandsFrom = append(sv.CommandsFrom, d)
			}
		}
		for _, e := range s.Sends {
			if !direct(e) {
				sv.SendsEvents = append(sv.SendsEvents, e)
			}
		}
		sv.ReceivesEvents = s.Receives
		v.Services = append(v.Services, sv)
	}
	return v
}

// systemMap draws every service on both sides of the domains' topics:
// an event goes from its producer (left) through its domain's topic to
// its consumers (right); a command or a reply (dashed) goes from its
// sender straight to the service that accepts or awaits it. Boxes link to their pages; each line
// names its types.
func systemMap(v *systemView) template.HTML {
	const boxW, boxH, gap, colGap, top = 200, 30, 12, 110, 28
	st := v.site
	senders, receivers := []*service{}, []*service{}
	for _, s := range st.Services {
		if len(s.Sends) > 0 {
			senders = append(senders, s)
		}
		if len(s.Receives) > 0 || len(s.Accepts) > 0 || len(s.Requests) > 0 {
			receivers = append(receivers, s)
		}
	}
	rows := max(len(senders), len(receivers), len(st.Domains), 1)
	height := top + rows*(boxH+gap) + gap
	width := 3*boxW + 2*colGap + 20
	x := [3]int{10, 10 + boxW + colGap, 10 + 2*(boxW+colGap)}
	y := func(i, n int) int { // centred columns
		return top + gap + i*(boxH+gap) + (rows-n)*(boxH+gap)/2
	}
	at := func(list []*service, s *service) int { return slices.Index(list, s) }
	var b strings.Builder
	fmt.Fprintf(&b, `<svg class="flow system" role="img" aria-label="every service, the domains' topics, and the event and command flows between them" viewBox="0 0 %d %d" width="%d" height="%d" xmlns="http://www.w3.org/2000/svg">`, width, height, width, height)
	b.WriteString(`<defs><marker id="arrow" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="7" markerHeight="7" orient="auto"><path d="M0,0 L10,5 L0,10 z"/></marker></defs>`)
	fmt.Fprintf(&b, `<text x="%d" y="18" class="col">publish and send</text><text x="%d" y="18" class="col">domain topics</text><text x="%d" y="18" class="col">consume and accept</text>`, x[0], x[1], x[2])
	line := func(x1, y1, x2, y2 int, class string, types []*eventType) {
		names := make([]string, len(types))
		for i, e := range types {
			names[i] = e.Type
		}
		fmt.Fprintf(&b, `<line class="%s" x1="%d" y1="%d" x2="%d" y2="%d" marker-end="url(#arrow)"><title>%s</title></line>`, class, x1, y1, x2, y2, html.EscapeString(strings.Join(names, ", ")))
	}
	for di, d := range st.Domains {
		dy := y(di, len(st.Domains)) + boxH/2
		for _, p := range d.Producers {
			var types []*eventType
			for _, e := range p.Sends {
				if e.Domain == d.Name && !direct(e) {
					types = append(types, e)
				}
			}
			if len(types) > 0 {
				line(x[0]+boxW, y(at(senders, p), len(senders))+boxH/2, x[1], dy, "event", types)
			}
		}
		for _, c := range d.Consumers {
			var types []*eventType
			for _, e := range c.Receives {
				if e.Domain == d.Name {
					types = append(types, e)
				}
			}
			line(x[1]+boxW, dy, x[2], y(at(receivers, c), len(receivers))+boxH/2, "event", types)
		}
	}
	for _, c := range v.Commands {
		line(x[0]+boxW, y(at(senders, c.From), len(senders))+boxH/2, x[2], y(at(receivers, c.To), len(receivers))+boxH/2, "command", c.Types)
	}
	box := func(x, y int, label, href, class string) {
		fmt.Fprintf(&b, `<g class="%s"><a href="%s"><rect x="%d" y="%d" width="%d" height="%d" rx="6"/><text x="%d" y="%d">%s</text></a></g>`,
			class, html.EscapeString(href), x, y, boxW, boxH, x+10, y+20, html.EscapeString(label))
	}
	for i, s := range senders {
		box(x[0], y(i, len(senders)), s.Name, s.Page(), "service")
	}
	for i, d := range st.Domains {
		box(x[1], y(i, len(st.Domains)), d.Name, d.Page(), "topic")
	}
	for i, s := range receivers {
		box(x[2], y(i, len(receivers)), s.Name, s.Page(), "service")
	}
	b.WriteString(`</svg>`)
	return template.HTML(b.String()) // every text in it is escaped above
}
