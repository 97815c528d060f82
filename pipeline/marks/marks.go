// Package marks finds the regulatory marks a document reports for the
// technology it announces (FDA clearances and designations, CE and UKCA
// marks, MHRA registration, NICE guidance), each with its reference and the
// words it rests on, by the readable rules of rules/marks/marks.yaml.
package marks

import (
	"errors"
	"fmt"
	"io/fs"
	"path"
	"regexp"
	"slices"
	"strings"

	"github.com/coregx/ahocorasick"
	"gopkg.in/yaml.v3"

	"github.com/horizon-scan/horizon/pipeline/message"
	"github.com/horizon-scan/horizon/pipeline/yamlsyntax"
)

// File is the marks file, under the rules folder.
const File = "marks/marks.yaml"

// Kind is one kind of mark and how a text reports it.
type Kind struct {
	Code, Name string
	phrases    *regexp.Regexp
	reference  *regexp.Regexp
	requires   *regexp.Regexp
	Line       int
	// lower are the phrases in lower case: a field none of them is in
	// needs no regular expression.
	lower []string
}

// mayOccur reports whether the kind can be in a field (phrased: one of
// its phrases is in the field, in any case; references: some kind's
// reference is in it): a phrase is, or a reference that is a mark by
// itself or with a required word.
func (k Kind) mayOccur(field string, phrased, references bool) bool {
	return phrased || references && k.reference != nil && (k.requires != nil || referenceAlone(k) || k.phrases == nil) &&
		k.reference.MatchString(field)
}

// wordsWithDigits returns the words of s that hold a digit ("K192854",
// "MTG74", "GID-HTE10012"), joined by spaces: the only words a reference
// that is a mark by itself can be. Scanning them is much cheaper than
// scanning the text.
func wordsWithDigits(s string) string {
	var b strings.Builder
	start, digit := -1, false
	for i := 0; i <= len(s); i++ {
		c := byte(' ')
		if i < len(s) {
			c = s[i]
		}
		word := c >= '0' && c <= '9' || c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c == '-' || c == '/' || c >= 0x80
		switch {
		case word && start < 0:
			start, digit = i, c >= '0' && c <= '9'
		case word:
			digit = digit || c >= '0' && c <= '9'
		case start >= 0:
			if digit {
				b.WriteString(s[start:i])
				b.WriteByte(' ')
			}
			start = -1
		}
	}
	return b.String()
}

// referenceKinds is one regular expression of the references of every
// kind whose reference is a mark by itself: a field it does not match
// needs no kind's reference sought.
func referenceKinds(kinds []Kind) *regexp.Regexp {
	var alts []string
	for _, k := range kinds {
		if k.reference != nil && (k.requires != nil || referenceAlone(k) || k.phrases == nil) {
			alts = append(alts, "(?:"+k.reference.String()+")")
		}
	}
	if len(alts) == 0 {
		return nil
	}
	return regexp.MustCompile(strings.Join(alts, "|"))
}

// Finder finds marks. It is safe for concurrent use.
type Finder struct {
	file     string
	kinds    []Kind
	notYet   *regexp.Regexp
	examples []example
	// references finds any kind's reference (referenceKinds).
	references *regexp.Regexp
	// phrases holds every kind's phrases in lower case, one automaton
	// for all: one pass over a field says which kinds' phrases are in it
	// (phraseKinds: automaton pattern → the kinds with that phrase).
	phrases     *ahocorasick.Automaton
	phraseKinds [][]int
}

type example struct {
	text  string
	marks []string
	line  int
}

type fileYAML struct {
	Marks    []yaml.Node `yaml:"marks"`
	NotYet   []string    `yaml:"not_yet"`
	Examples []yaml.Node `yaml:"examples"`
}

type kindYAML struct {
	Kind      string   `yaml:"kind"`
	Name      string   `yaml:"name"`
	Phrases   []string `yaml:"phrases"`
	Reference string   `yaml:"reference"`
	Requires  []string `yaml:"requires"`
}

type exampleYAML struct {
	Text  string   `yaml:"text"`
	Marks []string `yaml:"marks"`
}

// Load reads the marks file of a rules folder (label names it in errors).
func Load(fsys fs.FS, label string) (*Finder, error) {
	data, err := fs.ReadFile(fsys, File)
	if err != nil {
		return nil, fmt.Errorf("reading %s: %w", path.Join(label, File), err)
	}
	return Parse(path.Join(label, File), data)
}

