package envelope

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/google/uuid"

	"github.com/elmosoftware/eventprotocol/naming"
)

// Profile selects the rules a [Validator] checks.
type Profile int

const (
	// ELMO checks the CloudEvents rules and every rule of the ELMO protocol.
	// It is the zero Profile.
	ELMO Profile = iota
	// CloudEvents checks exactly the rules of CloudEvents 1.0 and its JSON
	// event format.
	CloudEvents
)

// String returns "elmo" or "cloudevents".
func (p Profile) String() string {
	if p == CloudEvents {
		return "cloudevents"
	}
	return "elmo"
}

// ParseProfile parses "elmo" or "cloudevents". Any other text is an
// error matching [ErrUnknownProfile].
func ParseProfile(s string) (Profile, error) {
	switch s {
	case "elmo":
		return ELMO, nil
	case "cloudevents":
		return CloudEvents, nil
	}
	return 0, fmt.Errorf("%w %q (want elmo or cloudevents)", ErrUnknownProfile, s)
}

// Validator checks envelopes against a profile. The zero Validator checks
// the ELMO profile for the org "elmo". A Validator is a value and safe for
// concurrent use.
type Validator struct {
	// Profile is the set of rules; the zero value is ELMO.
	Profile Profile
	// Org is the organisation that types, sources and ERNs must belong to
	// (ELMO profile); empty means naming.DefaultOrg.
	Org string
	// Tolerant accepts what a conforming producer must not write but a
	// consumer need not refuse (ELMO profile): an id that is not a UUID in
	// canonical lowercase form, and a type whose action does not start with
	// a verb in the past tense. The zero value is strict, as producers and
	// CI lint must be; consumers read tolerantly.
	Tolerant bool
	// PastTense recognises past-tense verbs for the strict check of type
	// actions; its Words are an organisation's own. The zero value is the
	// built-in recogniser.
	PastTense naming.PastTense
	// Commands reports whether a type is a command (its schema's
	// x-elmo-kind): a command's action is in the imperative, so the
	// past-tense rule is not its own. Nil: every type is an event.
	Commands func(naming.Type) bool
	// TenantLess reports whether events of a type carry no tenantid (ELMO
	// profile). Nil means every type needs one.
	TenantLess func(naming.Type) bool
	// Decoder decodes for Check and CheckBatch: its limits, and its
	// member checks. The zero value is the defaults.
	Decoder Decoder
}

// Validate checks e and returns a [*ValidationError] listing every
// violation, or nil.
func (v Validator) Validate(e *Envelope) error {
	vs := v.violations(e, nil)
	if len(vs) == 0 {
		return nil
	}
	return &ValidationError{Violations: sortViolations(vs)}
}

// ValidateBatch checks every event of a batch, and that they share one
// specversion. It returns a [*BatchError] or nil.
func (v Validator) ValidateBatch(events []Envelope) error {
	return v.batch(events, nil)
}

// Check decodes one event and validates it: the violations of the format
// found while decoding and those of the profile, in one [*ValidationError].
// Input that is not a JSON object gives a [*SyntaxError].
func (v Validator) Check(b []byte) (Envelope, error) {
	var e Envelope // one envelope, decoded and checked in place
	err := v.Decoder.decode(b, &e)
	var verr *ValidationError
	if err != nil && !errors.As(err, &verr) {
		return Envelope{}, err
	}
	var found []Violation
	if verr != nil {
		found = verr.Violations
	}
	vs := v.decodedViolations(&e, found)
	if len(vs) == 0 {
		return e, nil
	}
	return e, &ValidationError{Violations: sortViolations(vs)}
}

// CheckBatch decodes a batch and validates every event, like [Validator.Check].
func (v Validator) CheckBatch(b []byte) ([]Envelope, error) {
	events, err := v.Decoder.DecodeBatch(b)
	found := map[int][]Violation{}
	if err != nil {
		berr, ok := err.(*BatchError)
		if !ok || events == nil {
			return nil, err // not JSON, or not a batch of objects
		}
		for _, ev := range berr.Events {
			found[ev.Index] = ev.Err.(*ValidationError).Violations
		}
	}
	return events, v.batch(events, found)
}

func (v Validator) batch(events []Envelope, found map[int][]Violation) error {
	var errs []EventError
	specversion := ""
	for i := range events {
		vs := v.violations(&events[i], found[i])
		if sv := events[i].SpecVersion; sv != "" {
			if specversion == "" {
				specversion = sv
			} else if sv != specversion {
				vs = append(vs, Violation{Attribute: AttrSpecVersion, Rule: ErrBatchSpecVersion,
					Detail: sv + " after " + specversion})
			}
		}
		if len(vs) > 0 {
			errs = append(errs, EventError{i, &ValidationError{Violations: sortViolations(vs)}})
		}
	}
	if len(errs) > 0 {
		return &BatchError{Events: errs}
	}
	return nil
}

