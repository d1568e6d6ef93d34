package docsite

import (
	"bytes"
	"encoding/json"
	"fmt"
	"html"
	"html/template"
	"os"
	"path/filepath"
	"strings"

	"github.com/elmosoftware/eventprotocol/schema"
	"github.com/elmosoftware/eventprotocol/transport/topology"
)

// Config configures Build. A nil *Config means the defaults.
type Config struct {
	// Title heads every page. Default "ELMO events (<env>)".
	Title string
}

// Build returns the files of the site by path: HTML pages, a style sheet,
// the search script and its index. They refer to nothing outside the
// site.
func Build(cat *schema.Catalog, topo *topology.Topology, cfg *Config) (map[string][]byte, error) {
	if err := topo.Validate(); err != nil {
		return nil, err
	}
	st, err := build(cat, topo)
	if err != nil {
		return nil, err
	}
	st.Title = "ELMO events (" + topo.Env + ")"
	if cfg != nil && cfg.Title != "" {
		st.Title = cfg.Title
	}
	files := map[string][]byte{
		"style.css": []byte(styleSheet),
		"search.js": []byte(searchScript),
	}
	index, err := searchIndex(st)
	if err != nil {
		return nil, err
	}
	files["search-index.js"] = index
	render := func(path, page string, data any) error {
		var b bytes.Buffer
		if err := pages.ExecuteTemplate(&b, page, struct {
			Site *site
			Page any
		}{st, data}); err != nil {
			return fmt.Errorf("docsite: %s: %w", path, err)
		}
		files[path] = b.Bytes()
		return nil
	}
	if err := render("index.html", "index", st); err != nil {
		return nil, err
	}
	if err := render("search.html", "search", nil); err != nil {
		return nil, err
	}
	if err := render("map.html", "map", system(st)); err != nil {
		return nil, err
	}
	for _, d := range st.Domains {
		if err := render(d.Page(), "domain", d); err != nil {
			return nil, err
		}
	}
	for _, s := range st.Services {
		if err := render(s.Page(), "service", s); err != nil {
			return nil, err
		}
	}
	for _, e := range st.Events {
		if err := render(e.Page(), "event", e); err != nil {
			return nil, err
		}
	}
	return files, nil
}

// Write writes the files of a site into dir, creating it.
func Write(dir string, files map[string][]byte) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	for path, b := range files {
		if err := os.WriteFile(filepath.Join(dir, path), b, 0o644); err != nil {
			return err
		}
	}
	return nil
}

// entry is one thing search finds.
type entry struct {
	Title string `json:"title"`
	Kind  string `json:"kind"`
	URL   string `json:"url"`
	Text  string `json:"text"`
}

// searchIndex is a script that sets SEARCH_INDEX: a script, not JSON that
// a page fetches, because browsers refuse fetch() from file:// pages.
func searchIndex(st *site) ([]byte, error) {
	var entries []entry
	for _, d := range st.Domains {
		entries = append(entries, entry{d.Name, "domain", d.Page(), "domain " + d.Topic})
	}
	for _, s := range st.Services {
		entries = append(entries, entry{s.Name, "service", s.Page(), strings.Join(append(append([]string{s.Queue}, s.Publishes...), s.Consumes...), " ")})
	}
	for _, e := range st.Events {
		words := []string{e.Title, e.Description, e.Domain}
		for _, r := range e.Newest().Rows {
			words = append(words, r.Path, r.Description)
		}
		entries = append(entries, entry{e.Type, "event type", e.Page(), strings.Join(words, " ")})
	}
	b, err := json.Marshal(entries)
	if err != nil {
		return nil, err
	}
	return append(append([]byte("const SEARCH_INDEX = "), b...), ";\n"...), nil
}

// flow draws a domain's producers, its topic and its consumers as an SVG
// picture.
func flow(d *domain) template.HTML {
	const boxW, boxH, gap, colGap = 190, 34, 14, 90
	rows := max(len(d.Producers), len(d.Consumers), 1)
	height := rows*(boxH+gap) + gap + 24
	width := 3*boxW + 2*colGap + 20
	var b strings.Builder
	fmt.Fprintf(&b, `<svg class="flow" role="img" aria-label="producers, topic and consumers of %s" viewBox="0 0 %d %d" width="%d" height="%d" xmlns="http://www.w3.org/2000/svg">`,
		html.EscapeString(d.Name), width, height, width, height)
	fmt.Fprintf(&b, `<text x="10" y="16" class="col">publish</text><text x="%d" y="16" class="col">topic</text><text x="%d" y="16" class="col">consume</text>`, 10+boxW+colGap, 10+2*(boxW+colGap))
	topicY := 24 + (height-24)/2 - boxH/2
	topicX := 10 + boxW + colGap
	topic := d.Topic
	if topic == "" {
		topic = "(no topic in this topology)"
	}
	box := func(x, y int, label, href, class string) {
		fmt.Fprintf(&b, `<g class="%s">`, class)
		if href != "" {
			fmt.Fprintf(&b, `<a href="%s">`, html.EscapeString(href))
		}
		fmt.Fprintf(&b, `<rect x="%d" y="%d" width="%d" height="%d" rx="6"/><text x="%d" y="%d">%s</text>`, x, y, boxW, boxH, x+10, y+22, html.EscapeString(label))
		if href != "" {
			b.WriteString(`</a>`)
		}
		b.WriteString(`</g>`)
	}
	side := func(list []*service, x int, left bool) {
		if len(list) == 0 {
			fmt.Fprintf(&b, `<text x="%d" y="%d" class="none">none in the topology</text>`, x+10, 24+gap+22)
		}
		for i, s := range list {
			y := 24 + gap + i*(boxH+gap)
			// Arrows go the way events do: producer to topic to consumer.
			x1, y1, x2, y2 := x+boxW, y+boxH/2, topicX, topicY+boxH/2
			if !left {
				x1, y1, x2, y2 = topicX+boxW, topicY+boxH/2, x, y+boxH/2
			}
			fmt.Fprintf(&b, `<line x1="%d" y1="%d" x2="%d" y2="%d" marker-end="url(#arrow)"/>`, x1, y1, x2, y2)
			box(x, y, s.Name, s.Page(), "service")
		}
	}
	b.WriteString(`<defs><marker id="arrow" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="7" markerHeight="7" orient="auto"><path d="M0,0 L10,5 L0,10 z"/></marker></defs>`)
	side(d.Producers, 10, true)
	side(d.Consumers, 10+2*(boxW+colGap), false)
	box(topicX, topicY, topic, "", "topic")
	b.WriteString(`</svg>`)
	return template.HTML(b.String()) // every text in it is escaped above
}

var pages = template.Must(template.New("").Funcs(template.FuncMap{"flow": flow, "systemMap": systemMap, "indent": func(d int) int { return d * 18 }}).Parse(templates))
