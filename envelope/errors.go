package envelope

import (
	"cmp"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
)

// Errors of decoding that stop it: the input is not a JSON event at all.
var (
	// ErrMalformed reports input that is not well-formed JSON, or not a JSON
	// object (an array for a batch) at the top level.
	ErrMalformed = errors.New("envelope: malformed JSON")
	// ErrInvalidUTF8 reports a JSON string that is not valid UTF-8.
	ErrInvalidUTF8 = errors.New("envelope: invalid UTF-8 in JSON string")
	// ErrTooDeep reports JSON nested deeper than the decoder's limit.
	ErrTooDeep = errors.New("envelope: JSON nested too deeply")
	// ErrInputTooLarge reports input larger than the decoder's limit (in
	// bytes, or in attributes of one event). It is not the transport's
	// limit on an encoded message (transport.ErrInputTooLarge).
	ErrInputTooLarge = errors.New("envelope: input too large")
)

// ErrNoData reports an event that has no payload where one is needed: to
// validate it against its schema, or to decode it into a Go type.
var ErrNoData = errors.New("envelope: event has no data")

// ErrUnknownProfile reports a profile name [ParseProfile] does not know.
var ErrUnknownProfile = errors.New("envelope: unknown profile")

// ErrInvalid matches every [*ValidationError] and [*BatchError] with errors.Is.
var ErrInvalid = errors.New("envelope: invalid event")

// SyntaxError reports input that cannot be decoded at all. Err is one of
// ErrMalformed, ErrInvalidUTF8, ErrTooDeep and ErrInputTooLarge.
type SyntaxError struct {
	// Err is the sentinel of the failure.
	Err    error
	Offset int    // byte offset in the input where the problem was found
	Msg    string // what was found there
}

// Error implements error.
func (e *SyntaxError) Error() string {
	return fmt.Sprintf("%v at offset %d: %s", e.Err, e.Offset, e.Msg)
}

// Unwrap returns Err.
func (e *SyntaxError) Unwrap() error { return e.Err }

// Rule is one rule of the protocol. Every rule is a sentinel error of this
// package; a [Violation] matches its rule with errors.Is. A Rule cannot be
// changed: its code and text are fixed where it is declared.
type Rule struct {
	code string // stable, snake_case, e.g. "required"
	text string // what the rule demands, e.g. "is required"
}

// Code returns the rule's stable identifier for machine output and
// documentation, snake_case, e.g. "required".
func (r *Rule) Code() string { return r.code }

// Error implements error: what the rule demands, e.g. "is required".
func (r *Rule) Error() string { return r.text }

// Rules of the CloudEvents 1.0 specification and its JSON event format,
// checked by both profiles.
var (
	// ErrRequired is the rule with code "required": is required.
	ErrRequired = &Rule{"required", "is required"}
	// ErrEmpty is the rule with code "empty": must not be empty when present.
	ErrEmpty = &Rule{"empty", "must not be empty when present"}
	// ErrType is the rule with code "type": has the wrong JSON type.
	ErrType        = &Rule{"type", "has the wrong JSON type"}
	ErrSpecVersion = &Rule{"specversion", `must be "1.0"`}
	// ErrTimestamp is the rule with code "timestamp": must be an RFC 3339 timestamp.
	ErrTimestamp = &Rule{"timestamp", "must be an RFC 3339 timestamp"}
	// ErrMediaType is the rule with code "media_type": must be an RFC 2046 media type.
	ErrMediaType = &Rule{"media_type", "must be an RFC 2046 media type"}
	// ErrURIReference is the rule with code "uri_reference": must be an RFC 3986 URI-reference.
	ErrURIReference = &Rule{"uri_reference", "must be an RFC 3986 URI-reference"}
	// ErrAbsoluteURI is the rule with code "absolute_uri": must be an absolute RFC 3986 URI.
	ErrAbsoluteURI = &Rule{"absolute_uri", "must be an absolute RFC 3986 URI"}
	// ErrAttributeName is the rule with code "attribute_name": must be lowercase letters a-z and digits 0-9.
	ErrAttributeName = &Rule{"attribute_name", "must be lowercase letters a-z and digits 0-9"}
	// ErrInteger is the rule with code "integer": must be a whole number from -2147483648 to 2147483647.
	ErrInteger = &Rule{"integer", "must be a whole number from -2147483648 to 2147483647"}
	// ErrDataConflict is the rule with code "data_conflict": data and data_base64 must not both be present.
	ErrDataConflict = &Rule{"data_conflict", "data and data_base64 must not both be present"}
	// ErrBase64 is the rule with code "base64": must be standard base64.
	ErrBase64 = &Rule{"base64", "must be standard base64"}
	// ErrDuplicate is the rule with code "duplicate": appears more than once.
	ErrDuplicate = &Rule{"duplicate", "appears more than once"}
	// ErrBatchSpecVersion is the rule with code "batch_specversion": must be the same in every event of a batch.
	ErrBatchSpecVersion = &Rule{"batch_specversion", "must be the same in every event of a batch"}
	// ErrNotObject is the rule with code "not_object": a batch element must be a JSON object.
	ErrNotObject = &Rule{"not_object", "a batch element must be a JSON object"}
	// ErrCharacter is the rule with code "character": a string attribute
	// must not contain control characters (U+0000-U+001F, U+007F-U+009F),
	// noncharacters or surrogate code points (CloudEvents 1.0, type String).
	ErrCharacter = &Rule{"character", "must not contain control characters, noncharacters or surrogates"}
	// ErrNumber is the rule with code "number": a number in data must be at
	// most MaxNumberLen characters, with an exponent of at most three
	// digits, within the range of an IEEE 754 double (I-JSON, RFC 7493).
	ErrNumber = &Rule{"number", "must be a number of at most 100 characters, a 3-digit exponent and within the range of a double"}
)

