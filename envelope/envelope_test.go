package envelope_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/elmosoftware/eventprotocol/envelope"
	"github.com/elmosoftware/eventprotocol/naming"
)

func TestRoundTrip(t *testing.T) {
	offset := time.FixedZone("", -5*3600)
	cases := map[string]envelope.Envelope{
		"every attribute": sampleEnvelope(),
		"minimal":         {SpecVersion: "1.0", ID: "x", Source: "#frag", Type: "t"},
		"binary data":     {SpecVersion: "1.0", ID: "x", Source: "/s", Type: "t", DataContentType: "image/png", DataBase64: []byte{0, 1, 2, 255}},
		"text data":       {SpecVersion: "1.0", ID: "x", Source: "/s", Type: "t", DataContentType: "text/plain", Data: json.RawMessage(`"Simple text"`)},
		"nanoseconds and offset": {SpecVersion: "1.0", ID: "x", Source: "/s", Type: "t",
			Time: time.Date(2018, 4, 5, 17, 31, 0, 123456789, offset)},
		"escapes": {SpecVersion: "1.0", ID: "quote\" backslash\\ tab\t nl\n <&> \u00e9 \U0001F600 \x01", Source: "/s", Type: "t",
			Extensions: map[string]any{"empty": "", "neg": int32(-2147483648), "max": int32(2147483647), "yes": true}},
	}
	for name, e := range cases {
		t.Run(name, func(t *testing.T) {
			b, err := json.Marshal(e)
			require.NoError(t, err)
			require.True(t, json.Valid(b), "%s", b)
			got, err := envelope.Decode(b)
			require.NoError(t, err)
			assert.Equal(t, e, got)
			again, err := got.MarshalJSON()
			require.NoError(t, err)
			assert.Equal(t, string(b), string(again), "encoding is deterministic")
		})
	}
}

func TestEncodeOrderAndForm(t *testing.T) {
	e := sampleEnvelope()
	b, err := e.MarshalJSON()
	require.NoError(t, err)
	s := string(b)
	assert.True(t, strings.HasPrefix(s, `{"specversion":"1.0","id":"019a6b1e-7c2d-7a3b-8c4d-5e6f7a8b9c0d","source":`), s)
	assert.Contains(t, s, `"time":"2026-11-26T09:30:15.123Z"`)
	assert.Contains(t, s, `"effectivetime":"2026-07-01T00:00:00.000Z"`)
	assert.Less(t, strings.Index(s, `"region"`), strings.Index(s, `"replayed"`))
	assert.Less(t, strings.Index(s, `"replayed"`), strings.Index(s, `"retries"`))
	assert.True(t, strings.HasSuffix(s, `"data":`+string(e.Data)+`}`), s)
}

func TestEncodeRefusesWhatItCannotEncode(t *testing.T) {
	cases := []struct {
		name string
		edit func(*envelope.Envelope)
		attr string
		rule *envelope.Rule
	}{
		{"invalid data", func(e *envelope.Envelope) { e.Data = json.RawMessage(`{"a":`) }, "data", envelope.ErrDataJSON},
		{"empty data", func(e *envelope.Envelope) { e.Data = json.RawMessage(` `) }, "data", envelope.ErrDataJSON},
		{"truncated array", func(e *envelope.Envelope) { e.Data = json.RawMessage(`[1,`) }, "data", envelope.ErrDataJSON},
		{"truncated string", func(e *envelope.Envelope) { e.Data = json.RawMessage(`"`) }, "data", envelope.ErrDataJSON},
		{"word", func(e *envelope.Envelope) { e.Data = json.RawMessage(`hello`) }, "data", envelope.ErrDataJSON},
		{"invalid UTF-8", func(e *envelope.Envelope) { e.Subject = "a\xffb" }, "subject", envelope.ErrUTF8},
		{"reserved extension", func(e *envelope.Envelope) { e.Extensions["tenantid"] = "x" }, "tenantid", envelope.ErrReservedName},
		{"bad extension name", func(e *envelope.Envelope) { e.Extensions["My-Ext"] = "x" }, "My-Ext", envelope.ErrAttributeName},
		{"float extension", func(e *envelope.Envelope) { e.Extensions["f"] = 1.5 }, "f", envelope.ErrExtensionValue},
		{"int extension", func(e *envelope.Envelope) { e.Extensions["i"] = 7 }, "i", envelope.ErrExtensionValue},
		{"invalid UTF-8 extension", func(e *envelope.Envelope) { e.Extensions["s"] = "\xff" }, "s", envelope.ErrUTF8},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			e := sampleEnvelope()
			tc.edit(&e)
			_, err := e.MarshalJSON()
			require.ErrorIs(t, err, envelope.ErrInvalid)
			require.ErrorIs(t, err, tc.rule)
			var verr *envelope.ValidationError
			require.ErrorAs(t, err, &verr)
			require.Len(t, verr.Violations, 1)
			assert.Equal(t, tc.attr, verr.Violations[0].Attribute)
		})
	}
}

