package rules

import (
	"fmt"
	"slices"
	"strings"
	"testing"
)

type span struct{ phrase, start, end int }

func matchAll(t testing.TB, phrases []string, text string) []span {
	t.Helper()
	keys := make([]string, len(phrases))
	for i, p := range phrases {
		keys[i] = phraseKey(p)
	}
	m, err := newMatcher(keys)
	if err != nil {
		t.Fatal(err)
	}
	var out []span
	m.scan(text, func(p, start, end int) { out = append(out, span{p, start, end}) })
	sortSpans(out)
	return out
}

func TestMatcher(t *testing.T) {
	phrases := []string{"heart", "heart failure", "chronic heart failure", "x-ray", "covid", "covid-19", "machine learning", "Épinal syndrome",
		"study", "A&E", "guy's and st thomas'", "cardiomyopathy", "ai", "type 2 diabetes mellitus", "=US", "=NICE recommends", "=CT"}
	tests := []struct {
		name, text string
		want       []string // "phrase@start:end"
	}{
		{"a short phrase", "the heart of it", []string{"heart@4:9"}},
		{"a long phrase and the phrases inside it", "Chronic Heart Failure rises",
			[]string{"chronic heart failure@0:21", "heart@8:13", "heart failure@8:21"}},
		{"a line break between words", "heart\nfailure", []string{"heart@0:5", "heart failure@0:13"}},
		{"a tab between words", "chronic heart\tfailure", []string{"chronic heart failure@0:21", "heart@8:13", "heart failure@8:21"}},
		{"two spaces part the words", "heart  failure", []string{"heart@0:5"}},
		{"a plural of the last word", "two studies and heart failures",
			[]string{"study@4:11", "heart@16:21", "heart failure@16:30"}},
		{"not inside a word", "sweetheart failure, cardiomyopathyx, aim", nil},
		{"punctuation inside a phrase", "an X-ray at A&E near Guy's and St Thomas' today",
			[]string{"x ray@3:8", "a&e@12:15", "guy's and st thomas'@21:41"}},
		{"punctuation is one mark", "A/E or A.E", []string{"a&e@0:3", "a&e@7:10"}},
		{"accents and case beyond ASCII", "ÉPINAL syndrome", []string{"épinal syndrome@0:16"}},
		{"a phrase inside a longer one at a boundary", "covid-19 wards", []string{"covid@0:5", "covid 19@0:8"}},
		{"a hyphen and a space are one", "machine-learning and x ray", []string{"machine learning@0:16", "x ray@21:26"}},
		{"a typographic apostrophe", "Guy’s and St Thomas’ hospitals", []string{"guy's and st thomas'@0:24"}},
		{"a head without its tail", "type 2 diabetes insipidus", nil},
		{"a phrase longer than its head", "dilated cardiomyopathy.", []string{"cardiomyopathy@8:22"}},
		{"a head at the end of the text", "it was the heart", []string{"heart@11:16"}},
		{"digits are read exactly", "type 1 diabetes mellitus and 0", nil},
		{"upper case", "TYPE 2 DIABETES MELLITUS AND AI", []string{"type 2 diabetes mellitus@0:24", "ai@29:31"}},
		{"a phrase in its own case", "help us in the US", []string{"=US@15:17"}},
		{"a long phrase in its own case", "how nice, recommends; NICE recommends it; NICE Recommends",
			[]string{"=NICE recommends@22:37"}},
		{"a plural of a phrase in its own case", "two CTs, three cts", []string{"=CT@4:7"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var got []string
			for _, s := range matchAll(t, phrases, tc.text) {
				got = append(got, fmt.Sprintf("%s@%d:%d", phraseKey(phrases[s.phrase]), s.start, s.end))
			}
			if strings.Join(got, " ") != strings.Join(tc.want, " ") {
				t.Errorf("got  %q\nwant %q", got, tc.want)
			}
		})
	}
}

// reference finds the phrases the slow, obvious way: every occurrence of
// every inflection of every phrase in the folded text, on word boundaries.
func reference(phrases []string, text string) []span {
	low := string(foldText(text))
	var out []span
	for id, p := range phrases {
		key, cased := phraseKey(p), ""
		if rest, ok := strings.CutPrefix(key, caseMark); ok {
			key, cased = strings.ToLower(rest), letters(rest)
		}
		for _, v := range spellings(key) {
			v = fold(v)
			for i := 0; ; {
				j := strings.Index(low[i:], v)
				if j < 0 {
					break
				}
				start, end := i+j, i+j+len(v)
				if wordBoundary(text, start, end) && strings.HasPrefix(letters(text[start:end]), cased) {
					out = append(out, span{id, start, end})
				}
				i = start + 1
			}
		}
	}
	sortSpans(out)
	return slices.Compact(out)
}

