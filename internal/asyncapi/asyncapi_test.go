package asyncapi_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/elmosoftware/eventprotocol/internal/asyncapi"
	"github.com/elmosoftware/eventprotocol/internal/npmpkg"
	"github.com/elmosoftware/eventprotocol/schema"
	"github.com/elmosoftware/eventprotocol/transport/topology"
)

// parserVersion is the @asyncapi/parser the tests judge documents with.
const parserVersion = "3.6.6"

// validate parses each file given with the AsyncAPI parser and prints a
// line per file: whether it is valid (parsed, no error diagnostic), the
// diagnostics, and what the parsed document holds.
const validate = `import { Parser } from "@asyncapi/parser";
import { readFileSync } from "node:fs";
const parser = new Parser();
const severities = ["error", "warning", "info", "hint"];
for (const file of process.argv.slice(2)) {
  const { document, diagnostics } = await parser.parse(readFileSync(file, "utf8"));
  const out = diagnostics.map(d => ({ severity: severities[d.severity] ?? String(d.severity), code: String(d.code), path: d.path.join("/"), message: d.message }));
  console.log(JSON.stringify({
    valid: document !== undefined && !out.some(d => d.severity === "error"),
    diagnostics: out,
    channels: document ? document.channels().length : 0,
    operations: document ? document.operations().length : 0,
    messages: document ? document.components().messages().length : 0,
  }));
}
`

type verdict struct {
	Valid       bool `json:"valid"`
	Diagnostics []struct {
		Severity, Code, Path, Message string
	} `json:"diagnostics"`
	Channels, Operations, Messages int
}

// parse judges documents with the AsyncAPI parser, installed with npm
// into the cache on first use (Node.js and npm are needed: the test
// fails, never skips, without them).
func parse(t *testing.T, docs ...[]byte) []verdict {
	t.Helper()
	dir, err := npmpkg.Install(t.Context(), "@asyncapi/parser", parserVersion, map[string]string{"validate.mjs": validate})
	require.NoError(t, err)
	node, err := exec.LookPath("node")
	require.NoError(t, err, "the AsyncAPI parser runs on Node.js")
	args := []string{filepath.Join(dir, "validate.mjs")}
	for i, d := range docs {
		f := filepath.Join(t.TempDir(), fmt.Sprintf("doc%d.json", i))
		require.NoError(t, os.WriteFile(f, d, 0o644))
		args = append(args, f)
	}
	cmd := exec.CommandContext(t.Context(), node, args...)
	cmd.Dir = dir
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	require.NoError(t, err, "the parser failed: %s", stderr.String())
	var vs []verdict
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		var v verdict
		require.NoError(t, json.Unmarshal([]byte(line), &v), line)
		vs = append(vs, v)
	}
	require.Len(t, vs, len(docs))
	return vs
}

func generate(t *testing.T, catalog, topo string) []byte {
	t.Helper()
	cat, err := schema.LoadDir(catalog)
	require.NoError(t, err)
	f, err := os.Open(topo)
	require.NoError(t, err)
	defer f.Close()
	tp, err := topology.Read(f)
	require.NoError(t, err)
	doc, err := asyncapi.Generate(cat, tp, nil)
	require.NoError(t, err)
	return doc
}

// TestTheParserAcceptsTheDocuments: the documents of the signup topology
// over the sample catalogue and of a FIFO shop topology whose schemas
// have $defs and a $ref to another schema are valid AsyncAPI 3.0 for
// @asyncapi/parser, with a channel per topic and queue, an operation per
// consumer and per producer's topic, and a message per schema on a topic.
func TestTheParserAcceptsTheDocuments(t *testing.T) {
	signup := generate(t, "../../testdata/catalog", "../../testdata/topology/signup.json")
	shop := generate(t, "testdata/catalog", "testdata/topology/shop.json")
	vs := parse(t, signup, shop)
	for i, want := range []struct{ channels, operations, messages int }{
		{2 + 4, 4 + 2, 3 + 1},         // identity and platform topics, 4 queues; 4 receive, 2 send; client.signed_up 1.0 to 1.2, tenant.provisioned 1.0
		{1 + 2 + 1, 2 + 1 + 1, 2 + 2}, // the replies channel; warehouse accepts order.cancel, with a reply; the command and its reply
	} {
		v := vs[i]
		for _, d := range v.Diagnostics {
			assert.NotEqual(t, "error", d.Severity, "document %d: %s: %s", i, d.Path, d.Message)
		}
		assert.True(t, v.Valid, "document %d", i)
		assert.Equal(t, want.channels, v.Channels, "document %d channels", i)
		assert.Equal(t, want.operations, v.Operations, "document %d operations", i)
		assert.Equal(t, want.messages, v.Messages, "document %d messages", i)
	}
}

