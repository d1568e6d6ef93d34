package envelope

import (
	"errors"
	"fmt"
	"unsafe"

	"github.com/elmosoftware/eventprotocol/naming"
)

// ExtUpcastFrom is the extension attribute an upcast event carries: the
// type it was published with.
const ExtUpcastFrom = "upcastfrom"

// ErrUpcast matches the errors of upcasting: an Upcast that is not one
// major to the next, two of one type, and a conversion that failed.
var ErrUpcast = errors.New("envelope: upcast")

// Upcast converts the payloads of one event type's major to the next
// (elmo.leave.absence.approved.v1 to .v2): declared in a schema catalogue
// (schema.Catalog.Upcasts) or written in Go (event.Upcast).
type Upcast struct {
	// From and To are the types, To's major From's plus one.
	From, To naming.Type
	// DataSchema, when set, is the converted event's dataschema.
	DataSchema string
	// Convert returns the To payload of a From payload, or an error
	// naming the member and the rule, never a value.
	Convert func(data []byte) ([]byte, error)
	// Members, when set, is a check Convert's output passes by
	// construction (the encoding of a Go type: event.Upcast's), so that
	// a typed reader of To does not check the member names again (see
	// Envelope.MembersCheckedBy).
	Members MemberChecker
}

// Upcasters converts events of old majors to the newest major their
// upcasts reach, one major after the other. It is safe for concurrent use
// once made; a nil *Upcasters converts nothing.
type Upcasters struct {
	from map[string]link // by From type
}

// link is an upcast, with its To type's text.
type link struct {
	up Upcast
	to string
}

// NewUpcasters checks and holds upcasts: each from a major to the next, of
// one type (its org, domain, entity and action), and at most one from a
// type; else an error matching ErrUpcast.
func NewUpcasters(upcasts ...Upcast) (*Upcasters, error) {
	u := &Upcasters{from: make(map[string]link, len(upcasts))}
	var errs []error
	for _, up := range upcasts {
		next, err := up.From.WithMajor(up.From.Major() + 1)
		switch {
		case up.Convert == nil:
			errs = append(errs, fmt.Errorf("%w: %s to %s has no conversion", ErrUpcast, up.From, up.To))
		case err != nil || next != up.To:
			errs = append(errs, fmt.Errorf("%w: %s to %s: an upcast goes from a major to the next of the same type", ErrUpcast, up.From, up.To))
		default:
			if _, dup := u.from[up.From.String()]; dup {
				errs = append(errs, fmt.Errorf("%w: two upcasts from %s", ErrUpcast, up.From))
				continue
			}
			u.from[up.From.String()] = link{up, up.To.String()}
		}
	}
	return u, errors.Join(errs...)
}

// Len returns how many upcasts u holds.
func (u *Upcasters) Len() int {
	if u == nil {
		return 0
	}
	return len(u.from)
}

// Path returns the types an event of typ goes through, typ first, up to
// the newest its upcasts reach (typ alone when none applies).
func (u *Upcasters) Path(typ string) []string {
	path := []string{typ}
	for t, ok := u.Next(typ); ok; t, ok = u.Next(t) {
		path = append(path, t)
	}
	return path
}

// Next returns the type an upcast leads to from typ, and whether one
// does.
func (u *Upcasters) Next(typ string) (string, bool) {
	if u == nil {
		return "", false
	}
	l, ok := u.from[typ]
	return l.to, ok
}

// To returns e converted to the type target, which must be on e's Path,
// and whether it was converted: e itself when target is its type. The
// converted event keeps every attribute but its type, its data and its
// dataschema, and carries ExtUpcastFrom, its first type. An error matches
// ErrUpcast.
func (u *Upcasters) To(e *Envelope, target string) (*Envelope, bool, error) {
	if e.Type == target {
		return e, false, nil
	}
	n := 0 // the steps to target
	for t, ok := e.Type, true; t != target; n++ {
		if t, ok = u.Next(t); !ok {
			return nil, false, fmt.Errorf("%w: no upcasts lead from %s to %s", ErrUpcast, e.Type, target)
		}
	}
	out := *e
	out.checked = membersCheck{}
	data := e.Data
	var last Upcast
	for t := e.Type; n > 0; n-- {
		l := u.from[t]
		up := l.up
		last, t = up, l.to
		if data == nil {
			return nil, false, fmt.Errorf("%w: %s %s: %w", ErrUpcast, e.Type, e.ID, ErrNoData)
		}
		next, err := up.Convert(data)
		if err != nil {
			return nil, false, fmt.Errorf("%w: %s to %s (event %s): %w", ErrUpcast, up.From, up.To, e.ID, err)
		}
		data = next
		out.DataSchema = up.DataSchema
	}
	out.Type, out.Data = target, data
	if last.Members != nil && len(data) > 0 {
		out.checked = membersCheck{by: last.Members, data: unsafe.SliceData(data), size: len(data)}
	}
	out.Extensions = make(map[string]any, len(e.Extensions)+1)
	for k, v := range e.Extensions {
		out.Extensions[k] = v
	}
	if _, already := out.Extensions[ExtUpcastFrom]; !already {
		out.Extensions[ExtUpcastFrom] = e.Type
	}
	return &out, true, nil
}

// Newest returns e converted to the newest type its upcasts reach (see
// To), and whether it was converted.
func (u *Upcasters) Newest(e *Envelope) (*Envelope, bool, error) {
	newest := e.Type
	for t, ok := u.Next(newest); ok; t, ok = u.Next(t) {
		newest = t
	}
	return u.To(e, newest)
}
