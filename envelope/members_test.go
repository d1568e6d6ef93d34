package envelope_test

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/elmosoftware/eventprotocol/envelope"
)

// recorder is a MemberChecker that writes down the names it is asked
// about, with their depth, and refuses the name "BAD".
type recorder struct {
	depth int
	seen  *[]string
}

func (r recorder) Member(name []byte) (envelope.MemberChecker, bool) {
	*r.seen = append(*r.seen, strings.Repeat(">", r.depth)+string(name))
	return recorder{r.depth + 1, r.seen}, string(name) != "BAD"
}

func (r recorder) Elem() envelope.MemberChecker { return recorder{r.depth + 1, r.seen} }

const head = `{"specversion":"1.0","id":"1","source":"/s","type":"elmo.leave.thing.happened.v1",`

func TestDecoderMembers(t *testing.T) {
	tests := []struct {
		name    string
		body    string
		seen    []string
		checked bool
	}{
		{"object", head + `"data":{"a":1,"b":{"c":[{"d":2},{"e":3}]},"f":[]}}`,
			[]string{"a", "b", ">c", ">>>d", ">>>e", "f"}, true},
		{"escaped name", head + `"data":{"\u0061x":{}}}`, []string{"ax"}, true},
		{"refused deep", head + `"data":{"a":{"BAD":1},"z":2}}`, []string{"a", ">BAD", "z"}, false},
		{"scalar data", head + `"data":"text"}`, nil, true},
		{"type after data: not asked", `{"specversion":"1.0","id":"1","source":"/s","data":{"a":1},"type":"elmo.leave.thing.happened.v1"}`, nil, false},
		{"no data", head + `"subject":"x"}`, nil, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var seen []string
			var asked []string
			c := recorder{seen: &seen}
			d := envelope.Decoder{Members: func(typ string) envelope.MemberChecker {
				asked = append(asked, typ)
				return c
			}}
			e, err := d.Decode([]byte(tc.body))
			require.NoError(t, err)
			assert.Equal(t, tc.seen, seen)
			assert.Equal(t, tc.checked, e.MembersCheckedBy(c))
			if tc.seen != nil {
				assert.Equal(t, []string{"elmo.leave.thing.happened.v1"}, asked)
			}
			plain, err := envelope.Decode([]byte(tc.body))
			require.NoError(t, err)
			assert.False(t, plain.MembersCheckedBy(c), "a plain decode checks nothing")
		})
	}
}

// TestMembersCheckedByFollowsData: the mark holds for the data read, not
// for data set since, nor for another checker.
func TestMembersCheckedByFollowsData(t *testing.T) {
	var seen []string
	c := recorder{seen: &seen}
	d := envelope.Decoder{Members: func(string) envelope.MemberChecker { return c }}
	e, err := d.Decode([]byte(head + `"data":{"a":1}}`))
	require.NoError(t, err)
	require.True(t, e.MembersCheckedBy(c))
	copied := e
	assert.True(t, copied.MembersCheckedBy(c), "a copy shares the data")
	assert.False(t, e.MembersCheckedBy(recorder{seen: &seen, depth: 1}), "another checker")
	assert.False(t, e.MembersCheckedBy(nil))
	copied.Data = []byte(`{"BAD":1}`)
	assert.False(t, copied.MembersCheckedBy(c), "replaced data")
}

// TestValidatorCheckDecodesWithItsDecoder: Check uses the Validator's
// Decoder, its limits and its member checks.
func TestValidatorCheckDecodesWithItsDecoder(t *testing.T) {
	var seen []string
	c := recorder{seen: &seen}
	v := envelope.Validator{Tolerant: true, Profile: envelope.CloudEvents, Decoder: envelope.Decoder{Members: func(string) envelope.MemberChecker { return c }}}
	e, err := v.Check([]byte(head + `"data":{"a":1}}`))
	require.NoError(t, err)
	assert.True(t, e.MembersCheckedBy(c))
	v.Decoder.MaxBytes = 10
	_, err = v.Check([]byte(head + `"data":{"a":1}}`))
	assert.ErrorIs(t, err, envelope.ErrInputTooLarge)
}

// TestDecodedTextIsTheEnvelopes: the envelope keeps its own copy of the
// input's text, and its data shares no bytes with its strings: changing or
// extending the data leaves every attribute as decoded.
func TestDecodedTextIsTheEnvelopes(t *testing.T) {
	in := []byte(head + `"subject":"s-1","data":{"a":"b"},"tenantid":"acme"}`)
	e, err := envelope.Decode(in)
	require.NoError(t, err)
	for i := range in {
		in[i] = 'x'
	}
	assert.Equal(t, "elmo.leave.thing.happened.v1", e.Type, "the input is not retained")
	assert.Equal(t, `{"a":"b"}`, string(e.Data))
	for i := range e.Data {
		e.Data[i] = '#'
	}
	e.Data = append(e.Data, "############"...)
	assert.Equal(t, "s-1", e.Subject)
	assert.Equal(t, "acme", e.TenantID, "an attribute after the data")
	assert.Equal(t, "/s", e.Source)
}
