package naming_test

import (
	"encoding/json"
	"errors"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/elmosoftware/eventprotocol/naming"
)

func TestParseType(t *testing.T) {
	valid := []string{
		"elmo.leave.balance.adjusted.v1",
		"elmo.identity.client.signed_up.v1",
		"elmo.leave.accrual_policy.assigned.v12",
		"acme.payroll.pay_run.sent.v3",
		"elmo.hr.employee.rehired.v1000000",
		// Any snake_case action is a valid type on the wire; the past
		// tense is a producer convention (TestPastTense).
		"elmo.payroll.loan.repaid.v1",
		"elmo.leave.balance.adjust.v1",
		"elmo.leave.balance.sign_up.v1",
	}
	for _, s := range valid {
		t.Run(s, func(t *testing.T) {
			typ, err := naming.ParseType(s)
			require.NoError(t, err)
			assert.Equal(t, s, typ.String())
			again, err := naming.NewType(typ.Org(), typ.Domain(), typ.Entity(), typ.Action(), typ.Major())
			require.NoError(t, err)
			assert.Equal(t, typ, again)
		})
	}

	invalid := []struct {
		in, part string
	}{
		{"", ""},
		{"elmo.leave.balance.adjusted", ""},
		{"elmo.leave.balance.adjusted.v1.extra", ""},
		{"elmo.leave.balance.adjusted.1", "version"},
		{"elmo.leave.balance.adjusted.v", "version"},
		{"elmo.leave.balance.adjusted.v0", "version"},
		{"elmo.leave.balance.adjusted.v01", "version"},
		{"elmo.leave.balance.adjusted.v1a", "version"},
		{"elmo.leave.balance.adjusted.v99999999", "version"},
		{"elmo.leave.balance.adjusted.V1", "version"},
		{"Elmo.leave.balance.adjusted.v1", "org"},
		{"elmo.Leave.balance.adjusted.v1", "domain"},
		{"elmo.leave.Balance.adjusted.v1", "entity"},
		{"elmo.leave.balance.Adjusted.v1", "action"},
		{"elmo.leave.balance.adjusted_.v1", "action"},
		{"elmo.leave..adjusted.v1", "entity"},
		{"elmo.leave.balance_.adjusted.v1", "entity"},
		{"elmo.leave.bal__ance.adjusted.v1", "entity"},
		{"elmo.leave.1balance.adjusted.v1", "entity"},
		{"elmo.leave.balance-x.adjusted.v1", "entity"},
		{"elmo.lea ve.balance.adjusted.v1", "domain"},
	}
	for _, tc := range invalid {
		t.Run("invalid/"+tc.in, func(t *testing.T) {
			_, err := naming.ParseType(tc.in)
			require.ErrorIs(t, err, naming.ErrInvalidType)
			var nerr *naming.Error
			require.ErrorAs(t, err, &nerr)
			assert.Equal(t, tc.in, nerr.Input)
			assert.True(t, strings.HasPrefix(nerr.Part, tc.part), "part %q, want prefix %q", nerr.Part, tc.part)
			assert.NotEmpty(t, nerr.Rule)
			assert.Contains(t, err.Error(), nerr.Rule)
		})
	}
}

func TestTypeAccessors(t *testing.T) {
	typ := naming.MustParseType("elmo.leave.accrual_policy.assigned.v2")
	assert.Equal(t, "elmo", typ.Org())
	assert.Equal(t, "leave", typ.Domain())
	assert.Equal(t, "accrual_policy", typ.Entity())
	assert.Equal(t, "assigned", typ.Action())
	assert.Equal(t, 2, typ.Major())
	assert.Equal(t, "elmo.leave.accrual_policy.assigned", typ.Unversioned())
	v3, err := typ.WithMajor(3)
	require.NoError(t, err)
	assert.Equal(t, "elmo.leave.accrual_policy.assigned.v3", v3.String())
	_, err = typ.WithMajor(0)
	require.ErrorIs(t, err, naming.ErrInvalidType)

	var zero naming.Type
	assert.True(t, zero.IsZero())
	assert.Equal(t, "", zero.String())
	assert.Equal(t, "", zero.Unversioned())
	assert.Panics(t, func() { naming.MustParseType("nope") })
}

