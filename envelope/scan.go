package envelope

import (
	"encoding/binary"
	"math/bits"
	"strconv"
	"unicode/utf8"
)

// scanner reads JSON text strictly (RFC 8259, UTF-8 only) without
// reflection. It decodes strings and skips or captures other values in a
// single pass.
type scanner struct {
	b        []byte
	i        int
	maxDepth int
	maxAttrs int        // members of one event object
	rules    *dataRules // when set, skip checks the rules of data
	members  func(eventType string) MemberChecker
	// arenaCap sizes an event's text arena: the input's size for one
	// event (its strings and data cannot be longer), a guess in a batch.
	arenaCap int
}

func (s *scanner) fail(err error, msg string) *SyntaxError {
	return &SyntaxError{Err: err, Offset: s.i, Msg: msg}
}

func (s *scanner) unexpected(want string) *SyntaxError {
	if s.i >= len(s.b) {
		return s.fail(ErrMalformed, "unexpected end of input, want "+want)
	}
	return s.fail(ErrMalformed, "unexpected "+strconv.QuoteRune(rune(s.b[s.i]))+", want "+want)
}

func (s *scanner) ws() {
	for s.i < len(s.b) {
		switch s.b[s.i] {
		case ' ', '\t', '\n', '\r':
			s.i++
		default:
			return
		}
	}
}

// peek returns the next non-space byte, or 0 at the end.
func (s *scanner) peek() byte {
	s.ws()
	if s.i >= len(s.b) {
		return 0
	}
	return s.b[s.i]
}

func (s *scanner) expect(c byte, want string) *SyntaxError {
	if s.peek() != c {
		return s.unexpected(want)
	}
	s.i++
	return nil
}

// skipString moves past a string starting at '"' and checks it. It returns
// the offset of the closing quote and whether the string has escapes.
func (s *scanner) skipString() (end int, esc bool, err *SyntaxError) {
	b := s.b
	i := s.i + 1
	for {
		// Fast path over plain ASCII, eight bytes at a time, to the first
		// byte that is not.
		i = nextSpecial(b, i)
		if i >= len(b) {
			s.i = i
			return 0, false, s.fail(ErrMalformed, "unterminated string")
		}
		switch c := b[i]; {
		case c == '"':
			s.i = i + 1
			return i, esc, nil
		case c == '\\':
			esc = true
			if i+1 >= len(b) {
				s.i = i
				return 0, false, s.fail(ErrMalformed, "unterminated escape")
			}
			switch b[i+1] {
			case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
				i += 2
			case 'u':
				if i+6 > len(b) || !isHex4(b[i+2:i+6]) {
					s.i = i
					return 0, false, s.fail(ErrMalformed, `invalid \u escape`)
				}
				i += 6
			default:
				s.i = i
				return 0, false, s.fail(ErrMalformed, "invalid escape "+strconv.Quote(string(b[i:i+2])))
			}
		case c < 0x20:
			s.i = i
			return 0, false, s.fail(ErrMalformed, "control character in string")
		default:
			r, size := utf8.DecodeRune(b[i:])
			if r == utf8.RuneError && size <= 1 {
				s.i = i
				return 0, false, s.fail(ErrInvalidUTF8, "invalid UTF-8 byte")
			}
			i += size
		}
	}
}

// plain reports whether s is ASCII that the encoder writes as it is: no
// control character and nothing it escapes (a quote, a backslash, and <, >
// and & as encoding/json does), so valid UTF-8 too. It reads eight bytes at
// a time.
func plain(s string) bool {
	const lo, hi = 0x0101010101010101, 0x8080808080808080
	i := 0
	for ; i+8 <= len(s); i += 8 {
		x := uint64(s[i]) | uint64(s[i+1])<<8 | uint64(s[i+2])<<16 | uint64(s[i+3])<<24 |
			uint64(s[i+4])<<32 | uint64(s[i+5])<<40 | uint64(s[i+6])<<48 | uint64(s[i+7])<<56
		bad := (x - lo*0x20) | x // control characters, non-ASCII
		for _, c := range [...]uint64{'"', '\\', '<', '>', '&'} {
			y := x ^ (lo * c)
			bad |= (y - lo) &^ y
		}
		if bad&hi != 0 {
			return false
		}
	}
	for ; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c >= 0x80 || needsEscape[c] {
			return false
		}
	}
	return true
}

