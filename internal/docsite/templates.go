package docsite

// templates are the pages. Each gets .Site and .Page.
const templates = `
{{define "head"}}<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{.}}</title><link rel="stylesheet" href="style.css"></head>
<body>{{end}}

{{define "nav"}}<header><a class="home" href="index.html">{{.Site.Title}}</a>
<a class="map" href="map.html">System map</a> <form class="search" action="search.html" method="get"><input type="search" name="q" placeholder="Search types, fields, services" aria-label="search"></form></header>
<main>{{end}}

{{define "foot"}}</main><footer>Written by eventctl docs from the schema catalogue and the topology of environment {{.Site.Env}}.</footer></body></html>
{{end}}

{{define "events"}}<ul class="list">{{range .}}<li><a href="{{.Page}}"><code>{{.Type}}</code></a> {{.Title}} <span class="muted">({{len .Versions}} minor{{if ne (len .Versions) 1}}s{{end}}, newest {{.Newest.Label}})</span></li>{{else}}<li class="muted">none</li>{{end}}</ul>{{end}}

{{define "services"}}<ul class="list">{{range .}}<li><a href="{{.Page}}">{{.Name}}</a></li>{{else}}<li class="muted">none in the topology</li>{{end}}</ul>{{end}}

{{define "index"}}{{template "head" .Site.Title}}{{template "nav" .}}
<h1>{{.Site.Title}}</h1>
<p>Every event type of the catalogue, the domains whose topics carry them, and the services that publish and consume them. The <a href="map.html">system map</a> shows them all on one picture.</p>
<section><h2>Domains</h2><table><thead><tr><th>Domain</th><th>SNS topic</th><th>Event types</th><th>Producers</th><th>Consumers</th></tr></thead><tbody>
{{range .Site.Domains}}<tr><td><a href="{{.Page}}">{{.Name}}</a></td><td>{{if .Topic}}<code>{{.Topic}}</code>{{else}}<span class="muted">none</span>{{end}}</td><td>{{len .Events}}</td><td>{{len .Producers}}</td><td>{{len .Consumers}}</td></tr>
{{end}}</tbody></table></section>
<section><h2>Services</h2><table><thead><tr><th>Service</th><th>Publishes</th><th>Consumes</th></tr></thead><tbody>
{{range .Site.Services}}<tr><td><a href="{{.Page}}">{{.Name}}</a></td><td>{{range .Sends}}<a href="{{.Page}}"><code>{{.Type}}</code></a> {{end}}</td><td>{{range .Receives}}<a href="{{.Page}}"><code>{{.Type}}</code></a> {{end}}</td></tr>
{{end}}</tbody></table></section>
<section><h2>Event types</h2>{{template "events" .Site.Events}}</section>
{{template "foot" .}}{{end}}

{{define "map"}}{{template "head" "System map"}}{{template "nav" .}}
<h1>System map</h1>
<p>Every service and domain. An event goes from the service that publishes it through its domain's topic to the services that consume it; a command or a reply (dashed) goes from the service that sends it straight to the one that accepts it or awaits it. Hover a line for its types; boxes open their pages.</p>
<section>{{systemMap .Page}}</section>
<section><h2>Services</h2><p class="muted">Each service's view: whose facts it depends on, who depends on its facts, and the commands between them (the operations of its AsyncAPI document).</p>
<table class="system"><thead><tr><th>Service</th><th>Depends on the facts of</th><th>Its facts feed</th><th>Sends commands and replies to</th><th>Receives commands and replies from</th></tr></thead><tbody>
{{range .Page.Services}}<tr><td><a href="{{.Service.Page}}">{{.Service.Name}}</a></td>
<td>{{range .DependsOn}}<a href="{{.From.Page}}">{{.From.Name}}</a> ({{range .Types}}<a href="{{.Page}}"><code>{{.Type}}</code></a> {{end}}) {{else}}<span class="muted">none</span>{{end}}</td>
<td>{{range .FeedsInto}}<a href="{{.To.Page}}">{{.To.Name}}</a> {{else}}<span class="muted">none</span>{{end}}</td>
<td>{{range .CommandsTo}}<a href="{{.To.Page}}">{{.To.Name}}</a> ({{range .Types}}<a href="{{.Page}}"><code>{{.Type}}</code></a> {{end}}) {{else}}<span class="muted">none</span>{{end}}</td>
<td>{{range .CommandsFrom}}<a href="{{.From.Page}}">{{.From.Name}}</a> {{else}}<span class="muted">none</span>{{end}}</td></tr>
{{end}}</tbody></table></section>
{{template "foot" .}}{{end}}

{{define "search"}}{{template "head" "Search"}}{{template "nav" .}}
<h1>Search</h1>
<form action="search.html" method="get"><input id="q" type="search" name="q" aria-label="search words" autofocus> <button>Search</button></form>
<ol id="results" class="results"></ol>
<script src="search-index.js"></script><script src="search.js"></script>
{{template "foot" .}}{{end}}

{{define "domain"}}{{template "head" .Page.Name}}{{template "nav" .}}
<h1>Domain {{.Page.Name}}</h1>
<p>{{if .Page.Topic}}Its events go to the SNS topic <code>{{.Page.Topic}}</code>{{if .Page.FIFO}} (FIFO: ordered per partition key){{end}}.{{else}}The topology has no topic for this domain: its event types are in the catalogue only.{{end}}</p>
<section><h2>Flow</h2>{{flow .Page}}</section>
<section><h2>Event types</h2>{{template "events" .Page.Events}}</section>
<section><h2>Producers</h2>{{template "services" .Page.Producers}}</section>
<section><h2>Consumers</h2>{{template "services" .Page.Consumers}}</section>
{{template "foot" .}}{{end}}

{{define "service"}}{{template "head" .Page.Name}}{{template "nav" .}}
<h1>Service {{.Page.Name}}</h1>
{{if .Page.Queue}}<table class="facts"><tr><th>SQS queue</th><td><code>{{.Page.Queue}}</code></td></tr>
<tr><th>Dead-letter queue</th><td><code>{{.Page.DeadLetters}}</code> (after {{.Page.ReceiveLimit}} receives)</td></tr>
<tr><th>Visibility timeout</th><td>{{.Page.Visibility}}</td></tr><tr><th>Retention</th><td>{{.Page.Retention}}</td></tr></table>{{end}}
<section><h2>Publishes</h2>{{if .Page.Publishes}}<p class="muted">{{range .Page.Publishes}}<code>{{.}}</code> {{end}}</p>{{end}}{{template "events" .Page.Sends}}</section>
<section><h2>Consumes</h2>{{if .Page.Consumes}}<p class="muted">{{range .Page.Consumes}}<code>{{.}}</code> {{end}}</p>{{end}}{{template "events" .Page.Receives}}</section>
{{if .Page.Accepts}}<section class="accepts"><h2>Accepts</h2><p class="muted">The commands sent to this service alone.</p>{{template "events" .Page.Accepts}}</section>{{end}}
{{template "foot" .}}{{end}}

{{define "event"}}{{template "head" .Page.Type}}{{template "nav" .}}
<h1><code>{{.Page.Type}}</code></h1>
<p class="lead">{{.Page.Title}}. {{.Page.Description}}</p>
<table class="facts"><tr><th>Domain</th><td><a href="domain-{{.Page.Domain}}.html">{{.Page.Domain}}</a></td></tr>
<tr><th>Kind</th><td class="kind">{{.Page.Kind}}{{if .Page.Owner}}, accepted by <a href="{{.Page.Owner.Page}}">{{.Page.Owner.Name}}</a>{{end}}</td></tr>
{{if eq .Page.Kind "event"}}<tr><th>Shape</th><td class="shape">{{if .Page.Shape}}{{.Page.Shape}}{{else}}<span class="muted">not declared</span>{{end}}</td></tr>{{end}}
{{if .Page.Upcast}}<tr><th>Upcast from</th><td class="upcast">{{with .Page.UpcastFrom}}<a href="{{.Page}}"><code>{{.Type}}</code></a>{{else}}the previous major{{end}}: {{.Page.Upcast}}</td></tr>{{end}}
<tr><th>Published by</th><td>{{range .Page.Producers}}<a href="{{.Page}}">{{.Name}}</a> {{else}}<span class="muted">no producer in the topology</span>{{end}}</td></tr>
<tr><th>Consumed by</th><td>{{range .Page.Consumers}}<a href="{{.Page}}">{{.Name}}</a> {{else}}<span class="muted">no consumer in the topology</span>{{end}}</td></tr>
<tr><th>Versions</th><td>{{range .Page.Versions}}<a href="#v{{.Label}}">{{.Label}}</a> {{end}}</td></tr></table>
{{range $i, $v := .Page.Versions}}<section class="version" id="v{{$v.Label}}"><h2>Version {{$v.Label}}</h2>
<p class="muted">dataschema <code>{{$v.ID}}</code></p>
<h3>Payload</h3><table class="payload"><thead><tr><th>Member</th><th>Type</th><th>Required</th><th>Description</th><th>Constraints</th></tr></thead><tbody>
{{range $v.Rows}}<tr><td style="padding-left:{{indent .Depth}}px"><code>{{.Path}}</code></td><td>{{.Type}}</td><td>{{if .Required}}required{{else}}optional{{end}}</td><td>{{.Description}}</td><td class="muted">{{.Constraints}}</td></tr>
{{end}}</tbody></table>
{{if $v.Previous}}<h3>Changes from {{$v.Previous}}</h3>{{if $v.Changes}}<ul class="changes">{{range $v.Changes}}<li class="{{if .Breaking}}breaking{{else}}compatible{{end}}"><code>{{.Rule}}</code> at <code>{{if .Pointer}}{{.Pointer}}{{else}}/{{end}}</code>: {{.Detail}}{{if .Breaking}} <strong>breaks the evolution policy</strong>{{else if .Tolerated}} (tolerant consumers absorb it){{end}}</li>{{end}}</ul>{{else}}<p class="muted">No change to the payload.</p>{{end}}{{end}}
{{if $v.Examples}}<h3>Examples</h3>{{range $v.Examples}}<pre class="example">{{.}}</pre>{{end}}{{end}}
</section>{{end}}
{{template "foot" .}}{{end}}
`

