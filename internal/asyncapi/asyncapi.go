package asyncapi

import (
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/elmosoftware/eventprotocol/naming"
	"github.com/elmosoftware/eventprotocol/schema"
	"github.com/elmosoftware/eventprotocol/transport/topology"
)

// Versions of the specification and of the bindings written.
const (
	Version            = "3.0.0"
	SNSBindingVersion  = "0.1.0"
	SQSBindingVersion  = "0.2.0"
	cloudEventsHeaders = "CloudEventsAttributes"
)

// ErrNoSchema reports an event type the topology publishes or consumes
// that the catalogue has no schema for.
var ErrNoSchema = errors.New("asyncapi: no schema for an event type of the topology")

// ErrUnsupportedRef reports a $ref in a payload schema that the document
// cannot point at: one into another schema other than to its $defs.
var ErrUnsupportedRef = errors.New("asyncapi: a $ref the document cannot resolve")

// Config configures Generate. A nil *Config means the defaults.
type Config struct {
	// Title is the document's info.title. Default "ELMO events (<env>)".
	Title string
	// Version is the document's info.version. Default "1.0.0".
	Version string
}

// Generate writes the AsyncAPI 3.0 document of a topology and the
// catalogue that types its events, as indented JSON.
func Generate(cat *schema.Catalog, topo *topology.Topology, cfg *Config) ([]byte, error) {
	if err := topo.Validate(); err != nil {
		return nil, err
	}
	c := Config{}
	if cfg != nil {
		c = *cfg
	}
	if c.Title == "" {
		c.Title = "ELMO events (" + topo.Env + ")"
	}
	if c.Version == "" {
		c.Version = "1.0.0"
	}
	d := &doc{cat: cat, topo: topo, names: naming.AWSNames{Env: topo.Env, Org: topo.Org},
		messages: map[string]any{}, schemas: map[string]any{}, channels: map[string]any{}, operations: map[string]any{}}
	for _, svc := range topo.Services {
		for _, c := range svc.Requests {
			if d.requested == nil {
				d.requested = map[string]bool{}
			}
			d.requested[c] = true
		}
	}
	if err := d.build(); err != nil {
		return nil, err
	}
	out := map[string]any{
		"asyncapi": Version,
		"info": map[string]any{"title": c.Title, "version": c.Version,
			"description": "The SNS topics and SQS queues of environment " + topo.Env + ", who publishes and consumes what, and every event type's payload schema. " +
				"Each message travels as a CloudEvents structured JSON envelope: its attributes (the headers here) beside the payload in data; type, source and tenantid are mirrored as SNS/SQS message attributes (PROTOCOL.md section 7)."},
		"defaultContentType": "application/json",
		"channels":           d.channels,
		"operations":         d.operations,
		"components":         map[string]any{"messages": d.messages, "schemas": d.schemas},
	}
	b, err := json.MarshalIndent(out, "", "  ")
	if err != nil {
		return nil, err
	}
	return append(b, '\n'), nil
}

type doc struct {
	cat       *schema.Catalog
	topo      *topology.Topology
	names     naming.AWSNames
	requested map[string]bool // the commands some service requests; nil when none does

	messages, schemas, channels, operations map[string]any
}

// messageID is the component key of a schema's message: its type and
// minor, e.g. elmo.identity.client.signed_up.v1.2.
func messageID(s *schema.Schema) string {
	return s.ID().Type.String() + "." + strconv.Itoa(s.ID().Minor)
}

// schemasOf returns every minor of the types an entry of Consumes or
// Publishes names (a type, or <org>.<domain>.*).
func (d *doc) schemasOf(entry string) ([]*schema.Schema, error) {
	var out []*schema.Schema
	if prefix, ok := strings.CutSuffix(entry, "*"); ok {
		for _, s := range d.cat.Schemas() {
			if strings.HasPrefix(s.ID().Type.String(), prefix) && s.Kind() == schema.KindEvent { // commands and replies go through no topic
				out = append(out, s)
			}
		}
		return out, nil
	}
	t, err := naming.ParseType(entry)
	if err != nil {
		return nil, err
	}
	out = d.cat.Versions(t)
	if len(out) == 0 {
		return nil, fmt.Errorf("%w: %s", ErrNoSchema, entry)
	}
	return out, nil
}

// refs returns the channel's message references of schemas.
func refs(channel string, schemas []*schema.Schema) []any {
	var out []any
	for _, s := range schemas {
		out = append(out, map[string]any{"$ref": "#/channels/" + channel + "/messages/" + messageID(s)})
	}
	return out
}