// Rules that only the ELMO profile checks.
var (
	// ErrUUID is the rule with code "uuid": must be a UUID in canonical lowercase form (unless tolerant).
	ErrUUID = &Rule{"uuid", "must be a UUID in canonical lowercase form (unless tolerant)"}
	// ErrPastTense is the rule with code "past_tense": the action of the
	// type must start with a verb in the past tense (unless tolerant; see
	// naming.PastTense). A consumer never refuses an event over it.
	ErrPastTense = &Rule{"past_tense", "must have an action that starts with a verb in the past tense (unless tolerant)"}
	// ErrSource is the rule with code "source": must be urn:<org>:service:<service-name> of the configured org.
	ErrSource = &Rule{"source", "must be urn:<org>:service:<service-name> of the configured org"}
	// ErrTypeName is the rule with code "type_name": must be <org>.<domain>.<entity>.<action>.v<major> of the configured org.
	ErrTypeName = &Rule{"type_name", "must be <org>.<domain>.<entity>.<action>.v<major> of the configured org"}
	// ErrUTC is the rule with code "utc": must be in UTC (Z) with at most millisecond precision.
	ErrUTC = &Rule{"utc", "must be in UTC (Z) with at most millisecond precision"}
	// ErrSubject is the rule with code "subject": must be the ERN of the entity the event is about.
	ErrSubject = &Rule{"subject", "must be the ERN of the entity the event is about"}
	// ErrTenant is the rule with code "tenant": must be a valid tenant id matching the subject's tenant.
	ErrTenant      = &Rule{"tenant", "must be a valid tenant id matching the subject's tenant"}
	ErrContentType = &Rule{"content_type", `must be "application/json" or absent`}
	// ErrDataObject is the rule with code "data_object": must be a JSON object.
	ErrDataObject = &Rule{"data_object", "must be a JSON object"}
	// ErrExtensionName is the rule with code "extension_name": must be lowercase letters and digits, at most 20 characters.
	ErrExtensionName = &Rule{"extension_name", "must be lowercase letters and digits, at most 20 characters"}
	// ErrTraceParent is the rule with code "traceparent": must be a W3C traceparent: 00-<32 hex>-<16 hex>-<2 hex>, ids not all zero.
	ErrTraceParent = &Rule{"traceparent", "must be a W3C traceparent: 00-<32 hex>-<16 hex>-<2 hex>, ids not all zero"}
	// ErrTraceState is the rule with code "tracestate": must be a W3C tracestate list of at most 32 key=value members.
	ErrTraceState = &Rule{"tracestate", "must be a W3C tracestate list of at most 32 key=value members"}
	// ErrAuthType is the rule with code "authtype": must be app_user, user, service_account, api_key, system, unauthenticated or unknown.
	ErrAuthType = &Rule{"authtype", "must be app_user, user, service_account, api_key, system, unauthenticated or unknown"}
	// ErrClassification is the rule with code "classification": must be public, internal, confidential or restricted.
	ErrClassification = &Rule{"classification", "must be public, internal, confidential or restricted"}
	// ErrClaimCheck: a claim-checked event (dataref) carries its data's
	// digest and no data; a digest comes only with a dataref.
	ErrClaimCheck = &Rule{"claim_check", "dataref replaces data: with dataref, data must be absent and datadigest present; datadigest only with dataref"}
	// ErrDataDigest: the digest of claim-checked data.
	ErrDataDigest = &Rule{"data_digest", `must be "sha256:" and 64 lowercase hex digits`}
	// ErrExtensionValue is the rule with code "extension_value": must be a string, a boolean or an int32.
	ErrExtensionValue = &Rule{"extension_value", "must be a string, a boolean or an int32"}
	// ErrReservedName is the rule with code "reserved_name": is an attribute with a field of its own and cannot be an extension.
	ErrReservedName = &Rule{"reserved_name", "is an attribute with a field of its own and cannot be an extension"}
	// ErrDataJSON is the rule with code "data_json": must be valid JSON text.
	ErrDataJSON = &Rule{"data_json", "must be valid JSON text"}
	// ErrUTF8 is the rule with code "utf8": must be valid UTF-8.
	ErrUTF8 = &Rule{"utf8", "must be valid UTF-8"}
)