func TestNewTypeRejects(t *testing.T) {
	_, err := naming.NewType("elmo", "leave", "balance", "adjusted", 0)
	require.ErrorIs(t, err, naming.ErrInvalidType)
	_, err = naming.NewType("elmo", "leave", "balance", "Adjusted", 1)
	require.ErrorIs(t, err, naming.ErrInvalidType)
	_, err = naming.NewType("elmo", "le.ave", "balance", "adjusted", 1)
	require.ErrorIs(t, err, naming.ErrInvalidType)
}

func TestPastTense(t *testing.T) {
	cases := []struct {
		action string
		want   bool
	}{
		// regular -ed forms
		{"created", true}, {"signed_up", true}, {"approved", true}, {"policy_assigned", false},
		// irregular forms, also behind verb prefixes
		{"sent", true}, {"paid", true}, {"written_off", true}, {"withdrawn", true},
		{"repaid", true}, {"overpaid", true}, {"prepaid", true}, {"undertook", true},
		{"withheld", true}, {"upheld", true}, {"rebuilt", true}, {"mistook", true},
		{"forecast", true}, {"overcame", true}, {"agreed", true}, {"freed", true},
		// commands, nouns and present forms
		{"create", false}, {"sign_up", false}, {"approval", false}, {"send", false},
		{"repay", false}, {"ed", false}, {"", false}, {"need", false}, {"proceed", false},
		{"succeed", false}, {"embed", false}, {"hundred", false}, {"reid", false},
	}
	for _, tc := range cases {
		t.Run(tc.action, func(t *testing.T) {
			err := naming.PastTense{}.Check(tc.action)
			assert.Equal(t, tc.want, err == nil, "%v", err)
			assert.Equal(t, tc.want, naming.IsPastTense(tc.action))
			if tc.want {
				return
			}
			require.ErrorIs(t, err, naming.ErrNotPastTense)
			var nerr *naming.Error
			require.ErrorAs(t, err, &nerr)
			word, _, _ := strings.Cut(tc.action, "_")
			assert.Equal(t, "first word "+strconv.Quote(word), nerr.Part, "the error names the word")
		})
	}

	t.Run("declared words", func(t *testing.T) {
		p := naming.PastTense{Words: []string{"kyc", "proceed"}}
		require.NoError(t, p.Check("kyc_passed"), "-ed is known anyway")
		require.NoError(t, p.Check("kyc_done"), "a declared first word")
		require.NoError(t, p.Check("proceed"))
		require.ErrorIs(t, p.Check("approve"), naming.ErrNotPastTense)
	})

	list := naming.IrregularPastTense()
	assert.Contains(t, list, "sent")
	assert.IsIncreasing(t, list, "the list must stay sorted and unique for binary search")
	list[0] = "mutated"
	assert.NotEqual(t, "mutated", naming.IrregularPastTense()[0], "the returned list is a copy")
}

func TestSource(t *testing.T) {
	for _, s := range []string{"urn:elmo:service:leave-balance", "urn:acme_co:service:billing2"} {
		src, err := naming.ParseSource(s)
		require.NoError(t, err, s)
		assert.Equal(t, s, src.String())
		again, err := naming.NewSource(src.Org(), src.Service())
		require.NoError(t, err)
		assert.Equal(t, src, again)
	}
	for _, tc := range []struct{ in, part string }{
		{"", ""},
		{"urn:elmo:svc:billing", ""},
		{"urn:elmo:service", ""},
		{"urn:elmo:service:billing:extra", ""},
		{"https://elmo/billing", ""},
		{"urn:Elmo:service:billing", "org"},
		{"urn:elmo:service:Billing", "service name"},
		{"urn:elmo:service:billing_x", "service name"},
		{"urn:elmo:service:billing-", "service name"},
		{"urn:elmo:service:" + strings.Repeat("a", 41), "service name"},
	} {
		_, err := naming.ParseSource(tc.in)
		require.ErrorIs(t, err, naming.ErrInvalidSource, tc.in)
		var nerr *naming.Error
		require.ErrorAs(t, err, &nerr)
		assert.True(t, strings.HasPrefix(nerr.Part, tc.part), "%s: part %q", tc.in, nerr.Part)
	}
	assert.True(t, naming.Source{}.IsZero())
	assert.Panics(t, func() { naming.MustParseSource("x") })
}

