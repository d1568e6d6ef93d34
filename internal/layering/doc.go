// Package layering holds the test that keeps the module's dependencies
// pointing one way, as the README's design notes state them. It has no
// code of its own.
package layering
