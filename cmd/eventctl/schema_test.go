package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

var catalogDir = filepath.Join("..", "..", "testdata", "catalog")

func TestValidate(t *testing.T) {
	code, out, _ := eventctl(t, "", append([]string{"validate", "--catalog", catalogDir}, glob(t, "valid/elmo/*.json")...)...)
	assert.Equal(t, exitOK, code, out)

	payloads, err := filepath.Glob(filepath.Join("..", "..", "testdata", "payloads", "*.json"))
	require.NoError(t, err)
	require.NotEmpty(t, payloads)
	for _, path := range payloads {
		t.Run(filepath.Base(path), func(t *testing.T) {
			wantRule, _, _ := strings.Cut(filepath.Base(path), "--")
			code, out, stderr := eventctl(t, "", "validate", "--catalog", catalogDir, "--json", path)
			require.Equal(t, exitInvalid, code, stderr)
			var rep report
			require.NoError(t, json.Unmarshal([]byte(out), &rep))
			require.Len(t, rep.Events, 1)
			require.NotEmpty(t, rep.Events[0].Violations)
			assert.Equal(t, wantRule, rep.Events[0].Violations[0].Rule)
			// check alone looks at envelopes only, and finds them valid.
			code, _, _ = eventctl(t, "", "check", path)
			assert.Equal(t, exitOK, code)
		})
	}
}

func TestValidateInputForms(t *testing.T) {
	valid, err := os.ReadFile(filepath.Join("..", "..", "testdata", "envelopes", "valid", "elmo", "balance-adjusted.json"))
	require.NoError(t, err)
	bad, err := os.ReadFile(filepath.Join("..", "..", "testdata", "payloads", "payload_schema--unknown-reason.json"))
	require.NoError(t, err)
	compact := func(b []byte) string {
		var v any
		require.NoError(t, json.Unmarshal(b, &v))
		out, err := json.Marshal(v)
		require.NoError(t, err)
		return string(out)
	}
	t.Run("JSON lines", func(t *testing.T) {
		code, out, _ := eventctl(t, compact(valid)+"\n"+compact(bad)+"\n", "validate", "--catalog", catalogDir, "-")
		assert.Equal(t, exitInvalid, code)
		assert.Contains(t, out, "event 1 (line 2): invalid")
		assert.Contains(t, out, "[payload_schema]")
	})
	t.Run("batch", func(t *testing.T) {
		code, out, _ := eventctl(t, "["+compact(bad)+","+compact(valid)+"]", "validate", "--catalog", catalogDir, "-")
		assert.Equal(t, exitInvalid, code)
		assert.Contains(t, out, "event 0: invalid")
		assert.Contains(t, out, "event 1: valid")
	})
}

func TestValidateUsage(t *testing.T) {
	for _, args := range [][]string{
		{"validate", "x.json"},                                  // no catalogue
		{"validate", "--catalog", catalogDir},                   // no file
		{"validate", "--catalog", "no/such/dir", "x.json"},      // missing catalogue
		{"validate", "--catalog", catalogDir, "no/such/file"},   // missing file
		{"validate", "--catalog", catalogDir, "--profile", "x"}, // bad profile
	} {
		code, _, stderr := eventctl(t, "", args...)
		assert.Equal(t, exitUsage, code, "%v", args)
		assert.NotEmpty(t, stderr)
	}
}

func TestLint(t *testing.T) {
	code, out, _ := eventctl(t, "", "lint", catalogDir)
	assert.Equal(t, exitOK, code, out)
	assert.Contains(t, out, "0 findings")

	dir := t.TempDir()
	require.NoError(t, os.MkdirAll(filepath.Join(dir, "x"), 0o755))
	require.NoError(t, os.WriteFile(filepath.Join(dir, "x", "thing.json"), []byte(`{"$id":"https://schemas.elmo.example/elmo.x.thing.happened/1.0","type":"object","properties":{"k":{"enum":["lower"]}}}`), 0o644))
	code, out, _ = eventctl(t, "", "lint", "--json", dir)
	assert.Equal(t, exitInvalid, code)
	var findings []struct{ Path, Pointer, Rule, Message string }
	require.NoError(t, json.Unmarshal([]byte(out), &findings))
	var rules []string
	for _, f := range findings {
		rules = append(rules, f.Rule)
	}
	for _, want := range []string{"schema-keyword", "layout", "title", "description", "additional-properties", "enum-case", "examples"} {
		assert.Contains(t, rules, want)
	}

	for _, args := range [][]string{{"lint"}, {"lint", "no/such/dir"}, {"lint", catalogDir, catalogDir}} {
		code, _, _ := eventctl(t, "", args...)
		assert.Equal(t, exitUsage, code, "%v", args)
	}
}

