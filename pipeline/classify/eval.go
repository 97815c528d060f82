package classify

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"slices"
	"sort"
	"strings"
	"unicode/utf8"

	"github.com/horizon-scan/horizon/pipeline/message"
)

// Codes are one item's codes in the format of
// ../shared/corpus/dev-labels.jsonl: the fields predictions and gold labels
// share.
type Codes struct {
	ID              string   `json:"id"`
	Relevance       string   `json:"relevance"`
	Type            *string  `json:"type"`
	Subtypes        []string `json:"subtypes"`
	ClinicalAreas   []string `json:"clinical_areas"`
	WorkforceGroups []string `json:"workforce_groups"`
	PointOfCare     []string `json:"point_of_care"`
	Stage           *string  `json:"stage"`
	Region          []string `json:"region"`
}

// Gold is an analyst's labels for one item (the corpus' labels, and the
// review app's export): the codes, and the names of the technology and its
// developers where the item was labelled for names.
type Gold struct {
	Codes
	Technology NameLabel `json:"technology,omitzero"`
	Vendor     NameLabel `json:"vendor,omitzero"`
}

// ReadGold reads a gold file, one JSON object a line.
func ReadGold(path string) ([]Gold, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var out []Gold
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 16<<20)
	line := 0
	for sc.Scan() {
		line++
		if strings.TrimSpace(sc.Text()) == "" {
			continue
		}
		var g Gold
		if err := json.Unmarshal(sc.Bytes(), &g); err != nil {
			return nil, fmt.Errorf("%s:%d: %w", path, line, err)
		}
		if g.ID == "" {
			return nil, fmt.Errorf("%s:%d: id is missing", path, line)
		}
		out = append(out, g)
	}
	return out, sc.Err()
}

// Scores are precision, recall and F1 over codes (micro-averaged).
type Scores struct {
	TP, FP, FN int
}

// Precision is TP / (TP + FP).
func (s Scores) Precision() float64 { return ratio(s.TP, s.TP+s.FP) }

// Recall is TP / (TP + FN).
func (s Scores) Recall() float64 { return ratio(s.TP, s.TP+s.FN) }

// F1 is the harmonic mean of precision and recall.
func (s Scores) F1() float64 {
	p, r := s.Precision(), s.Recall()
	if p+r == 0 {
		return 0
	}
	return 2 * p * r / (p + r)
}

func ratio(a, b int) float64 {
	if b == 0 {
		return 0
	}
	return float64(a) / float64(b)
}

// Evaluation compares predictions with gold labels.
type Evaluation struct {
	Items int
	// Dimensions holds micro P/R/F1 per dimension (relevance counts the
	// RELEVANT code; type and stage count their one code).
	Dimensions map[string]*Scores
	// RelevanceAccuracy is over all items; TypeAccuracy and StageAccuracy
	// over relevant items the gold gives a type (a stage).
	RelevanceAccuracy, TypeAccuracy, StageAccuracy float64
	TypeItems, StageItems                          int
	// NameItems counts the relevant items labelled for names, over which
	// technology and vendor are scored (names matched as
	// ../shared/tools/classification-score matches them).
	NameItems int
	// TypeConfusion counts gold type → predicted type ("-" for none).
	TypeConfusion map[string]map[string]int
	// Missing lists gold ids with no prediction (counted as predicting
	// nothing).
	Missing []string
}

// EvalDimensions lists the dimensions evaluated, in report order.
var EvalDimensions = []string{"relevance", "type", "subtypes", "clinical_areas", "workforce_groups", "point_of_care", "stage", "region", "technology", "vendor"}

