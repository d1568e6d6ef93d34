package naming

import "strings"

// DefaultOrg is the organisation prefix of ELMO's own names.
const DefaultOrg = "elmo"

const ruleSnake = "must be lowercase snake_case ([a-z][a-z0-9]*(_[a-z0-9]+)*)"

// isSnake reports whether s is lowercase snake_case:
// [a-z][a-z0-9]*(_[a-z0-9]+)*.
func isSnake(s string) bool { return isSeparated(s, '_') }

// isKebab reports whether s is lowercase kebab-case:
// [a-z][a-z0-9]*(-[a-z0-9]+)*.
func isKebab(s string) bool { return isSeparated(s, '-') }

// isSeparated reports whether s is [a-z][a-z0-9]*(sep[a-z0-9]+)*.
func isSeparated(s string, sep byte) bool {
	if s == "" || !isLower(s[0]) {
		return false
	}
	for i := 1; i < len(s); i++ {
		c := s[i]
		switch {
		case isLower(c) || isDigit(c):
		case c == sep:
			if i == len(s)-1 || s[i+1] == sep {
				return false
			}
		default:
			return false
		}
	}
	return true
}

func isLower(c byte) bool { return 'a' <= c && c <= 'z' }
func isUpper(c byte) bool { return 'A' <= c && c <= 'Z' }
func isDigit(c byte) bool { return '0' <= c && c <= '9' }

// split splits s at sep into dst without allocating: each part but the last
// ends at a sep, and the last holds the rest of s. It returns the number of
// parts filled, which is len(dst) when s has len(dst)-1 seps or more.
func split(dst []string, s string, sep byte) int {
	n := 0
	for n < len(dst)-1 {
		i := strings.IndexByte(s, sep)
		if i < 0 {
			break
		}
		dst[n], s = s[:i], s[i+1:]
		n++
	}
	dst[n] = s
	return n + 1
}
