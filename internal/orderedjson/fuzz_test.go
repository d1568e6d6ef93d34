package orderedjson_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/elmosoftware/eventprotocol/internal/orderedjson"
)

// FuzzDecode: Decode accepts what encoding/json accepts (one value), and
// its canonical text is the same whatever the members' order: decoding
// the value encoding/json re-encodes (members sorted) gives it again.
func FuzzDecode(f *testing.F) {
	for _, s := range []string{`{"b":1,"a":[true,null,"x",{"d":2,"c":1}]}`, `[]`, `"s"`, `1.5e3`, `{"a":1,"a":2}`, `{`, `[1,]`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		v, err := orderedjson.Decode(data)
		var std any
		dec := json.NewDecoder(bytes.NewReader(data))
		dec.UseNumber()
		stdErr := dec.Decode(&std)
		if stdErr == nil {
			if _, err := dec.Token(); !errors.Is(err, io.EOF) {
				stdErr = errors.New("data after the value")
			}
		}
		if stdErr != nil {
			require.Error(t, err, "encoding/json refuses %q", data)
			return
		}
		require.NoError(t, err, "encoding/json accepts %q", data)
		re, err := json.Marshal(std) // members sorted
		require.NoError(t, err)
		again, err := orderedjson.Decode(re)
		require.NoError(t, err)
		require.Equal(t, orderedjson.Canonical(again), orderedjson.Canonical(v), "%q", data)
	})
}