// Evaluate scores predictions against gold labels. As in
// ../shared/tools/classification-score, relevance is scored on every item
// and the other dimensions on the items the gold marks relevant, so that a
// relevance mistake is not counted again in every dimension.
func Evaluate(gold []Gold, preds map[string]Prediction) Evaluation {
	ev := Evaluation{Items: len(gold), Dimensions: map[string]*Scores{}, TypeConfusion: map[string]map[string]int{}}
	for _, d := range EvalDimensions {
		ev.Dimensions[d] = &Scores{}
	}
	relOK, typeOK, stageOK := 0, 0, 0
	for _, g := range gold {
		p, ok := preds[g.ID]
		if !ok {
			ev.Missing = append(ev.Missing, g.ID)
			p = Prediction{Codes: Codes{Relevance: "NOT_RELEVANT"}}
		}
		if p.Relevance == g.Relevance {
			relOK++
		}
		count(ev.Dimensions["relevance"], one(g.Relevance == "RELEVANT", "RELEVANT"), one(p.Relevance == "RELEVANT", "RELEVANT"))
		if g.Relevance != "RELEVANT" {
			continue
		}
		count(ev.Dimensions["type"], opt(g.Type), opt(p.Type))
		count(ev.Dimensions["subtypes"], g.Subtypes, p.Subtypes)
		count(ev.Dimensions["clinical_areas"], g.ClinicalAreas, p.ClinicalAreas)
		count(ev.Dimensions["workforce_groups"], g.WorkforceGroups, p.WorkforceGroups)
		count(ev.Dimensions["point_of_care"], g.PointOfCare, p.PointOfCare)
		count(ev.Dimensions["stage"], opt(g.Stage), opt(p.Stage))
		count(ev.Dimensions["region"], g.Region, p.Region)
		if g.Technology.Labelled || g.Vendor.Labelled {
			ev.NameItems++
			countNames(ev.Dimensions["technology"], nameSet(g.Technology.Name), nameSet(p.Technology))
			countNames(ev.Dimensions["vendor"], nameSet(g.Vendor.Name), nameSet(p.Vendor))
		}
		if g.Type != nil {
			ev.TypeItems++
			pt := "-"
			if p.Type != nil {
				pt = *p.Type
			}
			if pt == *g.Type {
				typeOK++
			}
			if ev.TypeConfusion[*g.Type] == nil {
				ev.TypeConfusion[*g.Type] = map[string]int{}
			}
			ev.TypeConfusion[*g.Type][pt]++
		}
		if g.Stage != nil {
			ev.StageItems++
			if p.Stage != nil && *p.Stage == *g.Stage {
				stageOK++
			}
		}
	}
	ev.RelevanceAccuracy = ratio(relOK, len(gold))
	ev.TypeAccuracy = ratio(typeOK, ev.TypeItems)
	ev.StageAccuracy = ratio(stageOK, ev.StageItems)
	return ev
}

func one(ok bool, code string) []string {
	if ok {
		return []string{code}
	}
	return nil
}

func opt(s *string) []string {
	if s == nil {
		return nil
	}
	return []string{*s}
}

func count(s *Scores, gold, pred []string) {
	g := map[string]bool{}
	for _, c := range gold {
		g[c] = true
	}
	p := map[string]bool{}
	for _, c := range pred {
		p[c] = true
	}
	for c := range p {
		if g[c] {
			s.TP++
		} else {
			s.FP++
		}
	}
	for c := range g {
		if !p[c] {
			s.FN++
		}
	}
}

// Write prints the evaluation as a table.
func (ev Evaluation) Write(w io.Writer) {
	fmt.Fprintf(w, "%d items", ev.Items)
	if len(ev.Missing) > 0 {
		fmt.Fprintf(w, " (%d without a prediction)", len(ev.Missing))
	}
	fmt.Fprintf(w, "\nrelevance accuracy %.3f   type accuracy %.3f over %d typed items   stage accuracy %.3f over %d\n", ev.RelevanceAccuracy, ev.TypeAccuracy, ev.TypeItems, ev.StageAccuracy, ev.StageItems)
	fmt.Fprintf(w, "(dimensions other than relevance are scored on the items the gold marks relevant;\n technology and vendor on the %d of them labelled for names)\n\n", ev.NameItems)
	fmt.Fprintf(w, "%-18s %9s %9s %9s %5s %5s %5s\n", "dimension", "precision", "recall", "F1", "TP", "FP", "FN")
	for _, d := range EvalDimensions {
		s := ev.Dimensions[d]
		fmt.Fprintf(w, "%-18s %9.3f %9.3f %9.3f %5d %5d %5d\n", d, s.Precision(), s.Recall(), s.F1(), s.TP, s.FP, s.FN)
	}
	var types []string
	seen := map[string]bool{}
	for g, row := range ev.TypeConfusion {
		seen[g] = true
		for p := range row {
			seen[p] = true
		}
	}
	for t := range seen {
		types = append(types, t)
	}
	sort.Strings(types)
	fmt.Fprintf(w, "\ntype confusion (rows: gold, columns: predicted)\n%-18s", "")
	for _, t := range types {
		fmt.Fprintf(w, " %8.8s", t)
	}
	fmt.Fprintln(w)
	for _, g := range types {
		if ev.TypeConfusion[g] == nil {
			continue
		}
		fmt.Fprintf(w, "%-18s", g)
		for _, p := range types {
			fmt.Fprintf(w, " %8d", ev.TypeConfusion[g][p])
		}
		fmt.Fprintln(w)
	}
}

