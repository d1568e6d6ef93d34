package envelope

import (
	"bytes"
	"hash/maphash"
	"math"
	"strconv"
	"sync"
)

// Limits of numbers in data, so that every JSON parser reads a number alike
// and no validator spends more than a moment on one (I-JSON, RFC 7493).
const (
	// MaxNumberLen is the longest number literal data may hold.
	MaxNumberLen = 100
	// maxExponentDigits bounds the digits of a number's exponent.
	maxExponentDigits = 3
)

// CheckData reports whether b is one JSON value that meets the protocol's
// rules for data: well-formed UTF-8 JSON nested at most [DefaultMaxDepth]
// levels, at most 2 GiB ([*SyntaxError]), no member name twice in one object (a
// [Violation] of [ErrDuplicate]) and numbers that a double can hold (a
// [Violation] of [ErrNumber]). A violation's Detail is the JSON pointer of
// the offending member, never a value. The decoder applies the same checks
// to the data of every event; package schema calls CheckData before a
// payload reaches the validator. Time and memory are linear in len(b).
func CheckData(b []byte) error {
	v, serr := checkData(b)
	if serr != nil {
		return serr
	}
	if v != nil {
		return *v
	}
	return nil
}

func checkData(b []byte) (*Violation, *SyntaxError) {
	r := newDataRules()
	defer r.release()
	s := scanner{b: b, maxDepth: DefaultMaxDepth, rules: r}
	if len(b) > math.MaxInt32 { // the offsets of member names are int32
		return nil, s.fail(ErrInputTooLarge, strconv.Itoa(len(b))+" bytes of data")
	}
	if serr := s.skip(0); serr != nil {
		return nil, serr
	}
	if serr := s.end(); serr != nil {
		return nil, serr
	}
	return r.found, nil
}

// rulesPool keeps the stacks of dataRules between events, so that checking
// the data of an ordinary event allocates nothing.
var rulesPool = sync.Pool{New: func() any {
	return &dataRules{frames: make([]dataFrame, 0, 8), keys: make([]keyRef, 0, 64)}
}}

func newDataRules() *dataRules { return rulesPool.Get().(*dataRules) }

// release resets r and returns it to the pool; r must not be used after.
func (r *dataRules) release() {
	if cap(r.keys) > 4096 || cap(r.frames) > 256 {
		return // do not keep what a large payload grew
	}
	clear(r.frames[:cap(r.frames)]) // drop the sets of large objects
	clear(r.stack.stack[:cap(r.stack.stack)])
	*r = dataRules{frames: r.frames[:0], keys: r.keys[:0], seed: r.seed, stack: memberStack{stack: r.stack.stack[:0]}}
	rulesPool.Put(r)
}

// dataRules checks, while the scanner moves over data, what JSON syntax
// alone does not: no member name twice in one object, and bounded numbers.
// It keeps the first violation and the path to it.
type dataRules struct {
	frames []dataFrame
	keys   []keyRef // member names of the open objects, outermost first
	found  *Violation
	seed   maphash.Seed // for objects with many members
	// members, when set, checks the member names of the data too: it
	// points at stack, kept with the rules between events.
	members *memberStack
	stack   memberStack
}

type dataFrame struct {
	object bool
	first  int              // object: index in keys of its first member
	index  int              // array: index of the current element
	names  map[uint64]int32 // object with many members: hash of a name to its index in keys
}

// keyRef is a member name in the input: b[start:end], escaped or not.
type keyRef struct {
	start, end int32 // the decoder refuses input over math.MaxInt32 bytes
	esc        bool
}

// linearNames is the member count up to which duplicates are found by
// comparing with each earlier name; larger objects use a set, so the check
// stays linear.
const linearNames = 16

func (r *dataRules) open(object bool) {
	r.frames = append(r.frames, dataFrame{object: object, first: len(r.keys)})
	if r.members != nil {
		r.members.open(!object)
	}
}

func (r *dataRules) close() {
	f := r.frames[len(r.frames)-1]
	if f.object {
		r.keys = r.keys[:f.first]
	}
	r.frames = r.frames[:len(r.frames)-1]
	if r.members != nil {
		r.members.close()
	}
}

// next moves an array to its next element.
func (r *dataRules) next() {
	r.frames[len(r.frames)-1].index++
	if r.members != nil {
		r.members.element()
	}
}