// styleSheet is the site's only style: no font or script from elsewhere.
const styleSheet = `body{font:15px/1.5 system-ui,-apple-system,"Segoe UI",sans-serif;margin:0;color:#1d232a;background:#fafbfc}
header{display:flex;gap:1em;align-items:center;justify-content:space-between;padding:.6em 1.5em;background:#23395d;color:#fff}
header a.home{color:#fff;font-weight:600;text-decoration:none}
header input{padding:.3em .6em;border-radius:4px;border:0;min-width:18em}
main{max-width:72em;margin:0 auto;padding:1em 1.5em 3em}
footer{color:#6a737d;font-size:.85em;text-align:center;padding:2em}
h1 code{font-size:.9em}
table{border-collapse:collapse;width:100%;margin:.5em 0 1.5em;background:#fff}
th,td{border:1px solid #e1e4e8;padding:.35em .6em;text-align:left;vertical-align:top}
th{background:#f1f3f5}
table.facts{width:auto}
table.facts th{width:11em}
code{font:13px ui-monospace,SFMono-Regular,Menlo,monospace;background:#eef1f4;padding:0 .25em;border-radius:3px}
pre.example{background:#fff;border:1px solid #e1e4e8;padding:.8em;overflow:auto;font-size:13px}
.muted{color:#6a737d}
.lead{font-size:1.1em}
ul.list li{margin:.2em 0}
ul.changes li.breaking{color:#b31d28}
ul.changes li.compatible{color:#22863a}
section.version{border-top:2px solid #e1e4e8;margin-top:2em}
svg.flow{max-width:100%;height:auto;background:#fff;border:1px solid #e1e4e8;border-radius:6px}
svg.flow rect{fill:#eef4fb;stroke:#23395d}
svg.flow .topic rect{fill:#fff4d6;stroke:#b08800}
svg.flow text{font:13px system-ui,sans-serif;fill:#1d232a}
svg.flow text.col{font-weight:600;fill:#6a737d}
svg.system line.command{stroke-dasharray:6 4}
svg.flow text.none{fill:#6a737d;font-style:italic}
svg.flow line{stroke:#23395d;stroke-width:1.5}
ol.results li{margin:.4em 0}
`

