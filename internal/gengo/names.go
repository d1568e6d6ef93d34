package gengo

import (
	"strings"
	"unicode"
)

// initialisms are written in capitals in Go names, as golint has them.
var initialisms = map[string]bool{
	"API": true, "ERN": true, "HTML": true, "HTTP": true, "HTTPS": true, "ID": true, "IP": true, "JSON": true,
	"SQL": true, "URI": true, "URL": true, "UTC": true, "UUID": true, "XML": true,
}

// pascal turns a JSON name (camelCase, snake_case, UPPER_SNAKE_CASE,
// kebab-case) into a Go name: "absenceId" is AbsenceID, "signed_up"
// SignedUp, "LONG_SERVICE" LongService. A name that is one word of three
// capitals or fewer stays as it is ("AUD").
func pascal(s string) string {
	var b strings.Builder
	ws := words(s)
	for _, w := range ws {
		upper := strings.ToUpper(w)
		switch {
		case initialisms[upper]:
			b.WriteString(upper)
		case len(ws) == 1 && w == upper && len(w) <= 3:
			b.WriteString(w)
		default:
			b.WriteString(upper[:1] + strings.ToLower(w[1:]))
		}
	}
	return b.String()
}

// words splits a name at non-alphanumerics and where a lower-case letter
// or a digit meets a capital ("payRunID": pay, Run, ID).
func words(s string) []string {
	var out []string
	cur := []rune{}
	flush := func() {
		if len(cur) > 0 {
			out = append(out, string(cur))
			cur = cur[:0]
		}
	}
	rs := []rune(s)
	for i, r := range rs {
		if r > unicode.MaxASCII || !(unicode.IsLetter(r) || unicode.IsDigit(r)) {
			flush()
			continue
		}
		if len(cur) > 0 && unicode.IsUpper(r) {
			prev := cur[len(cur)-1]
			nextLower := i+1 < len(rs) && unicode.IsLower(rs[i+1])
			if !unicode.IsUpper(prev) || nextLower {
				flush()
			}
		}
		cur = append(cur, r)
	}
	flush()
	return out
}