// TestTheParserRefusesBrokenDocuments: the parser is a judge that can say
// no: each breakage of a generated document is refused.
func TestTheParserRefusesBrokenDocuments(t *testing.T) {
	good := generate(t, "testdata/catalog", "testdata/topology/shop.json")
	breakages := []struct {
		name string
		edit func(d map[string]any)
	}{
		{"an AsyncAPI 2 action", func(d map[string]any) { op(d, "warehouse.receive")["action"] = "subscribe" }},
		{"a dangling channel", func(d map[string]any) {
			op(d, "warehouse.receive")["channel"] = map[string]any{"$ref": "#/channels/queue.nobody"}
		}},
		{"no info version", func(d map[string]any) { delete(d["info"].(map[string]any), "version") }},
		{"an sqs binding without its queue", func(d map[string]any) {
			ch := d["channels"].(map[string]any)["queue.warehouse"].(map[string]any)
			delete(ch["bindings"].(map[string]any)["sqs"].(map[string]any), "queue")
		}},
		{"a payload that is not a schema", func(d map[string]any) {
			d["components"].(map[string]any)["schemas"].(map[string]any)["elmo.shop.order.placed.v1.0"] = map[string]any{"type": 42}
		}},
	}
	var docs [][]byte
	for _, b := range breakages {
		var d map[string]any
		require.NoError(t, json.Unmarshal(good, &d))
		b.edit(d)
		raw, err := json.Marshal(d)
		require.NoError(t, err)
		docs = append(docs, raw)
	}
	for i, v := range parse(t, docs...) {
		assert.False(t, v.Valid, breakages[i].name)
	}
}

func op(d map[string]any, id string) map[string]any {
	return d["operations"].(map[string]any)[id].(map[string]any)
}

