package rules

import (
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"

	"gopkg.in/yaml.v3"

	"github.com/horizon-scan/horizon/pipeline/yamlsyntax"

	"github.com/horizon-scan/horizon/pipeline/message"
)

// Rule is one rule as written in a rule file.
type Rule struct {
	// ID names the rule in evidence and errors; unique across all files.
	ID string
	// Set is the codes the rule assigns when it matches, per dimension.
	Set map[string][]string
	// Any: at least one of these phrases must occur.
	Any []string
	// All: every group must have at least one of its phrases occur.
	All [][]string
	// None: the rule does not match if any of these occurs.
	None []string
	// Near: a phrase of A within Within words of a phrase of B.
	Near *Near
	// Punctuation: at least one of these marks must occur (in Field). A
	// headline's shape is evidence too: "Topic: subtitle" headlines
	// introduce features more often than announcements. A rule may ask for
	// punctuation alone.
	Punctuation []string
	// Field limits matching to "title" or "text"; empty means both.
	Field string
	// Weight is added to each code's score when the rule matches (default
	// 1). A negative weight is evidence against the codes.
	Weight float64
	// Review, when set, sends every document the rule matches to review
	// with this reason.
	Review string
	// Fallback marks weak evidence for a single-valued dimension (type): it
	// counts only when no code of the dimension reaches the threshold; the
	// code with the most such evidence is then taken and the document goes
	// to review saying so.
	Fallback bool
	// Match and NoMatch are examples: texts whose classification must
	// (must not) carry the rule's codes. "classifier rules test" runs them.
	Match, NoMatch []Example
	// Org is the organisation a gazetteer rule stands for.
	Org *message.Organisation
	// Vocabulary names the vocabulary a rule takes its terms and codes
	// from; such a rule is compiled as one rule per code, Part counting
	// them from 0.
	Vocabulary string
	Part       int
	// Refs names the vocabularies and lists the rule's phrases draw on
	// ("@NAME").
	Refs []string
	// File and Line locate the rule for error messages.
	File string
	Line int
}

// Near asks for two phrases close together.
type Near struct {
	Within int      `yaml:"within"`
	A      []string `yaml:"a"`
	B      []string `yaml:"b"`
}

// Example is a text in a rule file that the rule must (or must not) fire on,
// with the line it is on.
type Example struct {
	Text string
	Line int
}

type ruleYAML struct {
	ID       string               `yaml:"id"`
	Set      map[string]yaml.Node `yaml:"set"`
	Any      []string             `yaml:"any"`
	All      [][]string           `yaml:"all"`
	None     []string             `yaml:"none"`
	Near     *Near                `yaml:"near"`
	Punct    []string             `yaml:"punctuation"`
	Field    string               `yaml:"field"`
	Weight   *float64             `yaml:"weight"`
	Vocab    string               `yaml:"vocabulary"`
	Review   string               `yaml:"review"`
	Fallback bool                 `yaml:"fallback"`
	Examples *struct {
		Match   []yaml.Node `yaml:"match"`
		NoMatch []yaml.Node `yaml:"no_match"`
	} `yaml:"examples"`
}

var ruleKeys = map[string]bool{"id": true, "set": true, "any": true, "all": true, "none": true, "near": true,
	"field": true, "weight": true, "review": true, "examples": true, "vocabulary": true, "fallback": true,
	"punctuation": true}

// ruleFile is a rule file read but not yet parsed: its rules, and its
// named phrase lists.
type ruleFile struct {
	name         string
	rules, lists *yaml.Node
}

// readRuleFile reads a file of the form
//
//	lists:                          # optional: phrase lists to use as "@name"
//	  scans: [CT, MRI, X-ray]
//	rules:
//	  - id: imaging
//	    set: {subtype: DIAGNOSTIC.IMAGING, clinical_area: [CLINICAL_RADIOLOGY]}
//	    any: [radiology, "@scans", mammography]
//
// and checks its shape.
func readRuleFile(file string, data []byte) (ruleFile, error) {
	rf := ruleFile{name: file}
	var root yaml.Node
	if err := yaml.Unmarshal(data, &root); err != nil {
		return rf, yamlsyntax.Locate(file, data, err)
	}
	if len(root.Content) == 0 {
		return rf, fmt.Errorf("%s: empty file", file)
	}
	top := root.Content[0]
	if top.Kind == yaml.MappingNode {
		for i := 0; i+1 < len(top.Content); i += 2 {
			switch k := top.Content[i]; k.Value {
			case "rules":
				rf.rules = top.Content[i+1]
			case "lists":
				rf.lists = top.Content[i+1]
			default:
				return rf, fmt.Errorf("%s:%d: unknown key %q (a rule file has \"lists\" and \"rules\")", file, k.Line, k.Value)
			}
		}
	}
	if rf.rules == nil || rf.rules.Kind != yaml.SequenceNode {
		return rf, fmt.Errorf("%s:%d: expected \"rules:\" followed by a list of rules", file, top.Line)
	}
	if rf.lists != nil && rf.lists.Kind != yaml.MappingNode {
		return rf, fmt.Errorf("%s:%d: expected \"lists:\" followed by named lists of phrases", file, rf.lists.Line)
	}
	return rf, nil
}

