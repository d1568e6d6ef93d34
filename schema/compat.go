package schema

import (
	"fmt"
	"slices"
	"strings"
)

// Mode is a compatibility mode: the protocol's evolution policy, or one of
// the modes of the Confluent Schema Registry for JSON Schema, with its
// meaning.
type Mode int

// Compatibility modes. A transitive mode checks a new version against every
// earlier version of the chain, not only against the latest one.
const (
	// Backward: consumers on the new schema read data written with the old
	// one. Every payload the old schema accepts, the new one accepts.
	Backward Mode = iota
	// Forward: consumers on the old schema read data written with the new
	// one. Every payload the new schema accepts, the old one accepts.
	Forward
	// Full is Backward and Forward.
	Full
	// BackwardTransitive is Backward against every earlier version.
	BackwardTransitive
	// ForwardTransitive is Forward against every earlier version.
	ForwardTransitive
	// FullTransitive is Full against every earlier version.
	FullTransitive
	// Policy is the protocol's evolution policy for minor versions
	// (PROTOCOL.md section 6): consumers read tolerantly, so consumers on
	// either version read the data of the other. It is Full, except for
	// the changes tolerant readers absorb ([Change.Tolerated]): an
	// optional member added to a closed content model, an UPPER_SNAKE_CASE
	// enumeration value added, a closed model opened. It is transitive:
	// every minor version is checked against every earlier one.
	Policy
)

var modeNames = []string{"backward", "forward", "full", "backward_transitive", "forward_transitive", "full_transitive", "policy"}

// String returns the mode's name, e.g. "backward_transitive".
func (m Mode) String() string {
	if m < 0 || int(m) >= len(modeNames) {
		return fmt.Sprintf("Mode(%d)", int(m))
	}
	return modeNames[m]
}

// ParseMode parses a mode name as [Mode.String] writes it; case and "-" for
// "_" are tolerated.
func ParseMode(s string) (Mode, error) {
	s = strings.ReplaceAll(strings.ToLower(s), "-", "_")
	if i := slices.Index(modeNames, s); i >= 0 {
		return Mode(i), nil
	}
	return 0, fmt.Errorf("schema: unknown compatibility mode %q (want one of %s)", s, strings.Join(modeNames, ", "))
}

// Transitive reports whether m checks against every earlier version.
func (m Mode) Transitive() bool { return m >= BackwardTransitive }

func (m Mode) base() Mode {
	switch {
	case m == Policy:
		return Full
	case m.Transitive():
		return m - BackwardTransitive
	}
	return m
}

// Effect says which way a change moves the set of payloads a schema accepts.
type Effect uint8

// Effects of a change; they combine as bits.
const (
	// Widens: the new schema accepts payloads the old one rejected. It
	// breaks Forward.
	Widens Effect = 1 << iota
	// Narrows: the new schema rejects payloads the old one accepted. It
	// breaks Backward.
	Narrows
	// Unproven: the comparison cannot prove the change harmless in either
	// direction. It breaks every mode, with the reason "cannot prove".
	Unproven
)

// Breaks reports whether a change with this effect breaks mode m.
func (e Effect) Breaks(m Mode) bool {
	if e&Unproven != 0 {
		return true
	}
	switch m.base() {
	case Backward:
		return e&Narrows != 0
	case Forward:
		return e&Widens != 0
	}
	return e&(Narrows|Widens) != 0
}

// String lists the effect's bits, e.g. "narrows", "widens+narrows", or
// "none".
func (e Effect) String() string {
	var parts []string
	for _, b := range effectNames {
		if e&b.e != 0 {
			parts = append(parts, b.s)
		}
	}
	if parts == nil {
		return "none"
	}
	return strings.Join(parts, "+")
}

type effectName struct {
	e Effect
	s string
}

var effectNames = []effectName{{Widens, "widens"}, {Narrows, "narrows"}, {Unproven, "cannot prove"}}

// MarshalText writes [Effect.String].
func (e Effect) MarshalText() ([]byte, error) { return []byte(e.String()), nil }

// UnmarshalText reads what [Effect.MarshalText] writes.
func (e *Effect) UnmarshalText(b []byte) error {
	*e = 0
	if string(b) == "none" {
		return nil
	}
	for _, part := range strings.Split(string(b), "+") {
		i := slices.IndexFunc(effectNames, func(n effectName) bool { return n.s == part })
		if i < 0 {
			return fmt.Errorf("schema: unknown effect %q", part)
		}
		*e |= effectNames[i].e
	}
	return nil
}

// ChangeRule is a stable code for a kind of change between two schema
// versions.
type ChangeRule string

