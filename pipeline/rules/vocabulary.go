package rules

import (
	"bufio"
	"bytes"
	"fmt"
	"path"
	"sort"
	"strings"
)

// vocabularyDir is the folder of vocabulary files, beside the rule files.
const vocabularyDir = "vocabulary"

// Vocabulary is a list of terms compiled from a public source, each with the
// codes it signals: a disease with its clinical area, a role with its staff
// group. Rules use it whole (a rule with "vocabulary: NAME" gives each term's
// codes) or in part ("@NAME" or "@NAME:CODE" in a phrase list).
type Vocabulary struct {
	// Name is the file name without its folder and extension.
	Name string
	// File is the file it was read from, for messages.
	File string
	// Dimension is the taxonomy dimension of the codes, or empty when the
	// codes are names of lists declared in the file's "lists" header.
	Dimension string
	// Header holds the "# key: value" lines at the top: source, licence,
	// date, generator, …
	Header map[string]string
	// Terms are the rows, in file order.
	Terms []Term
}

// Term is one row of a vocabulary.
type Term struct {
	Text  string
	Codes []string
	// SourceID identifies the term's record in the source (a MeSH
	// descriptor, an occupation code), when the file gives one.
	SourceID string
	Line     int
}

// vocabularyHeaderRequired are the header keys every vocabulary must have, so
// that anyone can tell where its terms come from and rebuild it.
var vocabularyHeaderRequired = []string{"source", "licence", "date", "generator"}

// parseVocabulary reads a vocabulary file: "# key: value" header lines,
// then a header row "term<TAB>codes[<TAB>source_id]" and one row per term,
// codes separated by ";". Every problem is reported as "file:line: what is
// wrong".
func parseVocabulary(file string, data []byte, tax *Taxonomy) (*Vocabulary, []error) {
	v := &Vocabulary{Name: strings.TrimSuffix(path.Base(file), path.Ext(file)), File: file, Header: map[string]string{}}
	var errs []error
	fail := func(line int, format string, args ...any) {
		errs = append(errs, fmt.Errorf("%s:%d: vocabulary %s: %s", file, line, v.Name, fmt.Sprintf(format, args...)))
	}
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	line, headerRow := 0, false
	lists := map[string]bool{}
	seen := map[string]int{}
	for sc.Scan() {
		line++
		text := strings.TrimRight(sc.Text(), "\r")
		if strings.TrimSpace(text) == "" {
			continue
		}
		if rest, ok := strings.CutPrefix(text, "#"); ok {
			if headerRow {
				continue // a comment among the rows
			}
			if k, val, ok := strings.Cut(rest, ":"); ok && !strings.Contains(strings.TrimSpace(k), " ") {
				v.Header[strings.ToLower(strings.TrimSpace(k))] = strings.TrimSpace(val)
			}
			continue
		}
		if !headerRow {
			headerRow = true
			cols := strings.Split(text, "\t")
			if len(cols) < 2 || cols[0] != "term" || cols[1] != "codes" {
				fail(line, "the first row must name the columns: term<TAB>codes[<TAB>source_id]")
				return v, errs
			}
			if len(errs) > 0 {
				return v, errs
			}
			for _, k := range vocabularyHeaderRequired {
				if v.Header[k] == "" {
					fail(line, "the header names no %s (\"# %s: …\" at the top)", k, k)
				}
			}
			v.Dimension = v.Header["dimension"]
			switch {
			case v.Dimension != "" && !tax.HasDimension(v.Dimension):
				fail(line, "unknown dimension %q", v.Dimension)
			case v.Dimension == "" && v.Header["lists"] == "":
				fail(line, "the header names neither a dimension nor lists")
			}
			for _, l := range strings.Split(v.Header["lists"], ",") {
				if l = strings.TrimSpace(l); l != "" {
					lists[l] = true
				}
			}
			if len(errs) > 0 {
				return v, errs
			}
			continue
		}
		cols := strings.Split(text, "\t")
		if len(cols) < 2 || len(cols) > 3 {
			fail(line, "expected term<TAB>codes[<TAB>source_id], got %d columns", len(cols))
			continue
		}
		t := Term{Text: strings.TrimSpace(cols[0]), Line: line}
		if len(cols) == 3 {
			t.SourceID = strings.TrimSpace(cols[2])
		}
		key := phraseKey(t.Text)
		if key == "" {
			fail(line, "empty term")
			continue
		}
		if prev, dup := seen[key]; dup {
			fail(line, "duplicate term %q (first at line %d)", t.Text, prev)
			continue
		}
		seen[key] = line
		for _, c := range strings.Split(cols[1], ";") {
			c = strings.TrimSpace(c)
			if c == "" {
				continue
			}
			known := lists[c]
			if v.Dimension != "" {
				known = tax.Has(v.Dimension, c)
			}
			if !known {
				fail(line, "term %q: unknown code %q", t.Text, c)
				continue
			}
			t.Codes = append(t.Codes, c)
		}
		if len(t.Codes) == 0 {
			fail(line, "term %q: no codes", t.Text)
			continue
		}
		v.Terms = append(v.Terms, t)
	}
	if err := sc.Err(); err != nil {
		errs = append(errs, fmt.Errorf("%s: %w", file, err))
	}
	if !headerRow && len(errs) == 0 {
		fail(line, "no rows (expected a column row term<TAB>codes and terms)")
	}
	return v, errs
}