// nextSpecial returns the index of the first byte of b from i on that is a
// quote, a backslash, a control character or non-ASCII, or len(b). It
// reads eight bytes at a time: in each word, the lowest flagged byte is
// the first special one (a borrow only flags bytes above a special one).
func nextSpecial(b []byte, i int) int {
	const lo, hi = 0x0101010101010101, 0x8080808080808080
	for ; i+8 <= len(b); i += 8 {
		x := binary.LittleEndian.Uint64(b[i:])
		quote, backslash := x^(lo*'"'), x^(lo*'\\')
		if special := ((x - lo*0x20) | (quote-lo)&^quote | (backslash-lo)&^backslash | x) & hi; special != 0 {
			return i + bits.TrailingZeros64(special)/8
		}
	}
	for i < len(b) && b[i] >= 0x20 && b[i] < 0x80 && b[i] != '"' && b[i] != '\\' {
		i++
	}
	return i
}

func isHex4(b []byte) bool {
	for _, c := range b {
		if !isHex(c) {
			return false
		}
	}
	return true
}

func isHex(c byte) bool {
	return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F'
}

// unescape decodes the body of a string already checked by skipString.
// Unpaired surrogates become U+FFFD, as in encoding/json, and ok is false:
// two different strings must never decode to the same text unnoticed.
func unescape(b []byte) (text string, ok bool) {
	ok = true
	out := make([]byte, 0, len(b))
	for i := 0; i < len(b); {
		c := b[i]
		if c != '\\' {
			out = append(out, c)
			i++
			continue
		}
		switch b[i+1] {
		case 'b':
			out = append(out, '\b')
		case 'f':
			out = append(out, '\f')
		case 'n':
			out = append(out, '\n')
		case 'r':
			out = append(out, '\r')
		case 't':
			out = append(out, '\t')
		case 'u':
			r := rune(hex4(b[i+2:]))
			i += 6
			if 0xD800 <= r && r < 0xDC00 && i+6 <= len(b) && b[i] == '\\' && b[i+1] == 'u' {
				if r2 := rune(hex4(b[i+2:])); 0xDC00 <= r2 && r2 < 0xE000 {
					r = (r-0xD800)<<10 + (r2 - 0xDC00) + 0x10000
					i += 6
				}
			}
			if 0xD800 <= r && r < 0xE000 {
				r, ok = utf8.RuneError, false
			}
			out = utf8.AppendRune(out, r)
			continue
		default: // '"', '\\', '/'
			out = append(out, b[i+1])
		}
		i += 2
	}
	return string(out), ok
}

func hex4(b []byte) int {
	n := 0
	for _, c := range b[:4] {
		switch {
		case c <= '9':
			n = n<<4 | int(c-'0')
		case c <= 'F':
			n = n<<4 | int(c-'A'+10)
		default:
			n = n<<4 | int(c-'a'+10)
		}
	}
	return n
}

