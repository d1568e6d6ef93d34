package docsite_test

import (
	"bytes"
	"context"
	"fmt"
	"image/png"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/elmosoftware/eventprotocol/internal/docsite"
	"github.com/elmosoftware/eventprotocol/schema"
	"github.com/elmosoftware/eventprotocol/transport/topology"
)

func readTopology(t *testing.T, file string) *topology.Topology {
	t.Helper()
	f, err := os.Open(file)
	require.NoError(t, err)
	defer f.Close()
	topo, err := topology.Read(f)
	require.NoError(t, err)
	return topo
}

// site builds and writes the site of a catalogue and topology.
func site(t *testing.T, catalog string, topo *topology.Topology) (string, map[string][]byte) {
	t.Helper()
	cat, err := schema.LoadDir(catalog)
	require.NoError(t, err)
	files, err := docsite.Build(cat, topo, nil)
	require.NoError(t, err)
	dir := t.TempDir()
	require.NoError(t, docsite.Write(dir, files))
	return dir, files
}

// links finds the targets of a page's links and scripts.
var links = regexp.MustCompile(`(?:href|src)="([^"]*)"`)

// TestLinksResolve: every link and script of every page points at a file
// of the site (and an anchor of it), never outside: the site works
// offline.
func TestLinksResolve(t *testing.T) {
	_, files := site(t, "../../testdata/catalog", readTopology(t, "../../testdata/topology/signup.json"))
	checked := 0
	for name, body := range files {
		if !strings.HasSuffix(name, ".html") {
			continue
		}
		for _, m := range links.FindAllSubmatch(body, -1) {
			target := string(m[1])
			u, err := url.Parse(target)
			require.NoError(t, err, "%s: %s", name, target)
			require.Empty(t, u.Scheme, "%s: %s leaves the site", name, target)
			require.Empty(t, u.Host, "%s: %s leaves the site", name, target)
			file := u.Path
			if file == "" {
				file = name
			}
			to, ok := files[file]
			require.True(t, ok, "%s: %s is not a file of the site", name, target)
			if u.Fragment != "" {
				assert.Contains(t, string(to), `id="`+u.Fragment+`"`, "%s: %s has no such anchor", name, target)
			}
			checked++
		}
	}
	assert.Greater(t, checked, 100)
	for _, asset := range []string{"style.css", "search.js"} {
		assert.NotRegexp(t, `https?://`, string(files[asset]), "%s loads nothing from elsewhere", asset)
	}
	for _, page := range []string{"index.html", "search.html", "domain-identity.html", "service-billing.html", "event-elmo.identity.client.signed_up.v1.html"} {
		assert.Contains(t, files, page)
	}
}

// chromium finds Debian's Chromium. It is not on a fresh machine: .ci/run
// installs it, and the test fails, never skips, without it.
func chromium(t *testing.T) string {
	t.Helper()
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	require.Fail(t, "no Chromium: install Debian's chromium package (apt-get install -y chromium); .ci/run does")
	return ""
}

// browse runs headless Chromium on a page of the site with args
// (--dump-dom, --screenshot=...), returning its standard output.
func browse(t *testing.T, bin, dir, page string, args ...string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), time.Minute)
	defer cancel()
	base := []string{"--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run",
		"--user-data-dir=" + t.TempDir(), "--virtual-time-budget=3000"}
	run := func() (string, string, error) {
		cmd := exec.CommandContext(ctx, bin, append(append(base, args...), "file://"+filepath.Join(dir, page))...)
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		out, err := cmd.Output()
		return string(out), stderr.String(), err
	}
	out, stderr, err := run()
	if err != nil {
		// A browser that dies as it starts (seen once in many runs) is
		// given one more try; its failure is in the log.
		t.Logf("chromium on %s failed, trying once more: %v: %s", page, err, stderr)
		out, stderr, err = run()
	}
	require.NoError(t, err, "chromium on %s: %s", page, stderr)
	return out
}

