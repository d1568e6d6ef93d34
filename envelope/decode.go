package envelope

import (
	"bytes"
	"encoding/base64"
	"math"
	"math/bits"
	"strconv"
	"unsafe"
)

// Default limits of a [Decoder].
const (
	// DefaultMaxBytes is the default limit on the input of one Decode or
	// DecodeBatch call: 1 MiB, four times the SNS/SQS message limit.
	DefaultMaxBytes = 1 << 20
	// DefaultMaxDepth is the default limit on JSON nesting.
	DefaultMaxDepth = 1000
	// DefaultMaxAttributes is the default limit on the members of one
	// event object: its attributes, extensions and data. Real events have
	// a few dozen; the limit bounds what one event can cost a consumer.
	DefaultMaxAttributes = 256
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
	// MaxAttributes limits the members of one event object; 0 means
	// DefaultMaxAttributes. An event with more is refused with
	// ErrInputTooLarge.
	MaxAttributes int
	// Members, when set, gives the checker of the member names of an
	// event's data by the event's type (nil for none): the decoder runs it
	// in its one pass over the data, and Envelope.MembersCheckedBy tells
	// whether every name passed. It is asked only when the type comes
	// before the data in the event, as encoders write it.
	Members func(eventType string) MemberChecker
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
	var e Envelope
	err := d.decode(b, &e)
	return e, err
}

// decode is Decode into e, which is zero; e is zero again after an error
// that is not a *ValidationError.
func (d Decoder) decode(b []byte, e *Envelope) error {
	s, serr := d.scanner(b)
	if serr != nil {
		return serr
	}
	if s.peek() != '{' {
		return s.unexpected("'{' (an event is a JSON object)")
	}
	s.arenaCap = len(b) // one event: its text fits in one allocation
	vs, serr := s.object(e)
	if serr == nil {
		serr = s.end()
	}
	if serr != nil {
		*e = Envelope{}
		return serr
	}
	if len(vs) > 0 {
		return &ValidationError{Violations: sortViolations(vs)}
	}
	return nil
}

