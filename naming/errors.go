package naming

import (
	"errors"
	"fmt"
)

// Sentinel errors, one per kind of name. Every error returned by this package
// is an [*Error] whose Unwrap returns one of them.
var (
	// ErrInvalidType reports an invalid event type name.
	ErrInvalidType = errors.New("naming: invalid event type")
	// ErrInvalidSource reports an invalid source URN.
	ErrInvalidSource = errors.New("naming: invalid source")
	// ErrInvalidERN reports an invalid ELMO Resource Name.
	ErrInvalidERN = errors.New("naming: invalid ERN")
	// ErrInvalidExtensionName reports an invalid extension attribute name.
	ErrInvalidExtensionName = errors.New("naming: invalid extension attribute name")
	// ErrInvalidEnumValue reports an enumeration value that is not UPPER_SNAKE_CASE.
	ErrInvalidEnumValue = errors.New("naming: invalid enumeration value")
	// ErrNotPastTense reports an event type action whose first word is not
	// a recognised verb in the past tense (see [PastTense]). It is a
	// convention that lint and producers check, not a rule of the wire:
	// [ParseType] accepts any snake_case action.
	ErrNotPastTense = errors.New("naming: action not in the past tense")
	// ErrInvalidAWSName reports a derived AWS resource name that breaks an AWS
	// rule, or an input to it that is invalid.
	ErrInvalidAWSName = errors.New("naming: invalid AWS resource name")
)

// Error describes why a name is invalid. It names the input, the part of it
// that is wrong (empty when the whole input is) and the rule it breaks.
type Error struct {
	// Kind is one of the sentinel errors of this package.
	Kind error
	// Input is the text that was parsed or the name that was built.
	Input string
	// Part is the segment that breaks the rule, e.g. "action" or "tenant-id".
	Part string
	// Rule says what the part must be, e.g. "must be a verb in the past tense".
	Rule string
}

// Error implements error.
func (e *Error) Error() string {
	if e.Part == "" {
		return fmt.Sprintf("%v %q: %s", e.Kind, e.Input, e.Rule)
	}
	return fmt.Sprintf("%v %q: %s %s", e.Kind, e.Input, e.Part, e.Rule)
}

// Unwrap returns Kind, so errors.Is(err, ErrInvalidType) and the like work.
func (e *Error) Unwrap() error { return e.Kind }

func newError(kind error, input, part, rule string) *Error {
	return &Error{Kind: kind, Input: input, Part: part, Rule: rule}
}
