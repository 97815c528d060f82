package rules

import (
	"fmt"
	"math"
	"slices"
	"sort"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/horizon-scan/horizon/pipeline/message"
)

// Review reasons the engine gives.
const (
	ReasonNoType          = "no type"
	ReasonConflictingType = "conflicting types"
	ReasonLowConfidence   = "low confidence"
)

// maxEvidence bounds the evidence kept per rule match and per phrase.
const maxEvidence = 3

// conflictRatio: a second type scoring at least this share of the first makes
// the type doubtful.
const conflictRatio = 0.8

// singleValued dimensions take one code: the best.
var singleValued = map[string]bool{DimType: true, DimHorizon: true}

// RuleSet is a compiled, validated set of rules. It is safe for concurrent
// use.
type RuleSet struct {
	// Version is the content hash of the rule files.
	Version  string
	Taxonomy *Taxonomy
	Settings *Settings
	// Vocabularies are the vocabulary files the rules draw on, by name.
	Vocabularies map[string]*Vocabulary
	lists        map[string]string // named lists of the rule files → file:line
	rules        []compiled
	match        *matcher
	users        [][]int // phrase index → rules that need it to match (any, all, near)
	phrases      int
}

type compiled struct {
	*Rule
	any, none    group
	all          []group
	nearA, nearB group
}

// group is a rule's list of phrases (by index). A long list, as a
// vocabulary gives, also keeps a set, so that a document is checked against
// the phrases it contains rather than the list against the document.
type group struct {
	ids []int
	set map[int]struct{}
}

// longGroup is the length from which a group keeps a set.
const longGroup = 32

func newGroup(ids []int) group {
	g := group{ids: ids}
	if len(ids) >= longGroup {
		g.set = make(map[int]struct{}, len(ids))
		for _, id := range ids {
			g.set[id] = struct{}{}
		}
	}
	return g
}

// present calls fn for each phrase of the group that occurs in hits, in
// the group's order for a short group; it stops when fn returns false.
func (g group) present(hits map[int][]hit, fn func(p int) bool) {
	if g.set != nil && len(hits) < len(g.ids) {
		ps := make([]int, 0, len(hits))
		for p := range hits {
			if _, ok := g.set[p]; ok {
				ps = append(ps, p)
			}
		}
		sort.Ints(ps) // deterministic evidence
		for _, p := range ps {
			if !fn(p) {
				return
			}
		}
		return
	}
	for _, p := range g.ids {
		if _, ok := hits[p]; ok && !fn(p) {
			return
		}
	}
}

