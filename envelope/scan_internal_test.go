package envelope

import (
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestPlainPrefix checks the eight-bytes-at-a-time scan against the plain
// definition on random bytes drawn mostly from the interesting ones.
func TestPlainPrefix(t *testing.T) {
	alphabet := []byte{'a', 'Z', ' ', '"', '\\', 0x1f, 0x20, 0x7f, 0x80, 0xff, 0x21, 0x5b, 0x5d}
	rng := rand.New(rand.NewPCG(1, 2))
	for range 20000 {
		b := make([]byte, rng.IntN(40))
		for i := range b {
			if rng.IntN(4) == 0 {
				b[i] = alphabet[rng.IntN(len(alphabet))]
			} else {
				b[i] = byte('a' + rng.IntN(26))
			}
		}
		n := plainPrefix(b)
		require.Zero(t, n%8)
		for _, c := range b[:n] {
			require.True(t, c >= 0x20 && c < 0x80 && c != '"' && c != '\\', "%q: prefix %d includes %q", b, n, c)
		}
	}
}
