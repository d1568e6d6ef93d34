package event

import (
	"errors"
	"fmt"
	"slices"

	"github.com/elmosoftware/eventprotocol/naming"
)

// EnumSet lists the known values of a string enumeration type T. The zero
// EnumSet knows no values. An EnumSet is immutable and safe for concurrent
// use.
type EnumSet[T ~string] struct {
	values []T // sorted
}

// NewEnumSet returns the set of values, each of which must be
// UPPER_SNAKE_CASE.
func NewEnumSet[T ~string](values ...T) (EnumSet[T], error) {
	var errs []error
	for _, v := range values {
		if err := naming.ValidateEnumValue(string(v)); err != nil {
			errs = append(errs, err)
		}
	}
	if len(errs) > 0 {
		return EnumSet[T]{}, errors.Join(errs...)
	}
	sorted := slices.Clone(values)
	slices.Sort(sorted)
	return EnumSet[T]{values: slices.Compact(sorted)}, nil
}

// MustEnumSet is like [NewEnumSet] but panics on error.
func MustEnumSet[T ~string](values ...T) EnumSet[T] {
	s, err := NewEnumSet(values...)
	if err != nil {
		panic(err)
	}
	return s
}

// Known reports whether v is one of the set's values. A tolerant consumer
// keeps a value it does not know and decides what to do with it; it does not
// fail.
func (s EnumSet[T]) Known(v T) bool {
	_, ok := slices.BinarySearch(s.values, v)
	return ok
}

// Check is the strict form: it returns a *naming.Error (ErrInvalidEnumValue)
// for a value that is not UPPER_SNAKE_CASE, [ErrUnknownEnumValue] for one the
// set does not list, and nil for a known value.
func (s EnumSet[T]) Check(v T) error {
	if err := naming.ValidateEnumValue(string(v)); err != nil {
		return err
	}
	if !s.Known(v) {
		return fmt.Errorf("%w: %q", ErrUnknownEnumValue, string(v))
	}
	return nil
}

// Values returns the known values, sorted. The slice is a copy.
func (s EnumSet[T]) Values() []T { return slices.Clone(s.values) }
