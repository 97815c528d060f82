package names

import "slices"

// wordKind is what the extractor knows of a word, as bits: the word lists
// of the cue file it is in (one bit a list, in the order of wordLists), and
// whether it is a common English word, starts some cue or is a first name.
// A token's kind is looked up once, when its document is read, so that the
// patterns test bits rather than look the word up in a dozen maps.
type wordKind uint32

// The word lists, in the order of wordLists (a test holds them to it).
const (
	listProduct wordKind = 1 << iota
	listCompany
	listLegalForms
	listDomains
	listInstitution
	listConnectors
	listInstitutionConnectors
	listFillers
	listAI
	listOrganisation
	listPeople
	listNotNames
	listBreaks
	listLocated
	listPublication
	// kindCommon: one of the most frequent English words
	// (names/common_words.txt).
	kindCommon
	// kindStart: some cue starts with the word.
	kindStart
	// kindFirstName: a common first name (names/first_names.txt).
	kindFirstName
)

// listKind returns the bit of a word list by its name; 0 for none.
func listKind(name string) wordKind {
	if i := slices.Index(wordLists, name); i >= 0 {
		return 1 << i
	}
	return 0
}

// lexEntry is what the extractor knows of one word.
type lexEntry struct {
	kind wordKind
	// cues are the cues of each pattern that may start at the word
	// (firstCues); nil for a word no cue starts with.
	cues *wordCues
}

// mark adds kind to word w's entry.
func (x *Extractor) mark(w string, kind wordKind) {
	e := x.lex[w]
	e.kind |= kind
	x.lex[w] = e
}

// buildLexicon gathers, word by word, the lists, the cues and the words
// that start them (starts) that New has read; Load adds the first names.
func (x *Extractor) buildLexicon(starts map[string]bool) {
	x.lex = map[string]lexEntry{}
	for i, name := range wordLists {
		for w := range x.cues.Words[name] {
			x.mark(w, 1<<i)
		}
	}
	for w := range x.cues.Common {
		x.mark(w, kindCommon)
	}
	for w := range starts {
		x.mark(w, kindStart)
	}
	for w, wc := range x.firstCues {
		e := x.lex[w]
		e.cues = wc
		x.lex[w] = e
	}
}

// is reports whether the token is of any of the kinds.
func (t *token) is(kinds wordKind) bool { return t.kind&kinds != 0 }

// lookUp gives each token what the extractor knows of its word.
func (x *Extractor) lookUp(toks []token) {
	for i := range toks {
		if e, ok := x.lex[toks[i].low]; ok {
			toks[i].kind, toks[i].cues = e.kind, e.cues
		}
	}
}