func TestCompatFiles(t *testing.T) {
	v10 := filepath.Join(catalogDir, "identity", "client.signed_up.v1.0.json")
	v12 := filepath.Join(catalogDir, "identity", "client.signed_up.v1.2.json")
	cases := []struct {
		mode     string
		old, new string
		want     int
	}{
		{"", v10, v12, exitOK}, // policy is the default
		{"policy", v10, v12, exitOK},
		{"policy", v12, v10, exitInvalid},
		{"backward", v10, v12, exitOK},
		{"forward", v10, v12, exitInvalid},
		{"full", v10, v12, exitInvalid},
		{"backward", v12, v10, exitInvalid},
		{"forward", v12, v10, exitOK},
		{"full", v10, v10, exitOK},
	}
	for _, tc := range cases {
		args := []string{"compat", "--json"}
		if tc.mode != "" {
			args = append(args, "--mode", tc.mode)
		}
		code, out, stderr := eventctl(t, "", append(args, tc.old, tc.new)...)
		require.Equal(t, tc.want, code, "%s %s -> %s: %s %s", tc.mode, tc.old, tc.new, out, stderr)
		var rep compatReport
		require.NoError(t, json.Unmarshal([]byte(out), &rep))
		assert.Equal(t, tc.want == exitOK, rep.Compatible)
		if tc.want == exitInvalid {
			require.NotEmpty(t, rep.Pairs[0].Breaking)
			assert.NotEmpty(t, rep.Pairs[0].Breaking[0].Rule)
			assert.True(t, strings.HasPrefix(rep.Pairs[0].Breaking[0].Pointer, "/"))
		}
	}

	code, out, _ := eventctl(t, "", "compat", "--mode", "full", v10, v12)
	assert.Equal(t, exitInvalid, code)
	assert.Contains(t, out, `/properties/plan/enum: enum-value-added: value "TRIAL" now allowed (widens)`)

	notSchema := filepath.Join(t.TempDir(), "bad.json")
	require.NoError(t, os.WriteFile(notSchema, []byte(`{"type":`), 0o644))
	for _, args := range [][]string{
		{"compat", v10},
		{"compat", "--mode", "sideways", v10, v12},
		{"compat", v10, "no/such/file.json"},
		{"compat", v10, notSchema},
		{"compat", "--catalog", catalogDir},
		{"compat", "--catalog", catalogDir, "--baseline", catalogDir, v10},
	} {
		code, _, stderr := eventctl(t, "", args...)
		assert.Equal(t, exitUsage, code, "%v", args)
		assert.NotEmpty(t, stderr)
	}
}

// copyCatalog copies the sample catalogue into a temporary folder.
func copyCatalog(t *testing.T) string {
	t.Helper()
	dst := t.TempDir()
	require.NoError(t, os.CopyFS(dst, os.DirFS(catalogDir)))
	return dst
}

// editSchema reads the schema at from, lets edit change it, and writes it to to.
func editSchema(t *testing.T, from, to string, edit func(map[string]any)) {
	t.Helper()
	b, err := os.ReadFile(from)
	require.NoError(t, err)
	var m map[string]any
	require.NoError(t, json.Unmarshal(b, &m))
	edit(m)
	b, err = json.Marshal(m)
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(to, b, 0o644))
}

