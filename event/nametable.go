package event

// nameTable finds member names among a fixed set faster than a map: a
// name's slot is nameSlot(name, mul) masked to the table's size, and no
// two names of the set share one, so a look-up is one hash of three bytes
// and one comparison. When no multiplier separates the names, the map
// serves instead.
type nameTable struct {
	slots []nameEntry
	mul   uint32
	byMap map[string]*fieldTree
}

// nameEntry is a slot of a nameTable; an empty name is a free slot.
type nameEntry struct {
	name  string
	child *fieldTree
}

// nameSlot hashes a member name from its length and its first and last
// bytes: enough to tell a struct's field names apart, cheap to compute.
func nameSlot(name []byte, mul uint32) uint32 {
	n := uint32(len(name))
	if n == 0 {
		return 0
	}
	return (n*mul ^ uint32(name[0])*0x9e37 ^ uint32(name[n-1])*0x85eb) >> 3
}

// newNameTable returns the table of names, trying multipliers until no two
// names share a slot.
func newNameTable(names map[string]*fieldTree) nameTable {
	size := 4
	for size < 2*len(names) {
		size *= 2
	}
	for mul := uint32(1); mul < 1024; mul++ {
		slots := make([]nameEntry, size)
		ok := true
		for name, child := range names {
			slot := &slots[nameSlot([]byte(name), mul)&uint32(size-1)]
			if slot.name != "" || name == "" {
				ok = false
				break
			}
			*slot = nameEntry{name, child}
		}
		if ok {
			return nameTable{slots: slots, mul: mul}
		}
	}
	return nameTable{byMap: names}
}

// find returns the tree stored with name, and whether the set has name.
func (t *nameTable) find(name []byte) (*fieldTree, bool) {
	if t.slots == nil {
		child, ok := t.byMap[string(name)]
		return child, ok
	}
	e := &t.slots[nameSlot(name, t.mul)&uint32(len(t.slots)-1)]
	return e.child, e.name != "" && e.name == string(name)
}