// TestInABrowser: Chromium renders the pages with their content, the
// search script finds what the index holds, and screenshots of the main
// pages are saved in the test's temp dir.
func TestInABrowser(t *testing.T) {
	bin := chromium(t)
	dir, _ := site(t, "../../testdata/catalog", readTopology(t, "../../testdata/topology/signup.json"))
	shots := t.TempDir()
	for _, tc := range []struct {
		page string
		shot bool // save a screenshot too
		want []string
	}{
		{"index.html", true, []string{"<h1>ELMO events (dev)</h1>", `href="domain-identity.html"`, `href="service-welcome-email.html"`, "elmo.payroll.pay_run.completed.v1"}},
		{"domain-identity.html", true, []string{"dev-elmo-identity-events", `<svg class="flow"`, ">signup</text>", ">leadership-notify</text>"}},
		{"service-welcome-email.html", false, []string{"dev-elmo-welcome-email", "dev-elmo-welcome-email-dlq", "elmo.identity.client.signed_up.v1"}},
		{"event-elmo.identity.client.signed_up.v1.html", true, []string{
			`id="v1.0"`, `id="v1.2"`, "<code>contactEmail</code>", "Where the welcome email goes.",
			"Changes from 1.1", "enum-value-added", `value "TRIAL" now allowed`, "Acme Pty Ltd", ">billing</a>", ">signup</a>"}},
		{"event-elmo.leave.absence.approved.v1.html", false, []string{"<code>days</code>", "unsignedDecimal", "one of \"ANNUAL\", \"PERSONAL\", \"LONG_SERVICE\"",
			`<th>Shape</th><td class="shape">notification</td>`}},
		// The search results exist only once the script has run.
		{"search.html?q=email", true, []string{`data-count="2"`, `href="service-welcome-email.html"`, `href="event-elmo.identity.client.signed_up.v1.html"`}},
		{"search.html?q=hire%20date", false, []string{`data-count="1"`, `href="event-elmo.hr.employee.hired.v1.html"`}},
		{"search.html?q=nothing-matches-this", false, []string{`data-count="0"`, "Nothing matches every word."}},
	} {
		t.Run(tc.page, func(t *testing.T) {
			t.Parallel()
			args := []string{"--dump-dom"}
			file := filepath.Join(shots, strings.NewReplacer("?", "_", "=", "_").Replace(tc.page)+".png")
			if tc.shot {
				args = append(args, "--window-size=1280,1400", "--screenshot="+file)
			}
			dom := browse(t, bin, dir, tc.page, args...)
			for _, w := range tc.want {
				assert.Contains(t, dom, w)
			}
			if !tc.shot {
				return
			}
			f, err := os.Open(file)
			require.NoError(t, err)
			img, err := png.Decode(f)
			f.Close()
			require.NoError(t, err)
			assert.Equal(t, 1280, img.Bounds().Dx())
			t.Logf("screenshot: %s", file)
		})
	}
}

// TestPayloadTables: nested members, arrays, $defs, unions and maps show
// as rows with their paths.
func TestPayloadTables(t *testing.T) {
	topo := &topology.Topology{Env: "dev", Domains: []topology.Domain{{Name: "shop"}},
		Producers: []topology.Producer{{Name: "storefront", Publishes: []string{"elmo.shop.*"}}}}
	_, files := site(t, "../gengo/testdata/catalog", topo)
	page := string(files["event-elmo.shop.order.placed.v1.html"])
	for _, want := range []string{
		"<code>lines</code></td><td>array of line",
		"<code>lines[].sku</code>",
		"<code>lines[].status</code></td><td>one of &#34;RESERVED&#34;, &#34;BACKORDERED&#34;",
		"<code>payment</code></td><td>one of 2 alternatives",
		"<code>payment (oneOf 1).last4</code>",
		"<code>payment (oneOf 2).iban</code>",
		"<code>delivery.window</code>",
		"<code>attributes</code></td><td>map of integer",
		"<code>placedAt</code></td><td>string</td><td>required",
	} {
		assert.Contains(t, page, want)
	}
	v2 := string(files["event-elmo.shop.order.placed.v2.html"])
	assert.Contains(t, v2, "<code>total</code></td><td>string (money)")
	assert.Contains(t, string(files["service-storefront.html"]), "elmo.shop.order.placed.v2")
}

func TestInvalidTopology(t *testing.T) {
	cat, err := schema.LoadDir("../../testdata/catalog")
	require.NoError(t, err)
	_, err = docsite.Build(cat, &topology.Topology{Env: "Dev"}, nil)
	require.ErrorIs(t, err, topology.ErrInvalid)
}

func ExampleBuild() {
	cat, err := schema.LoadDir("../../testdata/catalog")
	if err != nil {
		fmt.Println(err)
		return
	}
	topo := &topology.Topology{Env: "dev", Domains: []topology.Domain{{Name: "hr"}},
		Services: []topology.Service{{Name: "payroll", Consumes: []string{"elmo.hr.employee.hired.v1"}}}}
	files, err := docsite.Build(cat, topo, &docsite.Config{Title: "HR events"})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(len(files["index.html"]) > 0, len(files["event-elmo.hr.employee.hired.v1.html"]) > 0, len(files["service-payroll.html"]) > 0)
	// Output: true true true
}

