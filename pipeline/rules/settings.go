package rules

import (
	"fmt"
	"slices"
	"sort"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/horizon-scan/horizon/pipeline/yamlsyntax"
)

const settingsFile = "settings.yaml"

// Settings are the rule set's knobs: score thresholds, when to ask for
// review, and implications between codes.
type Settings struct {
	// Thresholds is the least score for a code of a dimension (default 1).
	Thresholds map[string]float64
	// LowConfidence: a type chosen with less confidence than this goes to
	// review (confidence = its score / all type scores).
	LowConfidence float64
	// RelevanceMargin: a document whose relevance score falls short of
	// the threshold by no more than this (and is above zero) is a near
	// miss: it stays not relevant, but gets its codes and goes to review,
	// so that an analyst sees what the gate nearly let through.
	// Zero turns it off.
	RelevanceMargin float64
	// HeadlineFocus lists dimensions, or single codes of a dimension, for
	// which the headline decides: where the title gives a code of the
	// dimension, a code of it (or that code) that only the text gives is
	// dropped (it is more often a mention in passing, a technique compared
	// with, a use to come or the background of the news, than what the
	// technology does).
	HeadlineFocus []Focus
	// DecisiveSubtypes are subtypes that say what a technology is for:
	// where one is found, its type is the document's type, whatever the
	// weight of the evidence of how it works (a tool that reads scans to
	// foresee heart attacks is risk prediction, not diagnostic imaging).
	// The first of the list found decides.
	DecisiveSubtypes []string
	// Implies lists codes that bring others with them.
	Implies []Implication
}

// Implication says that a document with code If (in its dimension) also
// gets the codes Then, with the same score, unless it has one of the codes
// Unless (a sensor that watches care home residents is worn by them, but
// used by their carers: not self-care).
type Implication struct {
	ID     string
	If     Code
	Then   []Code
	Unless []Code
	File   string
	Line   int
}

// Code is a code of a dimension.
type Code struct{ Dim, Code string }

func (c Code) String() string { return c.Dim + ":" + c.Code }

func (s *Settings) threshold(dim string) float64 {
	if t, ok := s.Thresholds[dim]; ok {
		return t
	}
	return 1
}

type settingsYAML struct {
	Thresholds map[string]float64 `yaml:"thresholds"`
	Review     struct {
		LowConfidence   *float64 `yaml:"low_confidence"`
		RelevanceMargin *float64 `yaml:"relevance_margin"`
	} `yaml:"review"`
	Implies []yaml.Node `yaml:"implies"`
}

// parseSettings reads settings.yaml; errors name file, line and
// implication id.
func parseSettings(file string, data []byte, tax *Taxonomy) (*Settings, []error) {
	var y settingsYAML
	var root yaml.Node
	if err := yaml.Unmarshal(data, &root); err != nil {
		return nil, []error{yamlsyntax.Locate(file, data, err)}
	}
	if len(root.Content) == 0 {
		return &Settings{LowConfidence: 0.6}, nil
	}
	top := root.Content[0]
	s := &Settings{LowConfidence: 0.6}
	var headlineErr, decisiveErr error
	if top.Kind == yaml.MappingNode {
		for i := 0; i+1 < len(top.Content); i += 2 {
			switch k := top.Content[i]; k.Value {
			case "thresholds", "review", "implies":
			case "headline_focus":
				var err error
				if s.HeadlineFocus, err = parseHeadlineFocus(file, top.Content[i+1], tax); err != nil {
					headlineErr = err
				}
			case "decisive_subtypes":
				var err error
				if s.DecisiveSubtypes, err = parseDecisiveSubtypes(file, top.Content[i+1], tax); err != nil {
					decisiveErr = err
				}
			default:
				return nil, []error{fmt.Errorf("%s:%d: unknown key %q (expected thresholds, review, headline_focus, decisive_subtypes, implies)", file, k.Line, k.Value)}
			}
		}
	}
	if err := top.Decode(&y); err != nil {
		return nil, []error{fmt.Errorf("%s: %w", file, err)}
	}
	s.Thresholds = y.Thresholds
	var errs []error
	for _, err := range []error{headlineErr, decisiveErr} {
		if err != nil {
			errs = append(errs, err)
		}
	}
	for dim, t := range y.Thresholds {
		if !tax.HasDimension(dim) {
			errs = append(errs, fmt.Errorf("%s: thresholds: unknown dimension %q", file, dim))
		}
		if t <= 0 {
			errs = append(errs, fmt.Errorf("%s: thresholds: %s must be positive, not %v", file, dim, t))
		}
	}
	if lc := y.Review.LowConfidence; lc != nil {
		if *lc < 0 || *lc > 1 {
			errs = append(errs, fmt.Errorf("%s: review.low_confidence must be between 0 and 1, not %v", file, *lc))
		}
		s.LowConfidence = *lc
	}
	if m := y.Review.RelevanceMargin; m != nil {
		if *m < 0 {
			errs = append(errs, fmt.Errorf("%s: review.relevance_margin must not be negative, not %v", file, *m))
		}
		s.RelevanceMargin = *m
	}
	seen := map[string]int{}
	for i := range y.Implies {
		imp, err := parseImplication(file, &y.Implies[i], tax)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		if prev, dup := seen[imp.ID]; dup {
			errs = append(errs, fmt.Errorf("%s:%d: implication %s: duplicate id (first at line %d)", file, imp.Line, imp.ID, prev))
			continue
		}
		seen[imp.ID] = imp.Line
		s.Implies = append(s.Implies, imp)
	}
	if len(errs) == 0 {
		if err := s.orderImplications(); err != nil {
			errs = append(errs, err)
		}
	}
	return s, errs
}

