package rules

import (
	"sort"
	"strings"
	"unicode"
	"unicode/utf8"

	ahocorasick "github.com/petar-dambovaliev/aho-corasick"

	"github.com/horizon-scan/horizon/pipeline/message"
)

// Review reasons the engine gives.
const (
	ReasonNoType          = "no type"
	ReasonConflictingType = "conflicting types"
)

// maxEvidencePerRule bounds the evidence kept for one rule's match.
const maxEvidencePerRule = 3

// conflictRatio: a second type scoring at least this share of the first makes
// the type doubtful.
const conflictRatio = 0.8

// RuleSet is a compiled, validated set of rules. It is safe for concurrent
// use.
type RuleSet struct {
	// Version is the content hash of the rule files.
	Version  string
	Taxonomy *Taxonomy
	rules    []compiled
	ac       ahocorasick.AhoCorasick
	variant  []int // automaton pattern index → phrase index
	phrases  int
}

type compiled struct {
	*Rule
	any, none []int
	all       [][]int
}

// compile assigns every distinct phrase an index and builds one automaton
// over all of them (and their simple inflections), so that matching costs
// the same whatever the number of rules.
func compile(tax *Taxonomy, rules []*Rule) *RuleSet {
	index := map[string]int{}
	var patterns []string
	var variant []int
	ids := func(ps []string) []int {
		out := make([]int, 0, len(ps))
		for _, p := range ps {
			key := phraseKey(p)
			i, ok := index[key]
			if !ok {
				i = len(index)
				index[key] = i
				for _, v := range inflections(key) {
					patterns = append(patterns, v)
					variant = append(variant, i)
				}
			}
			out = append(out, i)
		}
		return out
	}
	rs := &RuleSet{Taxonomy: tax}
	for _, r := range rules {
		c := compiled{Rule: r, any: ids(r.Any), none: ids(r.None)}
		for _, g := range r.All {
			c.all = append(c.all, ids(g))
		}
		rs.rules = append(rs.rules, c)
	}
	b := ahocorasick.NewAhoCorasickBuilder(ahocorasick.Opts{
		AsciiCaseInsensitive: true,
		MatchKind:            ahocorasick.StandardMatch,
		DFA:                  true,
	})
	rs.ac = b.Build(patterns)
	rs.variant = variant
	rs.phrases = len(index)
	return rs
}

// inflections returns a phrase and its plural forms ("scan" → "scans";
// "patch" → "patches"), so that rules need not list them.
func inflections(p string) []string {
	out := []string{p}
	last, _ := utf8.DecodeLastRuneInString(p)
	if !unicode.IsLetter(last) || strings.HasSuffix(p, "s") {
		return out
	}
	if strings.HasSuffix(p, "ch") || strings.HasSuffix(p, "sh") || strings.HasSuffix(p, "x") {
		return append(out, p+"es")
	}
	return append(out, p+"s")
}

// Rules returns the number of rules.
func (rs *RuleSet) Rules() int { return len(rs.rules) }

// Phrases returns the number of distinct phrases.
func (rs *RuleSet) Phrases() int { return rs.phrases }

type hit struct {
	field      string
	start, end int
}

// Result is what the rules say about one document.
type Result struct {
	Relevant bool
	Labels   []message.Label
	Review   message.Review
}

