package main

import "strconv"

// plural counts n things in words that agree in number: "1 event",
// "2 events", "0 events". noun is the singular; its plural adds an s.
func plural(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return strconv.Itoa(n) + " " + noun + "s"
}
