package envelope_test

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/elmosoftware/eventprotocol/envelope"
)

// The shared examples in testdata/envelopes: valid/<profile> holds events
// valid in that profile; invalid/<profile> holds events that break one rule
// of that profile, named <rule code>--<description>.json. Events invalid in
// the ELMO profile are valid CloudEvents.

func checkFile(t *testing.T, v envelope.Validator, path string) []envelope.Violation {
	t.Helper()
	b, err := os.ReadFile(path)
	require.NoError(t, err)
	if bytes.HasPrefix(bytes.TrimSpace(b), []byte("[")) {
		_, err = v.CheckBatch(b)
	} else {
		_, err = v.Check(b)
	}
	if err == nil {
		return nil
	}
	var all []envelope.Violation
	var berr *envelope.BatchError
	var verr *envelope.ValidationError
	switch {
	case errorsAs(err, &berr):
		for _, ev := range berr.Events {
			all = append(all, ev.Err.(*envelope.ValidationError).Violations...)
		}
	case errorsAs(err, &verr):
		all = verr.Violations
	default:
		t.Fatalf("%s: unexpected error %v", path, err)
	}
	return all
}

func files(t *testing.T, dir string) []string {
	t.Helper()
	paths, err := filepath.Glob(filepath.Join("..", "testdata", "envelopes", dir, "*.json"))
	require.NoError(t, err)
	require.NotEmpty(t, paths, dir)
	return paths
}

func TestTestdataValid(t *testing.T) {
	ce := envelope.Validator{Profile: envelope.CloudEvents}
	elmo := envelope.Validator{}
	for _, path := range files(t, "valid/elmo") {
		assert.Empty(t, checkFile(t, elmo, path), path)
		assert.Empty(t, checkFile(t, ce, path), path)
	}
	for _, path := range files(t, "valid/cloudevents") {
		assert.Empty(t, checkFile(t, ce, path), path)
	}
}

func TestTestdataInvalid(t *testing.T) {
	ce := envelope.Validator{Profile: envelope.CloudEvents}
	elmo := envelope.Validator{}
	for _, tc := range []struct {
		dir       string
		v         envelope.Validator
		validInCE bool
	}{
		{"invalid/cloudevents", ce, false},
		{"invalid/elmo", elmo, true},
	} {
		for _, path := range files(t, tc.dir) {
			code, _, ok := strings.Cut(filepath.Base(path), "--")
			require.True(t, ok, "%s: name must start with the rule code and --", path)
			vs := checkFile(t, tc.v, path)
			require.NotEmpty(t, vs, "%s must be invalid", path)
			var codes []string
			for _, v := range vs {
				codes = append(codes, v.Rule.Code())
			}
			assert.Contains(t, codes, code, path)
			if tc.validInCE {
				assert.Empty(t, checkFile(t, ce, path), "%s must be a valid CloudEvent", path)
			} else {
				assert.NotEmpty(t, checkFile(t, elmo, path), "%s must be invalid in the ELMO profile too", path)
			}
		}
	}
}
