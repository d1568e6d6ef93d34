package transporttest

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/elmosoftware/eventprotocol/envelope"
	"github.com/elmosoftware/eventprotocol/naming"
	"github.com/elmosoftware/eventprotocol/schema"
	"github.com/elmosoftware/eventprotocol/transport"
	"github.com/elmosoftware/eventprotocol/transport/driver"
)

func (s *suite) testLargeBatch(t *testing.T) {
	n := 25
	if s.caps.SendBatchLimit > 0 {
		n = 2*s.caps.SendBatchLimit + 3
	}
	f := s.open(t, Subscription{Name: "a"})
	got := make(chan string, n)
	f.consumer(t, "a", transport.ConsumerConfig{}, func(ctx context.Context, d *transport.Delivery) error {
		got <- d.Envelope.ID
		return nil
	})
	var events []*envelope.Envelope
	var want []string
	for i := range n {
		e := newEvent(t, typeCreated, i)
		events, want = append(events, e), append(want, e.ID)
	}
	f.publish(t, events...)
	var seen []string
	for range n {
		seen = append(seen, receive(t, s, got, "a delivery"))
	}
	assert.ElementsMatch(t, want, seen)
}

func (s *suite) testInvalidRefused(t *testing.T) {
	f := s.open(t, Subscription{Name: "a"})
	good := newEvent(t, typeCreated, 1)
	noSubject := newEvent(t, typeCreated, 2)
	noSubject.Subject = ""
	huge := newEvent(t, typeCreated, 3)
	huge.Data = []byte(`{"blob":"` + strings.Repeat("x", transport.MaxMessageBytes) + `"}`)
	err := f.pub.Publish(context.Background(), good, noSubject, huge)
	var perr *transport.PublishError
	require.ErrorAs(t, err, &perr)
	require.Len(t, perr.Failed, 2)
	assert.Equal(t, 1, perr.Failed[0].Index)
	assert.ErrorIs(t, perr.Failed[0].Err, envelope.ErrRequired)
	assert.Equal(t, 2, perr.Failed[1].Index)
	assert.ErrorIs(t, perr.Failed[1].Err, transport.ErrTooLarge)
	assert.ErrorIs(t, err, transport.ErrTooLarge)
	// Nothing was sent, not even the valid event.
	assert.Empty(t, f.drain(t, "a", s.ticks(5)))
}

func (s *suite) testUndecodableDeadLettered(t *testing.T) {
	f := s.open(t, Subscription{Name: "a"})
	handled := make(chan string, 10)
	f.consumer(t, "a", transport.ConsumerConfig{}, func(ctx context.Context, d *transport.Delivery) error {
		handled <- d.Envelope.ID
		return nil
	})
	topic := f.env.Topic(naming.MustParseType(typeCreated))
	forged := newEvent(t, typeCreated, 2)
	body, err := forged.MarshalJSON()
	require.NoError(t, err)
	attrs := transport.MirroredAttributes(forged)
	attrs[driver.AttrTenantID] = "globex" // contradicts the envelope
	require.NoError(t, f.env.Sender().Send(context.Background(), topic, []*driver.Message{
		{Body: []byte(`{"specversion":"1.0","id":`), Attributes: map[string]string{driver.AttrType: typeCreated}},
	}))
	require.NoError(t, f.env.Sender().Send(context.Background(), topic, []*driver.Message{{Body: body, Attributes: attrs}}))
	dl := f.deadLetters(t, "a", 2)
	reasons := []string{dl[0].Attributes[driver.AttrDeadLetterReason], dl[1].Attributes[driver.AttrDeadLetterReason]}
	assert.True(t, strings.Contains(reasons[0]+reasons[1], "not a valid event"), "reasons: %q", reasons)
	assert.True(t, strings.Contains(reasons[0]+reasons[1], "tenantid"), "reasons: %q", reasons)
	quiet(t, handled, s.ticks(2), "handling of a refused message")
}

// Versions 1.0 and 1.2 of the payload schema of typeCreated: 1.2 adds an
// optional member to the closed model and a value to the enumeration, as
// the evolution policy allows a minor version to.
const (
	itemCreatedV10 = `{
		"$id": "https://schemas.elmo.example/elmo.conformance.item.created/1.0",
		"type": "object", "additionalProperties": false, "required": ["n"],
		"properties": {"n": {"type": "integer", "maximum": 10}, "kind": {"enum": ["SMALL", "BIG"]}}
	}`
	itemCreatedV12 = `{
		"$id": "https://schemas.elmo.example/elmo.conformance.item.created/1.2",
		"type": "object", "additionalProperties": false, "required": ["n"],
		"properties": {"n": {"type": "integer", "maximum": 10}, "kind": {"enum": ["SMALL", "BIG", "HUGE"]},
			"note": {"type": "string"}}
	}`
)

