package envelope

import (
	"encoding/base64"
	"math"
	"strconv"
)

// Default limits of a [Decoder].
const (
	// DefaultMaxBytes is the default limit on the input of one Decode or
	// DecodeBatch call: 1 MiB, four times the SNS/SQS message limit.
	DefaultMaxBytes = 1 << 20
	// DefaultMaxDepth is the default limit on JSON nesting.
	DefaultMaxDepth = 1000
)

// Decoder decodes events in the CloudEvents JSON event format (structured
// mode). The zero Decoder uses the default limits. A Decoder has no state and
// is safe for concurrent use.
//
// Decoding is strict about JSON (RFC 8259, UTF-8 only, no duplicate members)
// and about the JSON event format's type system: every attribute must have
// the JSON type of its CloudEvents type, timestamps must be RFC 3339 and
// Integers must be whole numbers in the int32 range. It does not check the
// protocol's other rules; [Validator.Validate] does.
type Decoder struct {
	// MaxBytes limits the size of the input; 0 means DefaultMaxBytes.
	MaxBytes int
	// MaxDepth limits JSON nesting; 0 means DefaultMaxDepth.
	MaxDepth int
}

// Decode decodes one event with the default limits. See [Decoder.Decode].
func Decode(b []byte) (Envelope, error) { return Decoder{}.Decode(b) }

// DecodeBatch decodes a batch with the default limits. See
// [Decoder.DecodeBatch].
func DecodeBatch(b []byte) ([]Envelope, error) { return Decoder{}.DecodeBatch(b) }

// Decode decodes one event, a JSON object.
//
// Input that is not JSON, or not an object, gives a [*SyntaxError]. An object
// whose members break the format's type rules gives the envelope decoded from
// the other members and a [*ValidationError] listing every such member. The
// envelope does not retain b.
func (d Decoder) Decode(b []byte) (Envelope, error) {
	s, serr := d.scanner(b)
	if serr != nil {
		return Envelope{}, serr
	}
	if s.peek() != '{' {
		return Envelope{}, s.unexpected("'{' (an event is a JSON object)")
	}
	e, vs, serr := s.object()
	if serr != nil {
		return Envelope{}, serr
	}
	if serr := s.end(); serr != nil {
		return Envelope{}, serr
	}
	if len(vs) > 0 {
		return e, &ValidationError{Violations: sortViolations(vs)}
	}
	return e, nil
}

// DecodeBatch decodes a batch, a JSON array of events. An element that is
// not an object, or whose members break the format's rules, is reported in a
// [*BatchError] with its index; the returned slice has one envelope per
// element all the same (the zero Envelope for a non-object), so that indexes
// match. Input that is not a JSON array gives a [*SyntaxError].
func (d Decoder) DecodeBatch(b []byte) ([]Envelope, error) {
	s, serr := d.scanner(b)
	if serr != nil {
		return nil, serr
	}
	if serr := s.expect('[', "'[' (a batch is a JSON array)"); serr != nil {
		return nil, serr
	}
	events := []Envelope{}
	var errs []EventError
	if s.peek() == ']' {
		s.i++
	} else {
		for {
			idx := len(events)
			if s.peek() == '{' {
				e, vs, serr := s.object()
				if serr != nil {
					return nil, serr
				}
				events = append(events, e)
				if len(vs) > 0 {
					errs = append(errs, EventError{idx, &ValidationError{Violations: sortViolations(vs)}})
				}
			} else {
				if serr := s.skip(1); serr != nil {
					return nil, serr
				}
				events = append(events, Envelope{})
				errs = append(errs, EventError{idx, &ValidationError{Violations: []Violation{{
					Attribute: "[" + strconv.Itoa(idx) + "]", Rule: ErrNotObject}}}})
			}
			if s.peek() == ',' {
				s.i++
				continue
			}
			if serr := s.expect(']', "',' or ']'"); serr != nil {
				return nil, serr
			}
			break
		}
	}
	if serr := s.end(); serr != nil {
		return nil, serr
	}
	if len(errs) > 0 {
		return events, &BatchError{Events: errs}
	}
	return events, nil
}