// violations appends to found the violations of e, leaving out attributes
// that found already names.
func (v Validator) violations(e *Envelope, found []Violation) []Violation {
	c := checker{v: v, vs: found, known: len(found)}
	return c.run(e)
}

// decodedViolations is violations for an envelope that Decode produced,
// whose data the decoder has already checked to be one valid JSON value.
func (v Validator) decodedViolations(e *Envelope, found []Violation) []Violation {
	c := checker{v: v, vs: found, known: len(found), dataValid: true}
	return c.run(e)
}

// run checks e. The envelope is a parameter, never a field, so that the
// checker's violations, which go to the heap, do not take it there.
func (c *checker) run(e *Envelope) []Violation {
	c.cloudEvents(e)
	if c.v.Profile == ELMO {
		c.elmo(e)
	}
	return c.vs
}

type checker struct {
	v     Validator
	vs    []Violation
	known int // the first known violations came from decoding
	// knownAttrs holds their attributes once there are many, so that add
	// stays linear in the number of violations.
	knownAttrs map[string]bool
	// dataValid: e.Data came from the decoder, which checked its syntax.
	dataValid bool
}

// add records a violation unless decoding already reported one for attr.
func (c *checker) add(attr string, rule *Rule, detail string, cause error) {
	if c.reported(attr) {
		return
	}
	c.vs = append(c.vs, Violation{Attribute: attr, Rule: rule, Detail: detail, Cause: cause})
}

func (c *checker) reported(attr string) bool {
	if c.known <= linearNames {
		for _, v := range c.vs[:c.known] {
			if v.Attribute == attr {
				return true
			}
		}
		return false
	}
	if c.knownAttrs == nil {
		c.knownAttrs = make(map[string]bool, c.known)
		for _, v := range c.vs[:c.known] {
			c.knownAttrs[v.Attribute] = true
		}
	}
	return c.knownAttrs[attr]
}

func (c *checker) required(attr, value string) bool {
	if value == "" {
		c.add(attr, ErrRequired, "", nil)
		return false
	}
	return true
}

func (c *checker) cloudEvents(e *Envelope) {
	if c.required(AttrSpecVersion, e.SpecVersion) && e.SpecVersion != SpecVersion {
		c.add(AttrSpecVersion, ErrSpecVersion, quote(e.SpecVersion), nil)
	}
	c.required(AttrID, e.ID)
	if c.required(AttrSource, e.Source) && !isURIReference(e.Source) {
		c.add(AttrSource, ErrURIReference, quote(e.Source), nil)
	}
	c.required(AttrType, e.Type)
	if e.DataContentType != "" && !isMediaType(e.DataContentType) {
		c.add(AttrDataContentType, ErrMediaType, quote(e.DataContentType), nil)
	}
	if e.DataSchema != "" && !isAbsoluteURI(e.DataSchema) {
		c.add(AttrDataSchema, ErrAbsoluteURI, quote(e.DataSchema), nil)
	}
	if e.Data != nil && e.DataBase64 != nil {
		c.add(AttrDataBase64, ErrDataConflict, "", nil)
	}
	if e.DataRef != "" && !isURIReference(e.DataRef) {
		c.add(AttrDataRef, ErrURIReference, quote(e.DataRef), nil)
	}
	if e.Data != nil && !c.dataValid {
		if v, serr := checkData(e.Data); serr != nil {
			c.add(AttrData, ErrDataJSON, "", nil)
		} else if v != nil {
			c.add(v.Attribute, v.Rule, v.Detail, nil)
		}
	}
	for _, name := range attrSequence {
		if f := stringField(e, name); f != nil {
			c.characters(name, *f)
		}
	}
	for name, val := range e.Extensions {
		switch {
		case IsReserved(name):
			c.add(name, ErrReservedName, "", nil)
		case !isAttributeName(name):
			c.add(name, ErrAttributeName, quote(name), nil)
		}
		switch val := val.(type) {
		case string:
			c.characters(name, val)
		case bool, int32:
		default:
			c.add(name, ErrExtensionValue, typeName(val), nil)
		}
	}
}