// Mistake is one code a prediction got wrong on one item: a code the gold
// has and the prediction lacks ("missed"), or the other way round
// ("false").
type Mistake struct {
	ID, Dimension, Code, Kind string
	// Evidence is what gave a false code, or for relevance the gate's
	// evidence for and against.
	Evidence []message.Evidence
	Score    float64
}

// Mistake kinds.
const (
	Missed = "missed"
	False  = "false"
)

// Mistakes lists every code the predictions got wrong, dimension by
// dimension in EvalDimensions order and item by item in gold order. As in
// Evaluate, relevance is judged on every item and the other dimensions on
// the items the gold marks relevant and the prediction too (an item judged
// not relevant is one relevance mistake, not a miss in every dimension).
func Mistakes(gold []Gold, preds map[string]Prediction) []Mistake {
	var out []Mistake
	for _, dim := range EvalDimensions {
		for _, g := range gold {
			p, ok := preds[g.ID]
			if !ok {
				continue
			}
			if dim == "relevance" {
				if (g.Relevance == "RELEVANT") != (p.Relevance == "RELEVANT") {
					m := Mistake{ID: g.ID, Dimension: dim, Code: "RELEVANT", Kind: Missed}
					if p.Relevance == "RELEVANT" {
						m.Kind = False
					}
					if p.Gate != nil {
						m.Evidence, m.Score = p.Gate.Evidence, p.Gate.Score
					}
					out = append(out, m)
				}
				continue
			}
			if g.Relevance != "RELEVANT" || p.Relevance != "RELEVANT" {
				continue
			}
			if dim == "technology" || dim == "vendor" {
				out = append(out, nameMistakes(g, p, dim)...)
				continue
			}
			gc, pc := dimCodes(g.Codes, dim), dimCodes(p.Codes, dim)
			for _, c := range gc {
				if !slices.Contains(pc, c) {
					out = append(out, Mistake{ID: g.ID, Dimension: dim, Code: c, Kind: Missed})
				}
			}
			for _, c := range pc {
				if !slices.Contains(gc, c) {
					m := Mistake{ID: g.ID, Dimension: dim, Code: c, Kind: False}
					for _, l := range p.Labels {
						if labelDim(l.Dimension) == dim && l.Code == c {
							m.Evidence, m.Score = l.Evidence, l.Score
						}
					}
					out = append(out, m)
				}
			}
		}
	}
	return out
}

// nameMistakes lists the names of one item a prediction missed or gave
// falsely, with the evidence of a false one.
func nameMistakes(g Gold, p Prediction, dim string) []Mistake {
	gold, pred, found := g.Technology, p.Technology, p.Names.technology()
	if dim == "vendor" {
		gold, pred, found = g.Vendor, p.Vendor, p.Names.vendors()
	}
	if !gold.Labelled {
		return nil
	}
	var out []Mistake
	missed, wrong := countNames(&Scores{}, nameSet(gold.Name), nameSet(pred))
	for _, n := range missed {
		out = append(out, Mistake{ID: g.ID, Dimension: dim, Code: n, Kind: Missed})
	}
	for _, n := range wrong {
		m := Mistake{ID: g.ID, Dimension: dim, Code: n, Kind: False}
		for _, f := range found {
			if slices.Contains(nameSet(&f.Name), n) {
				m.Evidence, m.Score = f.Evidence, f.Score
			}
		}
		out = append(out, m)
	}
	return out
}