// Violation is one broken rule: the attribute (or member) and the rule it
// breaks, with a detail about the value.
type Violation struct {
	// Attribute is the attribute (or data member, as a JSON pointer) that breaks the rule.
	Attribute string
	// Rule is the rule broken; the Violation matches it with errors.Is.
	Rule   *Rule
	Detail string // e.g. the offending value or the underlying parse error
	Cause  error  // an underlying error, e.g. a *naming.Error, or nil
}

// Error implements error: "attribute: rule (detail)".
func (v Violation) Error() string {
	if v.Detail == "" {
		return v.Attribute + ": " + v.Rule.text
	}
	return v.Attribute + ": " + v.Rule.text + " (" + v.Detail + ")"
}

// Unwrap returns the rule and the cause, so errors.Is(v, ErrRequired) and
// errors.As(v, &namingErr) both work.
func (v Violation) Unwrap() []error {
	if v.Cause == nil {
		return []error{v.Rule}
	}
	return []error{v.Rule, v.Cause}
}

// ValidationError lists every violation of one event, in a stable order:
// attributes in the order of the protocol's table, then extensions by name.
type ValidationError struct {
	// Violations are every violation found, in a stable order.
	Violations []Violation
}

// Error implements error, one violation after another.
func (e *ValidationError) Error() string {
	var b strings.Builder
	b.WriteString("envelope: invalid event: ")
	for i, v := range e.Violations {
		if i > 0 {
			b.WriteString("; ")
		}
		b.WriteString(v.Error())
	}
	return b.String()
}

// Is reports whether target is ErrInvalid.
func (e *ValidationError) Is(target error) bool { return target == ErrInvalid }

// Unwrap returns the violations, so errors.Is(err, ErrRequired) works on the
// whole error.
func (e *ValidationError) Unwrap() []error {
	errs := make([]error, len(e.Violations))
	for i, v := range e.Violations {
		errs[i] = v
	}
	return errs
}

// EventError is the error of one event of a batch.
type EventError struct {
	Index int // position in the batch, from 0
	// Err is why the event is refused (a *ValidationError or a *SyntaxError).
	Err error
}

// Error implements error.
func (e EventError) Error() string { return "event " + strconv.Itoa(e.Index) + ": " + e.Err.Error() }

// Unwrap returns Err.
func (e EventError) Unwrap() error { return e.Err }

// BatchError lists the errors of the events of a batch that are invalid, in
// batch order.
type BatchError struct {
	// Events are the batch's refused events, in batch order.
	Events []EventError
}

// Error implements error.
func (e *BatchError) Error() string {
	var b strings.Builder
	b.WriteString("envelope: invalid batch: ")
	for i, ev := range e.Events {
		if i > 0 {
			b.WriteString(" | ")
		}
		b.WriteString(ev.Error())
	}
	return b.String()
}

// Is reports whether target is ErrInvalid.
func (e *BatchError) Is(target error) bool { return target == ErrInvalid }

// Unwrap returns the events' errors.
func (e *BatchError) Unwrap() []error {
	errs := make([]error, len(e.Events))
	for i, ev := range e.Events {
		errs[i] = ev
	}
	return errs
}

// sortViolations orders violations by attribute: the attributes with a field
// of their own in the protocol's order, then the others by name. Violations
// of one attribute keep the order in which they were found.
func sortViolations(vs []Violation) []Violation {
	slices.SortStableFunc(vs, func(a, b Violation) int {
		if c := cmp.Compare(attrOrder(a.Attribute), attrOrder(b.Attribute)); c != 0 {
			return c
		}
		return strings.Compare(a.Attribute, b.Attribute)
	})
	return vs
}

// ErrNoSource reports a Producer without a Source.
var ErrNoSource = errors.New("envelope: producer has no source")