func TestDecodeKeepsUnknownExtensions(t *testing.T) {
	in := `{"specversion":"1.0","id":"1","source":"/s","type":"t","zeta":"z","alpha":7,"mid":true,"nothing":null}`
	e, err := envelope.Decode([]byte(in))
	require.NoError(t, err)
	assert.Equal(t, map[string]any{"zeta": "z", "alpha": int32(7), "mid": true}, e.Extensions)
	out, err := e.MarshalJSON()
	require.NoError(t, err)
	assert.JSONEq(t, `{"specversion":"1.0","id":"1","source":"/s","type":"t","zeta":"z","alpha":7,"mid":true}`, string(out))
}

func TestDecodeFormatViolations(t *testing.T) {
	base := `"specversion":"1.0","id":"1","source":"/s","type":"t"`
	cases := []struct {
		name, members string
		attr          string
		rule          *envelope.Rule
	}{
		{"numeric id", `"specversion":"1.0","id":25,"source":"/s","type":"t"`, "id", envelope.ErrType},
		{"object id", `"specversion":"1.0","id":{"a":1},"source":"/s","type":"t"`, "id", envelope.ErrType},
		{"empty subject", base + `,"subject":""`, "subject", envelope.ErrEmpty},
		{"empty id", `"specversion":"1.0","id":"","source":"/s","type":"t"`, "id", envelope.ErrEmpty},
		{"empty time", base + `,"time":""`, "time", envelope.ErrEmpty},
		{"bool tenantid", base + `,"tenantid":true`, "tenantid", envelope.ErrType},
		{"time garbage", base + `,"time":"lunchtime"`, "time", envelope.ErrTimestamp},
		{"time to minute", base + `,"time":"2018-04-05T18:31Z"`, "time", envelope.ErrTimestamp},
		{"time offset X", base + `,"time":"2018-04-05T18:31:00X"`, "time", envelope.ErrTimestamp},
		{"time offset 25h", base + `,"time":"2018-04-05T18:31:00+25:00"`, "time", envelope.ErrTimestamp},
		{"time offset xx", base + `,"time":"2018-04-05T18:31:00+xx:00"`, "time", envelope.ErrTimestamp},
		{"time offset hour only", base + `,"time":"2018-04-05T18:31:00+05"`, "time", envelope.ErrTimestamp},
		{"time 30 February", base + `,"time":"2019-02-30T00:00:00Z"`, "time", envelope.ErrTimestamp},
		{"time leap second", base + `,"time":"2016-12-31T23:59:60Z"`, "time", envelope.ErrTimestamp},
		{"time empty fraction", base + `,"time":"2018-04-05T18:31:00.Z"`, "time", envelope.ErrTimestamp},
		{"time space separator", base + `,"time":"2018-04-05 18:31:00Z"`, "time", envelope.ErrTimestamp},
		{"effectivetime number", base + `,"effectivetime":5`, "effectivetime", envelope.ErrType},
		{"float extension", base + `,"ext":1.5`, "ext", envelope.ErrInteger},
		{"exponent extension", base + `,"ext":1e3`, "ext", envelope.ErrInteger},
		{"int64 extension", base + `,"ext":2147483648`, "ext", envelope.ErrInteger},
		{"object extension", base + `,"ext":{"a":1}`, "ext", envelope.ErrType},
		{"array extension", base + `,"ext":[1]`, "ext", envelope.ErrType},
		{"data and data_base64", base + `,"data":"text","data_base64":"eyAieHl6IjogMTIzIH0="`, "data_base64", envelope.ErrDataConflict},
		{"bad base64", base + `,"data_base64":"***"`, "data_base64", envelope.ErrBase64},
		{"duplicate type", base + `,"type":"u"`, "type", envelope.ErrDuplicate},
		{"duplicate extension", base + `,"ext":"a","ext":"b"`, "ext", envelope.ErrDuplicate},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := envelope.Decode([]byte("{" + tc.members + "}"))
			require.ErrorIs(t, err, envelope.ErrInvalid)
			require.ErrorIs(t, err, tc.rule)
			var verr *envelope.ValidationError
			require.ErrorAs(t, err, &verr)
			require.Len(t, verr.Violations, 1, err.Error())
			assert.Equal(t, tc.attr, verr.Violations[0].Attribute)
		})
	}
}