func TestCompatCatalogs(t *testing.T) {
	t.Run("unchanged", func(t *testing.T) {
		code, out, _ := eventctl(t, "", "compat", "--mode", "backward_transitive", "--catalog", copyCatalog(t), "--baseline", catalogDir)
		assert.Equal(t, exitOK, code, out)
		// The changed pairs by default: the older minors against the newest;
		// the schemas compared with themselves are counted, not shown.
		assert.Contains(t, out, "3 comparisons (and 8 unchanged, not shown; --all shows them)")
		assert.NotContains(t, out, "elmo.leave.absence.approved/1.1 -> https://schemas.elmo.example/elmo.leave.absence.approved/1.1")
		code, out, _ = eventctl(t, "", "compat", "--all", "--mode", "backward_transitive", "--catalog", copyCatalog(t), "--baseline", catalogDir)
		assert.Equal(t, exitOK, code, out)
		assert.Contains(t, out, "11 comparisons, mode")
		assert.Contains(t, out, "elmo.leave.absence.approved/1.1 -> https://schemas.elmo.example/elmo.leave.absence.approved/1.1")
	})
	t.Run("compatible new minor", func(t *testing.T) {
		dir := copyCatalog(t)
		editSchema(t, filepath.Join(dir, "leave", "absence.approved.v1.1.json"), filepath.Join(dir, "leave", "absence.approved.v1.2.json"), func(m map[string]any) {
			m["$id"] = strings.Replace(m["$id"].(string), "/1.1", "/1.2", 1)
			leaveType := m["properties"].(map[string]any)["leaveType"].(map[string]any)
			leaveType["enum"] = append(leaveType["enum"].([]any), "PARENTAL")
		})
		code, out, _ := eventctl(t, "", "compat", "--catalog", dir, "--baseline", catalogDir)
		assert.Equal(t, exitOK, code, out)
		code, out, _ = eventctl(t, "", "compat", "--mode", "forward", "--catalog", dir, "--baseline", catalogDir)
		assert.Equal(t, exitInvalid, code, out)
		assert.Contains(t, out, "enum-value-added")
	})
	t.Run("minor that widens a type", func(t *testing.T) {
		dir := copyCatalog(t)
		editSchema(t, filepath.Join(dir, "leave", "absence.approved.v1.1.json"), filepath.Join(dir, "leave", "absence.approved.v1.2.json"), func(m map[string]any) {
			m["$id"] = strings.Replace(m["$id"].(string), "/1.1", "/1.2", 1)
			m["properties"].(map[string]any)["leaveType"] = map[string]any{"type": "string"}
		})
		code, out, _ := eventctl(t, "", "compat", "--mode", "backward", "--catalog", dir, "--baseline", catalogDir)
		assert.Equal(t, exitOK, code, "backward compatible: %s", out)
		code, out, _ = eventctl(t, "", "compat", "--catalog", dir, "--baseline", catalogDir)
		assert.Equal(t, exitInvalid, code, "but consumers on 1.1 would refuse the new values: %s", out)
		code, out, _ = eventctl(t, "", "lint", dir)
		assert.Equal(t, exitInvalid, code)
		assert.Contains(t, out, "chain-incompatible")
	})
	t.Run("breaking edit", func(t *testing.T) {
		dir := copyCatalog(t)
		path := filepath.Join(dir, "leave", "balance.adjusted.v1.0.json")
		editSchema(t, path, path, func(m map[string]any) {
			m["properties"].(map[string]any)["reason"].(map[string]any)["enum"] = []any{"CORRECTION", "CASH_OUT", "OTHER"}
		})
		code, out, _ := eventctl(t, "", "compat", "--catalog", dir, "--baseline", catalogDir)
		assert.Equal(t, exitInvalid, code, out)
		assert.Contains(t, out, `/properties/reason/enum: enum-value-removed: value "OPENING_BALANCE" no longer allowed (narrows)`)
	})
	t.Run("a new major with an upcast", func(t *testing.T) {
		for _, tc := range []struct {
			name   string
			upcast map[string]any
			code   int
			says   string
		}{
			{"that works", map[string]any{"rename": map[string]any{"days": "amount"}, "set": map[string]any{"leaveType": "ANNUAL"}}, exitOK,
				"upcast elmo.leave.absence.approved.v1 -> elmo.leave.absence.approved.v2: every example of the old major upcast validates"},
			{"that leaves a required member out", map[string]any{"rename": map[string]any{"days": "amount"}}, exitInvalid,
				"upcast elmo.leave.absence.approved.v1 -> elmo.leave.absence.approved.v2: FAILS"},
		} {
			t.Run(tc.name, func(t *testing.T) {
				dir := copyCatalog(t)
				editSchema(t, filepath.Join(dir, "leave", "absence.approved.v1.1.json"), filepath.Join(dir, "leave", "absence.approved.v2.0.json"), func(m map[string]any) {
					m["$id"] = strings.Replace(m["$id"].(string), "/1.1", "/2.0", 1)
					props := m["properties"].(map[string]any)
					props["amount"] = props["days"]
					delete(props, "days")
					m["required"] = []any{"employee", "date", "amount", "leaveType"}
					for _, ex := range m["examples"].([]any) {
						ex := ex.(map[string]any)
						ex["amount"], ex["leaveType"] = ex["days"], "ANNUAL"
						delete(ex, "days")
					}
					m["x-elmo-upcast"] = tc.upcast
				})
				code, out, _ := eventctl(t, "", "compat", "--catalog", dir, "--baseline", catalogDir)
				assert.Equal(t, tc.code, code, out)
				assert.Contains(t, out, tc.says)
			})
		}
	})
	t.Run("removed type", func(t *testing.T) {
		dir := copyCatalog(t)
		require.NoError(t, os.Remove(filepath.Join(dir, "payroll", "pay_run.completed.v1.0.json")))
		code, out, _ := eventctl(t, "", "compat", "--catalog", dir, "--baseline", catalogDir)
		assert.Equal(t, exitInvalid, code, out)
		assert.Contains(t, out, "schema-removed")
	})
	t.Run("broken catalogue", func(t *testing.T) {
		dir := copyCatalog(t)
		require.NoError(t, os.WriteFile(filepath.Join(dir, "broken.json"), []byte(`{`), 0o644))
		code, _, stderr := eventctl(t, "", "compat", "--catalog", dir, "--baseline", catalogDir)
		assert.Equal(t, exitUsage, code)
		assert.Contains(t, stderr, "broken.json")
	})
}