func FuzzMatcherAgreesWithTheObviousSearch(f *testing.F) {
	f.Add("heart failure|heart|failure|x-ray", "Heart failure and heart failures on an X-ray; heartfailure.")
	f.Add("a b|a|b c|ab", "a b c ab a bc")
	f.Add("tumour|tumours|chronic kidney disease", "Tumours in chronic kidney diseases")
	f.Add("0|type 2 diabetes|covid-19", "1 and type 1 diabetes, covid-18")
	f.Add("=US|us|=NICE recommends|=CT", "us and the US; NICE recommends two CTs, nice Recommends")
	f.Fuzz(func(t *testing.T, list, text string) {
		var phrases []string
		for _, p := range strings.Split(list, "|") {
			if k := phraseKey(p); k != "" && !strings.ContainsAny(k, "\t\n\r\v\f\u0085\u00a0") {
				phrases = append(phrases, k)
			}
		}
		if len(phrases) == 0 {
			return
		}
		got, want := matchAll(t, phrases, text), reference(phrases, text)
		if !slices.Equal(got, want) {
			t.Errorf("phrases %q text %q\ngot  %v\nwant %v", phrases, text, got, want)
		}
	})
}

// sortSpans orders spans by start, end and phrase.
func sortSpans(out []span) {
	slices.SortFunc(out, func(a, b span) int {
		if a.start != b.start {
			return a.start - b.start
		}
		if a.end != b.end {
			return a.end - b.end
		}
		return a.phrase - b.phrase
	})
}

// wordIndexOf is the definition wordsApart must agree with: the index of
// the word a byte offset falls in, counting every word of the text.
func wordIndexOf(s string, offset int) int {
	n := -1
	in, joined := false, false
	for i, r := range s {
		if i > offset {
			break
		}
		w := isWordRune(r)
		if w && !in && !joined {
			n++
		}
		joined = in && (r == '\'' || r == '\u2019')
		in = w
	}
	return n
}

// TestWordsApartCountsTheWordsBetweenTwoPhrases checks the near rules'
// distance against a count over the whole text, for every pair of word
// starts of texts with possessives, curly apostrophes, hyphens, digits,
// accents and markup, and that it stops counting just past the limit.
func TestWordsApartCountsTheWordsBetweenTwoPhrases(t *testing.T) {
	texts := []string{
		"A deep learning algorithm detects lung cancer on CT scans.",
		"The patient's scan — read by Brainomix’s e-Stroke — showed a 3.5 cm bleed; doctors' notes agreed.",
		"Künstliche Intelligenz erkennt Hautkrebs: a café-based trial in Zürich, 2024 (n=1,200).",
		"  spaces   and\ttabs\nand  <b>markup</b>   between   words  ",
		"rock'n'roll o'neill isn't it's ’quoted’ 'single' x-ray X‑ray",
	}
	for _, s := range texts {
		var starts []int
		for i := range s {
			if startsWord(s, i) && i < len(s) && isWordStart(s, i) {
				starts = append(starts, i)
			}
		}
		if len(starts) < 8 {
			t.Fatalf("%q: only %d word starts found", s, len(starts))
		}
		for _, a := range starts {
			for _, b := range starts {
				want := wordIndexOf(s, max(a, b)) - wordIndexOf(s, min(a, b))
				if got := wordsApart(s, a, b, 100); got != want {
					t.Errorf("%q: words between %d and %d: got %d, want %d", s, a, b, got, want)
				}
				if got := wordsApart(s, a, b, 1); want > 1 && got != 2 {
					t.Errorf("%q: %d to %d past a limit of 1: got %d, want 2 (stop just past the limit)", s, a, b, got)
				}
			}
		}
	}
}

// isWordStart reports whether a letter or digit begins at byte i.
func isWordStart(s string, i int) bool {
	r := []rune(s[i:])
	return len(r) > 0 && isWordRune(r[0]) && (i == 0 || !strings.ContainsRune("'\u2019", []rune(s[:i])[len([]rune(s[:i]))-1]))
}
