package rules

import (
	"encoding/json"
	"fmt"
	"io/fs"
	"math/rand/v2"
	"os"
	"regexp"
	"sort"
	"strings"
	"testing/fstest"
)

// Generated builds a rule set of about phrases phrases (five to a rule,
// spread over the dimensions) for measuring how matching scales with the
// size of the rule set. The phrases mix real clinical words with made-up
// ones, so that some match real text and most do not, as in a large real
// rule set.
func Generated(phrases int) (*RuleSet, error) {
	tax, err := fs.ReadFile(Files(), taxonomyFile)
	if err != nil {
		return nil, err
	}
	real := []string{"scan", "patient", "hospital", "cancer", "heart", "lung", "stroke", "diagnosis", "screening",
		"nurse", "clinic", "trial", "therapy", "blood", "brain", "care", "data", "model", "risk", "study"}
	rng := rand.New(rand.NewPCG(1, 2))
	word := func() string {
		if rng.IntN(4) == 0 {
			return real[rng.IntN(len(real))]
		}
		const letters = "abcdefghijklmnopqrstuvwxyz"
		b := make([]byte, 4+rng.IntN(6))
		for i := range b {
			b[i] = letters[rng.IntN(len(letters))]
		}
		return string(b)
	}
	areas := []string{"CARDIOLOGY", "STROKE", "NEUROLOGY", "RESPIRATORY", "DERMATOLOGY", "OPHTHALMOLOGY"}
	var b strings.Builder
	b.WriteString("rules:\n  - id: gate\n    set: {relevance: RELEVANT}\n    weight: 2\n    all: [[ai, algorithm], [patient, hospital]]\n")
	for i := 0; i < phrases/5; i++ {
		fmt.Fprintf(&b, "  - id: gen-%d\n    set: {clinical_area: %s}\n    any: [", i, areas[i%len(areas)])
		for j := range 5 {
			if j > 0 {
				b.WriteString(", ")
			}
			if rng.IntN(3) == 0 {
				fmt.Fprintf(&b, "%q", word()+" "+word())
			} else {
				fmt.Fprintf(&b, "%q", word()+fmt.Sprint(i))
			}
		}
		b.WriteString("]\n")
	}
	fsys := fstest.MapFS{taxonomyFile: {Data: tax}, "generated.yaml": {Data: []byte(b.String())}}
	return Load(fsys, "generated")
}

// Naive is the matcher a user would write first: one compiled regular
// expression per rule group, run over the text rule by rule. It is the
// baseline the engine is measured against; it only finds which rules match
// (less work than the engine, which also scores and keeps evidence).
type Naive struct {
	rules []naiveRule
}

type naiveRule struct {
	any, none *regexp.Regexp
	all       []*regexp.Regexp
}

// NewNaive compiles a regexp per phrase group of every rule of rs.
func NewNaive(rs *RuleSet) (*Naive, error) {
	group := func(ps []string) (*regexp.Regexp, error) {
		if len(ps) == 0 {
			return nil, nil
		}
		quoted := make([]string, len(ps))
		for i, p := range ps {
			quoted[i] = regexp.QuoteMeta(p)
		}
		return regexp.Compile(`(?i)\b(?:` + strings.Join(quoted, "|") + `)s?\b`)
	}
	n := &Naive{}
	for _, r := range rs.rules {
		var nr naiveRule
		var err error
		if nr.any, err = group(r.Any); err != nil {
			return nil, err
		}
		if nr.none, err = group(r.None); err != nil {
			return nil, err
		}
		for _, g := range r.All {
			re, err := group(g)
			if err != nil {
				return nil, err
			}
			nr.all = append(nr.all, re)
		}
		n.rules = append(n.rules, nr)
	}
	return n, nil
}

// Match returns how many rules match the text.
func (n *Naive) Match(text string) int {
	count := 0
	for _, r := range n.rules {
		if r.none != nil && r.none.MatchString(text) {
			continue
		}
		if r.any != nil && !r.any.MatchString(text) {
			continue
		}
		ok := true
		for _, re := range r.all {
			if !re.MatchString(text) {
				ok = false
				break
			}
		}
		if ok {
			count++
		}
	}
	return count
}

// BenchCorpus reads the texts to measure matching on: a JSON object of
// {"articleBody": text} by id (../shared/extraction-benchmark/ground-truth.json),
// in id order.
func BenchCorpus(path string) ([]string, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var truth map[string]struct {
		ArticleBody string `json:"articleBody"`
	}
	if err := json.Unmarshal(data, &truth); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	ids := make([]string, 0, len(truth))
	for id := range truth {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	docs := make([]string, len(ids))
	for i, id := range ids {
		docs[i] = truth[id].ArticleBody
	}
	return docs, nil
}
