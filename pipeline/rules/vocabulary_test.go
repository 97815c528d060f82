package rules

import (
	"strings"
	"testing"
	"testing/fstest"
)

const vocabHeader = "# source: a public list\n# licence: public domain\n# date: 2026-11-30\n# generator: build.py\n# dimension: clinical_area\nterm\tcodes\tsource_id\n"

// vocabSet loads a rule set of one gate rule, the rules given and the
// vocabulary files given (name → content).
func vocabSet(t *testing.T, rules string, vocabs map[string]string) (*RuleSet, error) {
	t.Helper()
	fsys := taxonomyFS(t)
	fsys["a.yaml"] = &fstest.MapFile{Data: []byte("rules:\n  - id: gate\n    set: {relevance: RELEVANT}\n    weight: 2\n    any: [ai]\n" + rules)}
	for name, data := range vocabs {
		fsys["vocabulary/"+name] = &fstest.MapFile{Data: []byte(data)}
	}
	return Load(fsys, "rules")
}

func TestBrokenVocabulariesAreReportedWithFileAndLine(t *testing.T) {
	rule := "  - id: area.v\n    vocabulary: diseases\n"
	tests := []struct{ name, file, want string }{
		{"an unknown code", vocabHeader + "heart failure\tCARDIOLOGY\tD1\nearache\tEARS\tD2\n",
			`rules/vocabulary/diseases.tsv:8: vocabulary diseases: term "earache": unknown code "EARS"`},
		{"a duplicate term", vocabHeader + "heart failure\tCARDIOLOGY\tD1\nHeart  Failure\tCARDIOLOGY\tD2\n",
			`rules/vocabulary/diseases.tsv:8: vocabulary diseases: duplicate term "Heart  Failure" (first at line 7)`},
		{"an empty term", vocabHeader + "heart failure\tCARDIOLOGY\tD1\n \tCARDIOLOGY\tD2\n",
			"rules/vocabulary/diseases.tsv:8: vocabulary diseases: empty term"},
		{"a term with no code", vocabHeader + "heart failure\t\tD1\n",
			`rules/vocabulary/diseases.tsv:7: vocabulary diseases: term "heart failure": no codes`},
		{"a row with too many columns", vocabHeader + "heart failure\tCARDIOLOGY\tD1\tmore\n",
			"rules/vocabulary/diseases.tsv:7: vocabulary diseases: expected term<TAB>codes[<TAB>source_id], got 4 columns"},
		{"no licence named", strings.Replace(vocabHeader, "# licence: public domain\n", "", 1) + "heart failure\tCARDIOLOGY\tD1\n",
			"rules/vocabulary/diseases.tsv:5: vocabulary diseases: the header names no licence"},
		{"an unknown dimension", strings.Replace(vocabHeader, "clinical_area", "colour", 1) + "heart failure\tCARDIOLOGY\tD1\n",
			`rules/vocabulary/diseases.tsv:6: vocabulary diseases: unknown dimension "colour"`},
		{"no column row", "# source: x\n",
			"rules/vocabulary/diseases.tsv:1: vocabulary diseases: no rows"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := vocabSet(t, rule, map[string]string{"diseases.tsv": tc.file})
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %v\nwant it to contain %q", err, tc.want)
			}
		})
	}
}

func TestBrokenVocabularyReferencesAreReported(t *testing.T) {
	vocab := map[string]string{"diseases.tsv": vocabHeader + "heart failure\tCARDIOLOGY\tD1\n"}
	tests := []struct{ name, rules, want string }{
		{"a vocabulary that does not exist", "  - id: r1\n    vocabulary: organs\n",
			`rules/a.yaml:6: rule r1: vocabulary "organs": no such file under vocabulary/ (have diseases)`},
		{"set and vocabulary together", "  - id: r2\n    vocabulary: diseases\n    set: {type: DIAGNOSTIC}\n",
			"rules/a.yaml:6: rule r2: a rule takes its codes from set or from a vocabulary, not both"},
		{"a reference to no vocabulary", "  - id: r3\n    set: {type: DIAGNOSTIC}\n    any: [\"@organs\"]\n",
			`rules/a.yaml:6: rule r3: "@organs" names no vocabulary`},
		{"a reference to a code no term has", "  - id: r4\n    set: {type: DIAGNOSTIC}\n    any: [\"@diseases:STROKE\"]\n",
			`rules/a.yaml:6: rule r4: "@diseases:STROKE": vocabulary diseases has no term with code "STROKE"`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := vocabSet(t, tc.rules, vocab)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %v\nwant it to contain %q", err, tc.want)
			}
		})
	}
}

func TestAVocabularyRuleGivesEachTermItsCodes(t *testing.T) {
	rs, err := vocabSet(t, `  - id: area.v
    vocabulary: diseases
    none: [veterinary]
  - id: type.detects-disease
    set: {type: DIAGNOSTIC}
    near: {within: 4, a: [detects], b: ["@diseases"]}
`, map[string]string{"diseases.tsv": vocabHeader +
		"heart failure\tCARDIOLOGY\tD1\nischaemic stroke\tSTROKE;NEUROLOGY\tD2\nlung cancer\tRESPIRATORY\tD3\n"})
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, text, dim string
		want            []string
	}{
		{"a term gives its code", "AI spots heart failure", "clinical_area", []string{"CARDIOLOGY"}},
		{"a term with two codes gives both", "AI and ischaemic strokes", "clinical_area", []string{"NEUROLOGY", "STROKE"}},
		{"terms of several codes", "AI for lung cancer and heart failure", "clinical_area", []string{"CARDIOLOGY", "RESPIRATORY"}},
		{"the rule's none applies to every code", "AI for veterinary heart failure", "clinical_area", nil},
		{"a reference expands to the terms", "AI detects lung cancer early", "type", []string{"DIAGNOSTIC"}},
		{"a reference matches only its terms", "AI detects fraud early", "type", nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := codes(rs.Classify("", tc.text), tc.dim)
			if strings.Join(got, ",") != strings.Join(tc.want, ",") {
				t.Errorf("%s = %v, want %v", tc.dim, got, tc.want)
			}
		})
	}
	if problems := rs.Check(); len(problems) > 0 {
		t.Errorf("check: %v", problems)
	}
}