// key records a member name of the innermost object and checks that the
// object has not had it before.
func (r *dataRules) key(b []byte, k keyRef) {
	f := &r.frames[len(r.frames)-1]
	members := r.keys[f.first:]
	dup := false
	switch {
	case f.names != nil:
	case len(members) < linearNames:
		dup = r.linearDup(b, members, k)
	default:
		if r.seed == (maphash.Seed{}) {
			r.seed = maphash.MakeSeed()
		}
		f.names = make(map[uint64]int32, 2*linearNames)
		for i := f.first; i < len(r.keys); i++ {
			r.addName(f, b, i)
		}
	}
	if len(r.keys) == cap(r.keys) {
		r.keys = doubled(r.keys, 1)
	}
	r.keys = append(r.keys, k)
	if f.names != nil {
		dup = r.addName(f, b, len(r.keys)-1)
	}
	if dup {
		r.fail(b, ErrDuplicate)
	}
	if r.members != nil {
		name := b[k.start:k.end]
		if k.esc {
			name = []byte(keyText(b, k))
		}
		r.members.member(name)
	}
}

func (r *dataRules) linearDup(b []byte, members []keyRef, k keyRef) bool {
	n := k.end - k.start
	for _, other := range members {
		// Unescaped names of other lengths differ: the usual case, decided
		// without a call.
		if !k.esc && !other.esc && other.end-other.start != n {
			continue
		}
		if sameKey(b, other, k) {
			return true
		}
	}
	return false
}

// addName records keys[i] in the object's set of names, by a hash of the
// name; it reports whether the object had the name before. Two names with
// one hash are compared, and only a collision (never seen in practice)
// costs a scan of the object's names.
func (r *dataRules) addName(f *dataFrame, b []byte, i int) (dup bool) {
	k := r.keys[i]
	var h uint64
	if k.esc {
		h = maphash.String(r.seed, keyText(b, k))
	} else {
		h = maphash.Bytes(r.seed, b[k.start:k.end])
	}
	j, seen := f.names[h]
	switch {
	case !seen:
		f.names[h] = int32(i)
		return false
	case sameKey(b, r.keys[j], k):
		return true
	}
	return r.linearDup(b, r.keys[f.first:i], k)
}

// number checks a number literal of data.
func (r *dataRules) number(b []byte, start, end int) {
	text := b[start:end]
	ok := len(text) <= MaxNumberLen
	// Without an exponent, 100 digits are far inside a double's range;
	// with one, the range needs checking.
	if e := bytes.IndexAny(text, "eE"); ok && e >= 0 {
		digits := bytes.TrimLeft(text[e+1:], "+-")
		if ok = len(digits) <= maxExponentDigits; ok {
			_, err := strconv.ParseFloat(string(text), 64)
			ok = err == nil
		}
	}
	if !ok {
		r.fail(b, ErrNumber)
	}
}

// fail records the first violation with the pointer of the current member.
func (r *dataRules) fail(b []byte, rule *Rule) {
	if r.found != nil {
		return
	}
	r.found = &Violation{Attribute: AttrData, Rule: rule, Detail: "at " + strconv.Quote(r.pointer(b))}
}

// pointer returns the JSON pointer (RFC 6901) of the current member.
func (r *dataRules) pointer(b []byte) string {
	var p []byte
	for i, f := range r.frames {
		p = append(p, '/')
		if !f.object {
			p = strconv.AppendInt(p, int64(f.index), 10)
			continue
		}
		// The object's current member is its last name before the next
		// frame's first one.
		last := len(r.keys) - 1
		if i+1 < len(r.frames) {
			last = r.frames[i+1].first - 1
		}
		if last < f.first {
			continue
		}
		for _, c := range []byte(keyText(b, r.keys[last])) {
			switch c {
			case '~':
				p = append(p, "~0"...)
			case '/':
				p = append(p, "~1"...)
			default:
				p = append(p, c)
			}
		}
	}
	return string(p)
}

func keyText(b []byte, k keyRef) string {
	if k.esc {
		text, _ := unescape(b[k.start:k.end])
		return text
	}
	return string(b[k.start:k.end])
}

func sameKey(b []byte, x, y keyRef) bool {
	if !x.esc && !y.esc {
		return bytes.Equal(b[x.start:x.end], b[y.start:y.end])
	}
	return keyText(b, x) == keyText(b, y)
}
