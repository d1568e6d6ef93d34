package orderedjson_test

import (
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/elmosoftware/eventprotocol/internal/orderedjson"
)

func TestDecode(t *testing.T) {
	for _, tc := range []struct {
		in, canonical string
		keys          []string
		bad           bool
	}{
		{`{"b":1,"a":{"d":[true,null,"x"],"c":2.5}}`, `{"a":{"c":2.5,"d":[true,<nil>,"x"]},"b":1}`, []string{"b", "a"}, false},
		{`{"a":1,"a":2}`, `{"a":2}`, []string{"a"}, false},
		{`[]`, `[]`, nil, false},
		{`{"a":1} {}`, ``, nil, true},
		{`{"a":}`, ``, nil, true},
		{``, ``, nil, true},
	} {
		t.Run(tc.in, func(t *testing.T) {
			v, err := orderedjson.Decode([]byte(tc.in))
			if tc.bad {
				require.Error(t, err)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tc.canonical, orderedjson.Canonical(v))
			if o, ok := v.(*orderedjson.Object); ok {
				assert.Equal(t, tc.keys, o.Keys)
			}
		})
	}
}

func ExampleDecode() {
	v, err := orderedjson.Decode([]byte(`{"zebra":1,"apple":{"kiwi":"k","fig":"f"}}`))
	if err != nil {
		fmt.Println(err)
		return
	}
	o := v.(*orderedjson.Object)
	inner, _ := o.Get("apple")
	fmt.Println(o.Keys, inner.(*orderedjson.Object).Keys)
	fmt.Println(orderedjson.Canonical(v))
	// Output:
	// [zebra apple] [kiwi fig]
	// {"apple":{"fig":"f","kiwi":"k"},"zebra":1}
}
