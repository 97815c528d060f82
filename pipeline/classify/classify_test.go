package classify

import (
	"encoding/json"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/horizon-scan/horizon/pipeline/message"
	"github.com/horizon-scan/horizon/pipeline/rules"
)

func ruleSet(t testing.TB) *rules.RuleSet {
	t.Helper()
	rs, err := rules.Default()
	if err != nil {
		t.Fatal(err)
	}
	return rs
}

func TestHostileInputIsClassifiedNotFatal(t *testing.T) {
	rs := ruleSet(t)
	huge := strings.Repeat("A deep learning algorithm reads chest X-rays for NHS radiologists. ", 800_000) // about 54 MB
	tests := []struct {
		name          string
		title, text   string
		wantTruncated bool
		wantRelevant  bool
	}{
		{"an empty document", "", "", false, false},
		{"a 50 MB text is cut and flagged", "AI X-ray tool", huge, true, true},
		{"invalid UTF-8", "AI \xff tool", "machine learning \xc3\x28 reads hospital MRI scans for patients", false, true},
		{"HTML left in the text", "AI tool", "<div><p>A <b>machine learning</b> tool reads <i>CT scans</i> for NHS patients.</p></div>", false, true},
		{"a cut that would split a character", "AI", strings.Repeat("é", MaxTextBytes), true, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c := Classify(rs, message.Document{ID: "x", Title: tc.title, Text: tc.text}, time.Now())
			if c.Truncated != tc.wantTruncated || c.Relevant != tc.wantRelevant {
				t.Errorf("truncated=%v relevant=%v, want %v %v", c.Truncated, c.Relevant, tc.wantTruncated, tc.wantRelevant)
			}
			for _, l := range c.Labels {
				for _, e := range l.Evidence {
					if !utf8.ValidString(e.Snippet) && utf8.ValidString(tc.text) {
						t.Errorf("evidence %q is not valid UTF-8", e.Snippet)
					}
				}
			}
		})
	}
}

func TestPredictFlattensLabels(t *testing.T) {
	c := message.Classification{Relevant: true, RuleSetVersion: "v", Labels: []message.Label{
		{Dimension: "type", Code: "DIAGNOSTIC"}, {Dimension: "subtype", Code: "DIAGNOSTIC.IMAGING"},
		{Dimension: "stage", Code: "RESEARCH"}, {Dimension: "stage", Code: "APPROVED"}, {Dimension: "stage", Code: "TRIAL"},
		{Dimension: "region", Code: "NON_UK"}, {Dimension: "clinical_area", Code: "STROKE"},
	}}
	p := Predict("n1", c)
	if p.Relevance != "RELEVANT" || *p.Type != "DIAGNOSTIC" || *p.Stage != "APPROVED" ||
		p.Subtypes[0] != "DIAGNOSTIC.IMAGING" || p.Region[0] != "NON_UK" || p.ClinicalAreas[0] != "STROKE" {
		t.Errorf("prediction %+v", p)
	}
	empty := Predict("n2", message.Classification{})
	if empty.Relevance != "NOT_RELEVANT" || empty.Type != nil || empty.Subtypes == nil {
		t.Errorf("an irrelevant prediction %+v (lists must be [], not null)", empty)
	}
}

func TestEvaluate(t *testing.T) {
	s := func(v string) *string { return &v }
	gold := []Gold{
		{Codes: Codes{ID: "a", Relevance: "RELEVANT", Type: s("DIAGNOSTIC"), ClinicalAreas: []string{"STROKE", "CLINICAL_RADIOLOGY"}}},
		{Codes: Codes{ID: "b", Relevance: "RELEVANT", Type: s("P4"), ClinicalAreas: []string{"CARDIOLOGY"}}},
		{Codes: Codes{ID: "c", Relevance: "NOT_RELEVANT"}},
		{Codes: Codes{ID: "d", Relevance: "NOT_RELEVANT"}},
	}
	preds := map[string]Prediction{
		"a": {Codes: Codes{Relevance: "RELEVANT", Type: s("DIAGNOSTIC"), ClinicalAreas: []string{"STROKE"}}},
		"b": {Codes: Codes{Relevance: "RELEVANT", Type: s("DIAGNOSTIC"), ClinicalAreas: []string{"CARDIOLOGY", "STROKE"}}},
		"c": {Codes: Codes{Relevance: "RELEVANT", Type: s("P4"), ClinicalAreas: []string{"ONCOLOGY"}}},
	}
	ev := Evaluate(gold, preds)
	tests := []struct {
		name      string
		got, want float64
	}{
		{"relevance accuracy counts a missing prediction as not relevant", ev.RelevanceAccuracy, 0.75},
		{"relevance precision", ev.Dimensions["relevance"].Precision(), 2.0 / 3},
		{"type accuracy is over typed items", ev.TypeAccuracy, 0.5},
		{"clinical areas are scored on gold-relevant items only", ev.Dimensions["clinical_areas"].Precision(), 2.0 / 3},
		{"clinical area recall", ev.Dimensions["clinical_areas"].Recall(), 2.0 / 3},
	}
	for _, tc := range tests {
		if diff := tc.got - tc.want; diff > 1e-9 || diff < -1e-9 {
			t.Errorf("%s: %v, want %v", tc.name, tc.got, tc.want)
		}
	}
	if ev.TypeConfusion["P4"]["DIAGNOSTIC"] != 1 || len(ev.Missing) != 1 {
		t.Errorf("confusion %v missing %v", ev.TypeConfusion, ev.Missing)
	}
}

func TestEvaluateNames(t *testing.T) {
	// An item without the name keys was not labelled for names; null says
	// the text names none, and a name predicted there counts against.
	lines := `{"id":"a","relevance":"RELEVANT","technology":"e-Stroke","vendor":"Brainomix Ltd"}
{"id":"b","relevance":"RELEVANT","technology":null,"vendor":"Epic; Microsoft"}
{"id":"c","relevance":"RELEVANT"}`
	var gold []Gold
	for _, l := range strings.Split(lines, "\n") {
		var g Gold
		if err := json.Unmarshal([]byte(l), &g); err != nil {
			t.Fatal(err)
		}
		gold = append(gold, g)
	}
	s := func(v string) *string { return &v }
	preds := map[string]Prediction{
		"a": {Codes: Codes{Relevance: "RELEVANT"}, Technology: s("e-Stroke AI"), Vendor: s("Brainomix")},
		"b": {Codes: Codes{Relevance: "RELEVANT"}, Technology: s("MyChart"), Vendor: s("Microsoft")},
		"c": {Codes: Codes{Relevance: "RELEVANT"}, Technology: s("Anything"), Vendor: s("Anyone")},
	}
	ev := Evaluate(gold, preds)
	tech, vendor := ev.Dimensions["technology"], ev.Dimensions["vendor"]
	if ev.NameItems != 2 || tech.TP != 1 || tech.FP != 1 || tech.FN != 0 || vendor.TP != 2 || vendor.FP != 0 || vendor.FN != 1 {
		t.Errorf("items %d technology %+v vendor %+v", ev.NameItems, *tech, *vendor)
	}
	out, err := json.Marshal(gold[1])
	if err != nil || !strings.Contains(string(out), `"technology":null`) {
		t.Errorf("a labelled null name must be written back as null: %s %v", out, err)
	}
	if out, _ := json.Marshal(gold[2]); strings.Contains(string(out), "technology") {
		t.Errorf("an item not labelled for names must be written without them: %s", out)
	}
}
