package event_test

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/elmosoftware/eventprotocol/envelope"
	"github.com/elmosoftware/eventprotocol/event"
	"github.com/elmosoftware/eventprotocol/naming"
)

type Plan string

const (
	PlanStandard Plan = "STANDARD"
	PlanPremium  Plan = "PREMIUM"
)

var plans = event.MustEnumSet(PlanStandard, PlanPremium)

type ClientSignedUp struct {
	Client      naming.ERN `json:"client"`
	CompanyName string     `json:"companyName"`
	Plan        Plan       `json:"plan"`
}

var signedUp = event.MustDefine[ClientSignedUp]("elmo.identity.client.signed_up.v1",
	event.WithDataSchema("https://schemas.elmo.example/elmo.identity.client.signed_up/1.0"),
	event.WithClassification(envelope.ClassificationConfidential))

func producer(source string) *envelope.Producer {
	n := 0
	return &envelope.Producer{
		Source: source,
		Now:    func() time.Time { return time.Date(2026, 11, 26, 10, 0, 0, 0, time.UTC) },
		NewID: func() (string, error) {
			n++
			return "019a6b20-0000-7000-8000-00000000000" + string(rune('0'+n)), nil
		},
	}
}

func TestNewAndDecode(t *testing.T) {
	client := naming.MustParseERN("ern:elmo:identity:acme:client/acme")
	p := producer("urn:elmo:service:identity")
	in := ClientSignedUp{Client: client, CompanyName: "Acme", Plan: PlanPremium}
	effective := time.Date(2026, 12, 1, 0, 0, 0, 999_999, time.FixedZone("", 3600))
	e, err := signedUp.New(p, in, event.WithSubject(client), event.WithTenant("acme"),
		event.WithEffectiveTime(effective), event.WithPartitionKey(client.String()))
	require.NoError(t, err)
	assert.Equal(t, "elmo.identity.client.signed_up.v1", e.Type)
	assert.Equal(t, "https://schemas.elmo.example/elmo.identity.client.signed_up/1.0", e.DataSchema)
	assert.Equal(t, "confidential", e.DataClassification)
	assert.Equal(t, client.String(), e.Subject)
	assert.Equal(t, client.String(), e.PartitionKey)
	assert.Equal(t, time.Date(2026, 11, 30, 23, 0, 0, 0, time.UTC), e.EffectiveTime)
	require.NoError(t, envelope.Validator{}.Validate(&e))
	assert.True(t, signedUp.Matches(&e))

	// Through the wire and back.
	b, err := e.MarshalJSON()
	require.NoError(t, err)
	decoded, err := envelope.Decode(b)
	require.NoError(t, err)
	out, err := signedUp.Decode(&decoded)
	require.NoError(t, err)
	assert.Equal(t, in, out)
}

func TestNewCaused(t *testing.T) {
	type Provisioned struct {
		Tenant naming.ERN `json:"tenant"`
	}
	provisioned := event.MustDefine[Provisioned]("elmo.platform.tenant.provisioned.v1")
	parent, err := signedUp.New(producer("urn:elmo:service:identity"), ClientSignedUp{Plan: PlanStandard},
		event.WithSubject(naming.MustParseERN("ern:elmo:identity:acme:client/acme")))
	require.NoError(t, err)
	tenant := naming.MustParseERN("ern:elmo:platform:acme:tenant/acme")
	child, err := provisioned.NewCaused(producer("urn:elmo:service:provisioning"), &parent, Provisioned{Tenant: tenant}, event.WithSubject(tenant))
	require.NoError(t, err)
	assert.Equal(t, parent.ID, child.CausationID)
	assert.Equal(t, parent.CorrelationID, child.CorrelationID)
	assert.Equal(t, "acme", child.TenantID)
	assert.Equal(t, "internal", child.DataClassification, "the default classification")
}

func TestDecodeErrors(t *testing.T) {
	good, err := signedUp.New(producer("urn:elmo:service:identity"), ClientSignedUp{Plan: PlanStandard},
		event.WithSubject(naming.MustParseERN("ern:elmo:identity:acme:client/acme")))
	require.NoError(t, err)

	cases := []struct {
		name string
		edit func(*envelope.Envelope)
		err  error
	}{
		{"other type", func(e *envelope.Envelope) { e.Type = "elmo.identity.client.signed_up.v2" }, event.ErrTypeMismatch},
		{"no data", func(e *envelope.Envelope) { e.Data = nil }, envelope.ErrNoData},
		{"wrong JSON type", func(e *envelope.Envelope) { e.Data = json.RawMessage(`{"companyName":7}`) }, event.ErrPayload},
		{"not JSON", func(e *envelope.Envelope) { e.Data = json.RawMessage(`{`) }, event.ErrPayload},
		{"bad ERN", func(e *envelope.Envelope) { e.Data = json.RawMessage(`{"client":"nope"}`) }, naming.ErrInvalidERN},
		{"member differs from a field only in case", func(e *envelope.Envelope) { e.Data = json.RawMessage(`{"CompanyName":"Evil"}`) }, event.ErrPayload},
		{"member differs from a field only in case, besides the field", func(e *envelope.Envelope) {
			e.Data = json.RawMessage(`{"companyName":"Acme","COMPANYNAME":"Evil"}`)
		}, event.ErrPayload},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			e := good
			tc.edit(&e)
			_, err := signedUp.Decode(&e)
			require.ErrorIs(t, err, tc.err)
		})
	}

	// data_base64 holding JSON is read too, and unknown members are ignored.
	e := good
	e.Data = nil
	e.DataBase64 = []byte(`{"companyName":"Acme","plan":"ENTERPRISE","addedInV1_3":true}`)
	out, err := signedUp.Decode(&e)
	require.NoError(t, err)
	assert.Equal(t, "Acme", out.CompanyName)
	assert.Equal(t, Plan("ENTERPRISE"), out.Plan, "the tolerant reader keeps unknown enum values")
	assert.False(t, plans.Known(out.Plan))
}