func (d *doc) build() error {
	d.schemas[cloudEventsHeaders] = cloudEventsAttributes()
	topics := map[string]string{} // domain → channel
	topicMessages := map[string][]*schema.Schema{}
	for _, dom := range d.topo.Domains {
		prefix := d.org() + "." + dom.Name + "."
		for _, s := range d.cat.Schemas() {
			if strings.HasPrefix(s.ID().Type.String(), prefix) && s.Kind() == schema.KindEvent {
				topicMessages[dom.Name] = append(topicMessages[dom.Name], s)
			}
		}
	}
	// Types published or consumed must have schemas, even when the topic
	// carries others.
	for _, p := range d.topo.Producers {
		for _, e := range p.Publishes {
			if _, err := d.schemasOf(e); err != nil {
				return fmt.Errorf("producer %q: %w", p.Name, err)
			}
		}
	}
	for _, dom := range d.topo.Domains {
		name, err := d.names.Topic(dom.Name, dom.FIFO)
		if err != nil {
			return err
		}
		id := "topic." + dom.Name
		topics[dom.Name] = id
		msgs := map[string]any{}
		for _, s := range topicMessages[dom.Name] {
			if err := d.message(s); err != nil {
				return err
			}
			msgs[messageID(s)] = map[string]any{"$ref": "#/components/messages/" + messageID(s)}
		}
		ordering := "standard"
		if dom.FIFO {
			ordering = "FIFO"
		}
		d.channels[id] = map[string]any{
			"address":     name,
			"title":       dom.Name + " events",
			"description": "The SNS topic of the " + dom.Name + " domain: every " + d.org() + "." + dom.Name + ".* event.",
			"messages":    msgs,
			"bindings":    map[string]any{"sns": map[string]any{"name": name, "ordering": map[string]any{"type": ordering}, "bindingVersion": SNSBindingVersion}},
		}
	}
	for _, s := range d.topo.Services {
		if err := d.service(s); err != nil {
			return err
		}
	}
	for _, p := range d.topo.Producers {
		d.producer(p, topics)
	}
	return nil
}

func (d *doc) org() string {
	if d.topo.Org == "" {
		return naming.DefaultOrg
	}
	return d.topo.Org
}

// service adds a consuming service's queue and receive operation.
func (d *doc) service(s topology.Service) error {
	fifo := d.topo.FIFO(s)
	queue, err := d.names.Queue(s.Name, fifo)
	if err != nil {
		return err
	}
	dlq, err := d.names.DeadLetterQueue(s.Name, fifo)
	if err != nil {
		return err
	}
	var consumed []*schema.Schema
	for _, entry := range s.Consumes {
		ss, err := d.schemasOf(entry)
		if err != nil {
			return fmt.Errorf("service %q: %w", s.Name, err)
		}
		for _, x := range ss {
			if !slices.Contains(consumed, x) {
				consumed = append(consumed, x)
			}
		}
	}
	var accepted []*schema.Schema
	for _, entry := range s.Accepts {
		ss, err := d.schemasOf(entry)
		if err != nil {
			return fmt.Errorf("service %q: %w", s.Name, err)
		}
		accepted = append(accepted, ss...)
	}
	id := "queue." + s.Name
	msgs := map[string]any{}
	for _, x := range slices.Concat(consumed, accepted) {
		if err := d.message(x); err != nil {
			return err
		}
		msgs[messageID(x)] = map[string]any{"$ref": "#/components/messages/" + messageID(x)}
	}
	q := map[string]any{
		"name":                   queue,
		"fifoQueue":              fifo,
		"visibilityTimeout":      int(s.VisibilityTimeout().Seconds()),
		"messageRetentionPeriod": int(s.Retention().Seconds()),
		"redrivePolicy":          map[string]any{"deadLetterQueue": map[string]any{"name": dlq}, "maxReceiveCount": s.ReceiveLimit()},
	}
	d.channels[id] = map[string]any{
		"address":     queue,
		"title":       s.Name + " queue",
		"description": "The SQS queue of the " + s.Name + " service, subscribed to its domains' topics; what it cannot handle goes to " + dlq + ".",
		"messages":    msgs,
		"bindings": map[string]any{"sqs": map[string]any{"queue": q, "bindingVersion": SQSBindingVersion,
			"deadLetterQueue": map[string]any{"name": dlq, "fifoQueue": fifo, "messageRetentionPeriod": int(topology.MaxRetention.Seconds())}}},
	}
	sqsBinding := map[string]any{"sqs": map[string]any{"queues": []any{map[string]any{"name": queue, "fifoQueue": fifo}}, "bindingVersion": SQSBindingVersion}}
	if len(consumed) > 0 {
		d.operations[s.Name+".receive"] = map[string]any{
			"action":   "receive",
			"title":    s.Name + " receives",
			"summary":  s.Name + " handles " + strings.Join(s.Consumes, ", ") + ".",
			"channel":  map[string]any{"$ref": "#/channels/" + id},
			"messages": refs(id, consumed),
			"bindings": sqsBinding,
		}
	}
	for _, cmd := range accepted {
		op := map[string]any{
			"action":   "receive",
			"title":    s.Name + " accepts " + cmd.ID().Type.String(),
			"summary":  "A command: sent to " + s.Name + " alone, which carries it out or refuses it.",
			"channel":  map[string]any{"$ref": "#/channels/" + id},
			"messages": refs(id, []*schema.Schema{cmd}),
			"bindings": sqsBinding,
		}
		if replies := d.repliesTo(cmd); len(replies) > 0 {
			op["reply"] = map[string]any{
				"address":  map[string]any{"location": "$message.header#/" + transportReplyTo, "description": "The requester's queue: the command's replyto names its service."},
				"channel":  map[string]any{"$ref": "#/channels/" + repliesChannel},
				"messages": refs(repliesChannel, replies),
			}
		}
		d.operations[s.Name+".accept."+strings.ReplaceAll(cmd.ID().Type.String(), ".", "_")] = op
	}
	return nil
}

