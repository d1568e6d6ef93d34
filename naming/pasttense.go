package naming

import (
	"slices"
	"strings"
)

// irregularPastTense lists irregular past-tense and past-participle forms
// accepted as the first word of an action, sorted.
var irregularPastTense = []string{
	"began", "begun", "bought", "bound", "brought", "built", "cast", "caught",
	"chose", "chosen", "cut", "dealt", "did", "done", "drawn", "drew", "fed",
	"felt", "forbade", "forbidden", "forgave", "forgiven", "forgot",
	"forgotten", "found", "froze", "frozen", "gave", "given", "got", "gotten",
	"grew", "grown", "had", "held", "hid", "hidden", "hit", "hung", "kept",
	"knew", "known", "laid", "led", "left", "lent", "let", "lost", "made",
	"meant", "met", "overran", "overridden", "overrode", "overrun", "paid",
	"put", "quit", "ran", "read", "rebuilt", "redone", "reran", "rerun",
	"resent", "reset", "rewritten", "rewrote", "risen", "rode", "rose", "run",
	"said", "sat", "saw", "seen", "sent", "set", "shown", "shut", "sold",
	"sought", "spent", "split", "spoke", "spoken", "spun", "stole", "stolen",
	"stood", "struck", "swept", "swore", "sworn", "taken", "taught", "thought",
	"threw", "thrown", "told", "took", "understood", "undid", "undone", "unset",
	"upheld", "went", "withdrawn", "withdrew", "withheld", "won", "wore",
	"worn", "wound", "written", "wrote",
}

// IrregularPastTense returns the irregular past forms that [IsPastTense]
// accepts besides words ending in -ed, sorted. The returned slice is a copy.
func IrregularPastTense() []string { return slices.Clone(irregularPastTense) }

// IsPastTense reports whether the first word of a snake_case action is a verb
// in the past tense: it ends in -ed and is longer than "ed", or it is one of
// [IrregularPastTense]. "signed_up", "approved" and "sent" pass; "sign_up",
// "approve" and "approval" do not.
func IsPastTense(action string) bool {
	word, _, _ := strings.Cut(action, "_")
	if len(word) > 2 && strings.HasSuffix(word, "ed") {
		return true
	}
	_, found := slices.BinarySearch(irregularPastTense, word)
	return found
}
