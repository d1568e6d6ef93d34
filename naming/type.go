package naming

import (
	"strconv"
)

// maxMajor bounds the major version so that it always fits an int.
const maxMajor = 1_000_000

// Type is an event type name, <org>.<domain>.<entity>.<action>.v<major>,
// for example elmo.leave.balance.adjusted.v1. The zero value is the absent
// type; every other value is valid. Type is comparable.
type Type struct {
	org, domain, entity, action string
	major                       int
}

// NewType builds a Type from its parts and checks every rule.
func NewType(org, domain, entity, action string, major int) (Type, error) {
	t := Type{org: org, domain: domain, entity: entity, action: action, major: major}
	if err := t.check(t.format()); err != nil {
		return Type{}, err
	}
	return t, nil
}

// ParseType parses an event type name. It accepts any valid org (use
// [Type.Org] to check the organisation) and any snake_case action: that the
// action is in the past tense is a convention for producers, checked by
// [PastTense] in lint and strict validation, not a rule of the wire.
func ParseType(s string) (Type, error) {
	var parts [6]string
	if split(parts[:], s, '.') != 5 {
		return Type{}, newError(ErrInvalidType, s, "",
			"must have five dot-separated segments <org>.<domain>.<entity>.<action>.v<major>")
	}
	v := parts[4]
	if len(v) < 2 || v[0] != 'v' {
		return Type{}, newError(ErrInvalidType, s, "version", `must be "v" followed by the major version, e.g. v1`)
	}
	major, ok := parseMajor(v[1:])
	if !ok {
		return Type{}, newError(ErrInvalidType, s, "version",
			"must be a positive whole number without leading zeros, e.g. v1")
	}
	t := Type{org: parts[0], domain: parts[1], entity: parts[2], action: parts[3], major: major}
	if err := t.check(s); err != nil {
		return Type{}, err
	}
	return t, nil
}

// MustParseType is like [ParseType] but panics on error. It is meant for
// constants in tests and package-level variables known to be valid.
func MustParseType(s string) Type {
	t, err := ParseType(s)
	if err != nil {
		panic(err)
	}
	return t
}

func parseMajor(s string) (int, bool) {
	if s == "" || s[0] == '0' || len(s) > 7 {
		return 0, false
	}
	n := 0
	for i := 0; i < len(s); i++ {
		if !isDigit(s[i]) {
			return 0, false
		}
		n = n*10 + int(s[i]-'0')
	}
	return n, n <= maxMajor
}

func (t Type) check(input string) error {
	for _, p := range [...]struct{ name, value string }{
		{"org", t.org}, {"domain", t.domain}, {"entity", t.entity}, {"action", t.action},
	} {
		if !isSnake(p.value) {
			return newError(ErrInvalidType, input, p.name+" "+strconv.Quote(p.value), ruleSnake)
		}
	}
	if t.major < 1 || t.major > maxMajor {
		return newError(ErrInvalidType, input, "version",
			"must be between 1 and "+strconv.Itoa(maxMajor))
	}
	return nil
}

// Org returns the organisation segment, e.g. "elmo".
func (t Type) Org() string { return t.org }

// Domain returns the domain segment, e.g. "leave".
func (t Type) Domain() string { return t.domain }

// Entity returns the entity segment, e.g. "balance".
func (t Type) Entity() string { return t.entity }

// Action returns the action segment, e.g. "adjusted".
func (t Type) Action() string { return t.action }

// Major returns the major version, e.g. 1 for elmo.leave.balance.adjusted.v1.
func (t Type) Major() int { return t.major }

// IsZero reports whether t is the zero (absent) type.
func (t Type) IsZero() bool { return t == Type{} }

// WithMajor returns t with another major version.
func (t Type) WithMajor(major int) (Type, error) {
	return NewType(t.org, t.domain, t.entity, t.action, major)
}

// Unversioned returns the name without its version, e.g.
// elmo.leave.balance.adjusted. Types that differ only in their major version
// have the same unversioned name.
func (t Type) Unversioned() string {
	if t.IsZero() {
		return ""
	}
	return t.org + "." + t.domain + "." + t.entity + "." + t.action
}

// String returns the type name, or "" for the zero Type.
func (t Type) String() string {
	if t.IsZero() {
		return ""
	}
	return t.format()
}

func (t Type) format() string {
	return t.org + "." + t.domain + "." + t.entity + "." + t.action + ".v" + strconv.Itoa(t.major)
}

// MarshalText implements encoding.TextMarshaler.
func (t Type) MarshalText() ([]byte, error) { return []byte(t.String()), nil }

// UnmarshalText implements encoding.TextUnmarshaler. Empty text gives the
// zero Type.
func (t *Type) UnmarshalText(b []byte) error {
	if len(b) == 0 {
		*t = Type{}
		return nil
	}
	v, err := ParseType(string(b))
	if err != nil {
		return err
	}
	*t = v
	return nil
}