// dimCodes returns the codes of one evaluated dimension.
func dimCodes(c Codes, dim string) []string {
	switch dim {
	case "type":
		return opt(c.Type)
	case "stage":
		return opt(c.Stage)
	case "subtypes":
		return c.Subtypes
	case "clinical_areas":
		return c.ClinicalAreas
	case "workforce_groups":
		return c.WorkforceGroups
	case "point_of_care":
		return c.PointOfCare
	case "region":
		return c.Region
	}
	return nil
}

// labelDim maps a label's dimension to the evaluated dimension's name.
func labelDim(d string) string {
	switch d {
	case "subtype":
		return "subtypes"
	case "clinical_area":
		return "clinical_areas"
	case "workforce_group":
		return "workforce_groups"
	}
	return d
}

// WriteMistakes prints the mistakes for analysts: per dimension, each item
// with its title, what was missed and what was given falsely, with the
// rules and the words that gave it.
func WriteMistakes(w io.Writer, mistakes []Mistake, items map[string]Item) {
	dim := ""
	for i, m := range mistakes {
		if m.Dimension != dim {
			dim = m.Dimension
			fmt.Fprintf(w, "\n== %s\n", dim)
		}
		if i == 0 || mistakes[i-1].ID != m.ID || mistakes[i-1].Dimension != m.Dimension {
			fmt.Fprintf(w, "%s  %s\n", m.ID, oneLine(items[m.ID].Title, 110))
		}
		fmt.Fprintf(w, "    %-6s %s", m.Kind, m.Code)
		if m.Dimension == "relevance" || len(m.Evidence) > 0 {
			fmt.Fprintf(w, "  (score %.2g)", m.Score)
		}
		for j, e := range m.Evidence {
			if j == 6 {
				fmt.Fprintf(w, " …")
				break
			}
			fmt.Fprintf(w, " %s:%q", e.RuleID, oneLine(e.Snippet, 40))
		}
		fmt.Fprintln(w)
	}
}

func oneLine(s string, n int) string {
	s = strings.Join(strings.Fields(s), " ")
	if len(s) > n {
		cut := n
		for cut > 0 && !utf8.RuneStart(s[cut]) {
			cut--
		}
		s = s[:cut] + "…"
	}
	return s
}

// WriteSideBySide prints the headline figures of several evaluations (the
// parts of a split) in columns, in the given order.
func WriteSideBySide(w io.Writer, evs map[string]Evaluation, order []string) {
	fmt.Fprintf(w, "%-18s", "")
	for _, name := range order {
		fmt.Fprintf(w, " %24s", fmt.Sprintf("%s (%d items)", name, evs[name].Items))
	}
	fmt.Fprintf(w, "\n%-18s", "dimension")
	for range order {
		fmt.Fprintf(w, " %7s %7s %8s", "P", "R", "F1")
	}
	fmt.Fprintln(w)
	for _, d := range EvalDimensions {
		fmt.Fprintf(w, "%-18s", d)
		for _, name := range order {
			s := evs[name].Dimensions[d]
			fmt.Fprintf(w, " %7.3f %7.3f %8.3f", s.Precision(), s.Recall(), s.F1())
		}
		fmt.Fprintln(w)
	}
	fmt.Fprintf(w, "%-18s", "type accuracy")
	for _, name := range order {
		fmt.Fprintf(w, " %24.3f", evs[name].TypeAccuracy)
	}
	fmt.Fprintln(w)
}

// Has reports whether the codes hold code in dimension dim (a taxonomy
// dimension: relevance, type, subtype, clinical_area, workforce_group,
// point_of_care, stage, region).
func (c Codes) Has(dim, code string) bool {
	switch dim {
	case "relevance":
		return c.Relevance == code
	case "type":
		return c.Type != nil && *c.Type == code
	case "stage":
		return c.Stage != nil && *c.Stage == code
	case "subtype":
		return slices.Contains(c.Subtypes, code)
	case "clinical_area":
		return slices.Contains(c.ClinicalAreas, code)
	case "workforce_group":
		return slices.Contains(c.WorkforceGroups, code)
	case "point_of_care":
		return slices.Contains(c.PointOfCare, code)
	case "region":
		return slices.Contains(c.Region, code)
	}
	return false
}
