package names

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// token is a word or a mark of a field, with its byte span.
type token struct {
	text       string
	low        string // text in lower case
	start, end int
	word       bool // letters or digits; otherwise a mark
	// capital: the first letter is a capital ("Brainomix", "NHS").
	capital bool
	// shaped: capitals or digits inside the word ("eStroke", "Eye2Gene",
	// "RapidAI"): a made name whatever its position.
	shaped bool
	// opens: the token starts a sentence (or the field), where any word is
	// capitalised.
	opens bool
	// kind and cues are what the extractor knows of the word
	// (Extractor.lookUp).
	kind wordKind
	cues *wordCues
}

// joiners may sit inside a word when letters or digits follow: "Viz.ai",
// "e-Stroke", "A/S", "Guy's".
const joiners = ".-'’&+/"

// marks are the punctuation tokens the patterns read; other punctuation
// separates words and is dropped.
const marks = ",.;:()!?\"“”®™–—&"

// tokenize cuts s into words and marks. A possessive ending ("'s", "’s")
// is a token of its own, and so is a hyphenated last part that is a cue of
// the hyphen pattern ("Brainomix-developed" is "Brainomix", "-",
// "developed").
func tokenize(s string, hyphenCues map[string]bool) []token {
	// About one token in six bytes of English: one allocation, seldom two.
	toks := make([]token, 0, len(s)/5+4)
	i := 0
	for i < len(s) {
		if c := s[i]; c == ' ' || c == '\n' {
			i++ // the commonest separators: neither words nor marks
			continue
		}
		r, n := utf8.DecodeRuneInString(s[i:])
		switch {
		case unicode.IsLetter(r) || unicode.IsDigit(r):
			end := wordEnd(s, i)
			// "Attend+", "Notepad++": a made name may end in plus signs.
			if unicode.IsUpper(r) {
				for end < len(s) && s[end] == '+' && end-i < 40 {
					end++
				}
			}
			toks = appendWord(toks, s, i, end, hyphenCues)
			i = end
			// "Ultromics' EchoGo": the possessive of a name ending in s;
			// "Prenosis Inc.'s Sepsis ImmunoScore": of a name ending in an
			// abbreviation's full stop.
			n := bareApostrophe(s, toks[len(toks)-1].start, end)
			if n == 0 {
				n = abbreviatedPossessive(s, end)
			}
			if n > 0 {
				toks = append(toks, token{text: s[end : end+n], low: "'s", start: end, end: end + n})
				i += n
			}
		case strings.ContainsRune(marks, r):
			toks = append(toks, token{text: s[i : i+n], low: s[i : i+n], start: i, end: i + n})
			i += n
		default:
			i += n
		}
	}
	markOpenings(toks)
	return toks
}

// wordEnd returns where the word starting at i ends: letters and digits,
// with joiners between them.
func wordEnd(s string, i int) int {
	for i < len(s) {
		r, n := utf8.DecodeRuneInString(s[i:])
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			i += n
			continue
		}
		if strings.ContainsRune(joiners, r) && wordGoesOn(s, i+n) {
			i += n
			continue
		}
		break
	}
	return i
}

// appendWord adds the word s[start:end], split from its possessive ending
// and from a hyphen cue.
func appendWord(toks []token, s string, start, end int, hyphenCues map[string]bool) []token {
	w := s[start:end]
	possessive := ""
	if last := w[len(w)-1]; last == 's' || last == 'S' {
		for _, p := range possessives {
			if strings.HasSuffix(w, p) && len(w) > len(p) {
				possessive = p
				end -= len(p)
				w = w[:len(w)-len(p)]
				break
			}
		}
	}
	if k := strings.LastIndexByte(w, '-'); k > 0 && hyphenCues[strings.ToLower(w[k+1:])] {
		toks = append(toks, newWord(s, start, start+k))
		toks = append(toks, token{text: "-", low: "-", start: start + k, end: start + k + 1})
		toks = append(toks, newWord(s, start+k+1, end))
	} else {
		toks = append(toks, newWord(s, start, end))
	}
	if possessive != "" {
		toks = append(toks, token{text: possessive, low: "'s", start: end, end: end + len(possessive)})
	}
	return toks
}