func TestERN(t *testing.T) {
	for _, s := range []string{
		"ern:elmo:hr:acme:employee/e-1001",
		"ern:elmo:platform::region/ap-southeast-2",
		"ern:elmo:leave:7f3c1a2e-0b1d-4a5e-9c1f-2d3e4f5a6b7c:absence/2026/11/a:b@c~d",
		"ern:elmo:hr:Acme.Corp_1:employee/E1",
	} {
		e, err := naming.ParseERN(s)
		require.NoError(t, err, s)
		assert.Equal(t, s, e.String())
		again, err := naming.NewERN(e.Org(), e.Domain(), e.Tenant(), e.ResourceType(), e.ResourceID())
		require.NoError(t, err)
		assert.Equal(t, e, again)
	}
	for _, tc := range []struct{ in, part string }{
		{"", ""},
		{"arn:elmo:hr:acme:employee/1", ""},
		{"ern:elmo:hr:acme", ""},
		{"ern:elmo:hr:acme:employee", "resource"},
		{"ern:Elmo:hr:acme:employee/1", "org"},
		{"ern:elmo:h-r:acme:employee/1", "domain"},
		{"ern:elmo:hr:-acme:employee/1", "tenant-id"},
		{"ern:elmo:hr:acme-:employee/1", "tenant-id"},
		{"ern:elmo:hr:ac me:employee/1", "tenant-id"},
		{"ern:elmo:hr:" + strings.Repeat("t", 65) + ":employee/1", "tenant-id"},
		{"ern:elmo:hr:acme:Employee/1", "resource-type"},
		{"ern:elmo:hr:acme:employee/", "resource-id"},
		{"ern:elmo:hr:acme:employee/a//b", "resource-id"},
		{"ern:elmo:hr:acme:employee/a/", "resource-id"},
		{"ern:elmo:hr:acme:employee/a b", "resource-id"},
		{"ern:elmo:hr:acme:employee/é", "resource-id"},
		{"ern:elmo:hr:acme:employee/" + strings.Repeat("x", 257), "resource-id"},
	} {
		_, err := naming.ParseERN(tc.in)
		require.ErrorIs(t, err, naming.ErrInvalidERN, tc.in)
		var nerr *naming.Error
		require.ErrorAs(t, err, &nerr)
		assert.True(t, strings.HasPrefix(nerr.Part, tc.part), "%s: part %q", tc.in, nerr.Part)
	}
	assert.Panics(t, func() { naming.MustParseERN("x") })
}

func TestTextMarshalling(t *testing.T) {
	type doc struct {
		Type    naming.Type   `json:"type"`
		Source  naming.Source `json:"source"`
		Subject naming.ERN    `json:"subject"`
		Empty   naming.ERN    `json:"empty"`
	}
	in := doc{
		Type:    naming.MustParseType("elmo.hr.employee.hired.v1"),
		Source:  naming.MustParseSource("urn:elmo:service:hr-core"),
		Subject: naming.MustParseERN("ern:elmo:hr:acme:employee/e-1"),
	}
	b, err := json.Marshal(in)
	require.NoError(t, err)
	assert.JSONEq(t, `{"type":"elmo.hr.employee.hired.v1","source":"urn:elmo:service:hr-core",
		"subject":"ern:elmo:hr:acme:employee/e-1","empty":""}`, string(b))
	var out doc
	require.NoError(t, json.Unmarshal(b, &out))
	assert.Equal(t, in, out)

	for _, bad := range []string{`{"type":"x"}`, `{"source":"x"}`, `{"subject":"x"}`} {
		err := json.Unmarshal([]byte(bad), &out)
		var nerr *naming.Error
		assert.True(t, errors.As(err, &nerr), bad)
	}
	// Comparable: usable as map keys.
	seen := map[naming.ERN]int{in.Subject: 1}
	assert.Equal(t, 1, seen[naming.MustParseERN("ern:elmo:hr:acme:employee/e-1")])
}

func TestExtensionNames(t *testing.T) {
	for _, ok := range []string{"tenantid", "a", "x1", strings.Repeat("a", 20)} {
		assert.NoError(t, naming.ValidateExtensionName(ok), ok)
	}
	for _, bad := range []string{"", "TenantId", "tenant_id", "tenant-id", "my.ext", strings.Repeat("a", 21), "é"} {
		assert.ErrorIs(t, naming.ValidateExtensionName(bad), naming.ErrInvalidExtensionName, bad)
	}
	assert.NoError(t, naming.ValidateAttributeChars(strings.Repeat("a", 21)), "length is only a SHOULD in CloudEvents")
}