type nested struct {
	Days  string            `json:"days"`
	Items []nestedItem      `json:"items"`
	ByKey map[string]string `json:"byKey"`
	Next  *nested           `json:"next,omitempty"`
	embedded
}

type nestedItem struct {
	Code string `json:"code"`
}

type embedded struct {
	Note string `json:"note"`
}

func TestDecodeIsCaseSensitive(t *testing.T) {
	def := event.MustDefine[nested]("elmo.test.thing.happened.v1")
	cases := []struct {
		data, pointer string // pointer "" means accepted
	}{
		{`{"days":"1","items":[{"code":"A"}],"byKey":{"DAYS":"x"},"next":{"days":"2"},"note":"n","other":{"Days":1}}`, ""},
		{`{"Days":"1"}`, "/Days"},
		{`{"items":[{"code":"A"},{"Code":"B"}]}`, "/items/1/Code"},
		{`{"next":{"next":{"DAYS":"3"}}}`, "/next/next/DAYS"},
		{`{"Note":"n"}`, "/Note"},
		{`{"D\u0061YS":"1"}`, "/DaYS"},
		{`{"items":[{"\u212aode":"A"}]}`, ""}, // U+212A KELVIN SIGN is no ASCII 'C'
		{`{"note\u017f":"n","byKey":{"a/b":"x"}}`, ""},
		{`{"next":{"da\u017fs":"1"}}`, ""}, // encoding/json does not bind U+017F to 's' either
		{`{"next":{"D\u0041YS":"1"}}`, "/next/DAYS"},
	}
	// Each case twice: on an envelope made in code (Decode reads the names
	// itself), and on one read by a decoder that ran the definition's
	// member check in its pass over the data.
	fused := envelope.Decoder{Members: func(string) envelope.MemberChecker { return def.Members() }}
	for _, tc := range cases {
		t.Run(tc.data, func(t *testing.T) {
			plain := envelope.Envelope{Type: "elmo.test.thing.happened.v1", ID: "1", Data: json.RawMessage(tc.data)}
			read, err := fused.Decode([]byte(`{"specversion":"1.0","id":"1","source":"/s","type":"elmo.test.thing.happened.v1","data":` + tc.data + `}`))
			require.NoError(t, err)
			assert.Equal(t, tc.pointer == "", read.MembersCheckedBy(def.Members()), "the decoder's check passed")
			for _, e := range []*envelope.Envelope{&plain, &read} {
				_, err := def.Decode(e)
				if tc.pointer == "" {
					require.NoError(t, err)
					continue
				}
				require.ErrorIs(t, err, event.ErrPayload)
				assert.Contains(t, err.Error(), tc.pointer)
			}
		})
	}
}

func TestDecodeErrorsQuoteNoValues(t *testing.T) {
	const marker = "MARKER-9f3a"
	def := event.MustDefine[struct {
		N      int        `json:"n"`
		Client naming.ERN `json:"client"`
		Name   string     `json:"name"`
	}]("elmo.test.thing.happened.v1")
	for _, data := range []string{
		`{"n":"` + marker + `"}`, `{"n":98765432101234567890123}`, `{"client":"` + marker + `"}`,
		`{"Name":"` + marker + `"}`, `{"name":["` + marker + `"]}`,
	} {
		e := envelope.Envelope{Type: "elmo.test.thing.happened.v1", ID: "1", Data: json.RawMessage(data)}
		_, err := def.Decode(&e)
		require.ErrorIs(t, err, event.ErrPayload, data)
		assert.NotContains(t, err.Error(), marker)
		assert.NotContains(t, err.Error(), "98765432101234567890123")
	}
}

func TestDefineErrors(t *testing.T) {
	_, err := event.Define[ClientSignedUp]("elmo.identity.client.signed-up.v1")
	require.ErrorIs(t, err, naming.ErrInvalidType)
	_, err = event.Define[ClientSignedUp]("elmo.identity.client.signed_up.v1", event.WithClassification("secret"))
	require.ErrorIs(t, err, envelope.ErrClassification)
	assert.Panics(t, func() { event.MustDefine[ClientSignedUp]("nope") })
}