func TestValidateTolerant(t *testing.T) {
	path := filepath.Join("..", "..", "testdata", "payloads", "payload_schema--unknown-reason.json")
	code, out, _ := eventctl(t, "", "validate", "--catalog", catalogDir, path)
	assert.Equal(t, exitInvalid, code, "a producer must not send an enumeration value its schema does not list: %s", out)
	code, out, _ = eventctl(t, "", "validate", "--catalog", catalogDir, "--tolerant", path)
	assert.Equal(t, exitOK, code, "a consumer accepts a well-formed value it does not know: %s", out)
}

func TestPastTenseIsAProducerConvention(t *testing.T) {
	path := filepath.Join("..", "..", "testdata", "envelopes", "invalid", "elmo", "past_tense--not-past-tense.json")
	code, out, _ := eventctl(t, "", "check", path)
	assert.Equal(t, exitInvalid, code)
	assert.Contains(t, out, `first word "adjust"`, "the message names the word")
	code, _, _ = eventctl(t, "", "check", "--strict=false", path)
	assert.Equal(t, exitOK, code, "consumers accept any snake_case action")
	code, out, _ = eventctl(t, "", "check", "--past-tense", "adjust, offboard", path)
	assert.Equal(t, exitOK, code, "an organisation's own word: %s", out)
}

func TestTextOutputEscapesControlCharacters(t *testing.T) {
	in := `{"specversion":"1.0","id":"1","source":"\u001b]0;pwned\u0007\u001b[31mred\u009b","type":"t"}`
	code, out, _ := eventctl(t, in, "check", "--profile", "cloudevents", "-")
	assert.Equal(t, exitInvalid, code)
	assert.NotContains(t, out, "\x1b")
	assert.NotContains(t, out, "\x07")
	assert.NotContains(t, out, "\u009b")
	assert.Contains(t, out, `\u001b[31mred`)
}