// repliesChannel holds the replies: addressed at run time, by the
// command's replyto.
const repliesChannel = "replies"

// transportReplyTo is the extension attribute that names the requester.
const transportReplyTo = "replyto"

// repliesTo returns the reply types that answer a command: by convention,
// the replies (x-elmo-kind reply) of the command's entity, e.g.
// elmo.payroll.payslip.generated.v1 for elmo.payroll.payslip.generate.v1.
// When the topology's services request commands, only those have replies.
// It puts them on the replies channel.
func (d *doc) repliesTo(cmd *schema.Schema) []*schema.Schema {
	t := cmd.ID().Type
	if d.requested != nil && !d.requested[t.String()] {
		return nil // the topology says which commands are awaited: not this one
	}
	var out []*schema.Schema
	for _, s := range d.cat.Schemas() {
		r := s.ID().Type
		if s.Kind() == schema.KindReply && r.Org() == t.Org() && r.Domain() == t.Domain() && r.Entity() == t.Entity() {
			out = append(out, s)
		}
	}
	if len(out) == 0 {
		return nil
	}
	ch, _ := d.channels[repliesChannel].(map[string]any)
	if ch == nil {
		ch = map[string]any{"title": "replies", "description": "Replies to commands, each sent to its requester's own queue (the command's replyto).", "messages": map[string]any{}}
		d.channels[repliesChannel] = ch
	}
	for _, s := range out {
		if d.message(s) == nil {
			ch["messages"].(map[string]any)[messageID(s)] = map[string]any{"$ref": "#/components/messages/" + messageID(s)}
		}
	}
	return out
}

// producer adds a publishing service's send operation per topic.
func (d *doc) producer(p topology.Producer, topics map[string]string) {
	byDomain := map[string][]*schema.Schema{}
	var domains []string
	for _, e := range p.Publishes {
		ss, _ := d.schemasOf(e) // build checked them
		for _, s := range ss {
			dom := s.ID().Type.Domain()
			if !slices.Contains(domains, dom) {
				domains = append(domains, dom)
			}
			if !slices.Contains(byDomain[dom], s) {
				byDomain[dom] = append(byDomain[dom], s)
			}
		}
	}
	for _, dom := range domains {
		id := topics[dom]
		var consumers []any
		for _, s := range d.topo.Services {
			for _, sub := range s.Subscriptions() {
				if sub.Domain != dom {
					continue
				}
				queue, _ := d.names.Queue(s.Name, d.topo.FIFO(s))
				c := map[string]any{"protocol": "sqs", "endpoint": map[string]any{"name": queue}, "rawMessageDelivery": true}
				if sub.Types != nil {
					c["filterPolicy"] = map[string]any{"type": sub.Types}
					c["filterPolicyScope"] = "MessageAttributes"
				}
				consumers = append(consumers, c)
			}
		}
		if consumers == nil {
			consumers = []any{}
		}
		d.operations[p.Name+".send."+dom] = map[string]any{
			"action":   "send",
			"title":    p.Name + " publishes " + dom + " events",
			"channel":  map[string]any{"$ref": "#/channels/" + id},
			"messages": refs(id, byDomain[dom]),
			"bindings": map[string]any{"sns": map[string]any{"consumers": consumers, "bindingVersion": SNSBindingVersion}},
		}
	}
}