// itemCatalog loads the given versions of the payload schema of typeCreated.
func itemCatalog(t *testing.T, versions ...string) *schema.Catalog {
	t.Helper()
	fsys := fstest.MapFS{}
	for _, v := range versions {
		var doc struct {
			ID string `json:"$id"`
		}
		require.NoError(t, json.Unmarshal([]byte(v), &doc))
		id, err := schema.ParseID(doc.ID)
		require.NoError(t, err)
		fsys[id.Path()] = &fstest.MapFile{Data: []byte(v)}
	}
	cat, err := schema.Load(fsys)
	require.NoError(t, err)
	return cat
}

// testNewerMinorHandled: a producer at 1.2 and a consumer whose catalogue
// stops at 1.0. The consumer reads tolerantly, so the event is handled; a
// payload that breaks a rule 1.0 states is dead-lettered.
func (s *suite) testNewerMinorHandled(t *testing.T) {
	f := s.open(t, Subscription{Name: "a"})
	handled := make(chan string, 10)
	f.consumer(t, "a", transport.ConsumerConfig{Catalog: itemCatalog(t, itemCreatedV10)}, func(ctx context.Context, d *transport.Delivery) error {
		handled <- string(d.Envelope.Data)
		return nil
	})
	producerAt12, err := transport.NewPublisher(f.env.Sender(), &transport.PublisherConfig{Topic: f.env.Topic, Clock: clockOf(f.env),
		Catalog: itemCatalog(t, itemCreatedV10, itemCreatedV12)})
	require.NoError(t, err)
	newer := newEvent(t, typeCreated, 1)
	newer.DataSchema = "https://schemas.elmo.example/elmo.conformance.item.created/1.2"
	newer.Data = json.RawMessage(`{"n":1,"kind":"HUGE","note":"added in 1.2"}`)
	require.NoError(t, producerAt12.Publish(context.Background(), newer), "valid at 1.2, strictly")
	assert.JSONEq(t, string(newer.Data), receive(t, s, handled, "the 1.2 event"))

	broken := newEvent(t, typeCreated, 2)
	broken.DataSchema = newer.DataSchema
	broken.Data = json.RawMessage(`{"n":"two","kind":"HUGE"}`)
	require.Error(t, producerAt12.Publish(context.Background(), broken), "a strict producer refuses it")
	f.publish(t, broken) // a producer without a catalogue sends it anyway
	dl := f.deadLetters(t, "a", 1)
	assert.Equal(t, broken.ID, decodedID(t, dl[0]))
	assert.Contains(t, dl[0].Attributes[driver.AttrDeadLetterReason], "/n")
	quiet(t, handled, s.ticks(2), "handling of an invalid payload")
}

// testErrorContract checks the driver's error vocabulary: a handle that
// names no delivery gives ErrInvalidHandle, whether acknowledged or made
// visible, also after the message was acknowledged; a valid handle works.
func (s *suite) testErrorContract(t *testing.T) {
	f := s.open(t, Subscription{Name: "a"})
	r := f.env.Receiver("a")
	ctx := context.Background()
	for _, bad := range []string{"not-a-handle", ""} {
		err := r.SetVisibility(ctx, bad, 0)
		assert.ErrorIs(t, err, driver.ErrInvalidHandle, "SetVisibility(%q): %v", bad, err)
		if bad == "" || s.caps.AckReportsInvalidHandle {
			err = r.Ack(ctx, []string{bad})
			assert.ErrorIs(t, err, driver.ErrInvalidHandle, "Ack(%q): %v", bad, err)
		}
	}
	f.publish(t, newEvent(t, typeCreated, 1))
	var msgs []*driver.Message
	deadline := time.Now().Add(s.wait())
	for len(msgs) == 0 && time.Now().Before(deadline) {
		var err error
		msgs, err = r.Receive(ctx, 10)
		require.NoError(t, err)
	}
	require.Len(t, msgs, 1)
	require.NoError(t, r.SetVisibility(ctx, msgs[0].Handle, s.ticks(20)), "a current handle")
	require.NoError(t, r.Ack(ctx, []string{msgs[0].Handle}))
}

func decodedID(t *testing.T, m *driver.Message) string {
	t.Helper()
	e, err := envelope.Decode(m.Body)
	require.NoError(t, err)
	return e.ID
}

func (s *suite) testInvalidPayloadDeadLettered(t *testing.T) {
	cat := itemCatalog(t, itemCreatedV10)
	f := s.open(t, Subscription{Name: "a"})
	handled := make(chan int, 10)
	f.consumer(t, "a", transport.ConsumerConfig{Catalog: cat}, func(ctx context.Context, d *transport.Delivery) error {
		var p struct{ N int }
		if err := json.Unmarshal(d.Envelope.Data, &p); err != nil {
			return err
		}
		handled <- p.N
		return nil
	})
	f.publish(t, newEvent(t, typeCreated, 11), newEvent(t, typeCreated, 5))
	assert.Equal(t, 5, receive(t, s, handled, "the valid event"))
	dl := f.deadLetters(t, "a", 1)
	assert.Contains(t, dl[0].Attributes[driver.AttrDeadLetterReason], "/n")
	quiet(t, handled, s.ticks(2), "handling of an invalid payload")
}