// skip moves past one JSON value of any kind and checks it. depth is the
// nesting level of the value (an event's members are at level 1). It loops
// instead of recursing, with a bit stack of the open containers.
func (s *scanner) skip(depth int) *SyntaxError {
	var inObject []bool // the open containers: true for an object
	b := s.b
value:
	for {
		c := s.peek()
		switch {
		case c == '"':
			if _, _, err := s.skipString(); err != nil {
				return err
			}
		case c == '{' || c == '[':
			if depth+len(inObject) >= s.maxDepth {
				return s.fail(ErrTooDeep, "more than "+strconv.Itoa(s.maxDepth)+" levels of nesting")
			}
			s.i++
			closer := byte(']')
			if c == '{' {
				closer = '}'
			}
			if s.peek() == closer {
				s.i++
				break
			}
			inObject = append(inObject, c == '{')
			if s.rules != nil {
				s.rules.open(c == '{')
			}
			if c == '{' {
				if err := s.objectKey(); err != nil {
					return err
				}
			}
			continue value
		case c == 't':
			if err := s.literal("true"); err != nil {
				return err
			}
		case c == 'f':
			if err := s.literal("false"); err != nil {
				return err
			}
		case c == 'n':
			if err := s.literal("null"); err != nil {
				return err
			}
		case c == '-' || ('0' <= c && c <= '9'):
			start := s.i
			if _, err := s.number(); err != nil {
				return err
			}
			if s.rules != nil {
				s.rules.number(b, start, s.i)
			}
		default:
			return s.unexpected("a JSON value")
		}
		// After a value: close containers until one continues.
		for len(inObject) > 0 {
			obj := inObject[len(inObject)-1]
			s.ws()
			if s.i < len(b) && b[s.i] == ',' {
				s.i++
				if obj {
					if err := s.objectKey(); err != nil {
						return err
					}
				} else if s.rules != nil {
					s.rules.next()
				}
				continue value
			}
			closer := byte(']')
			if obj {
				closer = '}'
			}
			if s.i >= len(b) || b[s.i] != closer {
				return s.unexpected("',' or " + strconv.QuoteRune(rune(closer)))
			}
			s.i++
			inObject = inObject[:len(inObject)-1]
			if s.rules != nil {
				s.rules.close()
			}
		}
		return nil
	}
}

// objectKey moves past a member name and its colon.
func (s *scanner) objectKey() *SyntaxError {
	if s.peek() != '"' {
		return s.unexpected("object key")
	}
	start := s.i + 1
	end, esc, err := s.skipString()
	if err != nil {
		return err
	}
	if s.rules != nil {
		s.rules.key(s.b, keyRef{int32(start), int32(end), esc})
	}
	return s.expect(':', "':'")
}

func (s *scanner) literal(lit string) *SyntaxError {
	if len(s.b)-s.i < len(lit) || string(s.b[s.i:s.i+len(lit)]) != lit {
		return s.unexpected(lit)
	}
	s.i += len(lit)
	return nil
}

// number moves past a JSON number and reports whether it is written as an
// integer (no fraction, no exponent).
func (s *scanner) number() (integer bool, err *SyntaxError) {
	b := s.b
	i := s.i
	if i < len(b) && b[i] == '-' {
		i++
	}
	switch {
	case i < len(b) && b[i] == '0':
		i++
	case i < len(b) && '1' <= b[i] && b[i] <= '9':
		for i < len(b) && '0' <= b[i] && b[i] <= '9' {
			i++
		}
	default:
		s.i = i
		return false, s.unexpected("a digit")
	}
	integer = true
	if i < len(b) && b[i] == '.' {
		integer = false
		if i = requiredDigits(b, i+1); i < 0 {
			s.i = -i
			return false, s.unexpected("a digit")
		}
	}
	if i < len(b) && (b[i] == 'e' || b[i] == 'E') {
		integer = false
		i++
		if i < len(b) && (b[i] == '+' || b[i] == '-') {
			i++
		}
		if i = requiredDigits(b, i); i < 0 {
			s.i = -i
			return false, s.unexpected("a digit")
		}
	}
	s.i = i
	return integer, nil
}

// requiredDigits moves past one or more digits from b[i] and returns the
// index after them, or -i when b[i] is not a digit.
func requiredDigits(b []byte, i int) int {
	start := i
	for i < len(b) && '0' <= b[i] && b[i] <= '9' {
		i++
	}
	if i == start {
		return -start
	}
	return i
}
