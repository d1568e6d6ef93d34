package envelope_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/elmosoftware/eventprotocol/envelope"
)

// validWire is a valid ELMO event on the wire.
func validWire(t testing.TB) []byte {
	e := sampleEnvelope()
	b, err := e.MarshalJSON()
	require.NoError(t, err)
	return b
}

func TestTrailingBytesAreRefused(t *testing.T) {
	event := validWire(t)
	for _, tail := range []string{"\x00", "\x00{}", "\x00garbage", " \x00", "x", "{}"} {
		t.Run(fmt.Sprintf("%q", tail), func(t *testing.T) {
			_, err := envelope.Decode(append(bytes.Clone(event), tail...))
			require.ErrorIs(t, err, envelope.ErrMalformed)
			_, err = envelope.DecodeBatch(append([]byte("["+string(event)+"]"), tail...))
			require.ErrorIs(t, err, envelope.ErrMalformed)
			_, err = envelope.Validator{}.Check(append(bytes.Clone(event), tail...))
			require.ErrorIs(t, err, envelope.ErrMalformed)
		})
	}
	_, err := envelope.Decode(append(bytes.Clone(event), " \r\n\t"...))
	require.NoError(t, err, "white space may follow")
}

// heapAlloc returns the bytes f allocates.
func heapAlloc(f func()) uint64 {
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	f()
	runtime.ReadMemStats(&after)
	return after.TotalAlloc - before.TotalAlloc
}

func TestBatchOfNonObjectsAllocatesLittle(t *testing.T) {
	in := []byte("[" + strings.Repeat("0,", 500_000) + "0]") // 1 MB
	var err error
	alloc := heapAlloc(func() { _, err = envelope.Validator{}.CheckBatch(in) })
	require.ErrorIs(t, err, envelope.ErrNotObject)
	assert.Less(t, alloc, uint64(len(in)), "allocated %d bytes for %d bytes of input", alloc, len(in))
}

func TestManyExtensions(t *testing.T) {
	var b strings.Builder
	b.WriteString(`{"specversion":"1.0","id":"1","source":"/s","type":"t"`)
	for i := range 5000 {
		fmt.Fprintf(&b, `,"x%d":"v"`, i)
	}
	ok := []byte(b.String() + "}")
	_, err := envelope.Decode(ok)
	require.ErrorIs(t, err, envelope.ErrInputTooLarge, "more members than the default limit")
	assert.Contains(t, err.Error(), "256 attributes")

	// With the limit raised, duplicates are still found in linear time.
	dec := envelope.Decoder{MaxAttributes: 10000}
	e, err := dec.Decode(ok)
	require.NoError(t, err)
	assert.Len(t, e.Extensions, 5000)
	_, err = dec.Decode([]byte(b.String() + `,"x4321":"again"}`))
	require.ErrorIs(t, err, envelope.ErrDuplicate, "found past the linear scan")

	// Thousands of extensions that each break a rule: every one reported.
	var bad strings.Builder
	bad.WriteString(`{"specversion":"1.0","id":"1","source":"/s","type":"t"`)
	for i := range 3000 {
		fmt.Fprintf(&bad, `,"X%d":1.5`, i)
	}
	e, err = dec.Decode([]byte(bad.String() + "}"))
	var verr *envelope.ValidationError
	require.ErrorAs(t, err, &verr)
	assert.Len(t, verr.Violations, 3000, "each extension's value")
	e.Extensions = map[string]any{}
	for i := range 3000 {
		e.Extensions[fmt.Sprintf("X%d", i)] = "v"
	}
	err = envelope.Validator{Tolerant: true}.Validate(&e)
	require.ErrorAs(t, err, &verr)
	assert.Equal(t, 3000+6, len(verr.Violations), "each extension's name, and the six ELMO attributes missing or wrong")
}

func TestForbiddenCharacters(t *testing.T) {
	cases := []struct {
		name, id string
		rule     *envelope.Rule
	}{
		{"NUL", "a\x00b", envelope.ErrCharacter},
		{"C0 control", "a\x01b", envelope.ErrCharacter},
		{"line feed", "a\nb", envelope.ErrCharacter},
		{"DEL", "a\x7fb", envelope.ErrCharacter},
		{"C1 control", "a\u0085b", envelope.ErrCharacter},
		{"noncharacter FDD0", "a\ufdd0b", envelope.ErrCharacter},
		{"noncharacter FFFE", "a\ufffeb", envelope.ErrCharacter},
		{"noncharacter 10FFFF", "a\U0010ffffb", envelope.ErrCharacter},
		{"invalid UTF-8", "a\xffb", envelope.ErrUTF8},
		{"encoded surrogate", "a\xed\xa0\x80b", envelope.ErrUTF8},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			e := sampleEnvelope()
			e.ID = tc.id
			for _, p := range []envelope.Profile{envelope.ELMO, envelope.CloudEvents} {
				err := envelope.Validator{Profile: p}.Validate(&e)
				require.ErrorIs(t, err, tc.rule, p.String())
			}
			e = sampleEnvelope()
			e.Extensions = map[string]any{"note": tc.id}
			require.ErrorIs(t, envelope.Validator{}.Validate(&e), tc.rule, "extension values too")
		})
	}
	e := sampleEnvelope()
	e.ID = "é😀\u00a0\ufffd" // allowed: letters, emoji, no-break space, the replacement character
	require.NoError(t, envelope.Validator{Tolerant: true}.Validate(&e))

	// On the wire, escapes decode to the same characters.
	_, err := envelope.Validator{Profile: envelope.CloudEvents}.Check([]byte(`{"specversion":"1.0","id":"a\u0007","source":"/s","type":"t"}`))
	require.ErrorIs(t, err, envelope.ErrCharacter)
}