// searchScript shows the entries of SEARCH_INDEX that hold every word of
// the query (?q=), as links; it writes text, never HTML.
const searchScript = `(function () {
  var q = new URLSearchParams(window.location.search).get("q") || "";
  var input = document.getElementById("q");
  if (input) { input.value = q; }
  var out = document.getElementById("results");
  if (!out) { return; }
  var words = q.toLowerCase().split(/\s+/).filter(function (w) { return w !== ""; });
  if (words.length === 0) {
    out.setAttribute("data-count", "0");
    return;
  }
  var hits = SEARCH_INDEX.filter(function (e) {
    var text = (e.title + " " + e.text).toLowerCase();
    return words.every(function (w) { return text.indexOf(w) >= 0; });
  });
  hits.forEach(function (e) {
    var li = document.createElement("li");
    var a = document.createElement("a");
    a.href = e.url;
    a.textContent = e.title;
    var kind = document.createElement("span");
    kind.className = "muted";
    kind.textContent = " " + e.kind;
    li.appendChild(a);
    li.appendChild(kind);
    out.appendChild(li);
  });
  if (hits.length === 0) {
    var none = document.createElement("li");
    none.className = "muted";
    none.textContent = "Nothing matches every word.";
    out.appendChild(none);
  }
  out.setAttribute("data-count", String(hits.length));
})();
`