func TestDecodeSyntaxErrors(t *testing.T) {
	deep := strings.Repeat("[", 1001) + strings.Repeat("]", 1001)
	cases := []struct {
		name string
		in   []byte
		err  error
	}{
		{"empty", []byte(""), envelope.ErrMalformed},
		{"not an object", []byte(`"event"`), envelope.ErrMalformed},
		{"array for one event", []byte(`[]`), envelope.ErrMalformed},
		{"truncated", []byte(`{"id":"1"`), envelope.ErrMalformed},
		{"trailing garbage", []byte(`{"id":"1"} x`), envelope.ErrMalformed},
		{"two objects", []byte(`{} {}`), envelope.ErrMalformed},
		{"trailing comma", []byte(`{"id":"1",}`), envelope.ErrMalformed},
		{"single quotes", []byte(`{'id':'1'}`), envelope.ErrMalformed},
		{"bad escape", []byte(`{"id":"\x"}`), envelope.ErrMalformed},
		{"bad unicode escape", []byte(`{"id":"\u12"}`), envelope.ErrMalformed},
		{"control char", []byte("{\"id\":\"a\nb\"}"), envelope.ErrMalformed},
		{"bad number", []byte(`{"x":01}`), envelope.ErrMalformed},
		{"bad number 2", []byte(`{"x":-}`), envelope.ErrMalformed},
		{"bad literal", []byte(`{"x":tru}`), envelope.ErrMalformed},
		{"invalid UTF-8 in value", []byte("{\"id\":\"\xff\"}"), envelope.ErrInvalidUTF8},
		{"invalid UTF-8 in data", []byte("{\"data\":{\"a\":\"\xc3\x28\"}}"), envelope.ErrInvalidUTF8},
		{"invalid UTF-8 in key", []byte("{\"\xfe\":1}"), envelope.ErrInvalidUTF8},
		{"deep nesting", []byte(`{"data":` + deep + `}`), envelope.ErrTooDeep},
		{"too large", bytes.Repeat([]byte(" "), envelope.DefaultMaxBytes+1), envelope.ErrInputTooLarge},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := envelope.Decode(tc.in)
			require.ErrorIs(t, err, tc.err)
			var serr *envelope.SyntaxError
			require.ErrorAs(t, err, &serr)
			assert.GreaterOrEqual(t, serr.Offset, 0)
			assert.NotErrorIs(t, err, envelope.ErrInvalid)
		})
	}
}

func TestDecodeHugeInput(t *testing.T) {
	huge := make([]byte, 100<<20)
	copy(huge, `{"data":"`)
	_, err := envelope.Decode(huge)
	require.ErrorIs(t, err, envelope.ErrInputTooLarge)

	// A larger limit lets it through to the syntax check, which fails fast.
	_, err = envelope.Decoder{MaxBytes: 200 << 20}.Decode(huge)
	require.ErrorIs(t, err, envelope.ErrMalformed)
}

func TestDecodeLimits(t *testing.T) {
	in := []byte(`{"data":[[[1]]]}`)
	_, err := envelope.Decoder{MaxDepth: 3}.Decode(in)
	require.ErrorIs(t, err, envelope.ErrTooDeep)
	_, err = envelope.Decoder{MaxDepth: 4}.Decode(in)
	require.NoError(t, err)
	_, err = envelope.Decoder{MaxBytes: 5}.Decode(in)
	require.ErrorIs(t, err, envelope.ErrInputTooLarge)
}

func TestDecodeUnicode(t *testing.T) {
	e, err := envelope.Decode([]byte(`{"id":"\u00e9\ud83d\ude00x\/\"\\\b\f\n\r\t","data":null,"subject":null}`))
	require.NoError(t, err, "decoding checks the JSON format; control characters are the validator's")
	assert.Equal(t, "é😀x/\"\\\b\f\n\r\t", e.ID)
	assert.Nil(t, e.Data, "null data is absent")

	// A lone surrogate escape would become U+FFFD, so that two different
	// ids collide: it is refused.
	for _, id := range []string{`\ud800`, `\udc00`, `x\ud800\u0041`, `\ud83d\ud83d`} {
		e, err := envelope.Decode([]byte(`{"id":"` + id + `"}`))
		require.ErrorIs(t, err, envelope.ErrCharacter, id)
		assert.Contains(t, e.ID, "\uFFFD")
	}
}

func TestDecodeDoesNotRetainInput(t *testing.T) {
	in := []byte(`{"id":"abc","data":{"k":"v"}}`)
	e, err := envelope.Decode(in)
	require.NoError(t, err)
	for i := range in {
		in[i] = ' '
	}
	assert.Equal(t, "abc", e.ID)
	assert.JSONEq(t, `{"k":"v"}`, string(e.Data))
}

