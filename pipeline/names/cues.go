package names

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"slices"
	"sort"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/horizon-scan/horizon/pipeline/yamlsyntax"
)

// The patterns a cue file may weigh, in the order they are documented in
// rules/names/cues.yaml. Each is one way a text says what a name is; the
// Go code in extract.go reads the words around its cues.
var patternIDs = [...]string{
	"developed-by", "researchers-at", "researchers", "announces", "announce-together", "funding", "awarded-to",
	"release-from", "deployed", "partnership", "acquires", "based-in", "maker-of", "listed", "receives",
	"uses", "launches", "possessive", "says-its", "firm", "hyphen",
	"called", "apposition", "product-name", "product-from", "clearance", "trademark", "acronym", "product-shape", "name-then-product",
	"maker-prefix", "organisation-shape", "known-product", "known-vendor", "in-title", "reported-in",
	"compared",
}

// pattern is a pattern by its place in patternIDs: what the extractor's
// code names, without looking a string up.
type pattern int

// The patterns, in the order of patternIDs.
const (
	patDevelopedBy pattern = iota
	patResearchersAt
	patResearchers
	patAnnounces
	patAnnounceTogether
	patFunding
	patAwardedTo
	patReleaseFrom
	patDeployed
	patPartnership
	patAcquires
	patBasedIn
	patMakerOf
	patListed
	patReceives
	patUses
	patLaunches
	patPossessive
	patSaysIts
	patFirm
	patHyphen
	patCalled
	patApposition
	patProductName
	patProductFrom
	patClearance
	patTrademark
	patAcronym
	patProductShape
	patNameThenProduct
	patMakerPrefix
	patOrganisationShape
	patKnownProduct
	patKnownVendor
	patInTitle
	patReportedIn
	patCompared
)

// String is the pattern's id.
func (p pattern) String() string { return patternIDs[p] }

// patternOf returns the pattern of an id.
func patternOf(id string) (pattern, bool) {
	i := slices.Index(patternIDs[:], id)
	return pattern(i), i >= 0
}

// wordLists are the lists of words a cue file must give.
var wordLists = []string{"product", "company", "legal_forms", "domains", "institution", "connectors", "institution_connectors",
	"fillers", "ai", "organisation", "people", "not_names", "breaks", "located", "publication"}

// Cues are the words the name patterns look for and what a sighting
// weighs, from rules/names/cues.yaml, with the common English words of
// common_words.txt.
type Cues struct {
	// File is where the cues were read from, for messages.
	File string
	// Threshold is the evidence a name needs to be reported.
	Threshold float64
	// Weights and cue phrases (each cut into tokens) by pattern id.
	Weights map[string]float64
	Cues    map[string][][]string
	// Words are the word lists, lower case.
	Words map[string]map[string]bool
	// multi holds the word-list entries of more than one word ("Health
	// System"), cut into tokens.
	multi map[string][][]string
	// Common are the most frequent English words, lower case.
	Common map[string]bool
	// Examples are texts whose names the extractor must find.
	Examples []Example
}

// Example is a text of the cue file with the names it gives.
type Example struct {
	Title, Text string
	Technology  string
	Vendors     []string
	Line        int
}

type cueFile struct {
	Threshold *float64             `yaml:"threshold"`
	Patterns  map[string]yaml.Node `yaml:"patterns"`
	Words     map[string][]string  `yaml:"words"`
	Examples  []yaml.Node          `yaml:"examples"`
}

type patternYAML struct {
	Weight *float64 `yaml:"weight"`
	Cues   []string `yaml:"cues"`
}

type exampleYAML struct {
	Title      string   `yaml:"title"`
	Text       string   `yaml:"text"`
	Technology string   `yaml:"technology"`
	Vendors    []string `yaml:"vendors"`
}