func (d Decoder) scanner(b []byte) (*scanner, *SyntaxError) {
	s := &scanner{b: b, maxDepth: d.MaxDepth}
	if s.maxDepth <= 0 {
		s.maxDepth = DefaultMaxDepth
	}
	limit := d.MaxBytes
	if limit <= 0 {
		limit = DefaultMaxBytes
	}
	if len(b) > limit {
		return nil, s.fail(ErrTooLarge, strconv.Itoa(len(b))+" bytes, limit "+strconv.Itoa(limit))
	}
	return s, nil
}

func (s *scanner) end() *SyntaxError {
	if s.peek() != 0 {
		return s.unexpected("end of input")
	}
	return nil
}

// object decodes the members of one event object, starting at '{'.
func (s *scanner) object() (Envelope, []Violation, *SyntaxError) {
	var e Envelope
	var vs []Violation
	var seen uint32 // bit per attribute with a field of its own
	s.i++
	if s.peek() == '}' {
		s.i++
		return e, nil, nil
	}
	for {
		if s.peek() != '"' {
			return e, nil, s.unexpected("a member name")
		}
		key, serr := s.str()
		if serr != nil {
			return e, nil, serr
		}
		if serr := s.expect(':', "':'"); serr != nil {
			return e, nil, serr
		}
		bit := attrBit(key)
		if bit != 0 && seen&bit != 0 {
			vs = append(vs, Violation{Attribute: key, Rule: ErrDuplicate})
			if serr := s.skip(1); serr != nil {
				return e, nil, serr
			}
		} else {
			seen |= bit
			v, serr := s.member(&e, key)
			if serr != nil {
				return e, nil, serr
			}
			if v.Rule != nil {
				vs = append(vs, v)
			}
		}
		switch s.peek() {
		case ',':
			s.i++
			continue
		case '}':
			s.i++
		default:
			return e, nil, s.unexpected("',' or '}'")
		}
		break
	}
	if e.Data != nil && e.DataBase64 != nil {
		vs = append(vs, Violation{Attribute: AttrDataBase64, Rule: ErrDataConflict})
	}
	return e, vs, nil
}

// member decodes the value of one member into e. A value that breaks the
// format's rules is skipped and reported as a Violation.
func (s *scanner) member(e *Envelope, key string) (Violation, *SyntaxError) {
	switch key {
	case AttrData:
		if s.peek() == 'n' {
			return Violation{}, s.literal("null")
		}
		start := s.i
		if serr := s.skip(1); serr != nil {
			return Violation{}, serr
		}
		e.Data = append([]byte(nil), s.b[start:s.i]...)
		return Violation{}, nil
	case AttrDataBase64:
		str, ok, v, serr := s.stringValue(key)
		if serr != nil || !ok {
			return v, serr
		}
		data, err := base64.StdEncoding.DecodeString(str)
		if err != nil {
			return Violation{Attribute: key, Rule: ErrBase64, Detail: err.Error()}, nil
		}
		e.DataBase64 = data
		return Violation{}, nil
	case AttrTime, AttrEffectiveTime:
		str, ok, v, serr := s.stringValue(key)
		if serr != nil || !ok {
			return v, serr
		}
		if str == "" {
			return Violation{Attribute: key, Rule: ErrEmpty}, nil
		}
		t, valid := parseTimestamp(str)
		if !valid {
			return Violation{Attribute: key, Rule: ErrTimestamp, Detail: strconv.Quote(str)}, nil
		}
		if key == AttrTime {
			e.Time = t
		} else {
			e.EffectiveTime = t
		}
		return Violation{}, nil
	}
	if field := stringField(e, key); field != nil {
		str, ok, v, serr := s.stringValue(key)
		if ok {
			if str == "" {
				return Violation{Attribute: key, Rule: ErrEmpty}, nil
			}
			*field = str
		}
		return v, serr
	}
	return s.extension(e, key)
}