// bareApostrophe returns the length of the apostrophe that makes the word
// s[start:end] possessive without an s ("Ultromics' EchoGo", "Siemens’
// scanners"), or 0: the word ends in s, the apostrophe ends the word, and
// no single quote opens before it in the sentence (then the apostrophe
// closes a quotation: "the ‘Smart Glasses’ project").
func bareApostrophe(s string, start, end int) int {
	if end == start || (s[end-1] != 's' && s[end-1] != 'S') {
		return 0
	}
	n := 0
	switch {
	case strings.HasPrefix(s[end:], "'"):
		n = 1
	case strings.HasPrefix(s[end:], "’"):
		n = len("’")
	default:
		return 0
	}
	if wordGoesOn(s, end+n) {
		return 0
	}
	for k := start - 1; k >= 0 && k >= start-120; k-- {
		switch s[k] {
		case '.', '\n', '!', '?':
			return n
		case '\'':
			if k == 0 || s[k-1] == ' ' || s[k-1] == '(' || s[k-1] == '"' {
				return 0
			}
		}
		if strings.HasPrefix(s[k:], "‘") {
			return 0
		}
	}
	return n
}

// abbreviatedPossessive returns the length of a full stop and a
// possessive ending at s[end:] (".'s", ".’s") before a word's end, or 0.
func abbreviatedPossessive(s string, end int) int {
	if !strings.HasPrefix(s[end:], ".") {
		return 0
	}
	for _, p := range possessives {
		if strings.HasPrefix(s[end+1:], p) {
			if n := 1 + len(p); !wordGoesOn(s, end+n) {
				return n
			}
			return 0
		}
	}
	return 0
}

// wordGoesOn reports whether a letter or a digit is at s[at:]: the mark
// before it is inside a word.
func wordGoesOn(s string, at int) bool {
	next, _ := utf8.DecodeRuneInString(s[at:])
	return at < len(s) && (unicode.IsLetter(next) || unicode.IsDigit(next))
}

// possessives are the endings appendWord splits off.
var possessives = [...]string{"'s", "’s", "'S", "’S"}

func newWord(s string, start, end int) token {
	w := s[start:end]
	t := token{text: w, low: strings.ToLower(w), start: start, end: end, word: true}
	first, n := utf8.DecodeRuneInString(w)
	t.capital = unicode.IsUpper(first)
	letters, digits := false, false
	for k, r := range w {
		switch {
		case unicode.IsDigit(r):
			digits = true
		case unicode.IsLetter(r):
			letters = true
			// A capital after the first letter, not in an all-capitals
			// word: "eStroke", "DeepMind" (and not "NHS").
			if k >= n && unicode.IsUpper(r) && !allUpper(w) {
				t.shaped = true
			}
		}
	}
	if letters && (digits || strings.HasSuffix(w, "+")) {
		t.shaped = true
	}
	return t
}

// hyphenCaps reports whether a word's only capitals inside follow hyphens
// ("Blind-Sweep", "AI-Powered"), which a headline in title case gives any
// words, and it has no digits.
func hyphenCaps(w string) bool {
	if strings.IndexFunc(w, unicode.IsDigit) >= 0 {
		return false
	}
	_, n := utf8.DecodeRuneInString(w)
	inner := false
	for k, r := range w[n:] {
		if unicode.IsUpper(r) {
			if w[n+k-1] != '-' {
				return false
			}
			inner = true
		}
	}
	return inner
}

func allUpper(w string) bool {
	for _, r := range w {
		if unicode.IsLower(r) {
			return false
		}
	}
	return true
}

// abbreviations end with a full stop that does not end a sentence.
var abbreviations = map[string]bool{
	"dr": true, "mr": true, "mrs": true, "ms": true, "prof": true, "st": true, "inc": true, "ltd": true,
	"co": true, "corp": true, "vs": true, "no": true, "u.s": true, "u.k": true, "e.g": true, "i.e": true,
	"jan": true, "feb": true, "mar": true, "apr": true, "jun": true, "jul": true, "aug": true, "sep": true,
	"sept": true, "oct": true, "nov": true, "dec": true,
}

// markOpenings marks the first word of every sentence, and the first word
// after a bracket that opens the field (a dateline or a source:
// "(Children's Hospital of Philadelphia) Automated programs can …").
func markOpenings(toks []token) {
	open := true
	leading := len(toks) > 0 && (toks[0].text == "(" || toks[0].text == "[")
	for i := range toks {
		t := &toks[i]
		if t.word {
			t.opens = open
			open = false
			continue
		}
		switch t.text {
		case ")", "]":
			if leading {
				open, leading = true, false
			}
		case ".":
			if i == 0 || !abbreviations[toks[i-1].low] {
				open = true
			}
		case "!", "?", ":", "–", "—":
			open = true
		}
	}
}
