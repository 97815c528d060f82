package marks_test

import (
	"strings"
	"testing"

	"github.com/horizon-scan/horizon/pipeline/marks"
	rulefiles "github.com/horizon-scan/horizon/rules"
)

func shipped(t *testing.T) *marks.Finder {
	t.Helper()
	f, err := marks.Load(rulefiles.Files, "rules")
	if err != nil {
		t.Fatal(err)
	}
	return f
}

func TestMarksFileExamples(t *testing.T) {
	fails, n := shipped(t).TestExamples()
	if n == 0 {
		t.Fatal("the marks file has no examples")
	}
	for _, f := range fails {
		t.Error(f)
	}
}

func TestFind(t *testing.T) {
	f := shipped(t)
	tests := []struct{ name, title, text, want string }{
		{"a number alone is its mark", "", "The device was cleared under K192854 last year.", "FDA_510K K192854"},
		{"a general FDA mark gives way to a specific one", "FDA clears the stroke tool",
			"The FDA cleared it through the De Novo pathway (DEN200055).", "FDA_DE_NOVO DEN200055"},
		{"a general FDA mark", "FDA clears AI for stroke", "It reads CT scans.", "FDA"},
		{"a class without a CE mark is nothing", "", "A class II recall of the pump.", ""},
		{"a NICE guidance id", "", "NICE has recommended the technology (MTG74) for use in the NHS.", "NICE MTG74"},
		{"sought, not had", "", "The company is preparing to submit for UKCA marking and expects FDA clearance soon.", ""},
		{"one mark once", "FDA clearance for MammoScreen", "MammoScreen received FDA clearance.", "FDA"},
		{"a mark with its class is that mark once", "Skin AI receives UKCA marking",
			"DermaSight has received UKCA marking as a class IIa medical device.", "UKCA Class IIa"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var got []string
			for _, m := range f.Find(tc.title, tc.text) {
				got = append(got, strings.TrimSpace(m.Kind+" "+m.Reference))
				for _, e := range m.Evidence {
					field := tc.text
					if e.Field == "title" {
						field = tc.title
					}
					if field[e.Start:e.End] != e.Snippet {
						t.Errorf("evidence %+v does not point at its snippet", e)
					}
				}
			}
			if strings.Join(got, "; ") != tc.want {
				t.Errorf("got %q, want %q", strings.Join(got, "; "), tc.want)
			}
		})
	}
}

func TestABrokenMarksFileIsReportedWithFileAndLine(t *testing.T) {
	tests := []struct{ name, yaml, want string }{
		{"a bad pattern", "marks:\n  - kind: FDA_510K\n    name: x\n    reference: '(K'\n", "marks.yaml:2: mark FDA_510K: reference: error parsing regexp"},
		{"no name", "marks:\n  - kind: CE\n    phrases: [CE mark]\n", "marks.yaml:2: mark CE: name is required"},
		{"no phrases", "marks:\n  - kind: CE\n    name: CE mark\n", "marks.yaml:2: mark CE: phrases or a reference pattern are required"},
		{"a kind in lower case", "marks:\n  - kind: ce\n    name: CE mark\n    phrases: [CE mark]\n", "marks.yaml:2: mark ce: kind must be a code in capitals"},
		{"a duplicate kind", "marks:\n  - kind: CE\n    name: a\n    phrases: [a]\n  - kind: CE\n    name: b\n    phrases: [b]\n", "marks.yaml:5: mark CE: duplicate kind"},
		{"no marks", "not_yet: [seek]\n", "marks.yaml:1: no marks"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := marks.Parse("marks.yaml", []byte(tc.yaml))
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("got %v, want %q", err, tc.want)
			}
		})
	}
}
