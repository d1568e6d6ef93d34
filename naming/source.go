package naming

import (
	"strconv"
)

// maxServiceLen bounds a service name so that derived queue names stay within
// the AWS limit of 80 characters in common cases.
const maxServiceLen = 40

const ruleService = "must be lowercase kebab-case ([a-z][a-z0-9]*(-[a-z0-9]+)*) of at most 40 characters"

// Source names a producing service: urn:<org>:service:<service-name>, for
// example urn:elmo:service:leave-balance. The zero value is the absent
// source. Source is comparable.
type Source struct {
	org, service string
}

// NewSource builds the Source of a service of an organisation.
func NewSource(org, service string) (Source, error) {
	s := Source{org: org, service: service}
	if err := s.check(s.format()); err != nil {
		return Source{}, err
	}
	return s, nil
}

// ParseSource parses a source URN.
func ParseSource(s string) (Source, error) {
	var parts [5]string
	if split(parts[:], s, ':') != 4 || parts[0] != "urn" || parts[2] != "service" {
		return Source{}, newError(ErrInvalidSource, s, "", "must have the form urn:<org>:service:<service-name>")
	}
	src := Source{org: parts[1], service: parts[3]}
	if err := src.check(s); err != nil {
		return Source{}, err
	}
	return src, nil
}

// MustParseSource is like [ParseSource] but panics on error.
func MustParseSource(s string) Source {
	src, err := ParseSource(s)
	if err != nil {
		panic(err)
	}
	return src
}

func (s Source) check(input string) error {
	if !isSnake(s.org) {
		return newError(ErrInvalidSource, input, "org "+strconv.Quote(s.org), ruleSnake)
	}
	if !isKebab(s.service) || len(s.service) > maxServiceLen {
		return newError(ErrInvalidSource, input, "service name "+strconv.Quote(s.service), ruleService)
	}
	return nil
}

// Org returns the organisation, e.g. "elmo".
func (s Source) Org() string { return s.org }

// Service returns the service name, e.g. "leave-balance".
func (s Source) Service() string { return s.service }

// IsZero reports whether s is the zero (absent) source.
func (s Source) IsZero() bool { return s == Source{} }

// String returns the URN, or "" for the zero Source.
func (s Source) String() string {
	if s.IsZero() {
		return ""
	}
	return s.format()
}

func (s Source) format() string { return "urn:" + s.org + ":service:" + s.service }

// MarshalText implements encoding.TextMarshaler.
func (s Source) MarshalText() ([]byte, error) { return []byte(s.String()), nil }

// UnmarshalText implements encoding.TextUnmarshaler. Empty text gives the
// zero Source.
func (s *Source) UnmarshalText(b []byte) error {
	if len(b) == 0 {
		*s = Source{}
		return nil
	}
	v, err := ParseSource(string(b))
	if err != nil {
		return err
	}
	*s = v
	return nil
}
