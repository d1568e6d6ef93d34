package schema

import (
	"fmt"
	"net/url"
	"strconv"
	"strings"

	"github.com/elmosoftware/eventprotocol/naming"
)

// ID is the identity a payload schema declares in its $id: the event type
// with its major version, and the minor version. The $id is an absolute URI
// whose path ends in /<unversioned type>/<major>.<minor>, for example
//
//	https://schemas.elmo.example/elmo.leave.absence.approved/1.2
//
// which is minor version 2 of elmo.leave.absence.approved.v1.
type ID struct {
	URI   string      // the $id as written
	Type  naming.Type // event type, major version included
	Minor int         // minor version, 0 or more
}

// ParseID parses a schema $id (or an envelope's dataschema, which names the
// same URI). Errors match [ErrID].
func ParseID(uri string) (ID, error) {
	bad := func(why string) (ID, error) {
		return ID{}, fmt.Errorf("%w %q: %s", ErrID, uri, why)
	}
	u, err := url.Parse(uri)
	if err != nil || u.Scheme == "" || u.Host == "" {
		return bad("must be an absolute URI with a host")
	}
	if u.RawQuery != "" || u.Fragment != "" || strings.HasSuffix(uri, "#") {
		return bad("must have no query and no fragment")
	}
	segs := strings.Split(strings.TrimPrefix(u.Path, "/"), "/")
	if len(segs) < 2 {
		return bad("path must end in /<type>/<major>.<minor>")
	}
	name, version := segs[len(segs)-2], segs[len(segs)-1]
	majorText, minorText, ok := strings.Cut(version, ".")
	major, errMajor := parseVersionNumber(majorText)
	minor, errMinor := parseVersionNumber(minorText)
	if !ok || errMajor != nil || errMinor != nil {
		return bad("version must be <major>.<minor>, decimal numbers without leading zeros")
	}
	t, err := naming.ParseType(name + ".v" + strconv.Itoa(major))
	if err != nil {
		return ID{}, fmt.Errorf("%w %q: %w", ErrID, uri, err)
	}
	return ID{URI: uri, Type: t, Minor: minor}, nil
}

func parseVersionNumber(s string) (int, error) {
	if s == "" || len(s) > 6 || (len(s) > 1 && s[0] == '0') {
		return 0, strconv.ErrSyntax
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return 0, strconv.ErrSyntax
		}
	}
	return strconv.Atoi(s)
}

// Version returns the full version, e.g. "1.2".
func (id ID) Version() string {
	return strconv.Itoa(id.Type.Major()) + "." + strconv.Itoa(id.Minor)
}

// Path returns the file path the catalogue layout expects for this schema,
// relative to the catalogue's root: <domain>/<entity>.<action>.v<major>.<minor>.json,
// e.g. leave/absence.approved.v1.2.json.
func (id ID) Path() string {
	return id.Type.Domain() + "/" + id.Type.Entity() + "." + id.Type.Action() + ".v" + id.Version() + ".json"
}

// String returns the URI.
func (id ID) String() string { return id.URI }
