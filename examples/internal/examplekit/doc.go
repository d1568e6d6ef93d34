// Package examplekit is what the onboarding examples share and is not
// theirs to teach: opening the transport their -transport flag names, and
// printing their story from many goroutines.
package examplekit
