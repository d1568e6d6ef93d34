// Package doccheck holds the test that runs every command the
// documentation shows (README.md, PROTOCOL.md and docs/*.md), so that none
// of them rots. It has no code of its own.
package doccheck