// Codes lists the codes the vocabulary's terms signal, in order of first
// appearance.
func (v *Vocabulary) Codes() []string {
	var out []string
	seen := map[string]bool{}
	for _, t := range v.Terms {
		for _, c := range t.Codes {
			if !seen[c] {
				seen[c] = true
				out = append(out, c)
			}
		}
	}
	return out
}

// TermsOf returns the terms that signal code, or every term when code is
// empty.
func (v *Vocabulary) TermsOf(code string) []string {
	var out []string
	for _, t := range v.Terms {
		if code == "" {
			out = append(out, t.Text)
			continue
		}
		for _, c := range t.Codes {
			if c == code {
				out = append(out, t.Text)
				break
			}
		}
	}
	return out
}

// phraseRefs are what "@" in a phrase list can name: a vocabulary (all its
// terms, or with ":CODE" those of one code) or a named list of a rule file.
type phraseRefs struct {
	vocabs map[string]*Vocabulary
	lists  map[string]namedList
}

// namedList is a named phrase list of a rule file.
type namedList struct {
	phrases []string
	refs    []string // the vocabularies it draws on
	at      string   // file:line
}

// expand replaces "@NAME" and "@NAME:CODE" in a phrase list by the phrases
// they name, and returns which names it used. A name that names nothing,
// or a code no term has, is an error.
func (refs *phraseRefs) expand(phrases []string) (out, used []string, err error) {
	for _, p := range phrases {
		ref, ok := strings.CutPrefix(strings.TrimSpace(p), "@")
		if !ok {
			out = append(out, p)
			continue
		}
		name, code, withCode := strings.Cut(ref, ":")
		if l, ok := refs.lists[name]; ok && !withCode {
			out = append(out, l.phrases...)
			used = append(used, name)
			used = append(used, l.refs...)
			continue
		}
		v, ok := refs.vocabs[name]
		if !ok {
			return nil, nil, fmt.Errorf("%q names no vocabulary or list (vocabularies: %s)", p, vocabNames(refs.vocabs))
		}
		terms := v.TermsOf(code)
		if len(terms) == 0 {
			return nil, nil, fmt.Errorf("%q: vocabulary %s has no term with code %q", p, name, code)
		}
		out = append(out, terms...)
		used = append(used, name)
	}
	return out, used, nil
}

func vocabNames(vocabs map[string]*Vocabulary) string {
	if len(vocabs) == 0 {
		return "none"
	}
	return strings.Join(sortedKeys(vocabs), ", ")
}

func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// Check reports what loads but cannot work as written: a vocabulary or a
// list no rule uses, and a term its own text does not match (a term that starts or ends
// with punctuation never sits on a word boundary). Each problem is
// "file:line: what is wrong".
func (rs *RuleSet) Check() []error {
	var errs []error
	used := map[string]bool{}
	for _, r := range rs.rules {
		used[r.Vocabulary] = true
		for _, ref := range r.Refs {
			used[ref] = true
		}
	}
	for _, name := range sortedKeys(rs.lists) {
		if !used[name] {
			errs = append(errs, fmt.Errorf("%s: list %s: no rule uses it (\"@%s\")", rs.lists[name], name, name))
		}
	}
	for _, name := range sortedKeys(rs.Vocabularies) {
		v := rs.Vocabularies[name]
		if !used[name] {
			errs = append(errs, fmt.Errorf("%s:1: vocabulary %s: no rule uses it (\"vocabulary: %s\" or \"@%s\")", v.File, name, name, name))
			continue // its terms are not compiled
		}
		for _, t := range v.Terms {
			text := strings.TrimPrefix(t.Text, caseMark)
			found := false
			rs.match.scan(text, func(p, start, end int) {
				found = found || (start == 0 && end == len(text))
			})
			if !found {
				errs = append(errs, fmt.Errorf("%s:%d: vocabulary %s: term %q does not match its own text", v.File, t.Line, name, t.Text))
			}
		}
	}
	return errs
}