// Focus is an entry of headline_focus: a dimension, or one code of it.
type Focus struct {
	Dim  string
	Code string // empty: every code of Dim
}

// covers reports whether the focus applies to code k.
func (f Focus) covers(k key) bool {
	return k.dim == f.Dim && (f.Code == "" || k.code == f.Code)
}

// parseHeadlineFocus reads headline_focus: a list of dimensions that take
// several codes (the single-valued ones already keep only their best), or
// of single codes of them written "dimension:CODE".
func parseHeadlineFocus(file string, n *yaml.Node, tax *Taxonomy) ([]Focus, error) {
	if n.Kind != yaml.SequenceNode {
		return nil, fmt.Errorf("%s:%d: headline_focus must be a list of dimensions or dimension:CODE", file, n.Line)
	}
	var focus []Focus
	for _, d := range n.Content {
		if d.Kind != yaml.ScalarNode {
			return nil, fmt.Errorf("%s:%d: headline_focus: each entry is a dimension or dimension:CODE", file, d.Line)
		}
		dim, code, _ := strings.Cut(d.Value, ":")
		switch {
		case !tax.HasDimension(dim):
			return nil, fmt.Errorf("%s:%d: headline_focus: unknown dimension %q", file, d.Line, dim)
		case singleValued[dim] || dim == DimRelevance:
			return nil, fmt.Errorf("%s:%d: headline_focus: %s takes one code already; only dimensions of several codes can be focused", file, d.Line, dim)
		case code != "" && !tax.Has(dim, code):
			return nil, fmt.Errorf("%s:%d: headline_focus: unknown code %q of %s", file, d.Line, code, dim)
		}
		focus = append(focus, Focus{Dim: dim, Code: code})
	}
	return focus, nil
}

// parseDecisiveSubtypes reads decisive_subtypes: a list of subtype codes.
func parseDecisiveSubtypes(file string, n *yaml.Node, tax *Taxonomy) ([]string, error) {
	if n.Kind != yaml.SequenceNode {
		return nil, fmt.Errorf("%s:%d: decisive_subtypes must be a list of subtype codes", file, n.Line)
	}
	var out []string
	for _, c := range n.Content {
		switch {
		case c.Kind != yaml.ScalarNode:
			return nil, fmt.Errorf("%s:%d: decisive_subtypes: each entry is a subtype code", file, c.Line)
		case !tax.Has(DimSubtype, c.Value):
			return nil, fmt.Errorf("%s:%d: decisive_subtypes: unknown subtype %q", file, c.Line, c.Value)
		case slices.Contains(out, c.Value):
			return nil, fmt.Errorf("%s:%d: decisive_subtypes: %s is listed twice", file, c.Line, c.Value)
		}
		out = append(out, c.Value)
	}
	return out, nil
}