func TestDefineRefusesNonObjectPayloads(t *testing.T) {
	for _, tc := range []struct {
		name string
		err  error
	}{
		{"int", func() error { _, err := event.Define[int]("elmo.test.number.created.v1"); return err }()},
		{"list", func() error { _, err := event.Define[[]int]("elmo.test.list.created.v1"); return err }()},
		{"func", func() error { _, err := event.Define[func()]("elmo.test.func.created.v1"); return err }()},
		{"map with int keys", func() error { _, err := event.Define[map[int]string]("elmo.test.map.created.v1"); return err }()},
	} {
		t.Run(tc.name, func(t *testing.T) { require.ErrorIs(t, tc.err, event.ErrPayload) })
	}
	for _, ok := range []error{
		func() error { _, err := event.Define[*ClientSignedUp]("elmo.test.pointer.created.v1"); return err }(),
		func() error { _, err := event.Define[map[string]any]("elmo.test.map.created.v1"); return err }(),
	} {
		require.NoError(t, ok)
	}
	m := event.MustDefine[map[string]any]("elmo.test.map.created.v1")
	_, err := m.New(producer("urn:elmo:service:test"), nil, event.WithSubject(naming.MustParseERN("ern:elmo:test:acme:map/m")))
	require.ErrorIs(t, err, event.ErrPayload, "a nil map encodes as null")
	_, err = signedUp.New(&envelope.Producer{}, ClientSignedUp{})
	require.ErrorIs(t, err, envelope.ErrNoSource)
}

// TestNewValidates: New validates strictly what it can, derives the tenant
// from the subject, and refuses a tenant that contradicts it.
func TestNewValidates(t *testing.T) {
	p := producer("urn:elmo:service:identity")
	acme := naming.MustParseERN("ern:elmo:identity:acme:client/acme")
	e, err := signedUp.New(p, ClientSignedUp{}, event.WithSubject(acme))
	require.NoError(t, err)
	assert.Equal(t, "acme", e.TenantID, "derived from the subject")

	for _, tc := range []struct {
		name string
		opts []event.Option
		rule error
	}{
		{"no subject", nil, envelope.ErrRequired},
		{"contradicting tenant", []event.Option{event.WithSubject(acme), event.WithTenant("globex")}, envelope.ErrTenant},
		{"bad partition key", []event.Option{event.WithSubject(acme), event.WithPartitionKey("a\x00b")}, envelope.ErrCharacter},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := signedUp.New(p, ClientSignedUp{}, tc.opts...)
			require.ErrorIs(t, err, tc.rule)
			require.ErrorIs(t, err, envelope.ErrInvalid)
		})
	}

	platformWide := event.MustDefine[ClientSignedUp]("elmo.platform.release.shipped.v1", event.WithoutTenant())
	e, err = platformWide.New(producer("urn:elmo:service:platform"), ClientSignedUp{}, event.WithSubject(naming.MustParseERN("ern:elmo:platform:elmo:release/r-1")))
	require.NoError(t, err)
	assert.Empty(t, e.TenantID, "a tenant-less event")
}

func TestEnumSet(t *testing.T) {
	assert.True(t, plans.Known(PlanStandard))
	assert.False(t, plans.Known("GOLD"))
	assert.NoError(t, plans.Check(PlanPremium))
	assert.ErrorIs(t, plans.Check("GOLD"), event.ErrUnknownEnumValue)
	assert.ErrorIs(t, plans.Check("gold"), naming.ErrInvalidEnumValue)
	assert.Equal(t, []Plan{PlanPremium, PlanStandard}, plans.Values())

	_, err := event.NewEnumSet[Plan]("ok_no", "Bad", "GOOD")
	require.ErrorIs(t, err, naming.ErrInvalidEnumValue)
	assert.Contains(t, err.Error(), "ok_no")
	assert.Contains(t, err.Error(), "Bad")
	assert.Panics(t, func() { event.MustEnumSet[Plan]("bad") })

	dup, err := event.NewEnumSet(PlanStandard, PlanStandard)
	require.NoError(t, err)
	assert.Len(t, dup.Values(), 1)
	var zero event.EnumSet[Plan]
	assert.False(t, zero.Known(PlanStandard))
}

// TestAsCommand: a command's action is in the imperative; only a definition
// that says it is a command builds one.
func TestAsCommand(t *testing.T) {
	type Generate struct {
		Employee naming.ERN `json:"employee"`
	}
	emp := naming.MustParseERN("ern:elmo:hr:acme:employee/e-1")
	p := &envelope.Producer{Source: "urn:elmo:service:hr"}
	_, err := event.MustDefine[Generate]("elmo.payroll.payslip.generate.v1").New(p, Generate{emp}, event.WithSubject(emp))
	assert.ErrorIs(t, err, envelope.ErrPastTense, "as an event")
	e, err := event.MustDefine[Generate]("elmo.payroll.payslip.generate.v1", event.AsCommand()).New(p, Generate{emp}, event.WithSubject(emp))
	require.NoError(t, err)
	assert.Equal(t, "elmo.payroll.payslip.generate.v1", e.Type)
}