func TestEnumValues(t *testing.T) {
	for _, ok := range []string{"ANNUAL_LEAVE", "A", "PLAN_2", "X1_Y2"} {
		assert.NoError(t, naming.ValidateEnumValue(ok), ok)
	}
	for _, bad := range []string{"", "annual_leave", "Annual", "_A", "A_", "A__B", "1A", "A-B", "A B"} {
		assert.ErrorIs(t, naming.ValidateEnumValue(bad), naming.ErrInvalidEnumValue, bad)
	}
}

func TestAWSNames(t *testing.T) {
	n := naming.AWSNames{Env: "prod"}
	cases := []struct {
		name string
		got  func() (string, error)
		want string
	}{
		{"topic", func() (string, error) { return n.Topic("leave", false) }, "prod-elmo-leave-events"},
		{"fifo topic", func() (string, error) { return n.Topic("leave", true) }, "prod-elmo-leave-events.fifo"},
		{"queue", func() (string, error) { return n.Queue("leave-balance", false) }, "prod-elmo-leave-balance"},
		{"dlq", func() (string, error) { return n.DeadLetterQueue("leave-balance", false) }, "prod-elmo-leave-balance-dlq"},
		{"fifo dlq", func() (string, error) { return n.DeadLetterQueue("billing", true) }, "prod-elmo-billing-dlq.fifo"},
		{"other org", func() (string, error) {
			return naming.AWSNames{Env: "dev", Org: "acme"}.Topic("pay_run", false)
		}, "dev-acme-pay_run-events"},
	}
	for _, tc := range cases {
		got, err := tc.got()
		require.NoError(t, err, tc.name)
		assert.Equal(t, tc.want, got, tc.name)
		assert.LessOrEqual(t, len(got), naming.MaxQueueNameLen)
	}

	long := strings.Repeat("s", 40)
	bad := []struct {
		name string
		err  func() error
	}{
		{"no env", func() error { _, err := naming.AWSNames{}.Topic("leave", false); return err }},
		{"env upper", func() error { _, err := naming.AWSNames{Env: "Prod"}.Topic("leave", false); return err }},
		{"env too long", func() error {
			_, err := naming.AWSNames{Env: strings.Repeat("e", 17)}.Topic("leave", false)
			return err
		}},
		{"bad org", func() error { _, err := naming.AWSNames{Env: "p", Org: "A"}.Topic("leave", false); return err }},
		{"bad domain", func() error { _, err := n.Topic("le-ave", false); return err }},
		{"no domain", func() error { _, err := n.Topic("", false); return err }},
		{"bad service", func() error { _, err := n.Queue("Billing", false); return err }},
		{"service too long", func() error { _, err := n.Queue(long+"s", false); return err }},
		{"queue too long", func() error {
			_, err := naming.AWSNames{Env: "prod", Org: strings.Repeat("o", 40)}.Queue(long, true)
			return err
		}},
		{"dlq too long", func() error {
			_, err := naming.AWSNames{Env: "prod", Org: strings.Repeat("o", 40)}.DeadLetterQueue(long, true)
			return err
		}},
	}
	for _, tc := range bad {
		assert.ErrorIs(t, tc.err(), naming.ErrInvalidAWSName, tc.name)
	}
	// A queue whose name fits but whose DLQ would not is refused too.
	fits := naming.AWSNames{Env: "prod", Org: strings.Repeat("o", 25)}
	_, err := fits.Queue(long, true) // 76 characters, its DLQ 80
	require.NoError(t, err)
	tooLong := naming.AWSNames{Env: "prod", Org: strings.Repeat("o", 26)}
	_, err = tooLong.Queue(long, true) // 77 characters, its DLQ 81
	require.ErrorIs(t, err, naming.ErrInvalidAWSName)
}

func TestAWSNamesCheck(t *testing.T) {
	cases := []struct {
		names naming.AWSNames
		want  string // "" when valid
	}{
		{naming.AWSNames{Env: "prod"}, ""},
		{naming.AWSNames{Env: "dev2", Org: "acme"}, ""},
		{naming.AWSNames{}, `"": env must be`},
		{naming.AWSNames{Env: "Prod"}, `"Prod": env must be`},
		{naming.AWSNames{Env: "prod", Org: "Acme"}, `"Acme": org must be`},
	}
	for _, tc := range cases {
		err := tc.names.Check()
		if tc.want == "" {
			assert.NoError(t, err, "%+v", tc.names)
			continue
		}
		require.ErrorIs(t, err, naming.ErrInvalidAWSName, "%+v", tc.names)
		assert.Contains(t, err.Error(), tc.want)
	}
}