// compile assigns every distinct phrase an index and builds one matcher
// over all of them (and their simple inflections), so that matching costs
// the same whatever the number of rules.
func compile(tax *Taxonomy, settings *Settings, rules []*Rule) (*RuleSet, error) {
	index := map[string]int{}
	var keys []string
	ids := func(ps []string) []int {
		out := make([]int, 0, len(ps))
		for _, p := range ps {
			key := phraseKey(p)
			i, ok := index[key]
			if !ok {
				i = len(keys)
				index[key] = i
				keys = append(keys, key)
			}
			out = append(out, i)
		}
		return out
	}
	rs := &RuleSet{Taxonomy: tax, Settings: settings}
	for _, r := range rules {
		c := compiled{Rule: r, any: newGroup(ids(r.Any)), none: newGroup(ids(r.None))}
		for _, g := range r.All {
			c.all = append(c.all, newGroup(ids(g)))
		}
		if r.Near != nil {
			c.nearA, c.nearB = newGroup(ids(r.Near.A)), newGroup(ids(r.Near.B))
		}
		rs.rules = append(rs.rules, c)
	}
	m, err := newMatcher(keys)
	if err != nil {
		return nil, err
	}
	rs.match = m
	rs.phrases = len(index)
	// A rule can match only if one of its positive phrases occurs: index
	// the rules by those phrases, so that a document costs the rules its
	// phrases touch, not every rule of the set.
	rs.users = make([][]int, len(index))
	for i, r := range rs.rules {
		seen := map[int]bool{}
		groups := append([]group{r.any, r.nearA}, r.all...)
		for _, g := range groups {
			for _, p := range g.ids {
				if !seen[p] {
					seen[p] = true
					rs.users[p] = append(rs.users[p], i)
				}
			}
		}
	}
	return rs, nil
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
	if strings.HasSuffix(p, "y") && len(p) > 2 && !strings.ContainsRune("aeiou", rune(p[len(p)-2])) {
		return append(out, p+"s", p[:len(p)-1]+"ies")
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
	// Gate is the relevance score and its evidence (every rule for and
	// against), whether or not the document passed: it says why.
	Gate          message.Label
	Labels        []message.Label
	Review        message.Review
	Organisations []message.Organisation
}

type key struct{ dim, code string }

// Classify applies the rules to a document's title and text. The result is
// deterministic: the same input always gives the same labels in the same
// order.
func (rs *RuleSet) Classify(title, text string) Result {
	fields := map[string]string{"title": blankTags(title), "text": blankTags(text)}
	hits := make(map[int][]hit)
	rs.scan("title", fields["title"], hits)
	rs.scan("text", fields["text"], hits)
	words := &wordIndex{fields: fields}

	scores := map[key]*message.Label{}
	add := func(dim, code string, w float64, ev []message.Evidence) {
		k := key{dim, code}
		l, ok := scores[k]
		if !ok {
			l = &message.Label{Dimension: dim, Code: code}
			scores[k] = l
		}
		l.Score += w
		if len(l.Evidence) < 4*maxEvidence {
			l.Evidence = append(l.Evidence, ev...)
		}
	}
	var reviews []string
	var orgs []message.Organisation
	for _, i := range rs.candidates(hits) {
		r := rs.rules[i]
		ev, ok := r.match(hits, fields, words)
		if !ok {
			continue
		}
		if r.Org != nil {
			org := *r.Org
			org.Evidence = ev
			orgs = append(orgs, org)
		}
		for dim, codes := range r.Set {
			for _, c := range codes {
				add(dim, c, r.Weight, ev)
			}
		}
		if r.Review != "" {
			reviews = append(reviews, "rule "+r.ID+": "+r.Review)
		}
	}

	res := Result{Gate: message.Label{Dimension: DimRelevance, Code: Relevant}}
	if rel := scores[key{DimRelevance, Relevant}]; rel != nil {
		res.Gate.Score, res.Gate.Evidence = rel.Score, slices.Clone(rel.Evidence)
	}
	if res.Gate.Score < rs.Settings.threshold(DimRelevance) {
		return res // the gate: nothing else is said of an irrelevant document
	}
	res.Relevant = true
	res.Organisations = orgs

	// A subtype implies its type.
	for k, l := range scores {
		if k.dim == DimSubtype && l.Score > 0 {
			add(DimType, ParentType(k.code), l.Score, l.Evidence)
		}
	}
	rs.keepAboveThreshold(scores)
	for _, imp := range rs.Settings.Implies {
		src, ok := scores[imp.If.key()]
		if !ok {
			continue
		}
		ev := src.Evidence[:min(len(src.Evidence), maxEvidence)]
		for _, c := range imp.Then {
			if _, there := scores[c.key()]; !there {
				add(c.Dim, c.Code, src.Score, withRule(ev, "implies:"+imp.ID))
			}
		}
	}

	for dim := range singleValued {
		best, conf, rival := pickOne(scores, dim)
		if best == nil {
			if dim == DimType {
				res.Review.Reasons = append(res.Review.Reasons, ReasonNoType)
			}
			continue
		}
		if dim == DimType {
			if rival != nil {
				// Decided by the weight of evidence; the reason names both
				// so that an analyst sees the choice.
				res.Review.Reasons = append(res.Review.Reasons, fmt.Sprintf("%s: %s over %s by weight of evidence", ReasonConflictingType, best.Code, rival.Code))
			} else if conf < rs.Settings.LowConfidence {
				res.Review.Reasons = append(res.Review.Reasons, ReasonLowConfidence)
			}
		}
	}
	res.Review.Reasons = append(res.Review.Reasons, reviews...)
	res.Review.Needed = len(res.Review.Reasons) > 0

	for _, l := range scores {
		if !singleValued[l.Dimension] {
			l.Confidence = rs.confidence(l)
		}
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

func (c Code) key() key { return key{c.Dim, c.Code} }

// candidates lists, in rule order, the rules one of whose positive phrases
// occurs.
func (rs *RuleSet) candidates(hits map[int][]hit) []int {
	var out []int
	seen := map[int]bool{}
	for p := range hits {
		for _, i := range rs.users[p] {
			if !seen[i] {
				seen[i] = true
				out = append(out, i)
			}
		}
	}
	sort.Ints(out)
	return out
}

// wordIndex finds the word a byte offset falls in, computing each field's
// word starts only when a near rule first asks.
type wordIndex struct {
	fields map[string]string
	starts map[string][]int
}

func (w *wordIndex) word(field string, offset int) int {
	if w.starts == nil {
		w.starts = map[string][]int{}
	}
	st, ok := w.starts[field]
	if !ok {
		st = wordStarts(w.fields[field])
		w.starts[field] = st
	}
	return sort.SearchInts(st, offset+1) - 1
}

// keepAboveThreshold drops the codes whose score is below their
// dimension's threshold (negative evidence can take a code below it).
func (rs *RuleSet) keepAboveThreshold(scores map[key]*message.Label) {
	for k, l := range scores {
		if l.Score < rs.Settings.threshold(k.dim) {
			delete(scores, k)
		}
	}
}

// confidence is 0.5 at the threshold and approaches 1 as the score grows.
func (rs *RuleSet) confidence(l *message.Label) float64 {
	return 1 - math.Pow(0.5, l.Score/rs.Settings.threshold(l.Dimension))
}

// pickOne keeps the best code of a single-valued dimension (ties broken by
// code) and reports its share of the dimension's score and the runner-up
// when it came close (within conflictRatio).
func pickOne(scores map[key]*message.Label, dim string) (*message.Label, float64, *message.Label) {
	var cands []*message.Label
	total := 0.0
	for k, l := range scores {
		if k.dim == dim {
			cands = append(cands, l)
			total += l.Score
			delete(scores, k)
		}
	}
	if len(cands) == 0 {
		return nil, 0, nil
	}
	sort.Slice(cands, func(i, j int) bool {
		if cands[i].Score != cands[j].Score {
			return cands[i].Score > cands[j].Score
		}
		return cands[i].Code < cands[j].Code
	})
	best := cands[0]
	share := best.Score / total
	best.Confidence = share * (1 - math.Pow(0.5, best.Score))
	scores[key{dim, best.Code}] = best
	if len(cands) > 1 && cands[1].Score >= conflictRatio*best.Score {
		return best, share, cands[1]
	}
	return best, share, nil
}

func withRule(ev []message.Evidence, rule string) []message.Evidence {
	out := make([]message.Evidence, len(ev))
	for i, e := range ev {
		e.RuleID = rule
		out[i] = e
	}
	return out
}

// blankTags replaces HTML tags left in a text with spaces of the same
// length, so that markup neither matches nor joins words, and evidence
// offsets still point into the original text.
func blankTags(s string) string {
	i := strings.IndexByte(s, '<')
	if i < 0 {
		return s
	}
	b := []byte(s)
	for i < len(b) {
		if b[i] != '<' {
			i++
			continue
		}
		end := -1
		if i+1 < len(b) && (isASCIILetter(b[i+1]) || b[i+1] == '/' || b[i+1] == '!') {
			for j := i + 1; j < len(b) && j < i+2000; j++ {
				if b[j] == '>' {
					end = j
					break
				}
				if b[j] == '<' {
					break
				}
			}
		}
		if end < 0 {
			i++
			continue
		}
		for j := i; j <= end; j++ {
			if b[j] != '\n' {
				b[j] = ' '
			}
		}
		i = end + 1
	}
	return string(b)
}

func isASCIILetter(c byte) bool { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') }

// scan records every whole-word occurrence of every phrase in s.
func (rs *RuleSet) scan(field, s string, hits map[int][]hit) {
	rs.match.scan(s, func(p, start, end int) {
		if hs := hits[p]; len(hs) < 4*maxEvidence {
			hits[p] = append(hs, hit{field, start, end})
		}
	})
}

// wordStarts lists the byte offsets at which words begin.
func wordStarts(s string) []int {
	var out []int
	in, joined := false, false
	for i, r := range s {
		w := isWordRune(r)
		if w && !in && !joined {
			out = append(out, i)
		}
		// An apostrophe inside a word ("patient's") does not end it.
		joined = in && (r == '\'' || r == '\u2019')
		in = w
	}
	return out
}

// wordBoundary reports whether s[start:end] is neither preceded nor followed
// by a letter or digit.
func wordBoundary(s string, start, end int) bool {
	return startsWord(s, start) && endsWord(s, end)
}

// startsWord reports whether no letter or digit comes just before s[i].
func startsWord(s string, i int) bool {
	if i == 0 {
		return true
	}
	if c := s[i-1]; c < utf8.RuneSelf {
		return !isASCIIWord(c)
	}
	r, _ := utf8.DecodeLastRuneInString(s[:i])
	return !isWordRune(r)
}

// endsWord reports whether no letter or digit starts at s[i].
func endsWord(s string, i int) bool {
	if i >= len(s) {
		return true
	}
	if c := s[i]; c < utf8.RuneSelf {
		return !isASCIIWord(c)
	}
	r, _ := utf8.DecodeRuneInString(s[i:])
	return !isWordRune(r)
}

func isASCIIWord(c byte) bool { return isASCIILetter(c) || (c >= '0' && c <= '9') }

func isWordRune(r rune) bool {
	if r < utf8.RuneSelf {
		return isASCIIWord(byte(r))
	}
	return unicode.IsLetter(r) || unicode.IsDigit(r)
}

// hitsOf returns the hits of phrase p in the rule's field.
func (r compiled) hitsOf(hits map[int][]hit, p int) []hit {
	hs := hits[p]
	if r.Field == "" {
		return hs
	}
	var out []hit
	for _, h := range hs {
		if h.field == r.Field {
			out = append(out, h)
		}
	}
	return out
}

// match evaluates the rule on the phrase hits and returns its evidence.
func (r compiled) match(hits map[int][]hit, fields map[string]string, words *wordIndex) ([]message.Evidence, bool) {
	excluded := false
	r.none.present(hits, func(p int) bool {
		excluded = len(r.hitsOf(hits, p)) > 0
		return !excluded
	})
	if excluded {
		return nil, false
	}
	var used []hit
	if len(r.any.ids) > 0 {
		found := false
		r.any.present(hits, func(p int) bool {
			if hs := r.hitsOf(hits, p); len(hs) > 0 {
				used = append(used, hs...)
				found = true
			}
			return len(used) < maxEvidence
		})
		if !found {
			return nil, false
		}
	}
	for _, g := range r.all {
		found := false
		g.present(hits, func(p int) bool {
			if hs := r.hitsOf(hits, p); len(hs) > 0 {
				used = append(used, hs[0])
				found = true
			}
			return !found
		})
		if !found {
			return nil, false
		}
	}
	if r.Near != nil {
		a, b, ok := r.near(hits, words)
		if !ok {
			return nil, false
		}
		used = append(used, a, b)
	}
	ev := make([]message.Evidence, 0, min(len(used), maxEvidence))
	for _, h := range used {
		if len(ev) == maxEvidence {
			break
		}
		ev = append(ev, message.Evidence{RuleID: r.ID, Field: h.field, Start: h.start, End: h.end, Snippet: fields[h.field][h.start:h.end]})
	}
	return ev, true
}

// near finds a phrase of A and one of B in one field within Within words.
func (r compiled) near(hits map[int][]hit, words *wordIndex) (hit, hit, bool) {
	var a, b hit
	found := false
	r.nearA.present(hits, func(pa int) bool {
		for _, ha := range r.hitsOf(hits, pa) {
			r.nearB.present(hits, func(pb int) bool {
				for _, hb := range r.hitsOf(hits, pb) {
					if ha.field == hb.field && abs(words.word(ha.field, ha.start)-words.word(hb.field, hb.start)) <= r.Near.Within {
						a, b, found = ha, hb, true
						return false
					}
				}
				return true
			})
			if found {
				return false
			}
		}
		return true
	})
	return a, b, found
}

func abs(x int) int {
	if x < 0 {
		return -x
	}
	return x
}

// PhrasesFor lists the phrases of the rules that give code in dimension dim
// (with a positive weight), lower case, for tools that must not propose
// them again.
func (rs *RuleSet) PhrasesFor(dim, code string) []string {
	var out []string
	for _, r := range rs.rules {
		if r.Weight <= 0 || !slices.Contains(r.Set[dim], code) {
			continue
		}
		out = append(out, r.Any...)
		for _, g := range r.All {
			out = append(out, g...)
		}
	}
	return out
}
