package gengo

import (
	"strings"

	"github.com/elmosoftware/eventprotocol/internal/orderedjson"
)

// description returns a schema's title and description, or def.
func description(v any, def string) string {
	o, ok := v.(*orderedjson.Object)
	if !ok {
		return def
	}
	t, _ := o.Str("title")
	d, _ := o.Str("description")
	switch {
	case t != "" && d != "":
		return strings.TrimSuffix(t, ".") + ". " + d
	case t != "":
		return t
	case d != "":
		return d
	}
	return def
}

// typeDoc is the doc comment of a type: head then the schema's title and
// description, or "<name> is <its description, else def>".
func typeDoc(head, name string, schema any, def string) string {
	if head != "" {
		return comment(head, description(schema, ""))
	}
	return comment(name + " is " + lowerFirst(description(schema, def)))
}

// comment makes a // comment of its non-empty paragraphs.
func comment(paragraphs ...string) string {
	var b strings.Builder
	for _, p := range paragraphs {
		p = strings.TrimSpace(p)
		if p == "" {
			continue
		}
		if b.Len() > 0 {
			b.WriteString("//\n")
		}
		for _, line := range wrap(p, 76) {
			b.WriteString("// " + line + "\n")
		}
	}
	return b.String()
}

// wrap breaks text into lines of about width characters.
func wrap(text string, width int) []string {
	var lines []string
	for _, para := range strings.Split(text, "\n") {
		line := ""
		for _, w := range strings.Fields(para) {
			if line != "" && len(line)+1+len(w) > width {
				lines = append(lines, line)
				line = ""
			}
			if line != "" {
				line += " "
			}
			line += w
		}
		lines = append(lines, line)
	}
	return lines
}

func lowerFirst(s string) string {
	if s == "" || (len(s) > 1 && s[1] >= 'A' && s[1] <= 'Z') {
		return s // an acronym
	}
	return strings.ToLower(s[:1]) + s[1:]
}

// escape writes a property name as a JSON pointer token.
func escape(k string) string {
	return strings.ReplaceAll(strings.ReplaceAll(k, "~", "~0"), "/", "~1")
}