func TestCheckFindsUnusedVocabulariesAndUnmatchableTerms(t *testing.T) {
	rs, err := vocabSet(t, "  - id: area.v\n    vocabulary: diseases\n", map[string]string{
		"diseases.tsv": vocabHeader + "heart failure\tCARDIOLOGY\tD1\nx\u00a0ray\tCARDIOLOGY\tD2\n",
		"organs.tsv":   vocabHeader + "heart\tCARDIOLOGY\tD3\n",
	})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, p := range rs.Check() {
		got = append(got, p.Error())
	}
	for _, want := range []string{
		`rules/vocabulary/diseases.tsv:8: vocabulary diseases: term "x\u00a0ray" does not match its own text`,
		"rules/vocabulary/organs.tsv:1: vocabulary organs: no rule uses it",
	} {
		if !strings.Contains(strings.Join(got, "\n"), want) {
			t.Errorf("check %q\nwant %q", got, want)
		}
	}
}

func TestEveryShippedVocabularyIsUsedAndMatchable(t *testing.T) {
	rs, err := Default()
	if err != nil {
		t.Fatal(err)
	}
	if len(rs.Vocabularies) == 0 {
		t.Fatal("no vocabularies built in")
	}
	for _, p := range rs.Check() {
		t.Error(p)
	}
	for name, v := range rs.Vocabularies {
		for _, k := range vocabularyHeaderRequired {
			if v.Header[k] == "" {
				t.Errorf("vocabulary %s names no %s", name, k)
			}
		}
	}
}

func TestTheShippedExamplesPass(t *testing.T) {
	rs, err := Default()
	if err != nil {
		t.Fatal(err)
	}
	fails, n := rs.TestExamples()
	for _, f := range fails {
		t.Error(f)
	}
	if n == 0 {
		t.Error("no examples")
	}
}

func TestNamedListsAreSharedByEveryRuleFile(t *testing.T) {
	fsys := taxonomyFS(t)
	fsys["a.yaml"] = &fstest.MapFile{Data: []byte(`lists:
  detect: [detect, spots, identify]
rules:
  - id: gate
    set: {relevance: RELEVANT}
    weight: 2
    any: [ai]
`)}
	fsys["b.yaml"] = &fstest.MapFile{Data: []byte(`rules:
  - id: type.detects
    set: {type: DIAGNOSTIC}
    near: {within: 3, a: ["@detect"], b: [disease, "@diseases"]}
`)}
	fsys["vocabulary/diseases.tsv"] = &fstest.MapFile{Data: []byte(vocabHeader + "heart failure\tCARDIOLOGY\tD1\n")}
	rs, err := Load(fsys, "rules")
	if err != nil {
		t.Fatal(err)
	}
	if got := codes(rs.Classify("", "AI spots heart failure"), "type"); len(got) != 1 || got[0] != "DIAGNOSTIC" {
		t.Errorf("type = %v, want DIAGNOSTIC from a list of another file", got)
	}
	if got := codes(rs.Classify("", "AI reads heart failure"), "type"); len(got) != 0 {
		t.Errorf("type = %v, want none", got)
	}
	if p := rs.Check(); len(p) != 0 {
		t.Errorf("check: %v", p)
	}
}

func TestBrokenListsAreReportedWithFileLineAndName(t *testing.T) {
	gate := "rules:\n  - id: gate\n    set: {relevance: RELEVANT}\n    any: [ai, \"@scans\"]\n"
	tests := []struct{ name, a, b, want string }{
		{"a duplicate list", "lists:\n  scans: [CT]\n" + gate, "lists:\n  scans: [MRI]\nrules:\n  - id: r\n    set: {type: P4}\n    any: [x]\n",
			"rules/b.yaml:2: list scans: duplicate list (first at rules/a.yaml:2)"},
		{"a list named like a vocabulary", "lists:\n  scans: [CT]\n  diseases: [flu]\n" + gate, "",
			"rules/a.yaml:3: list diseases: a vocabulary has this name"},
		{"a list of no phrases", "lists:\n  scans: []\n" + gate, "",
			"rules/a.yaml:2: list scans: expected a list of phrases"},
		{"a list drawing on a list", "lists:\n  scans: [CT]\n  more: [\"@scans\", MRI]\n" + gate, "",
			`rules/a.yaml:3: list more: "@scans": a list draws on vocabularies, not on other lists`},
		{"an unknown top-level key", "listz:\n  scans: [CT]\n" + gate, "",
			`rules/a.yaml:1: unknown key "listz"`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			fsys := taxonomyFS(t)
			fsys["a.yaml"] = &fstest.MapFile{Data: []byte(tc.a)}
			if tc.b != "" {
				fsys["b.yaml"] = &fstest.MapFile{Data: []byte(tc.b)}
			}
			fsys["vocabulary/diseases.tsv"] = &fstest.MapFile{Data: []byte(vocabHeader + "heart failure\tCARDIOLOGY\tD1\n")}
			_, err := Load(fsys, "rules")
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %v\nwant it to contain %q", err, tc.want)
			}
		})
	}
}