// ParseCues reads a cue file and the common-words list. Every problem is
// reported as "file:line: what is wrong", all of them.
func ParseCues(file string, data []byte, commonFile string, common []byte) (*Cues, error) {
	c := &Cues{File: file, Weights: map[string]float64{}, Cues: map[string][][]string{}, Words: map[string]map[string]bool{},
		multi: map[string][][]string{}}
	var errs []error
	fail := func(line int, format string, args ...any) {
		errs = append(errs, fmt.Errorf("%s:%d: %s", file, line, fmt.Sprintf(format, args...)))
	}
	var root yaml.Node
	if err := yaml.Unmarshal(data, &root); err != nil {
		return nil, yamlsyntax.Locate(file, data, err)
	}
	if len(root.Content) == 0 {
		return nil, fmt.Errorf("%s: empty file", file)
	}
	top := root.Content[0]
	var cf cueFile
	if err := top.Decode(&cf); err != nil {
		return nil, fmt.Errorf("%s: %w", file, err)
	}
	for i := 0; i+1 < len(top.Content); i += 2 {
		if k := top.Content[i]; !slices.Contains([]string{"threshold", "patterns", "words", "examples"}, k.Value) {
			fail(k.Line, "unknown key %q (a cue file has threshold, patterns, words and examples)", k.Value)
		}
	}
	if cf.Threshold == nil || *cf.Threshold <= 0 {
		fail(top.Line, "threshold: a positive number is required")
	} else {
		c.Threshold = *cf.Threshold
	}
	for _, name := range wordLists {
		if len(cf.Words[name]) == 0 {
			fail(top.Line, "words.%s: a list of words is required", name)
		}
		c.Words[name] = map[string]bool{}
		for _, w := range cf.Words[name] {
			low := strings.ToLower(strings.TrimSpace(w))
			if low == "" {
				fail(top.Line, "words.%s: empty word", name)
				continue
			}
			if ws := cueTokens(low); len(ws) > 1 {
				c.multi[name] = append(c.multi[name], ws)
			}
			c.Words[name][low] = true
		}
	}
	for name := range cf.Words {
		if !slices.Contains(wordLists, name) {
			fail(top.Line, "words.%s: unknown list (known: %s)", name, strings.Join(wordLists, ", "))
		}
	}
	patternsLine := top.Line
	for i := 0; i+1 < len(top.Content); i += 2 {
		if top.Content[i].Value == "patterns" {
			patternsLine = top.Content[i].Line
			pn := top.Content[i+1]
			for j := 0; j+1 < len(pn.Content); j += 2 {
				c.parsePattern(pn.Content[j], pn.Content[j+1], fail)
			}
		}
	}
	for _, id := range patternIDs {
		if _, ok := c.Weights[id]; !ok {
			fail(patternsLine, "pattern %s: missing (every pattern needs a weight)", id)
		}
	}
	for _, n := range cf.Examples {
		var ex exampleYAML
		if err := n.Decode(&ex); err != nil {
			fail(n.Line, "example: %v", err)
			continue
		}
		if strings.TrimSpace(ex.Title+ex.Text) == "" {
			fail(n.Line, "example: a title or a text is required")
			continue
		}
		c.Examples = append(c.Examples, Example{Title: ex.Title, Text: ex.Text, Technology: ex.Technology,
			Vendors: ex.Vendors, Line: n.Line})
	}
	c.Common = readWordList(common)
	if len(c.Common) == 0 {
		errs = append(errs, fmt.Errorf("%s: no words", commonFile))
	}
	return c, errors.Join(errs...)
}

// parsePattern reads one pattern's weight and cues.
func (c *Cues) parsePattern(k, v *yaml.Node, fail func(int, string, ...any)) {
	id := k.Value
	if !slices.Contains(patternIDs[:], id) {
		fail(k.Line, "pattern %s: unknown (known: %s)", id, strings.Join(patternIDs[:], ", "))
		return
	}
	if _, dup := c.Weights[id]; dup {
		fail(k.Line, "pattern %s: duplicate", id)
		return
	}
	var p patternYAML
	if err := v.Decode(&p); err != nil {
		fail(k.Line, "pattern %s: %v", id, err)
		return
	}
	if p.Weight == nil {
		fail(k.Line, "pattern %s: weight is required", id)
		return
	}
	c.Weights[id] = *p.Weight
	seen := map[string]bool{}
	for _, cue := range p.Cues {
		toks := cueTokens(cue)
		key := strings.Join(toks, " ")
		switch {
		case len(toks) == 0:
			fail(k.Line, "pattern %s: empty cue", id)
		case seen[key]:
			fail(k.Line, "pattern %s: duplicate cue %q", id, cue)
		case strings.HasPrefix(cue, "@") && !slices.Contains(wordLists, cue[1:]):
			fail(k.Line, "pattern %s: cue %q names no word list (known: %s)", id, cue, strings.Join(wordLists, ", "))
		default:
			seen[key] = true
			c.Cues[id] = append(c.Cues[id], toks)
		}
	}
	// The longest cue first, so that "has launched" wins over "launched".
	sort.SliceStable(c.Cues[id], func(a, b int) bool { return len(c.Cues[id][a]) > len(c.Cues[id][b]) })
}

// cueTokens cuts a cue as texts are cut, in lower case; "@list" stays one
// token.
func cueTokens(cue string) []string {
	cue = strings.TrimSpace(cue)
	if strings.HasPrefix(cue, "@") {
		return []string{cue}
	}
	if cue == "'s" || cue == "’s" {
		return []string{"'s"} // the possessive token (tokenize)
	}
	var out []string
	for _, t := range tokenize(cue, nil) {
		out = append(out, t.low)
	}
	return out
}

// readWordList reads one word a line, skipping comments.
func readWordList(data []byte) map[string]bool {
	out := map[string]bool{}
	sc := bufio.NewScanner(bytes.NewReader(data))
	for sc.Scan() {
		w := strings.TrimSpace(sc.Text())
		if w != "" && !strings.HasPrefix(w, "#") {
			out[strings.ToLower(w)] = true
		}
	}
	return out
}