func TestDataRules(t *testing.T) {
	cases := []struct {
		name, data string
		rule       *envelope.Rule // nil: valid
		pointer    string
	}{
		{"plain", `{"a":1,"b":{"a":2},"c":[{"a":3},{"a":4}]}`, nil, ""},
		{"duplicate member", `{"a":1,"a":2}`, envelope.ErrDuplicate, "/a"},
		{"duplicate nested", `{"x":[{"b":1},{"b":1,"b":2}]}`, envelope.ErrDuplicate, "/x/1/b"},
		{"duplicate by escape", `{"days":1,"d\u0061ys":2}`, envelope.ErrDuplicate, "/days"},
		{"duplicate pointer escaped", `{"a/b":{"~":1,"~":2}}`, envelope.ErrDuplicate, "/a~1b/~0"},
		{"differ in case only", `{"days":1,"Days":2}`, nil, ""},
		{"huge exponent", `{"n":1e999999}`, envelope.ErrNumber, "/n"},
		{"tiny exponent", `{"n":1e-999999}`, envelope.ErrNumber, "/n"},
		{"overflow", `{"n":[1,-1e309]}`, envelope.ErrNumber, "/n/1"},
		{"long literal", `{"n":` + strings.Repeat("1", envelope.MaxNumberLen+1) + `}`, envelope.ErrNumber, "/n"},
		{"largest double", `{"n":1.7976931348623157e308}`, nil, ""},
		{"underflow to zero", `{"n":1e-400}`, nil, ""},
		{"longest literal", `{"n":` + strings.Repeat("1", envelope.MaxNumberLen-4) + `e-99}`, nil, ""},
		{"scalar data", `12`, nil, ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			check := func(t *testing.T, err error) {
				t.Helper()
				if tc.rule == nil {
					require.NoError(t, err)
					return
				}
				require.ErrorIs(t, err, tc.rule)
				assert.Contains(t, err.Error(), fmt.Sprintf("%q", tc.pointer))
			}
			t.Run("CheckData", func(t *testing.T) { check(t, envelope.CheckData([]byte(tc.data))) })
			t.Run("Decode", func(t *testing.T) {
				_, err := envelope.Decode([]byte(`{"id":"1","data":` + tc.data + `}`))
				check(t, err)
			})
			t.Run("Validate", func(t *testing.T) {
				e := envelope.Envelope{SpecVersion: "1.0", ID: "1", Source: "/s", Type: "t", Data: json.RawMessage(tc.data)}
				check(t, envelope.Validator{Profile: envelope.CloudEvents}.Validate(&e))
			})
		})
	}

	// Many members: found past the linear scan, and no false alarms.
	var b strings.Builder
	b.WriteString("{")
	for i := range 1000 {
		fmt.Fprintf(&b, `"m%d":{"same":%d},`, i, i)
	}
	require.NoError(t, envelope.CheckData([]byte(b.String()+`"last":0}`)))
	require.ErrorIs(t, envelope.CheckData([]byte(b.String()+`"m999":0}`)), envelope.ErrDuplicate)

	_, err := envelope.Decode([]byte(`{"id":"1","data_base64":"` + "e30=" + `"}`))
	require.NoError(t, err)
}

func TestDataRulesNeverQuoteValues(t *testing.T) {
	err := envelope.CheckData([]byte(`{"email":"jane.doe@example.com","email":"SECRET","n":1e999}`))
	require.Error(t, err)
	assert.NotContains(t, err.Error(), "jane")
	assert.NotContains(t, err.Error(), "SECRET")
}

func TestZeroInstantIsRefused(t *testing.T) {
	for _, attr := range []string{"time", "effectivetime"} {
		for _, ts := range []string{"0001-01-01T00:00:00Z", "0001-01-01T10:00:00+10:00"} {
			in := `{"specversion":"1.0","id":"1","source":"/s","type":"t","` + attr + `":"` + ts + `"}`
			_, err := envelope.Validator{Profile: envelope.CloudEvents}.Check([]byte(in))
			require.ErrorIs(t, err, envelope.ErrTimestamp, "%s %s", attr, ts)
			assert.Contains(t, err.Error(), "zero instant")
		}
	}
	e, err := envelope.Decode([]byte(`{"time":"0001-01-01T00:00:00.001Z"}`))
	require.NoError(t, err, "one millisecond later is an ordinary instant")
	assert.Equal(t, time.Date(1, 1, 1, 0, 0, 0, int(time.Millisecond), time.UTC), e.Time)
}

func TestBase64WithLineBreaks(t *testing.T) {
	for _, v := range []string{`e30=\n`, `e3\r\n0=`, `\ne30=`} {
		_, err := envelope.Decode([]byte(`{"data_base64":"` + v + `"}`))
		require.ErrorIs(t, err, envelope.ErrBase64, v)
	}
}