func TestDecodeBatch(t *testing.T) {
	events, err := envelope.DecodeBatch([]byte(` [ ] `))
	require.NoError(t, err)
	assert.Empty(t, events)

	events, err = envelope.DecodeBatch([]byte(`[{"id":"a"},{"id":1},{"id":"c"}]`))
	require.ErrorIs(t, err, envelope.ErrInvalid)
	require.Len(t, events, 3, "one envelope per element")
	assert.Equal(t, "a", events[0].ID)
	assert.Equal(t, "c", events[2].ID)
	var berr *envelope.BatchError
	require.ErrorAs(t, err, &berr)
	require.Len(t, berr.Events, 1)
	assert.Equal(t, 1, berr.Events[0].Index)
	assert.ErrorIs(t, berr.Events[0], envelope.ErrType)

	// An element that is not an object: no batch of events at all, and
	// decoding stops there.
	events, err = envelope.DecodeBatch([]byte(`[{"id":"a"},"not an object",{"id":1}]`))
	require.ErrorAs(t, err, &berr)
	assert.Nil(t, events)
	require.Len(t, berr.Events, 1)
	assert.Equal(t, 1, berr.Events[0].Index)
	assert.ErrorIs(t, berr.Events[0], envelope.ErrNotObject)

	_, err = envelope.DecodeBatch([]byte(`{"id":"a"}`))
	require.ErrorIs(t, err, envelope.ErrMalformed)
	_, err = envelope.DecodeBatch([]byte(`[{"id":"a"}`))
	require.ErrorIs(t, err, envelope.ErrMalformed)
}

func TestProducer(t *testing.T) {
	ids := []string{"id-1", "id-2"}
	p := &envelope.Producer{
		Source: "urn:elmo:service:billing",
		Now:    func() time.Time { return time.Date(2026, 1, 2, 3, 4, 5, 678_901_234, time.FixedZone("", 3600)) },
		NewID: func() (string, error) {
			id := ids[0]
			ids = ids[1:]
			return id, nil
		},
	}
	parent, err := p.New("elmo.identity.client.signed_up.v1", []byte(`{}`))
	require.NoError(t, err)
	assert.Equal(t, "id-1", parent.ID)
	assert.Equal(t, "id-1", parent.CorrelationID, "a new flow correlates to itself")
	assert.Equal(t, time.Date(2026, 1, 2, 2, 4, 5, 678_000_000, time.UTC), parent.Time)
	assert.Equal(t, "application/json", parent.DataContentType)
	parent.TenantID = "acme"
	parent.TraceParent = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"
	parent.TraceState = "a=b"

	child, err := p.Caused(&parent, "elmo.platform.tenant.provisioned.v1", nil)
	require.NoError(t, err)
	assert.Equal(t, "id-2", child.ID)
	assert.Equal(t, "id-1", child.CausationID)
	assert.Equal(t, "id-1", child.CorrelationID)
	assert.Equal(t, "acme", child.TenantID)
	assert.Empty(t, child.TraceParent, "the creation context is the publish's, not the cause's")
	assert.Empty(t, child.TraceState)
	assert.Empty(t, child.DataContentType, "no data, no content type")

	_, err = (&envelope.Producer{}).New("t", nil)
	require.ErrorIs(t, err, envelope.ErrNoSource)
	boom := errors.New("entropy exhausted")
	_, err = (&envelope.Producer{Source: "/s", NewID: func() (string, error) { return "", boom }}).New("t", nil)
	require.ErrorIs(t, err, boom)
}

func TestProducerMintsUUIDv7(t *testing.T) {
	p := &envelope.Producer{Source: "urn:elmo:service:billing"}
	e, err := p.New("elmo.billing.invoice.issued.v1", []byte(`{}`))
	require.NoError(t, err)
	e.Subject = "ern:elmo:billing:acme:invoice/1"
	e.TenantID = "acme"
	require.NoError(t, envelope.Validator{}.Validate(&e))
	assert.Equal(t, byte('7'), e.ID[14], "version nibble of a UUIDv7")
	assert.Equal(t, 0, e.Time.Nanosecond()%int(time.Millisecond))
}

func TestViolationsUnwrapCause(t *testing.T) {
	e := sampleEnvelope()
	e.Type = "elmo.leave.balance.Adjusted.v1"
	err := envelope.Validator{}.Validate(&e)
	require.ErrorIs(t, err, envelope.ErrTypeName)
	require.ErrorIs(t, err, naming.ErrInvalidType)
	var nerr *naming.Error
	require.ErrorAs(t, err, &nerr)
	assert.Contains(t, nerr.Part, "action")
}