// DecodeBatch decodes a batch, a JSON array of events. An event whose
// members break the format's rules is reported in a [*BatchError] with its
// index, and the returned slice has one envelope per element all the same,
// so that indexes match. An element that is not an object makes the input
// no batch of events: decoding stops there and returns no envelopes and a
// [*BatchError] naming that element (rule [ErrNotObject]). Input that is not
// a JSON array gives a [*SyntaxError].
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
			if s.peek() != '{' {
				return nil, &BatchError{Events: []EventError{{idx, &ValidationError{Violations: []Violation{{
					Attribute: "[" + strconv.Itoa(idx) + "]", Rule: ErrNotObject}}}}}}
			}
			events = append(events, Envelope{})
			vs, serr := s.object(&events[len(events)-1])
			if serr != nil {
				return nil, serr
			}
			if len(vs) > 0 {
				errs = append(errs, EventError{idx, &ValidationError{Violations: sortViolations(vs)}})
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

func (d Decoder) scanner(b []byte) (scanner, *SyntaxError) {
	s := scanner{b: b, maxDepth: d.MaxDepth, maxAttrs: d.MaxAttributes, members: d.Members, arenaCap: 512}
	if s.maxDepth <= 0 {
		s.maxDepth = DefaultMaxDepth
	}
	if s.maxAttrs <= 0 {
		s.maxAttrs = DefaultMaxAttributes
	}
	limit := d.MaxBytes
	if limit <= 0 {
		limit = DefaultMaxBytes
	}
	if len(b) > limit || len(b) > math.MaxInt32 { // the arena's offsets are int32
		return scanner{}, s.fail(ErrInputTooLarge, strconv.Itoa(len(b))+" bytes, limit "+strconv.Itoa(min(limit, math.MaxInt32)))
	}
	return s, nil
}

// end checks that nothing but white space follows.
func (s *scanner) end() *SyntaxError {
	s.ws()
	if s.i < len(s.b) {
		return s.unexpected("end of input")
	}
	return nil
}

// pendingString is a decoded string value waiting for the arena to become a
// string, and the attribute whose field it goes to: its place in
// attrSequence, not a pointer into the envelope, so that the envelope need
// not live on the heap.
type pendingString struct {
	attr   uint8
	off, n int32
}

// pendingExt is an extension attribute waiting for the arena: its name is
// arena[keyOff:keyOff+keyN]; a string value is arena[valOff:valOff+valN],
// a boolean or Integer one is in num.
type pendingExt struct {
	keyOff, keyN int32
	valOff, valN int32
	num          int32
	kind         extKind
}

type extKind uint8

const (
	extString extKind = iota
	extBool
	extInteger
)

// decodeState holds what one event's decoding collects. Every string of the
// event is appended to one arena that becomes a single string at the end, so
// an event costs a handful of allocations however many attributes it has.
type decodeState struct {
	// arena holds the text of the strings and a copy of the data, one
	// allocation for the event's text.
	arena []byte
	strs  []pendingString
	exts  []pendingExt
	vs    []Violation
	// data is arena[dataOff:dataOff+dataN] when hasData; checked is the
	// member check it passed, if any.
	dataOff, dataN int
	hasData        bool
	checked        MemberChecker
}

// object decodes the members of one event object, starting at '{', into
// e, which is zero.
func (s *scanner) object(e *Envelope) ([]Violation, *SyntaxError) {
	var d decodeState
	d.arena = make([]byte, 0, s.arenaCap)
	d.strs = make([]pendingString, 0, 16) // room for every string attribute an event usually has
	var seen uint32                       // bit per attribute with a field of its own
	s.i++
	if s.peek() == '}' {
		s.i++
		return nil, nil
	}
	for members := 1; ; members++ {
		if members > s.maxAttrs {
			return nil, s.fail(ErrInputTooLarge, "more than "+strconv.Itoa(s.maxAttrs)+" attributes in one event")
		}
		if s.peek() != '"' {
			return nil, s.unexpected("a member name")
		}
		kstart := s.i + 1
		kend, esc, serr := s.skipString()
		if serr != nil {
			return nil, serr
		}
		key := s.b[kstart:kend]
		if esc {
			text, _ := unescape(key) // a name with a lone surrogate matches no attribute and is no valid extension name
			key = []byte(text)
		}
		if serr := s.expect(':', "':'"); serr != nil {
			return nil, serr
		}
		name := knownAttr(key)
		bit := attrBit(name)
		if bit != 0 && seen&bit != 0 {
			d.vs = append(d.vs, Violation{Attribute: name, Rule: ErrDuplicate})
			if serr := s.skip(1); serr != nil {
				return nil, serr
			}
		} else {
			seen |= bit
			var serr *SyntaxError
			if name == "" {
				serr = s.extension(&d, key)
			} else {
				serr = s.member(e, &d, name, uint8(bits.TrailingZeros32(bit)))
			}
			if serr != nil {
				return nil, serr
			}
		}
		switch s.peek() {
		case ',':
			s.i++
			continue
		case '}':
			s.i++
		default:
			return nil, s.unexpected("',' or '}'")
		}
		break
	}
	d.finish(e)
	if e.Data != nil && e.DataBase64 != nil {
		d.vs = append(d.vs, Violation{Attribute: AttrDataBase64, Rule: ErrDataConflict})
	}
	return d.vs, nil
}

// doubled returns s with room for n more elements, at least doubling its
// capacity when it grows: append grows large slices by a quarter, which
// would allocate several times the final size for events with thousands of
// attributes.
func doubled[T any](s []T, n int) []T {
	if len(s)+n <= cap(s) {
		return s
	}
	grown := make([]T, len(s), max(2*cap(s), len(s)+n, 8))
	copy(grown, s)
	return grown
}

// finish turns the arena into one string and assigns its parts.
func (d *decodeState) finish(e *Envelope) {
	if d.hasData {
		e.Data = d.arena[d.dataOff : d.dataOff+d.dataN : d.dataOff+d.dataN]
		if d.checked != nil {
			e.checked = membersCheck{by: d.checked, data: unsafe.SliceData(e.Data), size: len(e.Data)}
		}
	}
	if len(d.arena) == 0 {
		return
	}
	all := unsafe.String(unsafe.SliceData(d.arena), len(d.arena))
	for _, p := range d.strs {
		*stringField(e, attrSequence[p.attr]) = all[p.off : p.off+p.n]
	}
	if len(d.exts) > 0 {
		e.Extensions = make(map[string]any, len(d.exts))
		for _, x := range d.exts {
			key := all[x.keyOff : x.keyOff+x.keyN]
			var v any
			switch x.kind {
			case extString:
				v = all[x.valOff : x.valOff+x.valN]
			case extBool:
				v = x.num != 0
			default:
				v = x.num
			}
			// The map finds duplicates in linear time; which copy stays
			// does not matter, the event is invalid.
			n := len(e.Extensions)
			if e.Extensions[key] = v; len(e.Extensions) == n {
				d.vs = append(d.vs, Violation{Attribute: key, Rule: ErrDuplicate})
			}
		}
	}
}

// appendString decodes the string at s.i into the arena. A string with a
// lone surrogate escape is reported as a violation of attr.
func (s *scanner) appendString(d *decodeState, attr string) (off, n int, serr *SyntaxError) {
	start := s.i + 1
	end, esc, serr := s.skipString()
	if serr != nil {
		return 0, 0, serr
	}
	off = len(d.arena)
	if esc {
		text, ok := unescape(s.b[start:end])
		if !ok {
			d.vs = append(d.vs, Violation{Attribute: attr, Rule: ErrCharacter, Detail: "a lone surrogate escape"})
		}
		d.arena = append(doubled(d.arena, len(text)), text...)
	} else {
		d.arena = append(doubled(d.arena, end-start), s.b[start:end]...)
	}
	return off, len(d.arena) - off, nil
}

// pending returns the text of the string attribute attr decoded so far,
// if any.
func (d *decodeState) pending(attr string) (string, bool) {
	for _, p := range d.strs {
		if attrSequence[p.attr] == attr {
			return string(d.arena[p.off : p.off+p.n]), true
		}
	}
	return "", false
}

// member decodes the value of an attribute with a field of its own into e. A
// value that breaks the format's rules is skipped and reported.
func (s *scanner) member(e *Envelope, d *decodeState, key string, order uint8) *SyntaxError {
	if key == AttrData {
		if s.peek() == 'n' {
			return s.literal("null")
		}
		start := s.i
		rules := newDataRules()
		var checker MemberChecker
		if s.members != nil {
			if typ, ok := d.pending(AttrType); ok {
				checker = s.members(typ)
			}
		}
		if checker != nil {
			rules.stack.next = checker
			rules.members = &rules.stack
		}
		s.rules = rules
		serr := s.skip(1)
		s.rules = nil
		found, passed := rules.found, checker != nil && !rules.members.refused
		rules.release()
		if serr != nil {
			return serr
		}
		if found != nil {
			d.vs = append(d.vs, *found)
		}
		// The data's copy joins the strings' text; finish sets e.Data.
		d.dataOff, d.dataN, d.hasData = len(d.arena), s.i-start, true
		d.arena = append(doubled(d.arena, s.i-start), s.b[start:s.i]...)
		if passed {
			d.checked = checker
		}
		return nil
	}
	switch c := s.peek(); c {
	case 'n':
		return s.literal("null")
	case '"':
	default:
		start := s.i
		if serr := s.skip(1); serr != nil {
			return serr
		}
		d.vs = append(d.vs, Violation{Attribute: key, Rule: ErrType, Detail: "want a string, got " + jsonKind(s.b[start])})
		return nil
	}
	off, n, serr := s.appendString(d, key)
	if serr != nil {
		return serr
	}
	if n == 0 {
		d.vs = append(d.vs, Violation{Attribute: key, Rule: ErrEmpty})
		return nil
	}
	text := d.arena[off : off+n]
	switch key {
	case AttrDataBase64:
		data := make([]byte, base64.StdEncoding.DecodedLen(n))
		// Go's decoder skips line breaks; RFC 4648 base64 has none.
		if i := bytes.IndexAny(text, "\r\n"); i >= 0 {
			d.vs = append(d.vs, Violation{Attribute: key, Rule: ErrBase64, Detail: "a line break at offset " + strconv.Itoa(i)})
		} else if m, err := base64.StdEncoding.Decode(data, text); err != nil {
			d.vs = append(d.vs, Violation{Attribute: key, Rule: ErrBase64, Detail: err.Error()})
		} else {
			e.DataBase64 = data[:m]
		}
	case AttrTime, AttrEffectiveTime:
		t, valid := parseTimestamp(text)
		switch {
		case !valid:
			d.vs = append(d.vs, Violation{Attribute: key, Rule: ErrTimestamp, Detail: quote(string(text))})
		case t.IsZero():
			// An Envelope holds an absent time as the zero time, so this
			// one instant would silently become "absent".
			d.vs = append(d.vs, Violation{Attribute: key, Rule: ErrTimestamp, Detail: "the zero instant 0001-01-01T00:00:00Z stands for an absent time"})
		case key == AttrTime:
			e.Time = t
		default:
			e.EffectiveTime = t
		}
	default:
		d.strs = append(d.strs, pendingString{attr: order, off: int32(off), n: int32(n)})
		return nil
	}
	d.arena = d.arena[:off] // parsed, not kept as text
	return nil
}

func (s *scanner) extension(d *decodeState, key []byte) *SyntaxError {
	var x pendingExt
	switch c := s.peek(); {
	case c == '"':
		off, n, serr := s.appendString(d, string(key))
		if serr != nil {
			return serr
		}
		x.valOff, x.valN = int32(off), int32(n)
	case c == 't' || c == 'f':
		if serr := s.skip(1); serr != nil {
			return serr
		}
		x.kind = extBool
		if c == 't' {
			x.num = 1
		}
	case c == 'n':
		return s.literal("null")
	case c == '-' || ('0' <= c && c <= '9'):
		start := s.i
		integer, serr := s.number()
		if serr != nil {
			return serr
		}
		text := string(s.b[start:s.i])
		n, err := strconv.ParseInt(text, 10, 32)
		if !integer || err != nil || n < math.MinInt32 || n > math.MaxInt32 {
			d.vs = append(d.vs, Violation{Attribute: string(key), Rule: ErrInteger, Detail: text})
			return nil
		}
		x.kind, x.num = extInteger, int32(n)
	default:
		start := s.i
		if serr := s.skip(1); serr != nil {
			return serr
		}
		d.vs = append(d.vs, Violation{Attribute: string(key), Rule: ErrType,
			Detail: "want a string, boolean or integer, got " + jsonKind(s.b[start])})
		return nil
	}
	x.keyOff = int32(len(d.arena))
	d.arena = append(doubled(d.arena, len(key)), key...)
	x.keyN = int32(len(key))
	d.exts = append(doubled(d.exts, 1), x)
	return nil
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
	case AttrDataRef:
		return &e.DataRef
	case AttrDataDigest:
		return &e.DataDigest
	}
	return nil
}