// characters checks a string attribute against the characters CloudEvents
// allows in a String.
func (c *checker) characters(attr, s string) {
	switch i, r := forbiddenChar(s); {
	case i < 0:
	case r == utf8.RuneError:
		c.add(attr, ErrUTF8, "at byte "+strconv.Itoa(i), nil)
	default:
		c.add(attr, ErrCharacter, fmt.Sprintf("%U at byte %d", r, i), nil)
	}
}

// forbiddenChar returns the offset and the first character of s that a
// CloudEvents String must not hold: a control character (U+0000-U+001F,
// U+007F-U+009F), a noncharacter (U+FDD0-U+FDEF, U+xxFFFE, U+xxFFFF), or
// invalid UTF-8 (reported as utf8.RuneError; surrogates are invalid UTF-8).
// It returns -1 when there is none.
func forbiddenChar(s string) (int, rune) {
	const lo, hi = 0x0101010101010101, 0x8080808080808080
	i := 0
	for ; i+8 <= len(s); i += 8 { // printable ASCII, eight bytes at a time
		x := uint64(s[i]) | uint64(s[i+1])<<8 | uint64(s[i+2])<<16 | uint64(s[i+3])<<24 |
			uint64(s[i+4])<<32 | uint64(s[i+5])<<40 | uint64(s[i+6])<<48 | uint64(s[i+7])<<56
		del := x ^ (lo * 0x7f)
		if ((x-lo*0x20)|x|(del-lo)&^del)&hi != 0 {
			break
		}
	}
	for i < len(s) {
		c := s[i]
		if c < utf8.RuneSelf {
			if c < 0x20 || c == 0x7f {
				return i, rune(c)
			}
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if (r == utf8.RuneError && size == 1) || r <= 0x9f || (0xfdd0 <= r && r <= 0xfdef) || r&0xfffe == 0xfffe {
			return i, r
		}
		i += size
	}
	return -1, 0
}

func (c *checker) elmo(e *Envelope) {
	org := c.v.Org
	if org == "" {
		org = naming.DefaultOrg
	}
	if !c.v.Tolerant && e.ID != "" {
		if id, err := uuid.Parse(e.ID); err != nil || id.String() != e.ID {
			c.add(AttrID, ErrUUID, quote(e.ID), err)
		}
	}
	if e.Source != "" {
		if src, err := naming.ParseSource(e.Source); err != nil {
			c.add(AttrSource, ErrSource, quote(e.Source), err)
		} else if src.Org() != org {
			c.add(AttrSource, ErrSource, "org "+quote(src.Org())+", want "+quote(org), nil)
		}
	}
	var typ naming.Type
	if e.Type != "" {
		var err error
		if typ, err = naming.ParseType(e.Type); err != nil {
			c.add(AttrType, ErrTypeName, quote(e.Type), err)
		} else if typ.Org() != org {
			c.add(AttrType, ErrTypeName, "org "+quote(typ.Org())+", want "+quote(org), nil)
		} else if !c.v.Tolerant && (c.v.Commands == nil || !c.v.Commands(typ)) {
			if err := c.v.PastTense.Check(typ.Action()); err != nil {
				var nerr *naming.Error
				errors.As(err, &nerr)
				c.add(AttrType, ErrPastTense, nerr.Part+" "+nerr.Rule, err)
			}
		}
	}
	if e.Time.IsZero() {
		c.add(AttrTime, ErrRequired, "", nil)
	} else {
		c.utc(AttrTime, e.Time)
	}
	if !e.EffectiveTime.IsZero() {
		c.utc(AttrEffectiveTime, e.EffectiveTime)
	}
	var subjectTenant string
	if c.required(AttrSubject, e.Subject) {
		if ern, err := naming.ParseERN(e.Subject); err != nil {
			c.add(AttrSubject, ErrSubject, quote(e.Subject), err)
		} else if ern.Org() != org {
			c.add(AttrSubject, ErrSubject, "org "+quote(ern.Org())+", want "+quote(org), nil)
		} else {
			subjectTenant = ern.Tenant()
		}
	}
	if e.DataContentType != "" && !isJSONMediaType(e.DataContentType) {
		c.add(AttrDataContentType, ErrContentType, quote(e.DataContentType), nil)
	}
	switch {
	case e.Data != nil && !startsObject(e.Data): // validity was checked above
		c.add(AttrData, ErrDataObject, "", nil)
	case e.DataBase64 != nil && !isJSONObject(e.DataBase64):
		c.add(AttrDataBase64, ErrDataObject, "decoded data_base64", nil)
	}
	tenantLess := c.v.TenantLess != nil && !typ.IsZero() && c.v.TenantLess(typ)
	switch {
	case e.TenantID == "" && !tenantLess:
		c.add(AttrTenantID, ErrRequired, "", nil)
	case e.TenantID != "" && !naming.IsTenantID(e.TenantID):
		c.add(AttrTenantID, ErrTenant, quote(e.TenantID), nil)
	case e.TenantID != "" && subjectTenant != "" && subjectTenant != e.TenantID:
		c.add(AttrTenantID, ErrTenant, quote(e.TenantID)+" but the subject's tenant is "+quote(subjectTenant), nil)
	}
	c.required(AttrCorrelationID, e.CorrelationID)
	if e.TraceParent != "" && !isTraceParent(e.TraceParent) {
		c.add(AttrTraceParent, ErrTraceParent, quote(e.TraceParent), nil)
	}
	if e.TraceState != "" && !isTraceState(e.TraceState) {
		c.add(AttrTraceState, ErrTraceState, quote(e.TraceState), nil)
	}
	if e.AuthType != "" && !oneOf(e.AuthType, "app_user", "user", "service_account", "api_key", "system", "unauthenticated", "unknown") {
		c.add(AttrAuthType, ErrAuthType, quote(e.AuthType), nil)
	}
	if e.DataClassification != "" && !IsClassification(e.DataClassification) {
		c.add(AttrDataClassification, ErrClassification, quote(e.DataClassification), nil)
	}
	c.claimCheck(e)
	for name := range e.Extensions {
		if isAttributeName(name) && len(name) > naming.MaxExtensionNameLen {
			c.add(name, ErrExtensionName, quote(name), nil)
		}
	}
}

// claimCheck checks the ELMO claim check: dataref, an absolute URI, and
// datadigest in place of the data.
func (c *checker) claimCheck(e *Envelope) {
	switch {
	case e.DataRef != "" && (e.Data != nil || e.DataBase64 != nil):
		c.add(AttrDataRef, ErrClaimCheck, "data is present too", nil)
	case e.DataRef != "" && e.DataDigest == "":
		c.add(AttrDataDigest, ErrClaimCheck, "dataref without datadigest", nil)
	case e.DataRef == "" && e.DataDigest != "":
		c.add(AttrDataDigest, ErrClaimCheck, "datadigest without dataref", nil)
	}
	if e.DataRef != "" && isURIReference(e.DataRef) && !isAbsoluteURI(e.DataRef) {
		c.add(AttrDataRef, ErrAbsoluteURI, quote(e.DataRef), nil)
	}
	if e.DataDigest != "" && !IsDigest(e.DataDigest) {
		c.add(AttrDataDigest, ErrDataDigest, quote(e.DataDigest), nil)
	}
}

// DigestPrefix starts a datadigest: the algorithm, SHA-256.
const DigestPrefix = "sha256:"

// Digest returns the datadigest of data: "sha256:" and the SHA-256 of the
// bytes in lowercase hex.
func Digest(data []byte) string {
	sum := sha256.Sum256(data)
	return DigestPrefix + hex.EncodeToString(sum[:])
}

// IsDigest reports whether s is a datadigest: "sha256:" and 64 lowercase
// hex digits.
func IsDigest(s string) bool {
	hexPart, ok := strings.CutPrefix(s, DigestPrefix)
	if !ok || len(hexPart) != 2*sha256.Size {
		return false
	}
	for i := 0; i < len(hexPart); i++ {
		if c := hexPart[i]; (c < '0' || c > '9') && (c < 'a' || c > 'f') {
			return false
		}
	}
	return true
}

func (c *checker) utc(attr string, t time.Time) {
	if t.Location() != time.UTC || t.Nanosecond()%int(time.Millisecond) != 0 {
		c.add(attr, ErrUTC, string(appendTimestamp(nil, t)), nil)
	}
}

func oneOf(s string, values ...string) bool {
	for _, v := range values {
		if s == v {
			return true
		}
	}
	return false
}

func quote(s string) string {
	const max = 80
	if len(s) > max {
		s = s[:max] + "..."
	}
	return `"` + strings.ToValidUTF8(s, "\uFFFD") + `"`
}

// startsObject reports whether b, valid JSON, is an object.
func startsObject(b []byte) bool {
	s := scanner{b: b}
	return s.peek() == '{'
}

// isJSONObject reports whether b is a JSON object that meets the rules of
// data (see [CheckData]).
func isJSONObject(b []byte) bool {
	v, serr := checkData(b)
	return serr == nil && v == nil && startsObject(b)
}
