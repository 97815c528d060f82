package classify

import (
	"fmt"
	"strings"
	"testing"

	"github.com/horizon-scan/horizon/pipeline/message"
)

func TestPartOfIsStableAndKeepsAboutAThirdForChecking(t *testing.T) {
	// The split must never move an item: these are fixed by the hash.
	for id, want := range map[string]string{"n0001": PartOf("n0001"), "d0240": PartOf("d0240")} {
		for range 3 {
			if got := PartOf(id); got != want {
				t.Fatalf("PartOf(%s) moved from %s to %s", id, want, got)
			}
		}
	}
	check := 0
	const n = 10000
	for i := range n {
		if PartOf(fmt.Sprintf("item-%d", i)) == PartCheck {
			check++
		}
	}
	if share := float64(check) / n; share < 0.28 || share > 0.32 {
		t.Errorf("check share %.3f, want about %.1f", share, CheckShare)
	}
}

func TestInPartSplitsTheGoldWithoutLosingAnItem(t *testing.T) {
	var gold []Gold
	for i := range 200 {
		gold = append(gold, Gold{Codes: Codes{ID: fmt.Sprintf("g%d", i)}})
	}
	tune, check := InPart(gold, PartTune), InPart(gold, PartCheck)
	if len(tune)+len(check) != len(gold) || len(check) == 0 || len(tune) == 0 {
		t.Errorf("tune %d + check %d != %d", len(tune), len(check), len(gold))
	}
	if len(InPart(gold, "")) != len(gold) {
		t.Error("no part should keep every item")
	}
}

func TestMistakesListMissesAndFalseCodesWithEvidence(t *testing.T) {
	str := func(s string) *string { return &s }
	gold := []Gold{
		{Codes: Codes{ID: "a", Relevance: "RELEVANT", Type: str("DIAGNOSTIC"), ClinicalAreas: []string{"CARDIOLOGY", "STROKE"}}},
		{Codes: Codes{ID: "b", Relevance: "NOT_RELEVANT"}},
		{Codes: Codes{ID: "c", Relevance: "RELEVANT", ClinicalAreas: []string{"ONCOLOGY"}}},
	}
	ev := []message.Evidence{{RuleID: "area.x", Field: "text", Snippet: "lung"}}
	preds := map[string]Prediction{
		"a": {Codes: Codes{ID: "a", Relevance: "RELEVANT", Type: str("P4"), ClinicalAreas: []string{"CARDIOLOGY", "RESPIRATORY"}},
			Labels: []message.Label{{Dimension: "clinical_area", Code: "RESPIRATORY", Score: 1, Evidence: ev}}},
		"b": {Codes: Codes{ID: "b", Relevance: "RELEVANT"}, Gate: &message.Label{Score: 2, Evidence: ev}},
		"c": {Codes: Codes{ID: "c", Relevance: "NOT_RELEVANT"}},
	}
	var got []string
	for _, m := range Mistakes(gold, preds) {
		got = append(got, fmt.Sprintf("%s %s %s %s %d", m.Dimension, m.ID, m.Kind, m.Code, len(m.Evidence)))
	}
	want := []string{
		"relevance b false RELEVANT 1",
		"relevance c missed RELEVANT 0",
		"type a missed DIAGNOSTIC 0",
		"type a false P4 0",
		"clinical_areas a missed STROKE 0",
		"clinical_areas a false RESPIRATORY 1",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("mistakes\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	var b strings.Builder
	WriteMistakes(&b, Mistakes(gold, preds), map[string]Item{"a": {Title: "A title"}})
	if !strings.Contains(b.String(), `false  RESPIRATORY  (score 1) area.x:"lung"`) || !strings.Contains(b.String(), "a  A title") {
		t.Errorf("written:\n%s", b.String())
	}
}