// attrBit returns a bit for each attribute with a field of its own, 0 for
// others, to detect duplicate members.
func attrBit(name string) uint32 {
	if name == "" {
		return 0
	}
	return 1 << attrOrder(name)
}

// knownAttr returns the name of an attribute with a field of its own, or ""
// for any other member name. It does not allocate.
func knownAttr(key []byte) string {
	switch string(key) {
	case AttrSpecVersion:
		return AttrSpecVersion
	case AttrID:
		return AttrID
	case AttrSource:
		return AttrSource
	case AttrType:
		return AttrType
	case AttrTime:
		return AttrTime
	case AttrSubject:
		return AttrSubject
	case AttrDataContentType:
		return AttrDataContentType
	case AttrDataSchema:
		return AttrDataSchema
	case AttrData:
		return AttrData
	case AttrDataBase64:
		return AttrDataBase64
	case AttrTenantID:
		return AttrTenantID
	case AttrCorrelationID:
		return AttrCorrelationID
	case AttrCausationID:
		return AttrCausationID
	case AttrEffectiveTime:
		return AttrEffectiveTime
	case AttrTraceParent:
		return AttrTraceParent
	case AttrTraceState:
		return AttrTraceState
	case AttrPartitionKey:
		return AttrPartitionKey
	case AttrSequence:
		return AttrSequence
	case AttrAuthType:
		return AttrAuthType
	case AttrAuthID:
		return AttrAuthID
	case AttrDataClassification:
		return AttrDataClassification
	case AttrDataRef:
		return AttrDataRef
	case AttrDataDigest:
		return AttrDataDigest
	}
	return ""
}
