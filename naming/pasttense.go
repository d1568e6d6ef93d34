package naming

import (
	"slices"
	"strconv"
	"strings"
)

// irregularPastTense lists irregular past-tense and past-participle forms
// accepted as the first word of an action, sorted. [PastTense] also accepts
// each of them behind a verb prefix (repaid, overpaid, undertook, withheld).
var irregularPastTense = []string{
	"arisen", "arose", "ate", "awoke", "awoken", "beat", "beaten", "became",
	"been", "began", "begun", "bent", "bet", "bid", "bitten", "bled", "blew",
	"blown", "bore", "born", "borne", "bought", "bound", "bred", "broadcast",
	"broke", "broken", "brought", "built", "burnt", "burst", "cast", "caught",
	"chose", "chosen", "clung", "cost", "crept", "cut", "dealt", "did", "done",
	"dove", "drawn", "dreamt", "drew", "driven", "drove", "drunk", "dug",
	"dwelt", "eaten", "fallen", "fed", "fell", "felt", "fit", "fled", "flew",
	"flown", "flung", "forbade", "forbidden", "forecast", "forgave", "forgiven",
	"forgot", "forgotten", "forsaken", "forsook", "fought", "found", "froze",
	"frozen", "gave", "given", "gone", "got", "gotten", "grew", "ground",
	"grown", "had", "heard", "held", "hid", "hidden", "hit", "hung", "hurt",
	"input", "kept", "knelt", "knew", "known", "laid", "lain", "leant", "leapt",
	"learnt", "led", "left", "lent", "let", "lit", "lost", "made", "meant",
	"met", "mown", "output", "overcame", "paid", "proven", "put", "quit", "ran",
	"rang", "read", "rid", "ridden", "risen", "rode", "rose", "run", "rung",
	"said", "sang", "sank", "sat", "saw", "sawn", "seen", "sent", "set", "sewn",
	"shaken", "shed", "shone", "shook", "shot", "shown", "shrank", "shrunk",
	"shut", "slept", "slid", "slit", "slung", "smelt", "sold", "sought", "spat",
	"sped", "spelt", "spent", "spilt", "split", "spoilt", "spoke", "spoken",
	"sprang", "spread", "sprung", "spun", "stank", "stole", "stolen", "stood",
	"striven", "strode", "strove", "struck", "strung", "stuck", "stung", "sung",
	"sunk", "swept", "swollen", "swore", "sworn", "swum", "swung", "taken",
	"taught", "thought", "threw", "thrown", "thrust", "told", "took", "tore",
	"torn", "trod", "trodden", "understood", "upset", "was", "wed", "went",
	"wept", "were", "woke", "woken", "won", "wore", "worn", "wound", "wove",
	"woven", "written", "wrote", "wrung",
}

// eedPast lists the past forms ending in -eed: most words with that ending
// are in the present tense (need, proceed, succeed, exceed).
var eedPast = []string{"agreed", "decreed", "disagreed", "freed", "guaranteed", "refereed"}

// notPast lists words that end in -ed but are not past forms.
var notPast = []string{"bed", "embed", "hundred", "imbed", "kindred", "naked", "red", "sacred", "shred", "sled", "wicked"}

// verbPrefixes are prefixes that keep a verb's past form a past form:
// re+paid, over+paid, under+took, with+held, up+held.
var verbPrefixes = []string{"co", "de", "dis", "fore", "mis", "out", "over", "pre", "re", "un", "under", "up", "with"}

// IrregularPastTense returns the irregular past forms that [PastTense]
// accepts besides regular -ed forms, sorted. The returned slice is a copy.
func IrregularPastTense() []string { return slices.Clone(irregularPastTense) }

// PastTense recognises the verb in the past tense that an event type's action
// starts with (an event states a fact that happened). It accepts a first
// word that
//   - ends in -ed (created, signed, approved), except a few words that are
//     not verbs (bed, hundred) and present forms in -eed (need, proceed);
//   - is an irregular past form of [IrregularPastTense] (sent, paid,
//     withdrawn), also behind a verb prefix (repaid, overpaid, prepaid,
//     undertook, withheld, rebuilt);
//   - or is one of Words.
//
// The check is a convention for producers: lint and strict validation apply
// it, the wire does not (any snake_case action is a valid type), so adding a
// word is never a compatibility change. The zero value uses the built-in
// recogniser alone. A PastTense is a value, safe for concurrent use.
type PastTense struct {
	// Words are more first words to accept: an organisation's own verbs
	// that the recogniser does not know, in lowercase.
	Words []string
}

// Check reports whether the first word of the snake_case action is in the
// past tense. The error is a [*Error] matching [ErrNotPastTense] that names
// the word.
func (p PastTense) Check(action string) error {
	word, _, _ := strings.Cut(action, "_")
	if p.accepts(word) {
		return nil
	}
	return newError(ErrNotPastTense, action, "first word "+strconv.Quote(word),
		"is not a recognised verb in the past tense (an event states a fact: created, paid, signed_up); "+
			"if it is one, declare it as an accepted word")
}

func (p PastTense) accepts(word string) bool {
	if slices.Contains(p.Words, word) {
		return true
	}
	if strings.HasSuffix(word, "ed") && len(word) > 2 {
		if strings.HasSuffix(word, "eed") {
			return slices.Contains(eedPast, word)
		}
		return !slices.Contains(notPast, word)
	}
	if isIrregular(word) {
		return true
	}
	for _, prefix := range verbPrefixes {
		if rest, ok := strings.CutPrefix(word, prefix); ok && len(rest) > 2 && isIrregular(rest) {
			return true
		}
	}
	return false
}

func isIrregular(word string) bool {
	_, found := slices.BinarySearch(irregularPastTense, word)
	return found
}

// IsPastTense reports whether the first word of a snake_case action is a
// verb in the past tense by the built-in recogniser: PastTense{}.Check(action)
// == nil. "signed_up", "approved", "sent" and "repaid" pass; "sign_up",
// "approve" and "approval" do not.
func IsPastTense(action string) bool { return PastTense{}.Check(action) == nil }
