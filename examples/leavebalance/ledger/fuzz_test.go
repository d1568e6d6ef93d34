package ledger

import "testing"

// FuzzParseDays: never a panic, and what parses formats back to itself.
func FuzzParseDays(f *testing.F) {
	for _, s := range []string{"1.5", "-2", "0.000001", "999999999.999999", "01", "1.", "-0"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		d, err := ParseDays(s)
		if err != nil {
			return
		}
		back, err := ParseDays(d.String())
		if err != nil || back != d {
			t.Fatalf("ParseDays(%q) = %v, reparsed %v, %v", s, d, back, err)
		}
	})
}
