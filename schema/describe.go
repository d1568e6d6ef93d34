package schema

import (
	"strconv"

	"github.com/santhosh-tekuri/jsonschema/v6/kind"
	"golang.org/x/text/message"

	"github.com/santhosh-tekuri/jsonschema/v6"
)

// describe says what a failed keyword demands, without quoting the value
// that failed it: violations reach logs and dead-letter reasons, and
// payloads hold personal data. The validator's own messages quote values
// for formats, patterns and numeric bounds; those are rewritten here, and
// the others (types, counts, required and additional member names, the
// schema's own enumeration values) carry no payload value.
func describe(k jsonschema.ErrorKind, p *message.Printer) string {
	switch k := k.(type) {
	case *kind.Format:
		return "is not a valid " + strconv.Quote(k.Want)
	case *kind.Pattern:
		return "does not match the pattern " + strconv.Quote(k.Want)
	case *kind.Minimum:
		return "must be at least " + k.Want.RatString()
	case *kind.ExclusiveMinimum:
		return "must be greater than " + k.Want.RatString()
	case *kind.Maximum:
		return "must be at most " + k.Want.RatString()
	case *kind.ExclusiveMaximum:
		return "must be less than " + k.Want.RatString()
	case *kind.MultipleOf:
		return "must be a multiple of " + k.Want.RatString()
	case *kind.ContentEncoding:
		return "is not " + strconv.Quote(k.Want) + " encoded"
	case *kind.ContentMediaType:
		return "is not of media type " + strconv.Quote(k.Want)
	case *kind.InvalidJsonValue:
		return "is not a JSON value"
	}
	return k.LocalizedString(p)
}
