package rules

import (
	"fmt"
	"slices"
	"strings"
	"sync"
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
	// cased holds, by phrase, the letters a phrase marked with caseMark
	// must have in the text, in their case ("" for any case).
	cased []string
}

// pattern is what one automaton pattern stands for.
type pattern struct {
	phrases []int  // phrases it is whole (a phrase or its plural)
	tails   []tail // longer phrases it is the head of
	// digits is the head with its digits, when it has any: the automaton
	// sees every digit as one (coarseByte), so a match is checked against
	// the head's own digits.
	digits string
}

// tail is the rest of a longer phrase after its head, as a phrase key.
type tail struct {
	rest   string
	phrase int
}

// newMatcher builds the matcher for phrases, given as phrase keys (lower
// case, single spaces); a match reports the phrase's index in keys.
func newMatcher(keys []string) (*matcher, error) {
	m := &matcher{cased: make([]string, len(keys))}
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
		if rest, ok := strings.CutPrefix(key, caseMark); ok {
			key = strings.ToLower(rest)
			m.cased[id] = letters(rest)
		}
		for _, v := range spellings(key) {
			head, rest := splitHead(fold(v))
			p := slot(head)
			if strings.ContainsAny(head, "0123456789") {
				p.digits = head
			}
			if rest == "" {
				p.phrases = append(p.phrases, id)
				continue
			}
			p.tails = append(p.tails, tail{rest: rest, phrase: id})
		}
	}
	heads := make([]string, len(m.patterns))
	for h, i := range byHead {
		heads[i] = coarse(h)
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
	buf := scratch.Get().(*[]byte)
	defer scratch.Put(buf)
	*buf = coarseInto((*buf)[:0], s)
	for _, hm := range m.ac.FindAllOverlapping(*buf) {
		start, end := hm.Start, hm.End
		if !startsWord(s, start) {
			continue
		}
		p := &m.patterns[hm.PatternID]
		if p.digits != "" && !foldedAt(s, start, p.digits) {
			continue
		}
		if len(p.phrases) > 0 && endsWord(s, end) {
			for _, id := range p.phrases {
				if m.caseFits(id, s[start:end]) {
					found(id, start, end)
				}
			}
		}
		for _, t := range p.tails {
			if e, ok := matchTail(s, end, t.rest); ok && m.caseFits(t.phrase, s[start:e]) {
				found(t.phrase, start, e)
			}
		}
	}
}

// caseFits reports whether the text a phrase matched has the phrase's own
// case, for a phrase that asks for it: its letters, in order, are the
// phrase's letters (a plural's "s" after them is free).
func (m *matcher) caseFits(phrase int, matched string) bool {
	want := m.cased[phrase]
	if want == "" {
		return true
	}
	k := 0
	for i := 0; i < len(matched) && k < len(want); i++ {
		if c := matched[i]; isASCIILetter(c) {
			if c != want[k] {
				return false
			}
			k++
		}
	}
	return k == len(want)
}

// letters returns the ASCII letters of s, in order.
func letters(s string) string {
	var b strings.Builder
	for i := range len(s) {
		if isASCIILetter(s[i]) {
			b.WriteByte(s[i])
		}
	}
	return b.String()
}

// matchTail reports whether s continues at i with the folded rest up to a
// word boundary, and where the match ends.
func matchTail(s string, i int, rest string) (int, bool) {
	if !foldedAt(s, i, rest) {
		return 0, false
	}
	return i + len(rest), endsWord(s, i+len(rest))
}

// foldedAt reports whether s, folded, reads want at i.
func foldedAt(s string, i int, want string) bool {
	if len(s)-i < len(want) {
		return false
	}
	for k := range len(want) {
		if foldTable[s[i+k]] != want[k] {
			return false
		}
	}
	return true
}

// foldText folds every byte of s (see foldByte), leaving offsets as they
// are.
func foldText(s string) []byte {
	b := make([]byte, len(s))
	for i := range len(s) {
		b[i] = foldTable[s[i]]
	}
	return b
}

// foldTable is foldByte of every byte.
var foldTable = func() (t [256]byte) {
	for c := range 256 {
		t[c] = foldByte(byte(c))
	}
	return t
}()

// fold folds a phrase's spelling the same way.
func fold(p string) string { return string(foldText(p)) }

// coarseText is what the automaton scans: the folded text with every digit
// made one ("0"). The automaton's alphabet is then 29 letters and marks,
// and its rows half as wide again; a match of a head with digits is checked
// against the digits (pattern.digits).
func coarseText(s string) []byte {
	b := make([]byte, len(s))
	for i := range len(s) {
		b[i] = coarseTable[s[i]]
	}
	return b
}

// coarse makes the digits of a folded phrase one.
func coarse(p string) string { return string(coarseText(p)) }

// coarseInto appends the coarse text of s to b.
func coarseInto(b []byte, s string) []byte {
	for i := range len(s) {
		b = append(b, coarseTable[s[i]])
	}
	return b
}

// scratch holds the buffers of coarse texts between scans: a document's
// text is copied once, into memory the previous document used.
var scratch = sync.Pool{New: func() any { b := make([]byte, 0, 16<<10); return &b }}

// coarseTable is foldByte of every byte, digits made one.
var coarseTable = func() (t [256]byte) {
	t = foldTable
	for c := '0'; c <= '9'; c++ {
		t[c] = '0'
	}
	return t
}()

// foldByte is how the automaton sees a byte, of phrases and texts alike:
// ASCII letters lowered; white space and hyphens a space ("X-ray", "x
// ray"); other ASCII punctuation one mark ("A&E", "A/E"); every byte of a
// non-ASCII character one other mark. Phrases then match whatever the case
// and the punctuation, and the automaton's alphabet is 39 letters, digits
// and marks: narrow rows, fewer cache misses (BENCHMARKS.md).
func foldByte(c byte) byte {
	switch {
	case c >= 'A' && c <= 'Z':
		return c + 'a' - 'A'
	case c >= 'a' && c <= 'z', c >= '0' && c <= '9':
		return c
	case c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f' || c == '-':
		return ' '
	case c >= utf8.RuneSelf:
		return 0x80
	}
	return '.'
}
