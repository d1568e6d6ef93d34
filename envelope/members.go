package envelope

import "unsafe"

// MemberChecker checks the member names of an event's data while the
// decoder reads it, in the same pass as the protocol's rules of data, so
// that a check that needs every member name costs no second reading. The
// typed decoding of package event uses one to refuse a member whose name
// matches a payload field only when case is ignored. A checker describes
// one JSON value: the members of an object, the elements of an array.
// Its methods must not keep name, and must be safe for concurrent use; a
// checker must be comparable with == (a pointer is), as
// Envelope.MembersCheckedBy compares them.
type MemberChecker interface {
	// Member returns the checker of the value of the member called name
	// of an object (nil: nothing to check in it), and false when the name
	// is refused.
	Member(name []byte) (MemberChecker, bool)
	// Elem returns the checker of an array's elements, nil for none.
	Elem() MemberChecker
}

// membersCheck is what Decoder.Members made of an event's data: the
// checker that found every member name acceptable, and the data it read.
type membersCheck struct {
	by   MemberChecker
	data *byte
	size int
}

// MembersCheckedBy reports whether e's data was read by a Decoder whose
// Members gave c for e's type, c accepted every member name, and the data
// has not been replaced since. A false answer says nothing of the names:
// the caller checks them itself.
func (e *Envelope) MembersCheckedBy(c MemberChecker) bool {
	m := &e.checked
	return c != nil && m.by == c && m.data == unsafe.SliceData(e.Data) && m.size == len(e.Data)
}

// memberStack follows the checkers of the values the scanner is in. A nil
// checker means nothing to check there; refused is set for good by the
// first name refused.
type memberStack struct {
	stack   []memberFrame // the open objects and arrays
	next    MemberChecker // of the value about to be read
	refused bool
}

// memberFrame is an open object or array: its checker, and for an array
// its elements' (asked once).
type memberFrame struct {
	c, elem MemberChecker
}

// open enters an object or array, the value next describes.
func (m *memberStack) open(array bool) {
	f := memberFrame{c: m.next}
	if array && f.c != nil {
		f.elem = f.c.Elem()
	}
	m.stack = append(m.stack, f)
	m.next = f.elem
}

// close leaves the innermost object or array.
func (m *memberStack) close() {
	m.stack = m.stack[:len(m.stack)-1]
	m.next = nil
}

// element moves an array to its next element.
func (m *memberStack) element() { m.next = m.stack[len(m.stack)-1].elem }

// member checks the name of a member of the innermost object.
func (m *memberStack) member(name []byte) {
	c := m.stack[len(m.stack)-1].c
	if c == nil {
		m.next = nil
		return
	}
	next, ok := c.Member(name)
	if !ok {
		m.refused = true
	}
	m.next = next
}
