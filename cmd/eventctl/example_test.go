package main

import "os"

// Checking an event file, as CI does.
func Example() {
	run([]string{"check", "../../testdata/envelopes/valid/elmo/balance-adjusted.json"}, nil, os.Stdout, os.Stderr)
	// Output:
	// ../../testdata/envelopes/valid/elmo/balance-adjusted.json: event 0: valid
	// elmo profile: 1 event checked, 1 valid, 0 invalid
}
