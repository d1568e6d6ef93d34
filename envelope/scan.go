package envelope

import (
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

// str reads a string starting at '"' and returns its decoded value.
func (s *scanner) str() (string, *SyntaxError) {
	start := s.i + 1
	end, esc, err := s.skipString()
	if err != nil {
		return "", err
	}
	if !esc {
		return string(s.b[start:end]), nil
	}
	return unescape(s.b[start:end]), nil
}

// skipString moves past a string starting at '"' and checks it. It returns
// the offset of the closing quote and whether the string has escapes.
func (s *scanner) skipString() (end int, esc bool, err *SyntaxError) {
	b := s.b
	i := s.i + 1
	for {
		// Fast path over plain ASCII.
		for i < len(b) && b[i] >= 0x20 && b[i] < 0x80 && b[i] != '"' && b[i] != '\\' {
			i++
		}
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
// Unpaired surrogates become U+FFFD, as in encoding/json.
func unescape(b []byte) string {
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
				r = utf8.RuneError
			}
			out = utf8.AppendRune(out, r)
			continue
		default: // '"', '\\', '/'
			out = append(out, b[i+1])
		}
		i += 2
	}
	return string(out)
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

// skip moves past one JSON value of any kind and checks it.
func (s *scanner) skip(depth int) *SyntaxError {
	switch c := s.peek(); {
	case c == '"':
		_, _, err := s.skipString()
		return err
	case c == '{' || c == '[':
		if depth >= s.maxDepth {
			return s.fail(ErrTooDeep, "more than "+strconv.Itoa(s.maxDepth)+" levels of nesting")
		}
		s.i++
		closer := byte('}')
		if c == '[' {
			closer = ']'
		}
		if s.peek() == closer {
			s.i++
			return nil
		}
		for {
			if c == '{' {
				if s.peek() != '"' {
					return s.unexpected("object key")
				}
				if _, _, err := s.skipString(); err != nil {
					return err
				}
				if err := s.expect(':', "':'"); err != nil {
					return err
				}
			}
			if err := s.skip(depth + 1); err != nil {
				return err
			}
			switch s.peek() {
			case ',':
				s.i++
			case closer:
				s.i++
				return nil
			default:
				return s.unexpected("',' or " + strconv.QuoteRune(rune(closer)))
			}
		}
	case c == 't':
		return s.literal("true")
	case c == 'f':
		return s.literal("false")
	case c == 'n':
		return s.literal("null")
	case c == '-' || ('0' <= c && c <= '9'):
		_, err := s.number()
		return err
	default:
		return s.unexpected("a JSON value")
	}
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
		i++
		if i >= len(b) || b[i] < '0' || b[i] > '9' {
			s.i = i
			return false, s.unexpected("a digit")
		}
		for i < len(b) && '0' <= b[i] && b[i] <= '9' {
			i++
		}
	}
	if i < len(b) && (b[i] == 'e' || b[i] == 'E') {
		integer = false
		i++
		if i < len(b) && (b[i] == '+' || b[i] == '-') {
			i++
		}
		if i >= len(b) || b[i] < '0' || b[i] > '9' {
			s.i = i
			return false, s.unexpected("a digit")
		}
		for i < len(b) && '0' <= b[i] && b[i] <= '9' {
			i++
		}
	}
	s.i = i
	return integer, nil
}