// stringValue reads a JSON string, or null (ok false, no violation), or
// reports a value of another type.
func (s *scanner) stringValue(key string) (str string, ok bool, v Violation, serr *SyntaxError) {
	switch s.peek() {
	case '"':
		str, serr = s.str()
		return str, serr == nil, Violation{}, serr
	case 'n':
		return "", false, Violation{}, s.literal("null")
	}
	start := s.i
	if serr := s.skip(1); serr != nil {
		return "", false, Violation{}, serr
	}
	return "", false, Violation{Attribute: key, Rule: ErrType, Detail: "want a string, got " + jsonKind(s.b[start])}, nil
}

func (s *scanner) extension(e *Envelope, key string) (Violation, *SyntaxError) {
	var val any
	switch c := s.peek(); {
	case c == '"':
		str, serr := s.str()
		if serr != nil {
			return Violation{}, serr
		}
		val = str
	case c == 't' || c == 'f':
		if serr := s.skip(1); serr != nil {
			return Violation{}, serr
		}
		val = c == 't'
	case c == 'n':
		return Violation{}, s.literal("null")
	case c == '-' || ('0' <= c && c <= '9'):
		start := s.i
		integer, serr := s.number()
		if serr != nil {
			return Violation{}, serr
		}
		text := string(s.b[start:s.i])
		n, err := strconv.ParseInt(text, 10, 32)
		if !integer || err != nil || n < math.MinInt32 || n > math.MaxInt32 {
			return Violation{Attribute: key, Rule: ErrInteger, Detail: text}, nil
		}
		val = int32(n)
	default:
		start := s.i
		if serr := s.skip(1); serr != nil {
			return Violation{}, serr
		}
		return Violation{Attribute: key, Rule: ErrType,
			Detail: "want a string, boolean or integer, got " + jsonKind(s.b[start])}, nil
	}
	if _, dup := e.Extensions[key]; dup {
		return Violation{Attribute: key, Rule: ErrDuplicate}, nil
	}
	if e.Extensions == nil {
		e.Extensions = make(map[string]any, 4)
	}
	e.Extensions[key] = val
	return Violation{}, nil
}

func jsonKind(c byte) string {
	switch c {
	case '{':
		return "an object"
	case '[':
		return "an array"
	case '"':
		return "a string"
	case 't', 'f':
		return "a boolean"
	case 'n':
		return "null"
	}
	return "a number"
}

// stringField returns the field of a string attribute, or nil.
func stringField(e *Envelope, key string) *string {
	switch key {
	case AttrSpecVersion:
		return &e.SpecVersion
	case AttrID:
		return &e.ID
	case AttrSource:
		return &e.Source
	case AttrType:
		return &e.Type
	case AttrSubject:
		return &e.Subject
	case AttrDataContentType:
		return &e.DataContentType
	case AttrDataSchema:
		return &e.DataSchema
	case AttrTenantID:
		return &e.TenantID
	case AttrCorrelationID:
		return &e.CorrelationID
	case AttrCausationID:
		return &e.CausationID
	case AttrTraceParent:
		return &e.TraceParent
	case AttrTraceState:
		return &e.TraceState
	case AttrPartitionKey:
		return &e.PartitionKey
	case AttrSequence:
		return &e.Sequence
	case AttrAuthType:
		return &e.AuthType
	case AttrAuthID:
		return &e.AuthID
	case AttrDataClassification:
		return &e.DataClassification
	}
	return nil
}

// attrBit returns a bit for each attribute with a field of its own, 0 for
// others, to detect duplicate members.
func attrBit(key string) uint32 {
	if i := attrOrder(key); i < len(attrSequence) {
		return 1 << i
	}
	return 0
}