// addLists adds the file's named phrase lists to refs, and reports every
// problem as "file:line: list name: what is wrong". A list may draw on the
// vocabularies ("@diseases:STROKE"), not on other lists.
func (rf ruleFile) addLists(refs *phraseRefs) []error {
	if rf.lists == nil {
		return nil
	}
	var errs []error
	for i := 0; i+1 < len(rf.lists.Content); i += 2 {
		k, v := rf.lists.Content[i], rf.lists.Content[i+1]
		fail := func(format string, args ...any) {
			errs = append(errs, fmt.Errorf("%s:%d: list %s: %s", rf.name, k.Line, k.Value, fmt.Sprintf(format, args...)))
		}
		var phrases []string
		if err := v.Decode(&phrases); err != nil || len(phrases) == 0 {
			fail("expected a list of phrases")
			continue
		}
		if strings.Contains(k.Value, ":") || strings.TrimSpace(k.Value) != k.Value || k.Value == "" {
			fail("a list name has no colon or space")
			continue
		}
		if _, ok := refs.vocabs[k.Value]; ok {
			fail("a vocabulary has this name")
			continue
		}
		if prev, ok := refs.lists[k.Value]; ok {
			fail("duplicate list (first at %s)", prev.at)
			continue
		}
		for _, p := range phrases {
			if phraseKey(p) == "" {
				fail("empty phrase")
			}
			if strings.HasPrefix(strings.TrimSpace(p), "@") {
				if _, isList := refs.lists[strings.TrimPrefix(strings.TrimSpace(p), "@")]; isList {
					fail("%q: a list draws on vocabularies, not on other lists", p)
				}
			}
		}
		expanded, used, err := refs.expand(phrases)
		if err != nil {
			fail("%v", err)
			continue
		}
		refs.lists[k.Value] = namedList{phrases: expanded, refs: used, at: fmt.Sprintf("%s:%d", rf.name, k.Line)}
	}
	return errs
}

// parseRules returns the file's rules and every problem found, each as
// "file:line: rule id: what is wrong".
func (rf ruleFile) parseRules(tax *Taxonomy, refs *phraseRefs) ([]*Rule, []error) {
	var out []*Rule
	var errs []error
	for _, n := range rf.rules.Content {
		rs, err := parseRule(rf.name, n, tax, refs)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		out = append(out, rs...)
	}
	return out, errs
}