func parseImplication(file string, n *yaml.Node, tax *Taxonomy) (Implication, error) {
	var y struct {
		ID     string               `yaml:"id"`
		If     map[string]string    `yaml:"if"`
		Then   map[string]yaml.Node `yaml:"then"`
		Unless map[string]yaml.Node `yaml:"unless"`
	}
	id := "?"
	if err := n.Decode(&y); err == nil && y.ID != "" {
		id = y.ID
	}
	fail := func(format string, args ...any) error {
		return fmt.Errorf("%s:%d: implication %s: %s", file, n.Line, id, fmt.Sprintf(format, args...))
	}
	if err := n.Decode(&y); err != nil {
		return Implication{}, fail("%v", err)
	}
	if y.ID == "" {
		return Implication{}, fail("id is missing")
	}
	if len(y.If) != 1 {
		return Implication{}, fail("if must name exactly one dimension and code")
	}
	imp := Implication{ID: y.ID, File: file, Line: n.Line}
	for dim, code := range y.If {
		if !tax.Has(dim, code) {
			return Implication{}, fail("unknown %s code %q", dim, code)
		}
		imp.If = Code{dim, code}
	}
	var err error
	if imp.Then, err = implicationCodes(y.Then, tax); err != nil {
		return Implication{}, fail("then: %v", err)
	}
	if len(imp.Then) == 0 {
		return Implication{}, fail("then is empty")
	}
	if imp.Unless, err = implicationCodes(y.Unless, tax); err != nil {
		return Implication{}, fail("unless: %v", err)
	}
	return imp, nil
}

// implicationCodes reads the codes of an implication's then or unless: per
// dimension one code or a list, each known to the taxonomy, in the order
// of their dimensions' names.
func implicationCodes(byDim map[string]yaml.Node, tax *Taxonomy) ([]Code, error) {
	dims := make([]string, 0, len(byDim))
	for dim := range byDim {
		dims = append(dims, dim)
	}
	sort.Strings(dims)
	var out []Code
	for _, dim := range dims {
		v := byDim[dim]
		var codes []string
		if v.Kind == yaml.ScalarNode {
			codes = []string{v.Value}
		} else if err := v.Decode(&codes); err != nil {
			return nil, fmt.Errorf("%s: %w", dim, err)
		}
		for _, c := range codes {
			if !tax.Has(dim, c) {
				return nil, fmt.Errorf("unknown %s code %q", dim, c)
			}
			out = append(out, Code{dim, c})
		}
	}
	return out, nil
}

// orderImplications sorts implications so that each runs after every
// implication that can produce its condition or one of its exceptions,
// and reports a cycle (which would make the result depend on the order)
// as an error naming it.
func (s *Settings) orderImplications() error {
	producers := map[Code][]int{}
	for i, imp := range s.Implies {
		for _, c := range imp.Then {
			producers[c] = append(producers[c], i)
		}
	}
	const (
		unvisited = iota
		visiting
		done
	)
	state := make([]int, len(s.Implies))
	var order []Implication
	var path []string
	var visit func(i int) error
	visit = func(i int) error {
		switch state[i] {
		case done:
			return nil
		case visiting:
			imp := s.Implies[i]
			return fmt.Errorf("%s:%d: implication %s: cycle: %s", imp.File, imp.Line, imp.ID, strings.Join(append(path, imp.ID), " → "))
		}
		state[i] = visiting
		path = append(path, s.Implies[i].ID)
		for _, c := range append([]Code{s.Implies[i].If}, s.Implies[i].Unless...) {
			for _, p := range producers[c] {
				if err := visit(p); err != nil {
					return err
				}
			}
		}
		path = path[:len(path)-1]
		state[i] = done
		order = append(order, s.Implies[i])
		return nil
	}
	for i := range s.Implies {
		if err := visit(i); err != nil {
			return err
		}
	}
	s.Implies = order
	return nil
}
