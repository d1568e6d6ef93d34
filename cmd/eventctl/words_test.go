package main

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestPlural(t *testing.T) {
	for n, want := range map[int]string{0: "0 events", 1: "1 event", 2: "2 events", 150: "150 events"} {
		assert.Equal(t, want, plural(n, "event"))
	}
}