// TestDocumentContent: the document says what the topology and the
// catalogue say: names, bindings, filters, payloads and headers.
func TestDocumentContent(t *testing.T) {
	var d map[string]any
	require.NoError(t, json.Unmarshal(generate(t, "testdata/catalog", "testdata/topology/shop.json"), &d))
	get := func(path string) any {
		t.Helper()
		var v any = d
		for _, k := range strings.Split(path, "/") {
			m, ok := v.(map[string]any)
			require.True(t, ok, "%s: %s is not an object", path, k)
			v, ok = m[k]
			require.True(t, ok, "%s: no %s", path, k)
		}
		return v
	}
	assert.Equal(t, "3.0.0", get("asyncapi"))
	assert.Equal(t, "prod-elmo-shop-events.fifo", get("channels/topic.shop/address"))
	assert.Equal(t, "FIFO", get("channels/topic.shop/bindings/sns/ordering/type"))
	assert.Equal(t, "prod-elmo-warehouse.fifo", get("channels/queue.warehouse/address"))
	assert.Equal(t, true, get("channels/queue.warehouse/bindings/sqs/queue/fifoQueue"))
	assert.EqualValues(t, 60, get("channels/queue.warehouse/bindings/sqs/queue/visibilityTimeout"))
	assert.EqualValues(t, 5, get("channels/queue.warehouse/bindings/sqs/queue/redrivePolicy/maxReceiveCount"))
	assert.Equal(t, "prod-elmo-warehouse-dlq.fifo", get("channels/queue.warehouse/bindings/sqs/deadLetterQueue/name"))
	assert.EqualValues(t, 1209600, get("channels/queue.audit/bindings/sqs/queue/messageRetentionPeriod"))
	assert.Equal(t, "receive", get("operations/warehouse.receive/action"))
	assert.Equal(t, "send", get("operations/storefront.send.shop/action"))
	consumers := get("operations/storefront.send.shop/bindings/sns/consumers").([]any)
	require.Len(t, consumers, 2)
	assert.Equal(t, map[string]any{"type": []any{"elmo.shop.order.placed.v1", "elmo.shop.order.cancelled.v1"}}, consumers[0].(map[string]any)["filterPolicy"])
	assert.NotContains(t, consumers[1].(map[string]any), "filterPolicy", "audit takes every type of the domain")

	msg := "components/messages/elmo.shop.order.cancelled.v1.0/"
	assert.Equal(t, "elmo.shop.order.cancelled.v1", get(msg+"name"))
	assert.Equal(t, "#/components/schemas/elmo.shop.order.cancelled.v1.0", get(msg+"payload/$ref"))
	assert.Equal(t, "#/components/schemas/CloudEventsAttributes", get(msg + "headers/allOf").([]any)[0].(map[string]any)["$ref"])
	assert.Equal(t, "elmo.shop.order.cancelled.v1", get(msg + "headers/allOf").([]any)[1].(map[string]any)["properties"].(map[string]any)["type"].(map[string]any)["const"])
	assert.Len(t, get(msg+"examples"), 1)
	assert.Equal(t, "#/components/schemas/elmo.shop.order.placed.v1.0.orderRef", get("components/schemas/elmo.shop.order.cancelled.v1.0/properties/order/$ref"), "a $ref to another schema's $defs")
	assert.Equal(t, "#/components/schemas/elmo.shop.order.placed.v1.0.line", get("components/schemas/elmo.shop.order.placed.v1.0/properties/lines/items/$ref"))
	assert.NotContains(t, get("components/schemas/elmo.shop.order.placed.v1.0"), "$id", "an $id would move the base of the document's $refs")
	attrs := get("components/schemas/CloudEventsAttributes/properties").(map[string]any)
	assert.Contains(t, attrs, "specversion")
	assert.Contains(t, attrs, "traceparent")
	assert.NotContains(t, attrs, "data")
}

// TestErrors: what the document cannot say is an error, not a gap.
func TestErrors(t *testing.T) {
	cat, err := schema.LoadDir("../../testdata/catalog")
	require.NoError(t, err)
	topo := &topology.Topology{Env: "dev", Domains: []topology.Domain{{Name: "hr"}},
		Services: []topology.Service{{Name: "payroll", Consumes: []string{"elmo.hr.employee.fired.v1"}}}}
	_, err = asyncapi.Generate(cat, topo, nil)
	require.ErrorIs(t, err, asyncapi.ErrNoSchema)
	assert.Contains(t, err.Error(), `service "payroll"`)

	topo.Services = nil
	topo.Producers = []topology.Producer{{Name: "hris", Publishes: []string{"elmo.hr.employee.fired.v1"}}}
	_, err = asyncapi.Generate(cat, topo, nil)
	require.ErrorIs(t, err, asyncapi.ErrNoSchema)

	topo.Env = "Dev"
	_, err = asyncapi.Generate(cat, topo, nil)
	require.ErrorIs(t, err, topology.ErrInvalid)

	// A $ref into another schema other than to its $defs.
	head := `{"$schema":"https://json-schema.org/draft/2020-12/schema","title":"T","description":"d","type":"object","additionalProperties":false,`
	refCat, err := schema.Load(fstest.MapFS{
		"shop/order.placed.v1.0.json": {Data: []byte(head + `"$id":"https://schemas.elmo.example/elmo.shop.order.placed/1.0","properties":{"order":{"type":"string"}}}`)},
		"shop/order.cancelled.v1.0.json": {Data: []byte(head + `"$id":"https://schemas.elmo.example/elmo.shop.order.cancelled/1.0",
"properties":{"order":{"$ref":"https://schemas.elmo.example/elmo.shop.order.placed/1.0#/properties/order"}}}`)},
	})
	require.NoError(t, err)
	_, err = asyncapi.Generate(refCat, &topology.Topology{Env: "dev", Domains: []topology.Domain{{Name: "shop"}}}, nil)
	require.ErrorIs(t, err, asyncapi.ErrUnsupportedRef)
	assert.Contains(t, err.Error(), "shop/order.cancelled.v1.0.json")
}

