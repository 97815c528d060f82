package classify

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"sort"
	"strings"
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
// review app's export).
type Gold = Codes

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
	// TypeConfusion counts gold type → predicted type ("-" for none).
	TypeConfusion map[string]map[string]int
	// Missing lists gold ids with no prediction (counted as predicting
	// nothing).
	Missing []string
}

// EvalDimensions lists the dimensions evaluated, in report order.
var EvalDimensions = []string{"relevance", "type", "subtypes", "clinical_areas", "workforce_groups", "point_of_care", "stage", "region"}

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
	fmt.Fprintf(w, "(dimensions other than relevance are scored on the items the gold marks relevant)\n\n")
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