// TestCommandsInABrowser: who accepts which command shows on the
// command's page and on its owner's, as Chromium renders them.
func TestCommandsInABrowser(t *testing.T) {
	bin := chromium(t)
	dir, _ := site(t, "../asyncapi/testdata/catalog", readTopology(t, "../asyncapi/testdata/topology/shop.json"))
	for page, want := range map[string][]string{
		"event-elmo.shop.order.cancel.v1.html": {`<td class="kind">command, accepted by <a href="service-warehouse.html">warehouse</a></td>`},
		"service-warehouse.html":               {`<section class="accepts"><h2>Accepts</h2>`, `href="event-elmo.shop.order.cancel.v1.html"`},
		"event-elmo.shop.order.placed.v1.html": {`<td class="kind">event</td>`, `<td class="shape">state</td>`},
	} {
		dom := browse(t, bin, dir, page, "--dump-dom")
		for _, w := range want {
			assert.Contains(t, dom, w, page)
		}
	}
}

// TestUpcastInABrowser: the page of a major whose upcast the catalogue
// declares links the previous major and says what the upcast does.
func TestUpcastInABrowser(t *testing.T) {
	bin := chromium(t)
	dir, _ := site(t, "../asyncapi/testdata/upcast", readTopology(t, "../asyncapi/testdata/topology/upcast.json"))
	dom := browse(t, bin, dir, "event-elmo.leave.absence.approved.v2.html", "--dump-dom")
	assert.Contains(t, dom, `<td class="upcast"><a href="event-elmo.leave.absence.approved.v1.html"><code>elmo.leave.absence.approved.v1</code></a>: drop legacy; rename days to amount; set unit when absent</td>`)
	dom = browse(t, bin, dir, "event-elmo.leave.absence.approved.v1.html", "--dump-dom")
	assert.NotContains(t, dom, `class="upcast"`)
}

// TestSystemMapInABrowser: the map of the leave-approval example shows
// every service and domain, events through their topics and commands
// (dashed) straight to their owners, and each service's dependencies,
// with links that resolve.
func TestSystemMapInABrowser(t *testing.T) {
	bin := chromium(t)
	dir, files := site(t, "../../examples/leaveapproval/catalog", readTopology(t, "../../examples/leaveapproval/topology.json"))
	require.Contains(t, files, "map.html")
	for _, m := range links.FindAllSubmatch(files["map.html"], -1) {
		target := strings.SplitN(string(m[1]), "#", 2)[0]
		assert.Contains(t, files, target, "map.html links %s", target)
	}
	dom := browse(t, bin, dir, "map.html", "--dump-dom")
	for _, want := range []string{
		`<svg class="flow system"`,
		`<a href="service-manager.html"><rect`, `<a href="domain-leave.html"><rect`, `<a href="domain-hr.html"><rect`,
		`<line class="command"`, `<title>elmo.leave.request.review.v1, elmo.leave.request.withdraw.v1</title>`,
		`<title>elmo.leave.request.reviewed.v1</title>`, // the reply, straight to the requester
	} {
		assert.Contains(t, dom, want)
	}
	assert.Regexp(t, `<line class="event"[^>]*><title>[^<]*elmo.leave.absence.approved.v1`, dom)
	assert.NotRegexp(t, `<line class="event"[^>]*><title>[^<]*elmo.leave.request.reviewed.v1`, dom, "a reply takes no topic")
	// balance depends on the facts of hr and leave; leave sends commands to manager.
	row := func(service string) string {
		i := strings.Index(dom, `<td><a href="service-`+service+`.html">`+service+`</a></td>`)
		require.GreaterOrEqual(t, i, 0, service)
		end := strings.Index(dom[i:], "</tr>")
		return dom[i : i+end]
	}
	assert.Contains(t, row("balance"), `<a href="service-hr.html">hr</a>`)
	assert.Contains(t, row("balance"), `<a href="service-leave.html">leave</a>`)
	assert.Contains(t, row("leave"), `<a href="service-manager.html">manager</a> (<a href="event-elmo.leave.request.review.v1.html">`)
	assert.Contains(t, row("manager"), `<a href="service-leave.html">leave</a> (<a href="event-elmo.leave.request.reviewed.v1.html">`)
	index := browse(t, bin, dir, "index.html", "--dump-dom")
	assert.Contains(t, index, `href="map.html"`)
}