// The kinds of change [Compare] reports. Keywords without an ordering of
// their own (pattern, format) report "<keyword>-added", "<keyword>-removed"
// and "<keyword>-changed".
const (
	RuleCannotProve         ChangeRule = "cannot-prove"         // the change cannot be proven harmless either way
	RuleTypeWidened         ChangeRule = "type-widened"         // the type allows more
	RuleTypeNarrowed        ChangeRule = "type-narrowed"        // the type allows less
	RuleTypeChanged         ChangeRule = "type-changed"         // the type allows other values
	RuleEnumAdded           ChangeRule = "enum-added"           // values limited to an enumeration
	RuleEnumRemoved         ChangeRule = "enum-removed"         // values no longer limited
	RuleEnumValueAdded      ChangeRule = "enum-value-added"     // an enumeration value allowed
	RuleEnumValueRemoved    ChangeRule = "enum-value-removed"   // an enumeration value no longer allowed
	RuleBoundTightened      ChangeRule = "bound-tightened"      // a minimum, maximum or count tightened
	RuleBoundLoosened       ChangeRule = "bound-loosened"       // a minimum, maximum or count loosened
	RuleMultipleOfAdded     ChangeRule = "multiple-of-added"    // multipleOf added
	RuleMultipleOfRemoved   ChangeRule = "multiple-of-removed"  // multipleOf removed
	RuleMultipleOfChanged   ChangeRule = "multiple-of-changed"  // multipleOf changed
	RuleUniqueItemsAdded    ChangeRule = "unique-items-added"   // items must be unique
	RuleUniqueItemsRemoved  ChangeRule = "unique-items-removed" // items need not be unique
	RuleRequiredAdded       ChangeRule = "required-added"       // a member became required
	RuleRequiredRemoved     ChangeRule = "required-removed"     // a member became optional
	RulePropertyAdded       ChangeRule = "property-added"       // a member named by the new schema only
	RulePropertyRemoved     ChangeRule = "property-removed"     // a member named by the old schema only
	RuleSchemaAllowed       ChangeRule = "schema-allowed"       // accepts values where the old schema accepted none
	RuleSchemaForbidden     ChangeRule = "schema-forbidden"     // accepts no value where the old schema accepted some
	RuleKeywordAdded        ChangeRule = "keyword-added"        // an assertion or applicator added
	RuleKeywordRemoved      ChangeRule = "keyword-removed"      // an assertion or applicator removed
	RuleAlternativeAdded    ChangeRule = "alternative-added"    // anyOf/oneOf accepts another alternative
	RuleAlternativeRemoved  ChangeRule = "alternative-removed"  // anyOf/oneOf accepts one alternative less
	RuleAlternativesChanged ChangeRule = "alternatives-changed" // alternatives both added and removed
	RuleSchemaRemoved       ChangeRule = "schema-removed"       // a type and major version lost its schema (catalogue comparisons)
	RuleShapeChanged        ChangeRule = "shape-changed"        // the events' shape (x-elmo-shape) changed
	RuleKindChanged         ChangeRule = "kind-changed"         // the type's kind (x-elmo-kind) changed
)

// Change is one difference between two versions of a schema.
type Change struct {
	// Pointer locates the change: a JSON pointer into the new schema, or
	// into the old one for what was removed.
	Pointer string `json:"pointer"`
	// Rule is a stable code for the kind of change, e.g. "required-added"
	// or "enum-value-removed".
	Rule ChangeRule `json:"rule"`
	// Detail says what changed, in English.
	Detail string `json:"detail"`
	// Effect says which modes the change breaks.
	Effect Effect `json:"effect"`
	// Tolerated reports a widening that tolerant readers absorb, so that
	// it breaks no [Policy] check: an optional member added under a closed
	// content model, an UPPER_SNAKE_CASE enumeration value added, or a
	// closed content model opened.
	Tolerated bool `json:"tolerated,omitempty"`
}

// Breaks reports whether the change breaks mode m.
func (c Change) Breaks(m Mode) bool {
	if m == Policy && c.Tolerated {
		return false
	}
	return c.Effect.Breaks(m)
}

// String formats the change for people: "<pointer>: <rule>: <detail> (<effect>)".
func (c Change) String() string {
	p := c.Pointer
	if p == "" {
		p = "(root)"
	}
	return fmt.Sprintf("%s: %s: %s (%s)", p, c.Rule, c.Detail, c.Effect)
}

// Report lists every change between two versions of a schema, ordered by
// pointer, then rule.
type Report struct {
	// Changes are every change found, breaking or not, in a stable order.
	Changes []Change `json:"changes"`
}

// Compatible reports whether no change breaks mode m.
func (r *Report) Compatible(m Mode) bool { return len(r.Breaking(m)) == 0 }

// Breaking returns the changes that break mode m.
func (r *Report) Breaking(m Mode) []Change {
	var out []Change
	for _, c := range r.Changes {
		if c.Breaks(m) {
			out = append(out, c)
		}
	}
	return out
}

// Compare compares two versions of a JSON Schema (draft 2020-12) and
// classifies every change. It works on any schema, whether or not it follows
// the catalogue's conventions; references resolve inside each document
// only. Errors match [ErrJSON] or [ErrDraft].
func Compare(oldSchema, newSchema []byte) (*Report, error) {
	o, err := decodeSchema(oldSchema)
	if err != nil {
		return nil, fmt.Errorf("old schema: %w", err)
	}
	n, err := decodeSchema(newSchema)
	if err != nil {
		return nil, fmt.Errorf("new schema: %w", err)
	}
	return compareDocs(o, n), nil
}

// CompareSchemas compares two schemas of a catalogue; see [Compare].
func CompareSchemas(oldSchema, newSchema *Schema) *Report {
	return compareDocs(oldSchema.doc, newSchema.doc)
}

// ChainStep is one comparison of a chain check.
type ChainStep struct {
	// Old and New are the two successive versions compared.
	Old, New *Schema
	// Report is their comparison.
	Report *Report
}

// CheckChain checks the versions of a schema, oldest first, in mode m: each
// version against its predecessor, or against every earlier version when m
// is transitive ([Policy] is). It returns the steps that break m, in order; none means the
// chain is compatible.
func CheckChain(versions []*Schema, m Mode) []ChainStep {
	var out []ChainStep
	for i := 1; i < len(versions); i++ {
		first := i - 1
		if m.Transitive() {
			first = 0
		}
		for j := first; j < i; j++ {
			r := CompareSchemas(versions[j], versions[i])
			if !r.Compatible(m) {
				out = append(out, ChainStep{versions[j], versions[i], r})
			}
		}
	}
	return out
}