func parseRule(file string, n *yaml.Node, tax *Taxonomy, refs *phraseRefs) ([]*Rule, error) {
	id := "?"
	if n.Kind == yaml.MappingNode {
		for i := 0; i+1 < len(n.Content); i += 2 {
			if n.Content[i].Value == "id" {
				id = n.Content[i+1].Value
			}
		}
	}
	fail := func(line int, format string, args ...any) error {
		return fmt.Errorf("%s:%d: rule %s: %s", file, line, id, fmt.Sprintf(format, args...))
	}
	if n.Kind != yaml.MappingNode {
		return nil, fail(n.Line, "expected a mapping")
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		if k := n.Content[i]; !ruleKeys[k.Value] {
			return nil, fail(k.Line, "unknown key %q", k.Value)
		}
	}
	var y ruleYAML
	if err := n.Decode(&y); err != nil {
		return nil, fail(n.Line, "%v", err)
	}
	if y.ID == "" {
		return nil, fail(n.Line, "id is missing")
	}
	r := &Rule{ID: y.ID, Any: y.Any, All: y.All, None: y.None, Near: y.Near, Punctuation: y.Punct, Field: y.Field,
		Review: y.Review, Fallback: y.Fallback, Weight: 1, File: file, Line: n.Line, Set: map[string][]string{}}
	if y.Weight != nil {
		if *y.Weight == 0 {
			return nil, fail(n.Line, "weight 0 would do nothing (use a negative weight for evidence against)")
		}
		r.Weight = *y.Weight
	}
	switch r.Field {
	case "", "title", "text":
	default:
		return nil, fail(n.Line, "field %q is not title or text", r.Field)
	}
	if r.Near != nil && (r.Near.Within < 1 || len(r.Near.A) == 0 || len(r.Near.B) == 0) {
		return nil, fail(n.Line, "near needs within (at least 1) and phrases in a and b")
	}
	if y.Examples != nil {
		for _, ex := range []struct {
			nodes []yaml.Node
			into  *[]Example
		}{{y.Examples.Match, &r.Match}, {y.Examples.NoMatch, &r.NoMatch}} {
			for _, en := range ex.nodes {
				if en.Kind != yaml.ScalarNode || strings.TrimSpace(en.Value) == "" {
					return nil, fail(en.Line, "an example must be a non-empty text")
				}
				*ex.into = append(*ex.into, Example{Text: en.Value, Line: en.Line})
			}
		}
	}
	var vocab *Vocabulary
	switch {
	case y.Vocab != "" && len(y.Set) > 0:
		return nil, fail(n.Line, "a rule takes its codes from set or from a vocabulary, not both")
	case y.Vocab != "":
		v, ok := refs.vocabs[y.Vocab]
		if !ok {
			return nil, fail(n.Line, "vocabulary %q: no such file under %s/ (have %s)", y.Vocab, vocabularyDir, vocabNames(refs.vocabs))
		}
		if v.Dimension == "" {
			return nil, fail(n.Line, "vocabulary %q has lists, not codes of a dimension: use it as @%s:LIST in a phrase list", y.Vocab, y.Vocab)
		}
		vocab, r.Vocabulary = v, v.Name
	case len(y.Set) == 0:
		return nil, fail(n.Line, "set is missing: a rule must assign at least one code (or take them from a vocabulary)")
	}
	for dim, v := range y.Set {
		if !tax.HasDimension(dim) {
			return nil, fail(v.Line, "unknown dimension %q", dim)
		}
		var codes []string
		switch v.Kind {
		case yaml.ScalarNode:
			codes = []string{v.Value}
		case yaml.SequenceNode:
			if err := v.Decode(&codes); err != nil {
				return nil, fail(v.Line, "set %s: %v", dim, err)
			}
		default:
			return nil, fail(v.Line, "set %s: expected a code or a list of codes", dim)
		}
		for _, c := range codes {
			if !tax.Has(dim, c) {
				return nil, fail(v.Line, "unknown %s code %q", dim, c)
			}
		}
		r.Set[dim] = codes
	}
	if r.Fallback {
		if r.Weight < 0 || vocab != nil {
			return nil, fail(n.Line, "a fallback rule is evidence for codes of set, with a positive weight")
		}
		for dim := range r.Set {
			if !singleValued[dim] {
				return nil, fail(n.Line, "fallback: %s is not a single-valued dimension (%s)", dim, strings.Join(sortedKeys(singleValued), ", "))
			}
		}
	}
	for _, m := range r.Punctuation {
		if !isPunctuationMark(m) {
			return nil, fail(n.Line, "punctuation %q: one mark, such as \":\" or \"?\"", m)
		}
	}
	if vocab != nil && len(r.Punctuation) > 0 {
		return nil, fail(n.Line, "a vocabulary rule matches its terms only (no punctuation)")
	}
	if vocab == nil && len(r.Any) == 0 && len(r.All) == 0 && r.Near == nil && len(r.Punctuation) == 0 {
		return nil, fail(n.Line, "needs \"any\", \"all\" or \"near\" phrases, or \"punctuation\"")
	}
	groups := []*[]string{&r.Any, &r.None}
	for i := range r.All {
		groups = append(groups, &r.All[i])
	}
	if r.Near != nil {
		groups = append(groups, &r.Near.A, &r.Near.B)
	}
	for _, g := range groups {
		for _, p := range *g {
			if phraseKey(p) == "" {
				return nil, fail(n.Line, "empty phrase")
			}
		}
		expanded, used, err := refs.expand(*g)
		if err != nil {
			return nil, fail(n.Line, "%v", err)
		}
		*g = expanded
		r.Refs = append(r.Refs, used...)
	}
	for i, g := range r.All {
		if len(g) == 0 {
			return nil, fail(n.Line, "all[%d] is an empty group", i)
		}
	}
	if vocab == nil {
		return []*Rule{r}, nil
	}
	// A vocabulary rule stands for one rule per code: its terms, plus the
	// rule's own phrases, any of which gives the code.
	var out []*Rule
	for i, code := range vocab.Codes() {
		part := *r
		part.Part = i
		part.Any = append(vocab.TermsOf(code), r.Any...)
		part.Set = map[string][]string{vocab.Dimension: {code}}
		if i > 0 {
			part.Match, part.NoMatch = nil, nil // examples are tested once, on the whole rule
		}
		out = append(out, &part)
	}
	return out, nil
}

// isPunctuationMark reports whether m is one punctuation mark or symbol
// ("?", ":", "!", "™").
func isPunctuationMark(m string) bool {
	r, size := utf8.DecodeRuneInString(m)
	return size == len(m) && r != utf8.RuneError && (unicode.IsPunct(r) || unicode.IsSymbol(r))
}
