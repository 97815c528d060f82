package classify

import (
	"encoding/json"
	"regexp"
	"slices"
	"strings"
)

// NameLabel is a gold name field: absent (the item was not labelled for
// names: only some of the corpus is), null (the text names none), or the
// name; several developers are joined with "; ".
type NameLabel struct {
	Labelled bool
	Name     *string
}

// UnmarshalJSON reads a present field, null or a string.
func (n *NameLabel) UnmarshalJSON(b []byte) error {
	n.Labelled = true
	return json.Unmarshal(b, &n.Name)
}

// MarshalJSON writes the name or null.
func (n NameLabel) MarshalJSON() ([]byte, error) { return json.Marshal(n.Name) }

// IsZero reports an absent field, which "omitzero" leaves out.
func (n NameLabel) IsZero() bool { return !n.Labelled }

// nameSuffixes are company suffixes names are compared without, as
// ../shared/tools/classification-score compares them.
var nameSuffixes = map[string]bool{"inc": true, "ltd": true, "llc": true, "plc": true, "corp": true,
	"corporation": true, "co": true, "gmbh": true, "limited": true, "ag": true, "sa": true, "bv": true}

var notAlnum = regexp.MustCompile(`[^0-9a-z]+`)

// nameSet returns the normal forms of the names in a name field: lower
// case, punctuation as spaces, trailing company suffixes dropped.
func nameSet(s *string) []string {
	if s == nil {
		return nil
	}
	var out []string
	for _, part := range strings.Split(*s, ";") {
		words := strings.Fields(notAlnum.ReplaceAllString(strings.ToLower(part), " "))
		for len(words) > 0 && nameSuffixes[words[len(words)-1]] {
			words = words[:len(words)-1]
		}
		if len(words) > 0 && !slices.Contains(out, strings.Join(words, " ")) {
			out = append(out, strings.Join(words, " "))
		}
	}
	return out
}

// sameName reports whether two normal names are one: equal, or one is the
// other with whole words more ("DERM" and "DERM AI").
func sameName(a, b string) bool {
	return a == b || strings.Contains(" "+b+" ", " "+a+" ") || strings.Contains(" "+a+" ", " "+b+" ")
}

// countNames scores predicted names against gold names and returns the
// gold names missed and the predicted names that match none.
func countNames(s *Scores, gold, pred []string) (missed, wrong []string) {
	for _, g := range gold {
		if slices.ContainsFunc(pred, func(p string) bool { return sameName(g, p) }) {
			s.TP++
		} else {
			s.FN++
			missed = append(missed, g)
		}
	}
	for _, p := range pred {
		if !slices.ContainsFunc(gold, func(g string) bool { return sameName(g, p) }) {
			s.FP++
			wrong = append(wrong, p)
		}
	}
	return missed, wrong
}
