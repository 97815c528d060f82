package rules

import (
	"fmt"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/coregx/ahocorasick"
)

// matcher finds every whole-word occurrence of a set of phrases, ignoring
// case, with one Aho-Corasick automaton over the text.
//
// The automaton holds each phrase's first headBytes bytes, its head (a
// shorter phrase whole); the rest of a longer phrase, its tail, is compared
// with the text that follows a head where it is found. Vocabularies bring
// tens of thousands of phrases, many sharing their first words, so heads
// are far fewer than phrases and the automaton stays small: a fifth of the
// states and memory and a seventh of the build time of one over the whole
// phrases, at the same speed (BENCHMARKS.md).
type matcher struct {
	ac       *ahocorasick.Automaton
	patterns []pattern // automaton pattern index → the phrases it starts
}

// pattern is what one automaton pattern stands for.
type pattern struct {
	phrases []int  // one-word phrases it is (a phrase or its plural)
	tails   []tail // longer phrases it is the head of
}

// tail is the rest of a longer phrase after its head, as a phrase key.
type tail struct {
	rest   string
	phrase int
}

// newMatcher builds the matcher for phrases, given as phrase keys (lower
// case, single spaces); a match reports the phrase's index in keys.
func newMatcher(keys []string) (*matcher, error) {
	m := &matcher{}
	byHead := map[string]int{}
	slot := func(head string) *pattern {
		i, ok := byHead[head]
		if !ok {
			i = len(m.patterns)
			byHead[head] = i
			m.patterns = append(m.patterns, pattern{})
		}
		return &m.patterns[i]
	}
	for id, key := range keys {
		for _, v := range spellings(key) {
			head, rest := splitHead(v)
			p := slot(head)
			if rest == "" {
				p.phrases = append(p.phrases, id)
				continue
			}
			p.tails = append(p.tails, tail{rest: rest, phrase: id})
		}
	}
	heads := make([]string, len(m.patterns))
	for h, i := range byHead {
		heads[i] = h
	}
	ac, err := ahocorasick.NewBuilder().AddStrings(heads).Build()
	if err != nil {
		return nil, fmt.Errorf("building the automaton of %d phrases: %w", len(keys), err)
	}
	m.ac = ac
	return m, nil
}

// headBytes is the most of a phrase the automaton holds: enough that a
// head rarely occurs where its phrase does not (a first word alone would be
// "a" or "the"), few enough to keep the automaton small. Measured from 6 to
// whole phrases (BENCHMARKS.md), 10 scans as fast as whole phrases.
const headBytes = 10

// spellings returns the forms of a phrase key the automaton looks for: the
// key and its plurals, each also with typographic apostrophes ("Crohn’s")
// where it has straight ones.
func spellings(key string) []string {
	out := inflections(key)
	if strings.Contains(key, "'") {
		for _, v := range slices.Clone(out) {
			out = append(out, strings.ReplaceAll(v, "'", "\u2019"))
		}
	}
	return out
}

// splitHead cuts a phrase into the head the automaton holds and the tail
// that is compared with the text after it (empty for a short phrase). A
// head never ends inside a UTF-8 sequence.
func splitHead(v string) (head, rest string) {
	n := min(headBytes, len(v))
	for n < len(v) && !utf8.RuneStart(v[n]) {
		n++
	}
	return v[:n], v[n:]
}

// scan calls found for every whole-word occurrence of a phrase in s, with
// the phrase's index and its byte span.
func (m *matcher) scan(s string, found func(phrase, start, end int)) {
	if s == "" {
		return
	}
	low := foldText(s)
	for _, hm := range m.ac.FindAllOverlapping([]byte(low)) {
		start, end := hm.Start, hm.End
		if !startsWord(s, start) {
			continue
		}
		p := &m.patterns[hm.PatternID]
		if len(p.phrases) > 0 && endsWord(s, end) {
			for _, id := range p.phrases {
				found(id, start, end)
			}
		}
		for _, t := range p.tails {
			if e, ok := matchTail(low, end, t.rest); ok {
				found(t.phrase, start, e)
			}
		}
	}
}

// matchTail reports whether the folded text s continues at i with rest up
// to a word boundary, and where the match ends.
func matchTail(s string, i int, rest string) (int, bool) {
	if !strings.HasPrefix(s[i:], rest) {
		return 0, false
	}
	return i + len(rest), endsWord(s, i+len(rest))
}

// foldText lowers the ASCII letters of s and turns ASCII white space and
// hyphens into spaces, leaving every other byte (and so every offset) as it
// is: phrases then match whatever the case, and the space between two words
// of a phrase matches one space, tab, line break or hyphen ("X-ray",
// "machine-learning").
func foldText(s string) string {
	b := []byte(s)
	for i, c := range b {
		switch {
		case c >= 'A' && c <= 'Z':
			b[i] = c + 'a' - 'A'
		case c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f' || c == '-':
			b[i] = ' '
		}
	}
	return string(b)
}
