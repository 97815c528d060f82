package rules

import (
	"fmt"
	"math"
	"slices"
	"sort"
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"

	"github.com/horizon-scan/horizon/pipeline/marks"
	"github.com/horizon-scan/horizon/pipeline/message"
	"github.com/horizon-scan/horizon/pipeline/names"
)

// Review reasons the engine gives.
const (
	ReasonNoType          = "no type"
	ReasonConflictingType = "conflicting types"
	ReasonWeakEvidence    = "weak evidence"
	ReasonLowConfidence   = "low confidence"
	// ReasonNearMiss: the document fell just short of the relevance
	// threshold (Settings.RelevanceMargin); its codes are proposed.
	ReasonNearMiss = "near miss of the relevance gate"
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
	users        [][]use // phrase index → the rule groups it is in
	phrases      int
	// marksOnly are the rules that ask for punctuation and no phrase: no
	// phrase brings them up, so every document tries them.
	marksOnly []int
	// occSets holds the *occSet storage documents reuse (occurrences).
	occSets *sync.Pool
	// Names finds the technology and developers a document names; nil for
	// a rules folder without names/cues.yaml.
	Names *names.Extractor
	// Marks finds the regulatory marks a document reports; nil for a rules
	// folder without marks/marks.yaml.
	Marks *marks.Finder
}

type compiled struct {
	*Rule
	all int // how many "all" groups
}

// use says that a phrase is in one group of one rule.
type use struct {
	rule int
	role role
}

// role is the group a phrase is in: any, none, near's a or b, or the k-th
// group of all (roleAll+k).
type role int

const (
	roleAny role = iota
	roleNone
	roleNearA
	roleNearB
	roleAll
)

// occurring is, for one rule and one document, the phrases of each of its
// groups that occur in the document, in phrase order.
type occurring struct {
	any, none, nearA, nearB []int
	all                     [][]int
	seen                    bool // some phrase of the rule occurs
}

// occSet is what occurs of every rule in one document: occurring by rule
// number, the rules touched listed so that reset empties only those. Its
// storage, slices included, is reused from one document to the next.
type occSet struct {
	byRule  []occurring
	touched []int
}

// of returns what occurs of rule i (empty for a rule none of whose
// phrases occurs).
func (s *occSet) of(i int) *occurring { return &s.byRule[i] }