// message adds a schema's message, its payload and headers.
func (d *doc) message(s *schema.Schema) error {
	id := messageID(s)
	if _, ok := d.messages[id]; ok {
		return nil
	}
	d.messages[id] = nil // being made: a $ref back to it stops here
	var payload map[string]any
	if err := json.Unmarshal(s.Bytes(), &payload); err != nil {
		return err
	}
	delete(payload, "$schema")
	delete(payload, "$id")
	defs, _ := payload["$defs"].(map[string]any)
	delete(payload, "$defs")
	if err := d.rewriteRefs(s, payload); err != nil {
		return err
	}
	d.schemas[id] = payload
	for name, def := range defs {
		if err := d.rewriteRefs(s, def); err != nil {
			return err
		}
		d.schemas[id+"."+name] = def
	}
	title, _ := payload["title"].(string)
	desc, _ := payload["description"].(string)
	t := s.ID().Type
	m := map[string]any{
		"name":        t.String(),
		"title":       fmt.Sprintf("%s %d.%d", cmpOr(title, t.String()), t.Major(), s.ID().Minor),
		"contentType": "application/json",
		"headers": map[string]any{"allOf": []any{
			map[string]any{"$ref": "#/components/schemas/" + cloudEventsHeaders},
			map[string]any{"type": "object", "properties": map[string]any{
				"type":       map[string]any{"const": t.String()},
				"dataschema": map[string]any{"type": "string", "format": "uri", "description": "The schema of the data: this version's $id, or another minor of the major."},
			}},
		}},
		"payload":       map[string]any{"$ref": "#/components/schemas/" + id},
		"correlationId": map[string]any{"location": "$message.header#/correlationid"},
	}
	if desc != "" {
		m["summary"] = desc
	}
	if shape := s.Shape(); shape != "" {
		m["x-elmo-shape"] = shape // an AsyncAPI specification extension: the events' shape
	}
	if kind := s.Kind(); kind != schema.KindEvent {
		m["x-elmo-kind"] = kind // a command or a reply
	}
	if from, summary, ok := d.cat.UpcastOf(t); ok {
		m["x-elmo-upcast"] = map[string]any{"from": from.String(), "summary": summary} // the previous major's events, converted
	}
	if ex, ok := payload["examples"].([]any); ok {
		var examples []any
		for i, e := range ex {
			examples = append(examples, map[string]any{"name": fmt.Sprintf("example-%d", i+1), "payload": e})
		}
		m["examples"] = examples
	}
	d.messages[id] = m
	return nil
}

func cmpOr(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

// rewriteRefs points the $refs of one schema's document into the
// components: #/$defs/X to <id>.X, another schema's $id to its payload.
func (d *doc) rewriteRefs(s *schema.Schema, v any) error {
	switch v := v.(type) {
	case map[string]any:
		for k, x := range v {
			if ref, ok := x.(string); ok && k == "$ref" && !strings.HasPrefix(ref, "#/components/") {
				to, err := d.target(s, ref)
				if err != nil {
					return err
				}
				v[k] = to
				continue
			}
			if err := d.rewriteRefs(s, x); err != nil {
				return err
			}
		}
	case []any:
		for _, x := range v {
			if err := d.rewriteRefs(s, x); err != nil {
				return err
			}
		}
	}
	return nil
}

// target is where a $ref of schema s points in the document.
func (d *doc) target(s *schema.Schema, ref string) (string, error) {
	uri, frag, _ := strings.Cut(ref, "#")
	in := s
	if uri != "" {
		other, ok := d.cat.ByID(uri)
		if !ok {
			return "", fmt.Errorf("%w: %s: %q is not in the catalogue", ErrUnsupportedRef, s.Path(), ref)
		}
		in = other
		if err := d.message(other); err != nil {
			return "", err
		}
	}
	switch {
	case frag == "" && uri != "":
		return "#/components/schemas/" + messageID(in), nil
	case strings.HasPrefix(frag, "/$defs/") && !strings.Contains(frag[len("/$defs/"):], "/"):
		return "#/components/schemas/" + messageID(in) + "." + frag[len("/$defs/"):], nil
	}
	return "", fmt.Errorf("%w: %s: %q (only a schema's $id and its #/$defs/<name>)", ErrUnsupportedRef, s.Path(), ref)
}

// cloudEventsAttributes is the headers' schema: the envelope schema's
// attributes, without data.
func cloudEventsAttributes() map[string]any {
	var env map[string]any
	_ = json.Unmarshal(schema.EnvelopeSchema(), &env) // the package's own, valid
	props, _ := env["properties"].(map[string]any)
	delete(props, "data")
	delete(props, "data_base64")
	out := map[string]any{
		"type":        "object",
		"title":       "CloudEvents attributes",
		"description": "The attributes of an ELMO event (PROTOCOL.md section 2): the envelope's members beside data.",
		"required":    env["required"],
		"properties":  props,
	}
	return out
}
