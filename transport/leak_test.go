package transport_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/elmosoftware/eventprotocol/envelope"
	"github.com/elmosoftware/eventprotocol/event"
	"github.com/elmosoftware/eventprotocol/internal/testcatalog"
	"github.com/elmosoftware/eventprotocol/schema"
	"github.com/elmosoftware/eventprotocol/transport"
	"github.com/elmosoftware/eventprotocol/transport/driver"
	"github.com/elmosoftware/eventprotocol/transport/memory"
)

// lockedBuffer is a log sink safe for the consumer's goroutines.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// TestNoPayloadValuesInLogsOrReasons drives every failure path of the
// consumer with marker values in the payload, logging at Debug through a
// JSON handler, and checks that no marker reaches a log line or a
// dead-letter reason, and that every reason fits every transport.
func TestNoPayloadValuesInLogsOrReasons(t *testing.T) {
	const marker = "MARKERd41d8c" // a payload value that must never be printed
	const number = "987654321"
	cat, err := schema.LoadDir(testcatalog.Dir())
	require.NoError(t, err)
	payload := func(edit func(string) string) json.RawMessage {
		return json.RawMessage(edit(`{"client":"ern:elmo:identity:acme:client/c-1","companyName":"Acme","plan":"STANDARD","contactEmail":"ops@acme.example"}`))
	}
	replace := func(old, new string) func(string) string {
		return func(s string) string { return strings.Replace(s, old, new, 1) }
	}
	cases := []struct {
		name string
		data json.RawMessage // nil: the handler fails on a valid event
		body []byte          // sent raw instead of an envelope
	}{
		{"schema: format", payload(replace("ops@acme.example", marker)), nil},
		{"schema: ERN format", payload(replace("ern:elmo:identity:acme:client/c-1", marker)), nil},
		{"schema: maxLength", payload(replace(`"Acme"`, `"`+strings.Repeat(marker, 20)+`"`)), nil},
		{"schema: enumeration", payload(replace(`"STANDARD"`, `"`+marker+`"`)), nil},
		{"schema: type", payload(replace(`"Acme"`, number)), nil},
		{"decode: member differing in case", payload(replace(`"plan"`, `"CompanyName":"`+marker+`","plan"`)), nil},
		{"data: duplicate member", nil, []byte(`{"specversion":"1.0","id":"d","source":"urn:elmo:service:identity","type":"` + typeSignedUp + `","data":{"a":"` + marker + `","a":"` + marker + `"}}`)},
		{"data: number out of range", nil, []byte(`{"specversion":"1.0","id":"n","source":"urn:elmo:service:identity","type":"` + typeSignedUp + `","data":{"a":1e999` + number + `}}`)},
		{"data: not JSON", nil, []byte(`{"specversion":"1.0","id":"j","data":{"` + marker + `":` + marker + `}}`)},
		{"handler error and panic", nil, nil},
		{"handled", payload(replace(`"Acme"`, `"Fine"`)), nil},
	}

	logs := &lockedBuffer{}
	r := newRig(t, memory.SubscriptionConfig{})
	var calls counter
	handled := make(chan struct{}, 1)
	recv, err := r.broker.Receiver("email")
	require.NoError(t, err)
	c, err := transport.NewConsumer(recv, &transport.ConsumerConfig{
		Name: "email", Catalog: cat, MaxAttempts: 3,
		Backoff: &transport.Backoff{Initial: 1, Max: 1},
		Logger:  slog.New(slog.NewJSONHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug})),
	})
	require.NoError(t, err)
	def := event.MustDefine[signedUpPayload](typeSignedUp)
	require.NoError(t, transport.Handle(c, def, func(ctx context.Context, e *envelope.Envelope, p signedUpPayload) error {
		if p.CompanyName == "Fine" {
			handled <- struct{}{}
			return nil
		}
		if calls.inc()%2 == 0 {
			panic("handler bug") // a panic: retried, then dead-lettered with the stack
		}
		return errors.New("email provider down")
	}))
	require.NoError(t, c.Start(context.Background()))
	t.Cleanup(func() { _ = c.Shutdown(context.Background()) })

	for _, tc := range cases {
		switch {
		case tc.body != nil:
			require.NoError(t, r.broker.Sender().Send(context.Background(), "identity", []*driver.Message{{Body: tc.body}}))
		default:
			e := signedUp(t, 1)
			if tc.data != nil {
				e.Data = tc.data
			}
			require.NoError(t, r.pub.Publish(context.Background(), e), tc.name)
		}
	}
	within(t, handled, "the valid event")
	dl := r.deadLetters(t, "email", len(cases)-1)
	for _, m := range dl {
		reason := m.Attributes[driver.AttrDeadLetterReason]
		assert.NotEmpty(t, reason)
		assert.NotContains(t, reason, marker)
		assert.NotContains(t, reason, number)
		assert.LessOrEqual(t, len(reason), driver.MaxReasonBytes)
		assert.True(t, utf8.ValidString(reason))
		for _, ch := range reason {
			ok := ch == '\t' || ch == '\n' || ch == '\r' || (ch >= 0x20 && ch <= 0xD7FF) || (ch >= 0xE000 && ch <= 0xFFFD) || ch >= 0x10000
			assert.True(t, ok, "character %U is not allowed in an SQS attribute", ch)
		}
	}
	require.Eventually(t, func() bool { return strings.Contains(logs.String(), `"msg":"handled"`) }, 5*time.Second, time.Millisecond)
	out := logs.String()
	assert.Contains(t, out, `"level":"DEBUG"`, "the logger ran at Debug")
	assert.Contains(t, out, "dead-lettered")
	assert.Contains(t, out, "handler failed; will retry")
	assert.NotContains(t, out, marker)
	assert.NotContains(t, out, number)
}

func TestReasonIsBoundedAfterAPanic(t *testing.T) {
	r := newRig(t, memory.SubscriptionConfig{})
	r.start(t, transport.ConsumerConfig{MaxAttempts: 1}, func(ctx context.Context, d *transport.Delivery) error {
		panic(strings.Repeat("a deep stack\x00\x1b[31m", 200))
	})
	require.NoError(t, r.pub.Publish(context.Background(), signedUp(t, 1)))
	reason := r.deadLetters(t, "email", 1)[0].Attributes[driver.AttrDeadLetterReason]
	assert.Len(t, reason, driver.MaxReasonBytes, "cut to the bound")
	assert.True(t, strings.HasSuffix(reason, "..."))
	assert.NotContains(t, reason, "\x00")
	assert.NotContains(t, reason, "\x1b")
}