// TestMessagesShowTheirShape: each message says its events' shape, as the
// extension x-elmo-shape.
func TestMessagesShowTheirShape(t *testing.T) {
	var doc struct {
		Components struct {
			Messages map[string]map[string]any `json:"messages"`
		} `json:"components"`
	}
	require.NoError(t, json.Unmarshal(generate(t, "testdata/catalog", "testdata/topology/shop.json"), &doc))
	shapes, kinds := map[string]any{}, map[string]any{}
	for _, m := range doc.Components.Messages {
		shapes[m["name"].(string)] = m["x-elmo-shape"]
		kinds[m["name"].(string)] = m["x-elmo-kind"]
	}
	assert.Equal(t, map[string]any{"elmo.shop.order.placed.v1": "state", "elmo.shop.order.cancelled.v1": "notification",
		"elmo.shop.order.cancel.v1": nil, "elmo.shop.order.confirmed.v1": nil}, shapes)
	assert.Equal(t, map[string]any{"elmo.shop.order.placed.v1": nil, "elmo.shop.order.cancelled.v1": nil,
		"elmo.shop.order.cancel.v1": "command", "elmo.shop.order.confirmed.v1": "reply"}, kinds)
}

// TestCommandsHaveReplies: a command its owner accepts is an operation of
// the owner's queue, with a reply addressed by the command's replyto.
func TestCommandsHaveReplies(t *testing.T) {
	var doc struct {
		Operations map[string]struct {
			Action  string `json:"action"`
			Channel struct {
				Ref string `json:"$ref"`
			} `json:"channel"`
			Reply struct {
				Address struct {
					Location string `json:"location"`
				} `json:"address"`
				Messages []struct {
					Ref string `json:"$ref"`
				} `json:"messages"`
			} `json:"reply"`
		} `json:"operations"`
	}
	require.NoError(t, json.Unmarshal(generate(t, "testdata/catalog", "testdata/topology/shop.json"), &doc))
	op, ok := doc.Operations["warehouse.accept.elmo_shop_order_cancel_v1"]
	require.True(t, ok, "the operation of the accepted command")
	assert.Equal(t, "receive", op.Action)
	assert.Equal(t, "#/channels/queue.warehouse", op.Channel.Ref)
	assert.Equal(t, "$message.header#/replyto", op.Reply.Address.Location)
	require.Len(t, op.Reply.Messages, 1)
	assert.Contains(t, op.Reply.Messages[0].Ref, "elmo.shop.order.confirmed")
	_, audited := doc.Operations["audit.receive"]
	assert.True(t, audited)
}

// TestUpcastsShown: a major whose upcast the catalogue declares says so
// in its messages, and the parser accepts the document.
func TestUpcastsShown(t *testing.T) {
	doc := generate(t, "testdata/upcast", "testdata/topology/upcast.json")
	v := parse(t, doc)[0]
	assert.True(t, v.Valid)
	var d struct {
		Components struct {
			Messages map[string]map[string]any `json:"messages"`
		} `json:"components"`
	}
	require.NoError(t, json.Unmarshal(doc, &d))
	up := map[string]any{}
	for id, m := range d.Components.Messages {
		if u, ok := m["x-elmo-upcast"]; ok {
			up[id] = u
		}
	}
	assert.Equal(t, map[string]any{"elmo.leave.absence.approved.v2.0": map[string]any{
		"from": "elmo.leave.absence.approved.v1", "summary": "drop legacy; rename days to amount; set unit when absent"}}, up)
}
