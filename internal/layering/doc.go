// Package layering holds the tests that keep the module's dependencies
// pointing one way, as docs/design.md states them, and its
// hand-written files small enough to hold in one's head. It has no
// code of its own.
package layering
