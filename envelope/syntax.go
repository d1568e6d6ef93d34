package envelope

import "strings"

// isURIReference reports whether s is an RFC 3986 URI-reference: only the
// characters the RFC allows, valid percent-encoding, at most one '#', and a
// valid scheme when the part before the first '/', '?' or '#' has a ':'.
func isURIReference(s string) bool {
	if !uriChars(s) || strings.Count(s, "#") > 1 {
		return false
	}
	head := s
	if i := strings.IndexAny(s, "/?#"); i >= 0 {
		head = s[:i]
	}
	if i := strings.IndexByte(head, ':'); i >= 0 {
		return isScheme(head[:i])
	}
	return true
}

// isAbsoluteURI reports whether s is an RFC 3986 absolute-URI: a scheme, a
// ':' and no fragment.
func isAbsoluteURI(s string) bool {
	i := strings.IndexByte(s, ':')
	return i > 0 && isScheme(s[:i]) && uriChars(s) && !strings.Contains(s, "#")
}

func isScheme(s string) bool {
	if s == "" || !isAlpha(s[0]) {
		return false
	}
	for i := 1; i < len(s); i++ {
		if c := s[i]; !isAlpha(c) && !isDigitByte(c) && c != '+' && c != '-' && c != '.' {
			return false
		}
	}
	return true
}

func uriChars(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case isAlpha(c) || isDigitByte(c) || strings.IndexByte("-._~:/?#[]@!$&'()*+,;=", c) >= 0:
		case c == '%':
			if i+2 >= len(s) || !isHex(s[i+1]) || !isHex(s[i+2]) {
				return false
			}
			i += 2
		default:
			return false
		}
	}
	return true
}

func isAlpha(c byte) bool     { return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' }
func isDigitByte(c byte) bool { return '0' <= c && c <= '9' }
func isTokenChar(c byte) bool {
	return isAlpha(c) || isDigitByte(c) || strings.IndexByte("!#$%&'*+-.^_`|~", c) >= 0
}
func isLowerHex(c byte) bool  { return isDigitByte(c) || 'a' <= c && c <= 'f' }
func isPrintable(c byte) bool { return 0x20 <= c && c <= 0x7E }
func isKeyChar(c byte) bool {
	return 'a' <= c && c <= 'z' || isDigitByte(c) || strings.IndexByte("_-*/", c) >= 0
}
func isLowerAlnum(c byte) bool { return 'a' <= c && c <= 'z' || isDigitByte(c) }

// isMediaType reports whether s is a media type as RFC 2046 and RFC 9110
// write it: type "/" subtype, then any number of ; parameter=value, where
// values are tokens or quoted strings.
func isMediaType(s string) bool {
	_, ok := parseMediaType(s)
	return ok
}

// isJSONMediaType reports whether s is application/json, with any
// parameters.
func isJSONMediaType(s string) bool {
	base, ok := parseMediaType(s)
	return ok && strings.EqualFold(base, ContentTypeJSON)
}

// parseMediaType checks s and returns its type/subtype.
func parseMediaType(s string) (string, bool) {
	i := 0
	token := func() bool {
		start := i
		for i < len(s) && isTokenChar(s[i]) {
			i++
		}
		return i > start
	}
	ows := func() {
		for i < len(s) && (s[i] == ' ' || s[i] == '\t') {
			i++
		}
	}
	if !token() || i >= len(s) || s[i] != '/' {
		return "", false
	}
	i++
	if !token() {
		return "", false
	}
	base := s[:i]
	for {
		ows()
		if i == len(s) {
			return base, true
		}
		if s[i] != ';' {
			return "", false
		}
		i++
		ows()
		if !token() || i >= len(s) || s[i] != '=' {
			return "", false
		}
		i++
		if i < len(s) && s[i] == '"' {
			i++
			for i < len(s) && s[i] != '"' {
				if s[i] == '\\' {
					i++
				}
				i++
			}
			if i >= len(s) {
				return "", false
			}
			i++
		} else if !token() {
			return "", false
		}
	}
}

// isTraceParent reports whether s is a W3C Trace Context traceparent:
// version-traceid-parentid-flags in lowercase hex, version not ff, ids not
// all zero. Version 00 has exactly these four fields; a later version may
// append more after a '-'.
func isTraceParent(s string) bool {
	if len(s) < 55 || (len(s) > 55 && (s[:2] == "00" || s[55] != '-')) {
		return false
	}
	if s[2] != '-' || s[35] != '-' || s[52] != '-' || s[:2] == "ff" {
		return false
	}
	for _, part := range []string{s[:2], s[3:35], s[36:52], s[53:55]} {
		for i := 0; i < len(part); i++ {
			if !isLowerHex(part[i]) {
				return false
			}
		}
	}
	return strings.Trim(s[3:35], "0") != "" && strings.Trim(s[36:52], "0") != ""
}

// isTraceState reports whether s is a W3C tracestate: 1 to 32 comma-separated
// key=value members (empty members allowed), keys of lowercase letters,
// digits and _-*/ (optionally tenant@system), values of 1 to 256 printable
// ASCII characters other than ',' and '=', not ending in a space.
func isTraceState(s string) bool {
	members := 0
	for _, m := range strings.Split(s, ",") {
		m = strings.Trim(m, " \t")
		if m == "" {
			continue
		}
		members++
		key, value, ok := strings.Cut(m, "=")
		if !ok || !isTraceKey(key) || value == "" || len(value) > 256 || value[len(value)-1] == ' ' {
			return false
		}
		for i := 0; i < len(value); i++ {
			if c := value[i]; !isPrintable(c) || c == ',' || c == '=' {
				return false
			}
		}
	}
	return members >= 1 && members <= 32
}

func isTraceKey(k string) bool {
	tenant, system, multi := strings.Cut(k, "@")
	if !multi {
		return simpleKey(k, 256)
	}
	return simpleKeyDigitStart(tenant, 241) && simpleKey(system, 14)
}

func simpleKey(k string, max int) bool {
	return k != "" && len(k) <= max && 'a' <= k[0] && k[0] <= 'z' && allKeyChars(k)
}

func simpleKeyDigitStart(k string, max int) bool {
	return k != "" && len(k) <= max && isLowerAlnum(k[0]) && allKeyChars(k)
}

func allKeyChars(k string) bool {
	for i := 0; i < len(k); i++ {
		if !isKeyChar(k[i]) {
			return false
		}
	}
	return true
}
