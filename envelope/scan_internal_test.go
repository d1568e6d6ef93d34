package envelope

import (
	"math/rand/v2"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/stretchr/testify/require"
)

// TestNextSpecial checks the eight-bytes-at-a-time scan against the plain
// definition on random bytes drawn mostly from the interesting ones, from
// every start.
func TestNextSpecial(t *testing.T) {
	alphabet := []byte{'a', 'Z', ' ', '"', '\\', 0x00, 0x1f, 0x20, 0x7f, 0x80, 0x9f, 0xa0, 0xff, 0x21, 0x5b, 0x5d}
	special := func(c byte) bool { return c < 0x20 || c >= 0x80 || c == '"' || c == '\\' }
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
		for start := 0; start <= len(b); start++ {
			want := start
			for want < len(b) && !special(b[want]) {
				want++
			}
			require.Equal(t, want, nextSpecial(b, start), "%q from %d", b, start)
		}
	}
}

// TestForbiddenChar checks the eight-bytes-at-a-time fast path against a
// rune-by-rune reading, on random strings of the interesting characters.
func TestForbiddenChar(t *testing.T) {
	reference := func(s string) (int, rune) {
		for i, r := range s {
			bad := r < 0x20 || (0x7f <= r && r <= 0x9f) || (0xfdd0 <= r && r <= 0xfdef) || r&0xfffe == 0xfffe
			if r == utf8.RuneError {
				if _, size := utf8.DecodeRuneInString(s[i:]); size == 1 {
					return i, utf8.RuneError
				}
			}
			if bad {
				return i, r
			}
		}
		return -1, 0
	}
	pieces := []string{"a", "Z", " ", "~", "\x00", "\x1f", "\x7f", "\u0080", "\u009f", "\u00a0", "é", "\ufdd0", "\ufffe", "\U0001fffe", "\xff", "\xe2\x82"}
	rng := rand.New(rand.NewPCG(3, 4))
	for range 20000 {
		var b []byte
		for range rng.IntN(30) {
			if rng.IntN(5) == 0 {
				b = append(b, pieces[rng.IntN(len(pieces))]...)
			} else {
				b = append(b, byte('a'+rng.IntN(26)))
			}
		}
		wantI, wantR := reference(string(b))
		gotI, gotR := forbiddenChar(string(b))
		require.Equal(t, wantI, gotI, "%q", b)
		if wantI >= 0 {
			require.Equal(t, wantR, gotR, "%q", b)
		}
	}
}

// TestPlain checks the eight-bytes-at-a-time test against a byte by byte
// one.
func TestPlain(t *testing.T) {
	alphabet := []byte{'a', ' ', '~', '"', '\\', '<', '>', '&', 0x00, 0x1f, 0x7f, 0x80, 0xff}
	rng := rand.New(rand.NewPCG(5, 6))
	for range 20000 {
		b := make([]byte, rng.IntN(30))
		for i := range b {
			if rng.IntN(6) == 0 {
				b[i] = alphabet[rng.IntN(len(alphabet))]
			} else {
				b[i] = byte('a' + rng.IntN(26))
			}
		}
		want := true
		for _, c := range b {
			if c < 0x20 || c >= 0x80 || strings.IndexByte(`"\<>&`, c) >= 0 {
				want = false
			}
		}
		require.Equal(t, want, plain(string(b)), "%q", b)
	}
}