// Parse reads a marks file. Every problem is reported as "file:line: what
// is wrong", all of them.
func Parse(file string, data []byte) (*Finder, error) {
	var root yaml.Node
	if err := yaml.Unmarshal(data, &root); err != nil {
		return nil, yamlsyntax.Locate(file, data, err)
	}
	if len(root.Content) == 0 {
		return nil, fmt.Errorf("%s: empty file", file)
	}
	var fy fileYAML
	if err := root.Content[0].Decode(&fy); err != nil {
		return nil, fmt.Errorf("%s: %w", file, err)
	}
	f := &Finder{file: file}
	var errs []error
	fail := func(line int, format string, args ...any) {
		errs = append(errs, fmt.Errorf("%s:%d: %s", file, line, fmt.Sprintf(format, args...)))
	}
	for _, n := range fy.Marks {
		var ky kindYAML
		if err := n.Decode(&ky); err != nil {
			fail(n.Line, "%v", err)
			continue
		}
		k, err := compileKind(ky, n.Line)
		if err != nil {
			fail(n.Line, "mark %s: %v", ky.Kind, err)
			continue
		}
		if slices.ContainsFunc(f.kinds, func(o Kind) bool { return o.Code == k.Code }) {
			fail(n.Line, "mark %s: duplicate kind", k.Code)
			continue
		}
		f.kinds = append(f.kinds, k)
	}
	if len(f.kinds) == 0 && len(errs) == 0 {
		fail(root.Content[0].Line, "no marks")
	}
	f.notYet = phraseRegexp(fy.NotYet)
	f.references = referenceKinds(f.kinds)
	var lower []string
	for i, k := range f.kinds {
		for _, p := range k.lower {
			j := slices.Index(lower, p)
			if j < 0 {
				j = len(lower)
				lower = append(lower, p)
				f.phraseKinds = append(f.phraseKinds, nil)
			}
			f.phraseKinds[j] = append(f.phraseKinds[j], i)
		}
	}
	if len(lower) > 0 {
		ac, err := ahocorasick.NewBuilder().AddStrings(lower).Build()
		if err != nil {
			return nil, fmt.Errorf("%s: building the automaton of the phrases: %w", file, err)
		}
		f.phrases = ac
	}
	for _, n := range fy.Examples {
		var ex exampleYAML
		if err := n.Decode(&ex); err != nil || strings.TrimSpace(ex.Text) == "" {
			fail(n.Line, "an example needs a text and its marks")
			continue
		}
		f.examples = append(f.examples, example{ex.Text, ex.Marks, n.Line})
	}
	return f, errors.Join(errs...)
}

func compileKind(ky kindYAML, line int) (Kind, error) {
	k := Kind{Code: ky.Kind, Name: ky.Name, Line: line}
	switch {
	case ky.Kind == "" || strings.ToUpper(ky.Kind) != ky.Kind:
		return k, errors.New("kind must be a code in capitals")
	case ky.Name == "":
		return k, errors.New("name is required")
	case len(ky.Phrases) == 0 && ky.Reference == "":
		return k, errors.New("phrases or a reference pattern are required")
	}
	for _, p := range ky.Phrases {
		if strings.TrimSpace(p) == "" {
			return k, errors.New("empty phrase")
		}
	}
	k.phrases = phraseRegexp(ky.Phrases)
	for _, p := range ky.Phrases {
		k.lower = append(k.lower, strings.ToLower(strings.TrimSpace(p)))
	}
	if ky.Reference != "" {
		re, err := regexp.Compile(ky.Reference)
		if err != nil {
			return k, fmt.Errorf("reference: %v", err)
		}
		k.reference = re
	}
	k.requires = phraseRegexp(ky.Requires)
	return k, nil
}

// phraseRegexp matches any of the phrases as whole words, whatever the
// case; nil for none.
func phraseRegexp(phrases []string) *regexp.Regexp {
	if len(phrases) == 0 {
		return nil
	}
	// The longest first, so that "510(k) clearance" wins over "510(k)".
	sorted := slices.Clone(phrases)
	slices.SortStableFunc(sorted, func(a, b string) int { return len(b) - len(a) })
	alts := make([]string, len(sorted))
	for i, p := range sorted {
		alts[i] = regexp.QuoteMeta(strings.TrimSpace(p))
	}
	return regexp.MustCompile(`(?i)(?:^|[^\pL\pN])(` + strings.Join(alts, "|") + `)(?:$|[^\pL\pN])`)
}

// Kinds lists the kinds of mark, in the file's order.
func (f *Finder) Kinds() []Kind { return slices.Clone(f.kinds) }