// reset empties the set for the next document, keeping its storage.
func (s *occSet) reset() {
	for _, i := range s.touched {
		o := &s.byRule[i]
		o.any, o.none, o.nearA, o.nearB = o.any[:0], o.none[:0], o.nearA[:0], o.nearB[:0]
		for k := range o.all {
			o.all[k] = o.all[k][:0]
		}
		o.seen = false
	}
	s.touched = s.touched[:0]
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
	rs.occSets = &sync.Pool{New: func() any { return &occSet{byRule: make([]occurring, len(rs.rules))} }}
	var uses [][]use
	note := func(rule int, rl role, ps []string) {
		for _, p := range ids(ps) {
			for len(uses) <= p {
				uses = append(uses, nil)
			}
			uses[p] = append(uses[p], use{rule, rl})
		}
	}
	for i, r := range rules {
		rs.rules = append(rs.rules, compiled{Rule: r, all: len(r.All)})
		note(i, roleAny, r.Any)
		note(i, roleNone, r.None)
		for k, g := range r.All {
			note(i, roleAll+role(k), g)
		}
		if r.Near != nil {
			note(i, roleNearA, r.Near.A)
			note(i, roleNearB, r.Near.B)
		}
		if len(r.Punctuation) > 0 && len(r.Any) == 0 && len(r.All) == 0 && r.Near == nil {
			rs.marksOnly = append(rs.marksOnly, i)
		}
	}
	m, err := newMatcher(keys)
	if err != nil {
		return nil, err
	}
	rs.match = m
	rs.phrases = len(index)
	// A document then costs the rule groups its phrases are in, not every
	// rule of the set.
	rs.users = make([][]use, len(index))
	for p := range uses {
		rs.users[p] = slices.Compact(uses[p])
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
	// NearMiss is a document that is not relevant by a margin small
	// enough to ask an analyst (Settings.RelevanceMargin): it has its
	// codes, the organisations the gazetteers know and the Vendors its
	// headline and lead name all the same (not Technology or Marks), and
	// goes to review.
	NearMiss bool
	// Gate is the relevance score and its evidence (every rule for and
	// against), whether or not the document passed: it says why.
	Gate          message.Label
	Labels        []message.Label
	Review        message.Review
	Organisations []message.Organisation
	// Technology and Vendors are the names the document gives the
	// technology it announces and its developers (pipeline/names).
	Technology *message.Name
	Vendors    []message.Name
	// Marks are the regulatory marks the document reports
	// (pipeline/marks).
	Marks []message.Mark
}

type key struct{ dim, code string }

// Classify applies the rules to a document's title and text. The result is
// deterministic: the same input always gives the same labels in the same
// order.
func (rs *RuleSet) Classify(title, text string) Result {
	fields := map[string]string{"title": blankTags(title), "text": blankTags(text)}
	hits := hitSets.Get().(*hitSet)
	defer func() { hits.reset(); hitSets.Put(hits) }()
	rs.scan("title", fields["title"], hits)
	rs.scan("text", fields["text"], hits)
	hits.group()

	scores := map[key]*message.Label{}
	// titled are the codes with evidence in the title (whatever evidence
	// the labels keep): the headline's codes (focusOnHeadline).
	var titled map[key]bool
	focus := len(rs.Settings.HeadlineFocus) > 0
	add := func(dim, code string, w float64, ev []message.Evidence) {
		addTo(scores, dim, code, w, ev)
		if focus && slices.ContainsFunc(ev, func(e message.Evidence) bool { return e.Field == "title" }) {
			if titled == nil {
				titled = map[key]bool{}
			}
			titled[key{dim, code}] = true
		}
	}
	var reviews []string
	var orgs []message.Organisation
	// Fallback rules count only where a single-valued dimension would
	// otherwise stay empty: they are matched then, not before.
	var fallbacks []int
	occ := rs.occSets.Get().(*occSet)
	defer func() { occ.reset(); rs.occSets.Put(occ) }()
	candidates := rs.occurrences(hits, occ)
	if len(rs.marksOnly) > 0 {
		// No phrase of theirs is positive, so none is a candidate yet.
		candidates = append(candidates, rs.marksOnly...)
		slices.Sort(candidates)
	}
	for _, i := range candidates {
		r := rs.rules[i]
		if r.Fallback {
			fallbacks = append(fallbacks, i)
			continue
		}
		ev, ok := r.match(occ.of(i), hits, fields)
		if !ok {
			continue
		}
		if r.Org != nil && !slices.ContainsFunc(orgs, func(o message.Organisation) bool {
			return o.Kind == r.Org.Kind && o.ID == r.Org.ID
		}) {
			// One organisation once, whichever gazetteers know it.
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
	threshold := rs.Settings.threshold(DimRelevance)
	res.Relevant = res.Gate.Score >= threshold
	res.NearMiss = !res.Relevant && res.Gate.Score > 0 && res.Gate.Score >= threshold-rs.Settings.RelevanceMargin
	if !res.Relevant && !res.NearMiss {
		return res // the gate: nothing else is said of an irrelevant document
	}
	if res.NearMiss {
		res.Review.Reasons = append(res.Review.Reasons, ReasonNearMiss)
	}
	res.Organisations = orgs
	// Names and marks cost ten times what matching does (BENCHMARKS.md),
	// and half the documents the gate turns away are near misses: a near
	// miss has the organisations the gazetteers know and the developers its
	// headline and lead name (what an analyst judging it needs, and what
	// its technology is named after if it is relevant after all), not the
	// product or the marks.
	if rs.Names != nil && res.Relevant {
		found := rs.Names.Extract(fields["title"], fields["text"])
		res.Technology, res.Vendors = found.Technology, found.Vendors
	} else if rs.Names != nil {
		res.Vendors = rs.Names.Extract(fields["title"], lead(fields["text"])).Vendors
	}
	if rs.Marks != nil && res.Relevant {
		res.Marks = rs.Marks.Find(fields["title"], fields["text"])
	}

	// A subtype implies its type (in code order: the same evidence in the
	// same order on every run).
	var subtypes []key
	for k, l := range scores {
		if k.dim == DimSubtype && l.Score > 0 {
			subtypes = append(subtypes, k)
		}
	}
	slices.SortFunc(subtypes, func(a, b key) int { return strings.Compare(a.code, b.code) })
	for _, k := range subtypes {
		l := scores[k]
		add(DimType, ParentType(k.code), l.Score, l.Evidence)
	}
	rs.keepAboveThreshold(scores)
	rs.focusOnHeadline(scores, titled)
	for _, imp := range rs.Settings.Implies {
		src, ok := scores[imp.If.key()]
		if !ok || slices.ContainsFunc(imp.Unless, func(c Code) bool { _, there := scores[c.key()]; return there }) {
			continue
		}
		ev := src.Evidence[:min(len(src.Evidence), maxEvidence)]
		for _, c := range imp.Then {
			if _, there := scores[c.key()]; !there {
				add(c.Dim, c.Code, src.Score, withRule(ev, "implies:"+imp.ID))
			}
		}
	}

	for _, dim := range sortedKeys(singleValued) {
		if dim == DimType {
			if chosen, over, ok := rs.decideTypeBySubtype(scores); ok {
				res.Review.Reasons = append(res.Review.Reasons, fmt.Sprintf("%s: %s over %s by purpose", ReasonConflictingType, chosen, over))
				continue
			}
		}
		best, conf, rival := pickOne(scores, dim)
		if best == nil && len(fallbacks) > 0 {
			weak := map[key]*message.Label{}
			for _, i := range fallbacks {
				r := rs.rules[i]
				if len(r.Set[dim]) == 0 {
					continue
				}
				if ev, ok := r.match(occ.of(i), hits, fields); ok {
					for _, c := range r.Set[dim] {
						addTo(weak, dim, c, r.Weight, ev)
					}
				}
			}
			if w, _, _ := pickOne(weak, dim); w != nil {
				// Nothing reached the threshold: the weak evidence decides,
				// and an analyst is told.
				w.Confidence = rs.confidence(w) / 2
				scores[key{dim, w.Code}] = w
				res.Review.Reasons = append(res.Review.Reasons, fmt.Sprintf("%s: %s %s", ReasonWeakEvidence, dim, w.Code))
				continue
			}
		}
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

// nearMissLead is how much of a near miss's text its developers are looked
// for in: the lead, where a news item names who made what it reports.
const nearMissLead = 400

// lead returns the beginning of text, at most nearMissLead bytes cut
// before a word, so that the evidence's spans are spans of text.
func lead(text string) string {
	if len(text) <= nearMissLead {
		return text
	}
	if i := strings.LastIndexByte(text[:nearMissLead], ' '); i > 0 {
		return text[:i]
	}
	for i := nearMissLead; i > 0; i-- {
		if utf8.RuneStart(text[i]) {
			return text[:i]
		}
	}
	return ""
}

// addTo adds a rule's weight and evidence to a code's score.
func addTo(scores map[key]*message.Label, dim, code string, w float64, ev []message.Evidence) {
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

// occurrences gathers in occ, for every rule one of whose positive
// phrases (any, all, near's a) occurs, the phrases of each of its groups
// that occur, and returns those rules in rule order.
func (rs *RuleSet) occurrences(hits *hitSet, occ *occSet) []int {
	for _, p := range hits.phrases { // ascending: deterministic evidence
		for _, u := range rs.users[p] {
			o := &occ.byRule[u.rule]
			if !o.seen {
				o.seen = true
				occ.touched = append(occ.touched, u.rule)
				if n := rs.rules[u.rule].all; n > 0 && len(o.all) != n {
					o.all = make([][]int, n)
				}
			}
			switch u.role {
			case roleAny:
				o.any = append(o.any, p)
			case roleNone:
				o.none = append(o.none, p)
			case roleNearA:
				o.nearA = append(o.nearA, p)
			case roleNearB:
				o.nearB = append(o.nearB, p)
			default:
				o.all[u.role-roleAll] = append(o.all[u.role-roleAll], p)
			}
		}
	}
	var candidates []int
	for _, i := range occ.touched {
		o := &occ.byRule[i]
		positive := len(o.any) > 0 || len(o.nearA) > 0
		for _, g := range o.all {
			positive = positive || len(g) > 0
		}
		if positive {
			candidates = append(candidates, i)
		}
	}
	sort.Ints(candidates)
	return candidates
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

// focusOnHeadline drops, for each entry of Settings.HeadlineFocus whose
// dimension the title gives a code of, the codes it covers that only the
// text gives (titled: the codes with evidence in the title). It runs
// before implications, so that what a dropped code would imply is not
// said either, and after the type is scored, which weighs all the
// evidence.
func (rs *RuleSet) focusOnHeadline(scores map[key]*message.Label, titled map[key]bool) {
	for _, f := range rs.Settings.HeadlineFocus {
		headline := false
		for k := range scores {
			if k.dim == f.Dim && titled[k] {
				headline = true
				break
			}
		}
		if !headline {
			continue
		}
		for k := range scores {
			if f.covers(k) && !titled[k] {
				delete(scores, k)
			}
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
	cands, total := ranked(scores, dim)
	if len(cands) == 0 {
		return nil, 0, nil
	}
	best := cands[0]
	share := keepOnly(scores, best, total)
	if len(cands) > 1 && cands[1].Score >= conflictRatio*best.Score {
		return best, share, cands[1]
	}
	return best, share, nil
}

// ranked returns the codes of a single-valued dimension, the best first
// (ties broken by code), and their total score.
func ranked(scores map[key]*message.Label, dim string) ([]*message.Label, float64) {
	var cands []*message.Label
	total := 0.0
	for k, l := range scores {
		if k.dim == dim {
			cands = append(cands, l)
			total += l.Score
		}
	}
	sort.Slice(cands, func(i, j int) bool {
		if cands[i].Score != cands[j].Score {
			return cands[i].Score > cands[j].Score
		}
		return cands[i].Code < cands[j].Code
	})
	return cands, total
}

// keepOnly makes chosen the one code of its dimension, with a confidence
// from its share of the dimension's total score, which it returns.
func keepOnly(scores map[key]*message.Label, chosen *message.Label, total float64) float64 {
	for k := range scores {
		if k.dim == chosen.Dimension && k.code != chosen.Code {
			delete(scores, k)
		}
	}
	share := chosen.Score / total
	chosen.Confidence = share * (1 - math.Pow(0.5, chosen.Score))
	return share
}

// decideTypeBySubtype applies Settings.DecisiveSubtypes: where a decisive
// subtype is kept and its type is not the one with the most evidence, its
// type is chosen and the others dropped; it returns the type chosen and
// the one the weight of evidence would have chosen.
func (rs *RuleSet) decideTypeBySubtype(scores map[key]*message.Label) (chosen, over string, ok bool) {
	for _, sub := range rs.Settings.DecisiveSubtypes {
		if _, kept := scores[key{DimSubtype, sub}]; !kept {
			continue
		}
		decided, there := scores[key{DimType, ParentType(sub)}]
		if !there {
			continue
		}
		cands, total := ranked(scores, DimType)
		if cands[0] == decided {
			return "", "", false // the weight of evidence agrees
		}
		keepOnly(scores, decided, total)
		return decided.Code, cands[0].Code, true
	}
	return "", "", false
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
func (rs *RuleSet) scan(field, s string, hits *hitSet) {
	rs.match.scan(s, func(p, start, end int) { hits.add(p, hit{field, start, end}) })
}

// wordsApart counts the words that begin after byte lo and at or before
// byte hi of s (lo being where a phrase begins): how many words one
// occurrence is from the other. It stops counting past limit, so that a
// near rule reads only the words between its phrases, not the whole text.
func wordsApart(s string, lo, hi, limit int) int {
	if lo > hi {
		lo, hi = hi, lo
	}
	n := 0
	in, joined := false, false
	for i := lo; i <= hi && i < len(s); {
		c := s[i]
		w, size := false, 1
		if c < utf8.RuneSelf {
			w = isASCIIWord(c)
		} else {
			var r rune
			r, size = utf8.DecodeRuneInString(s[i:])
			w = isWordRune(r)
			c = 0
			if r == '\u2019' {
				c = '\''
			}
		}
		if w && !in && !joined && i > lo {
			if n++; n > limit {
				return n
			}
		}
		// An apostrophe inside a word ("patient's") does not end it.
		joined = in && c == '\''
		in = w
		i += size
	}
	return n
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
func (r compiled) hitsOf(hits *hitSet, p int) []hit {
	hs := hits.of(p)
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

// match evaluates the rule on the phrases of its groups that occur, and
// returns its evidence.
func (r compiled) match(o *occurring, hits *hitSet, fields map[string]string) ([]message.Evidence, bool) {
	for _, p := range o.none {
		if len(r.hitsOf(hits, p)) > 0 {
			return nil, false
		}
	}
	var used []hit
	if len(r.Any) > 0 {
		found := false
		for _, p := range o.any {
			if hs := r.hitsOf(hits, p); len(hs) > 0 {
				used = append(used, hs...)
				found = true
				if len(used) >= maxEvidence {
					break
				}
			}
		}
		if !found {
			return nil, false
		}
	}
	for k := range r.all {
		found := false
		for _, p := range o.all[k] {
			if hs := r.hitsOf(hits, p); len(hs) > 0 {
				used = append(used, hs[0])
				found = true
				break
			}
		}
		if !found {
			return nil, false
		}
	}
	if r.Near != nil {
		a, b, ok := r.near(o, hits, fields)
		if !ok {
			return nil, false
		}
		used = append(used, a, b)
	}
	if len(r.Punctuation) > 0 {
		h, ok := r.punctuation(fields)
		if !ok {
			return nil, false
		}
		used = append(used, h)
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

// punctuation finds the first of the rule's punctuation marks in its field
// (the title before the text).
func (r compiled) punctuation(fields map[string]string) (hit, bool) {
	for _, f := range []string{"title", "text"} {
		if r.Field != "" && r.Field != f {
			continue
		}
		best := -1
		var mark string
		for _, m := range r.Punctuation {
			if i := strings.Index(fields[f], m); i >= 0 && (best < 0 || i < best) {
				best, mark = i, m
			}
		}
		if best >= 0 {
			return hit{f, best, best + len(mark)}, true
		}
	}
	return hit{}, false
}

// near finds a phrase of A and one of B in one field within Within words.
func (r compiled) near(o *occurring, hits *hitSet, fields map[string]string) (hit, hit, bool) {
	for _, pa := range o.nearA {
		for _, a := range r.hitsOf(hits, pa) {
			for _, pb := range o.nearB {
				for _, b := range r.hitsOf(hits, pb) {
					if a.field == b.field && wordsApart(fields[a.field], a.start, b.start, r.Near.Within) <= r.Near.Within {
						return a, b, true
					}
				}
			}
		}
	}
	return hit{}, hit{}, false
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
