package naming

import (
	"strconv"
	"strings"
)

// Limits of the free-form parts of an ERN.
const (
	maxTenantLen     = 64
	maxResourceIDLen = 256
)

const (
	ruleTenant     = "must be empty, or 1 to 64 ASCII letters, digits, '-', '_' or '.' that start and end with a letter or digit"
	ruleResourceID = "must be 1 to 256 ASCII letters, digits or one of - _ . ~ : @ /, with no empty path segment"
)

// ERN is an ELMO Resource Name, the global identifier of a business entity:
// ern:<org>:<domain>:<tenant-id>:<resource-type>/<resource-id>, for example
// ern:elmo:hr:acme:employee/e-1001. The tenant part is empty for tenant-less
// resources (ern:elmo:platform::region/ap-southeast-2). The zero value is the
// absent ERN; every other value is valid. ERN is comparable and compares case
// sensitively.
type ERN struct {
	org, domain, tenant, resourceType, resourceID string
}

// NewERN builds an ERN from its parts and checks every rule. tenant may be
// empty.
func NewERN(org, domain, tenant, resourceType, resourceID string) (ERN, error) {
	e := ERN{org: org, domain: domain, tenant: tenant, resourceType: resourceType, resourceID: resourceID}
	if err := e.check(e.format()); err != nil {
		return ERN{}, err
	}
	return e, nil
}

// ParseERN parses an ERN strictly.
func ParseERN(s string) (ERN, error) {
	var parts [5]string
	if split(parts[:], s, ':') != 5 || parts[0] != "ern" {
		return ERN{}, newError(ErrInvalidERN, s, "",
			"must have the form ern:<org>:<domain>:<tenant-id>:<resource-type>/<resource-id>")
	}
	rtype, rid, ok := strings.Cut(parts[4], "/")
	if !ok {
		return ERN{}, newError(ErrInvalidERN, s, "resource", "must be <resource-type>/<resource-id>")
	}
	e := ERN{org: parts[1], domain: parts[2], tenant: parts[3], resourceType: rtype, resourceID: rid}
	if err := e.check(s); err != nil {
		return ERN{}, err
	}
	return e, nil
}

// MustParseERN is like [ParseERN] but panics on error.
func MustParseERN(s string) ERN {
	e, err := ParseERN(s)
	if err != nil {
		panic(err)
	}
	return e
}

func (e ERN) check(input string) error {
	switch {
	case !isSnake(e.org):
		return newError(ErrInvalidERN, input, "org "+strconv.Quote(e.org), ruleSnake)
	case !isSnake(e.domain):
		return newError(ErrInvalidERN, input, "domain "+strconv.Quote(e.domain), ruleSnake)
	case e.tenant != "" && !IsTenantID(e.tenant):
		return newError(ErrInvalidERN, input, "tenant-id "+strconv.Quote(e.tenant), ruleTenant)
	case !isSnake(e.resourceType):
		return newError(ErrInvalidERN, input, "resource-type "+strconv.Quote(e.resourceType), ruleSnake)
	case !isResourceID(e.resourceID):
		return newError(ErrInvalidERN, input, "resource-id "+strconv.Quote(e.resourceID), ruleResourceID)
	}
	return nil
}

// IsTenantID reports whether s is a valid tenant identifier: 1 to 64 ASCII
// letters, digits, '-', '_' or '.', starting and ending with a letter or
// digit. The same rule applies to an ERN's tenant part and to the tenantid
// attribute of an event.
func IsTenantID(s string) bool {
	if s == "" || len(s) > maxTenantLen || !isAlnum(s[0]) || !isAlnum(s[len(s)-1]) {
		return false
	}
	for i := 0; i < len(s); i++ {
		if c := s[i]; !isAlnum(c) && c != '-' && c != '_' && c != '.' {
			return false
		}
	}
	return true
}

func isResourceID(s string) bool {
	if s == "" || len(s) > maxResourceIDLen || s[0] == '/' || s[len(s)-1] == '/' || strings.Contains(s, "//") {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !isAlnum(c) && strings.IndexByte("-_.~:@/", c) < 0 {
			return false
		}
	}
	return true
}

func isAlnum(c byte) bool { return isLower(c) || isUpper(c) || isDigit(c) }

// Org returns the organisation, e.g. "elmo".
func (e ERN) Org() string { return e.org }

// Domain returns the owning domain, e.g. "hr".
func (e ERN) Domain() string { return e.domain }

// Tenant returns the tenant id, or "" for a tenant-less resource.
func (e ERN) Tenant() string { return e.tenant }

// ResourceType returns the resource type, e.g. "employee".
func (e ERN) ResourceType() string { return e.resourceType }

// ResourceID returns the resource id, e.g. "e-1001".
func (e ERN) ResourceID() string { return e.resourceID }

// IsZero reports whether e is the zero (absent) ERN.
func (e ERN) IsZero() bool { return e == ERN{} }

// String returns the ERN text, or "" for the zero ERN.
func (e ERN) String() string {
	if e.IsZero() {
		return ""
	}
	return e.format()
}

func (e ERN) format() string {
	return "ern:" + e.org + ":" + e.domain + ":" + e.tenant + ":" + e.resourceType + "/" + e.resourceID
}

// MarshalText implements encoding.TextMarshaler; an ERN marshals as a JSON
// string.
func (e ERN) MarshalText() ([]byte, error) { return []byte(e.String()), nil }

// UnmarshalText implements encoding.TextUnmarshaler. Empty text gives the
// zero ERN.
func (e *ERN) UnmarshalText(b []byte) error {
	if len(b) == 0 {
		*e = ERN{}
		return nil
	}
	v, err := ParseERN(string(b))
	if err != nil {
		return err
	}
	*e = v
	return nil
}
