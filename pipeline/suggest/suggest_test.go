package suggest

import (
	"strings"
	"testing"
)

func TestSuggestFindsThePhrasesThatAddMissedCodes(t *testing.T) {
	docs := []Doc{
		{ID: "1", Title: "AI reads prostate MRI scans", Scored: true, Gold: true},
		{ID: "2", Title: "Prostate cancer found by machine learning", Scored: true, Gold: true},
		{ID: "3", Title: "An algorithm for prostate biopsies", Scored: true, Gold: true, Predicted: true},
		{ID: "4", Title: "AI reads chest MRI scans", Scored: true},
		{ID: "5", Title: "Bladder tumours and the prostate", Scored: false, Gold: true}, // not scored: ignored
		{ID: "6", Title: "Machine learning for the heart", Scored: true},
	}
	res := Suggest(docs, Options{MinSupport: 2, MinPrecision: 0.7})
	if res.Positives != 3 || res.Missed != 2 {
		t.Fatalf("positives %d missed %d, want 3 and 2", res.Positives, res.Missed)
	}
	if len(res.Candidates) == 0 || res.Candidates[0].Phrase != "prostate" {
		t.Fatalf("candidates %+v, want prostate first", res.Candidates)
	}
	c := res.Candidates[0]
	if c.With != 3 || c.Right != 3 || c.Added != 2 || c.Precision != 1 || c.Recall != 1 {
		t.Errorf("prostate %+v", c)
	}
	for _, c := range res.Candidates {
		if c.Phrase == "mri scan" && c.Precision != 0.5 {
			t.Errorf("mri scan precision %v, want 0.5 (one right in two)", c.Precision)
		}
		if c.Phrase == "the prostate" || c.Phrase == "for" {
			t.Errorf("proposed a phrase with a function word at its edge: %q", c.Phrase)
		}
	}
	if strings.Join(res.Rule, ",") != "prostate" || res.Precision != 1 || res.Recall != 1 {
		t.Errorf("rule %v P %v R %v, want [prostate] 1 1", res.Rule, res.Precision, res.Recall)
	}
	var b strings.Builder
	res.Write(&b, "clinical_area", "UROLOGY", 5)
	if !strings.Contains(b.String(), "  - id: suggested.clinical_area.urology\n    set: {clinical_area: UROLOGY}\n    any: [prostate]") {
		t.Errorf("written:\n%s", b.String())
	}
}

func TestSuggestLeavesOutWhatTheRulesHave(t *testing.T) {
	docs := []Doc{
		{Title: "Kidney scans read by AI", Scored: true, Gold: true},
		{Title: "Kidney function predicted", Scored: true, Gold: true},
	}
	for _, c := range Suggest(docs, Options{MinSupport: 2, Known: []string{"Kidneys"}}).Candidates {
		if c.Phrase == "kidney" {
			t.Error("proposed a phrase the rules already have")
		}
	}
}

func TestPhrasesAreWhatTheEngineWouldMatch(t *testing.T) {
	got := phrases("Chest X-rays of 2,000 patients’ lungs. New studies", 2)
	for _, want := range []string{"chest", "chest x", "x ray", "ray", "patients' lung", "lung", "study"} {
		if !got[want] {
			t.Errorf("no phrase %q in %v", want, got)
		}
	}
	for _, not := range []string{"lungs new", "of", "2", "new study"} {
		if got[not] {
			t.Errorf("phrase %q should not be there", not)
		}
	}
}

func TestSingular(t *testing.T) {
	for in, want := range map[string]string{"scans": "scan", "studies": "study", "patches": "patch", "diagnosis": "diagnosis",
		"glass": "glass", "virus": "virus", "ads": "ads", "lungs": "lung"} {
		if got := singular(in); got != want {
			t.Errorf("singular(%q) = %q, want %q", in, got, want)
		}
	}
}