// Classify applies the rules to a document's title and text. The result is
// deterministic: the same input always gives the same labels in the same
// order.
func (rs *RuleSet) Classify(title, text string) Result {
	hits := make(map[int][]hit)
	rs.scan("title", title, hits)
	rs.scan("text", text, hits)
	fields := map[string]string{"title": title, "text": text}

	type key struct{ dim, code string }
	scores := map[key]*message.Label{}
	add := func(dim, code string, w float64, ev []message.Evidence) {
		k := key{dim, code}
		l, ok := scores[k]
		if !ok {
			l = &message.Label{Dimension: dim, Code: code}
			scores[k] = l
		}
		l.Score += w
		l.Evidence = append(l.Evidence, ev...)
	}
	for _, r := range rs.rules {
		ev, ok := r.match(hits, fields)
		if !ok {
			continue
		}
		for dim, codes := range r.Set {
			for _, c := range codes {
				add(dim, c, r.Weight, ev)
			}
		}
	}

	var res Result
	if rel := scores[key{DimRelevance, Relevant}]; rel == nil || rel.Score < 1 {
		return res // the gate: nothing else is said of an irrelevant document
	}
	res.Relevant = true

	// A subtype implies its type.
	for k, l := range scores {
		if k.dim == DimSubtype {
			add(DimType, ParentType(k.code), l.Score, l.Evidence)
		}
	}
	// Type takes one code: the best, ties broken by code.
	var types []*message.Label
	for k, l := range scores {
		if k.dim == DimType {
			types = append(types, l)
			delete(scores, k)
		}
	}
	sort.Slice(types, func(i, j int) bool {
		if types[i].Score != types[j].Score {
			return types[i].Score > types[j].Score
		}
		return types[i].Code < types[j].Code
	})
	switch {
	case len(types) == 0:
		res.Review.Reasons = append(res.Review.Reasons, ReasonNoType)
	default:
		scores[key{DimType, types[0].Code}] = types[0]
		if len(types) > 1 && types[1].Score >= conflictRatio*types[0].Score {
			res.Review.Reasons = append(res.Review.Reasons, ReasonConflictingType)
		}
	}
	res.Review.Needed = len(res.Review.Reasons) > 0

	for _, l := range scores {
		res.Labels = append(res.Labels, *l)
	}
	sort.Slice(res.Labels, func(i, j int) bool {
		a, b := res.Labels[i], res.Labels[j]
		if a.Dimension != b.Dimension {
			return a.Dimension < b.Dimension
		}
		return a.Code < b.Code
	})
	return res
}

// scan records every whole-word occurrence of every phrase in s.
func (rs *RuleSet) scan(field, s string, hits map[int][]hit) {
	if s == "" {
		return
	}
	it := rs.ac.IterOverlapping(s)
	for m := it.Next(); m != nil; m = it.Next() {
		start, end := m.Start(), m.End()
		if !wordBoundary(s, start, end) {
			continue
		}
		p := rs.variant[m.Pattern()]
		if len(hits[p]) < maxEvidencePerRule {
			hits[p] = append(hits[p], hit{field, start, end})
		}
	}
}

// wordBoundary reports whether s[start:end] is neither preceded nor followed
// by a letter or digit.
func wordBoundary(s string, start, end int) bool {
	if start > 0 {
		r, _ := utf8.DecodeLastRuneInString(s[:start])
		if isWordRune(r) {
			return false
		}
	}
	if end < len(s) {
		r, _ := utf8.DecodeRuneInString(s[end:])
		if isWordRune(r) {
			return false
		}
	}
	return true
}

func isWordRune(r rune) bool { return unicode.IsLetter(r) || unicode.IsDigit(r) }

// match evaluates the rule on the phrase hits and returns its evidence.
func (r compiled) match(hits map[int][]hit, fields map[string]string) ([]message.Evidence, bool) {
	for _, p := range r.none {
		if len(hits[p]) > 0 {
			return nil, false
		}
	}
	var used []int
	if len(r.any) > 0 {
		found := false
		for _, p := range r.any {
			if len(hits[p]) > 0 {
				used = append(used, p)
				found = true
			}
		}
		if !found {
			return nil, false
		}
	}
	for _, g := range r.all {
		found := false
		for _, p := range g {
			if len(hits[p]) > 0 {
				used = append(used, p)
				found = true
				break
			}
		}
		if !found {
			return nil, false
		}
	}
	var ev []message.Evidence
	for _, p := range used {
		for _, h := range hits[p] {
			if len(ev) == maxEvidencePerRule {
				return ev, true
			}
			ev = append(ev, message.Evidence{RuleID: r.ID, Field: h.field, Start: h.start, End: h.end, Snippet: fields[h.field][h.start:h.end]})
		}
	}
	return ev, true
}
