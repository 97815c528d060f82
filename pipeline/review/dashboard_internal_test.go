package review

import (
	"slices"
	"testing"

	"github.com/horizon-scan/horizon/pipeline/store"
)

func TestHeatLevel(t *testing.T) {
	for _, c := range []struct {
		n, max int64
		want   int
	}{
		{0, 0, 0}, {0, 9, 0}, {1, 1, 5}, {9, 9, 5}, {1, 9, 1}, {5, 9, 3}, {8, 9, 5}, {2, 9, 2}, {1, 2, 1},
	} {
		if got := heatLevel(c.n, c.max); got != c.want {
			t.Errorf("heatLevel(%d, %d) = %d, want %d", c.n, c.max, got, c.want)
		}
	}
}

func TestShownTablesNameNotCode(t *testing.T) {
	for _, c := range []struct {
		name string
		in   store.Table
		cols []string
		row  []string
	}{
		{"code beside its name is left to the CSV",
			store.Table{Columns: []string{"dimension", "code", "name", "technologies"}, Rows: [][]string{{"clinical_area", "NEUROLOGY", "Neurology", "3"}}},
			[]string{"Dimension", "Name", "Technologies"}, []string{"Clinical area", "Neurology", "3"}},
		{"a code without a name stays",
			store.Table{Columns: []string{"code", "technologies"}, Rows: [][]string{{"X", "1"}}},
			[]string{"Code", "Technologies"}, []string{"X", "1"}},
		{"headings in words",
			store.Table{Columns: []string{"technology_id", "first_published"}, Rows: [][]string{{"7", "2026-01-01"}}},
			[]string{"Technology", "First published"}, []string{"7", "2026-01-01"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			got := shown(c.in)
			if !slices.Equal(got.Columns, c.cols) || !slices.Equal(got.Rows[0], c.row) {
				t.Errorf("shown = %q %q, want %q %q", got.Columns, got.Rows[0], c.cols, c.row)
			}
		})
	}
}

func TestReviewReasonsNameTheTypes(t *testing.T) {
	names := map[string]string{"DIAGNOSTIC": "Diagnostic", "P4": "P4 medicine (predictive, preventive, personalised, participatory)"}
	for _, tc := range []struct{ in, want string }{
		{"weak evidence: type P4", "weak evidence: type P4 medicine"},
		{"conflicting types: DIAGNOSTIC over P4 by weight of evidence", "conflicting types: Diagnostic over P4 medicine by weight of evidence"},
		{"conflicting types: P4 over DIAGNOSTIC by purpose", "conflicting types: P4 medicine over Diagnostic by purpose"},
		{"new technology", "new technology"},
		{"first sighting of product P4", "first sighting of product P4"},
	} {
		if got := reasonText(names, tc.in); got != tc.want {
			t.Errorf("reasonText(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

// TestRivalTypesOfASettledConflict reads both forms of the reason: decided
// by the weight of evidence, or by the purpose a decisive subtype gives.
func TestRivalTypesOfASettledConflict(t *testing.T) {
	for _, tc := range []struct {
		reasons       []string
		chosen, rival string
	}{
		{[]string{"new technology", "conflicting types: DIAGNOSTIC over P4 by weight of evidence"}, "DIAGNOSTIC", "P4"},
		{[]string{"conflicting types: P4 over DIAGNOSTIC by purpose"}, "P4", "DIAGNOSTIC"},
		{[]string{"low confidence"}, "", ""},
	} {
		if chosen, rival := rivalTypes(tc.reasons); chosen != tc.chosen || rival != tc.rival {
			t.Errorf("rivalTypes(%q) = %q, %q; want %q, %q", tc.reasons, chosen, rival, tc.chosen, tc.rival)
		}
	}
}