// Find returns the marks a title and text report, in the order of the
// file's kinds, one per kind and reference. A general FDA mark gives way to
// a specific one.
func (f *Finder) Find(title, text string) []message.Mark {
	var out []message.Mark
	seen := map[string]int{}
	for _, fld := range []struct{ name, s string }{{"title", title}, {"text", text}} {
		// Most texts report no mark: the kinds that may be there are found
		// with a substring search before any regular expression runs.
		phrased := make([]bool, len(f.kinds))
		if f.phrases != nil {
			for _, m := range f.phrases.FindAllOverlapping([]byte(strings.ToLower(fld.s))) {
				for _, k := range f.phraseKinds[m.PatternID] {
					phrased[k] = true
				}
			}
		}
		references := f.references != nil && f.references.MatchString(wordsWithDigits(fld.s))
		var kinds []Kind
		for i, k := range f.kinds {
			if k.mayOccur(fld.s, phrased[i], references) {
				kinds = append(kinds, k)
			}
		}
		if len(kinds) == 0 {
			continue
		}
		for _, sent := range sentences(fld.s) {
			for _, k := range kinds {
				for _, m := range f.inSentence(k, fld.s, sent, fld.name) {
					key := m.Kind + "\x00" + m.Reference
					if i, ok := seen[key]; ok {
						if len(out[i].Evidence) < 4 {
							out[i].Evidence = append(out[i].Evidence, m.Evidence...)
						}
						continue
					}
					seen[key] = len(out)
					out = append(out, m)
				}
			}
		}
	}
	specific := slices.ContainsFunc(out, func(m message.Mark) bool { return strings.HasPrefix(m.Kind, "FDA_") })
	if specific {
		out = slices.DeleteFunc(out, func(m message.Mark) bool { return m.Kind == "FDA" })
	}
	// "UKCA marking" in the headline and "UKCA marking as a class IIa
	// device" in the text are one mark: the one with its reference.
	referenced := map[string]bool{}
	for _, m := range out {
		if m.Reference != "" {
			referenced[m.Kind] = true
		}
	}
	out = slices.DeleteFunc(out, func(m message.Mark) bool { return m.Reference == "" && referenced[m.Kind] })
	slices.SortStableFunc(out, func(a, b message.Mark) int { return f.order(a.Kind) - f.order(b.Kind) })
	return out
}

func (f *Finder) order(code string) int {
	return slices.IndexFunc(f.kinds, func(k Kind) bool { return k.Code == code })
}

// span is a part of a field: [start, end).
type span struct{ start, end int }

// sentences cuts s at full stops, question and exclamation marks and line
// breaks.
func sentences(s string) []span {
	var out []span
	start := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c == '\n' || ((c == '.' || c == '!' || c == '?') && (i+1 == len(s) || s[i+1] == ' ' || s[i+1] == '\n')) {
			out = append(out, span{start, i + 1})
			start = i + 1
		}
	}
	if start < len(s) {
		out = append(out, span{start, len(s)})
	}
	return out
}

// inSentence finds one kind's marks in a sentence of a field.
func (f *Finder) inSentence(k Kind, field string, sent span, name string) []message.Mark {
	text := field[sent.start:sent.end]
	if k.requires != nil && !k.requires.MatchString(text) {
		return nil
	}
	var refs []string
	var refSpans [][]int
	if k.reference != nil {
		refSpans = k.reference.FindAllStringIndex(text, -1)
		for _, r := range refSpans {
			refs = append(refs, normaliseReference(text[r[0]:r[1]]))
		}
	}
	var hits [][]int
	if k.phrases != nil {
		for _, m := range k.phrases.FindAllStringSubmatchIndex(text, -1) {
			hits = append(hits, m[2:4])
		}
	}
	if len(hits) == 0 && k.phrases != nil && k.requires == nil && !referenceAlone(k) {
		return nil
	}
	if len(hits) == 0 {
		hits = refSpans // the reference is the mark ("K192854", "MTG74")
	}
	var out []message.Mark
	for _, h := range hits {
		if f.sought(text, h[0]) {
			continue
		}
		m := message.Mark{Kind: k.Code, Evidence: []message.Evidence{{RuleID: "marks." + strings.ToLower(k.Code),
			Field: name, Start: sent.start + h[0], End: sent.start + h[1], Snippet: text[h[0]:h[1]]}}}
		if len(refs) > 0 {
			m.Reference = refs[0]
		}
		out = append(out, m)
	}
	return out
}

// referenceAlone reports whether a kind's reference is a mark by itself: a
// submission number or a guidance id is; a device class is not.
func referenceAlone(k Kind) bool {
	return k.reference != nil && !strings.Contains(strings.ToLower(k.reference.String()), "class")
}

// sought reports whether a word of not_yet comes within five words before
// position i of text.
func (f *Finder) sought(text string, i int) bool {
	if f.notYet == nil {
		return false
	}
	before := strings.Fields(text[:i])
	if len(before) > 5 {
		before = before[len(before)-5:]
	}
	return f.notYet.MatchString(strings.Join(before, " "))
}

// normaliseReference writes a reference one way: "class iia" is "Class IIa".
func normaliseReference(r string) string {
	fields := strings.Fields(r)
	if len(fields) == 2 && strings.EqualFold(fields[0], "class") {
		c := strings.ToUpper(fields[1])
		c = strings.Replace(strings.Replace(c, "IIA", "IIa", 1), "IIB", "IIb", 1)
		return "Class " + c
	}
	return strings.ToUpper(r)
}

// TestExamples finds the marks of every example of the file and returns
// "file:line: want …, got …" for each that differs, with the number run.
func (f *Finder) TestExamples() ([]string, int) {
	var fails []string
	for _, ex := range f.examples {
		var got []string
		for _, m := range f.Find("", ex.text) {
			got = append(got, strings.TrimSpace(m.Kind+" "+m.Reference))
		}
		want := slices.Clone(ex.marks)
		if !slices.Equal(got, want) {
			fails = append(fails, fmt.Sprintf("%s:%d: want %v, got %v: %q", f.file, ex.line, want, got, ex.text))
		}
	}
	return fails, len(f.examples)
}
