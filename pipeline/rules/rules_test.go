package rules

import (
	"io/fs"
	"reflect"
	"slices"
	"strings"
	"testing"
	"testing/fstest"
	"unicode/utf8"

	"github.com/horizon-scan/horizon/pipeline/message"
)

func taxonomyFS(t *testing.T) fstest.MapFS {
	t.Helper()
	data, err := fs.ReadFile(Files(), taxonomyFile)
	if err != nil {
		t.Fatal(err)
	}
	return fstest.MapFS{taxonomyFile: {Data: data}}
}

func TestBuiltInRulesLoad(t *testing.T) {
	rs, err := Default()
	if err != nil {
		t.Fatal(err)
	}
	if rs.Rules() == 0 || rs.Phrases() == 0 || len(rs.Version) != 16 {
		t.Errorf("rules=%d phrases=%d version=%q", rs.Rules(), rs.Phrases(), rs.Version)
	}
}

func TestBrokenRuleFilesAreReportedWithFileLineAndRule(t *testing.T) {
	tests := []struct {
		name, file, want string
	}{
		{"an unknown code", "rules:\n  - id: r1\n    set: {subtype: DIAGNOSTIC.NOPE}\n    any: [x-ray]\n",
			"rules/a.yaml:3: rule r1: unknown subtype code \"DIAGNOSTIC.NOPE\""},
		{"an unknown dimension", "rules:\n  - id: r2\n    set: {colour: RED}\n    any: [x]\n",
			"rules/a.yaml:3: rule r2: unknown dimension \"colour\""},
		{"an unknown key", "rules:\n  - id: r3\n    set: {type: DIAGNOSTIC}\n    anyy: [x]\n",
			"rules/a.yaml:4: rule r3: unknown key \"anyy\""},
		{"no phrases", "rules:\n  - id: r4\n    set: {type: DIAGNOSTIC}\n",
			"rules/a.yaml:2: rule r4: needs \"any\", \"all\" or \"near\" phrases, or \"punctuation\""},
		{"a word as punctuation", "rules:\n  - id: r13\n    set: {type: DIAGNOSTIC}\n    punctuation: [\"or\"]\n",
			"rules/a.yaml:2: rule r13: punctuation \"or\": one mark"},
		{"two marks as one", "rules:\n  - id: r14\n    set: {type: DIAGNOSTIC}\n    punctuation: [\":?\"]\n",
			"rules/a.yaml:2: rule r14: punctuation \":?\": one mark"},
		{"an empty phrase", "rules:\n  - id: r5\n    set: {type: DIAGNOSTIC}\n    any: [\"  \"]\n",
			"rules/a.yaml:2: rule r5: empty phrase"},
		{"a missing id", "rules:\n  - set: {type: DIAGNOSTIC}\n    any: [x]\n",
			"rules/a.yaml:2: rule ?: id is missing"},
		{"a zero weight", "rules:\n  - id: r6\n    set: {type: DIAGNOSTIC}\n    any: [x]\n    weight: 0\n",
			"rules/a.yaml:2: rule r6: weight 0 would do nothing"},
		{"an unknown field", "rules:\n  - id: r9\n    set: {type: DIAGNOSTIC}\n    any: [x]\n    field: body\n",
			"rules/a.yaml:2: rule r9: field \"body\" is not title or text"},
		{"a near without distance", "rules:\n  - id: r10\n    set: {type: DIAGNOSTIC}\n    near: {a: [x], b: [y]}\n",
			"rules/a.yaml:2: rule r10: near needs within"},
		{"an empty example", "rules:\n  - id: r11\n    set: {type: DIAGNOSTIC}\n    any: [x]\n    examples: {match: [\"\"]}\n",
			"rules/a.yaml:5: rule r11: an example must be a non-empty text"},
		{"a duplicate id", "rules:\n  - id: r7\n    set: {type: DIAGNOSTIC}\n    any: [x]\n  - id: r7\n    set: {type: P4}\n    any: [y]\n",
			"rules/a.yaml:5: rule r7: duplicate id (first at rules/a.yaml:2)"},
		{"a medic of an unknown area", "rules:\n  - id: r8\n    set: {workforce_group: MEDIC.ASTROLOGY}\n    any: [x]\n",
			"rules/a.yaml:3: rule r8: unknown workforce_group code \"MEDIC.ASTROLOGY\""},
		{"a fallback for a dimension of many codes", "rules:\n  - id: r12\n    set: {clinical_area: [CARDIOLOGY]}\n    any: [x]\n    fallback: true\n",
			"rules/a.yaml:2: rule r12: fallback: clinical_area is not a single-valued dimension"},
		{"not yaml", "rules: [\n", "rules/a.yaml:1: did not find expected node content"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			fsys := taxonomyFS(t)
			fsys["a.yaml"] = &fstest.MapFile{Data: []byte(tc.file)}
			_, err := Load(fsys, "rules")
			if err == nil {
				t.Fatal("loaded a broken rule file")
			}
			if !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %q\nwant it to contain %q", err, tc.want)
			}
		})
	}
}

func TestEveryProblemIsReportedNotJustTheFirst(t *testing.T) {
	fsys := taxonomyFS(t)
	fsys["a.yaml"] = &fstest.MapFile{Data: []byte("rules:\n  - id: a\n    set: {type: NOPE}\n    any: [x]\n  - id: b\n    set: {type: NOPE2}\n    any: [y]\n")}
	_, err := Load(fsys, "rules")
	if err == nil || !strings.Contains(err.Error(), "rule a:") || !strings.Contains(err.Error(), "rule b:") {
		t.Errorf("error %v, want both rules named", err)
	}
}

func TestClassify(t *testing.T) {
	rs, err := Default()
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, title, text string
		relevant          bool
		want              map[string]string // dimension → one code that must be there
	}{
		{"an AI imaging tool in an NHS trust", "AI reads chest X-rays", "The NHS trust's radiologists use an artificial intelligence tool on chest X-rays.",
			true, map[string]string{"type": "DIAGNOSTIC", "subtype": "DIAGNOSTIC.IMAGING", "clinical_area": "CLINICAL_RADIOLOGY"}},
		{"plurals match their singular phrase", "Hospitals adopt AI", "Machine learning reads mammograms for patients.",
			true, map[string]string{"subtype": "DIAGNOSTIC.IMAGING"}},
		{"words inside other words do not match", "AIR quality in Leedsshire", "Air pollution and health in the county.",
			false, nil},
		{"health news with no AI is not relevant", "NHS waiting lists fall", "Patients wait less for hospital treatment.",
			false, nil},
		{"market research is set aside", "AI in healthcare market size", "The artificial intelligence in healthcare market will grow at a CAGR of 40% for hospitals.",
			false, nil},
		{"empty text", "", "", false, nil},
		{"invalid UTF-8 does not break matching", "AI \xff\xfe for NHS \xff radiology", "\xc3\x28 machine learning in hospital radiology",
			true, map[string]string{"clinical_area": "CLINICAL_RADIOLOGY"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := rs.Classify(tc.title, tc.text)
			if r.Relevant != tc.relevant {
				t.Fatalf("relevant = %v, want %v (labels %+v)", r.Relevant, tc.relevant, r.Labels)
			}
			for dim, code := range tc.want {
				found := false
				for _, l := range r.Labels {
					if l.Dimension == dim && l.Code == code {
						found = true
						if len(l.Evidence) == 0 {
							t.Errorf("%s %s has no evidence", dim, code)
						}
					}
				}
				if !found {
					t.Errorf("no %s %s in %+v", dim, code, r.Labels)
				}
			}
		})
	}
}

func TestEvidenceSpansPointAtTheMatchedText(t *testing.T) {
	rs, err := Default()
	if err != nil {
		t.Fatal(err)
	}
	title, text := "Machine learning triages CT scans", "The hospital uses deep learning on CT scans for stroke patients."
	r := rs.Classify(title, text)
	fields := map[string]string{"title": title, "text": text}
	for _, l := range r.Labels {
		for _, e := range l.Evidence {
			if got := fields[e.Field][e.Start:e.End]; got != e.Snippet {
				t.Errorf("%s evidence %q at %d:%d reads %q", l.Code, e.Snippet, e.Start, e.End, got)
			}
		}
	}
}

func TestClassifyIsDeterministic(t *testing.T) {
	rs, err := Default()
	if err != nil {
		t.Fatal(err)
	}
	title, text := "AI virtual ward and sepsis early warning", "Machine learning for NHS patients in Leeds and London hospitals, with remote monitoring, radiology and ECG."
	first := rs.Classify(title, text)
	for range 20 {
		again := rs.Classify(title, text)
		if len(again.Labels) != len(first.Labels) {
			t.Fatal("label count changed between runs")
		}
		for i := range first.Labels {
			if first.Labels[i].Code != again.Labels[i].Code || first.Labels[i].Score != again.Labels[i].Score {
				t.Fatalf("label %d changed: %+v then %+v", i, first.Labels[i], again.Labels[i])
			}
		}
	}
}

func FuzzLoadRuleFile(f *testing.F) {
	f.Add([]byte("rules:\n  - id: r\n    set: {type: DIAGNOSTIC}\n    any: [x-ray]\n"))
	f.Add([]byte("rules: [{id: a, set: {subtype: [DIAGNOSTIC.IMAGING]}, all: [[a], [b]], none: [c]}]"))
	f.Add([]byte("- 1\n- 2"))
	tax, err := fs.ReadFile(Files(), taxonomyFile)
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		fsys := fstest.MapFS{taxonomyFile: {Data: tax}, "a.yaml": {Data: data}}
		rs, err := Load(fsys, "rules")
		if err != nil {
			return
		}
		rs.Classify("AI x-ray", string(data)) // a rule set that loads must classify
	})
}

func FuzzClassify(f *testing.F) {
	rs, err := Default()
	if err != nil {
		f.Fatal(err)
	}
	f.Add("AI reads chest X-rays", "NHS radiologists use it")
	f.Add("", "\xff\xfe")
	f.Fuzz(func(t *testing.T, title, text string) {
		r := rs.Classify(title, text)
		fields := map[string]string{"title": title, "text": text}
		for _, l := range r.Labels {
			for _, e := range l.Evidence {
				if e.Start < 0 || e.End > len(fields[e.Field]) || e.Start > e.End {
					t.Fatalf("evidence span %d:%d outside %s", e.Start, e.End, e.Field)
				}
			}
		}
	})
}

func TestBrokenSettingsAreReportedWithFileLineAndImplication(t *testing.T) {
	rule := "rules:\n  - id: r\n    set: {type: DIAGNOSTIC}\n    any: [x]\n"
	tests := []struct{ name, settings, want string }{
		{"an unknown code in an implication", "implies:\n  - id: i1\n    if: {clinical_area: NOPE}\n    then: {workforce_group: NURSE.ADULT}\n",
			"rules/settings.yaml:2: implication i1: unknown clinical_area code \"NOPE\""},
		{"an unknown code an implication brings", "implies:\n  - id: i1\n    if: {clinical_area: CARDIOLOGY}\n    then: {workforce_group: NOPE}\n",
			"rules/settings.yaml:2: implication i1: then: unknown workforce_group code \"NOPE\""},
		{"an unknown code an implication yields to", "implies:\n  - id: i1\n    if: {clinical_area: CARDIOLOGY}\n    then: {workforce_group: PATIENT}\n    unless: {point_of_care: NOPE}\n",
			"rules/settings.yaml:2: implication i1: unless: unknown point_of_care code \"NOPE\""},
		{"a cycle through an exception", "implies:\n  - id: i1\n    if: {clinical_area: CARDIOLOGY}\n    then: {point_of_care: SELF_CARE}\n    unless: {point_of_care: SOCIAL_CARE}\n  - id: i2\n    if: {point_of_care: SELF_CARE}\n    then: {point_of_care: SOCIAL_CARE}\n",
			"cycle: i1 → i2 → i1"},
		{"a cycle of implications", "implies:\n  - id: i1\n    if: {clinical_area: CARDIOLOGY}\n    then: {clinical_area: STROKE}\n  - id: i2\n    if: {clinical_area: STROKE}\n    then: {clinical_area: CARDIOLOGY}\n",
			"cycle: i1 → i2 → i1"},
		{"a duplicate implication", "implies:\n  - id: i1\n    if: {stage: APPROVED}\n    then: {horizon: WITHIN_1Y}\n  - id: i1\n    if: {stage: TRIAL}\n    then: {horizon: Y1_3}\n",
			"rules/settings.yaml:5: implication i1: duplicate id"},
		{"a threshold of an unknown dimension", "thresholds: {colour: 1}\n", "thresholds: unknown dimension \"colour\""},
		{"an unknown key", "treshold: {}\n", "rules/settings.yaml:1: unknown key \"treshold\""},
		{"a negative relevance margin", "review: {relevance_margin: -1}\n", "review.relevance_margin must not be negative"},
		{"headline focus on an unknown dimension", "headline_focus: [subtype, colour]\n",
			"rules/settings.yaml:1: headline_focus: unknown dimension \"colour\""},
		{"headline focus on a dimension of one code", "headline_focus:\n  - type\n",
			"rules/settings.yaml:2: headline_focus: type takes one code already"},
		{"headline focus not a list", "headline_focus: subtype\n", "rules/settings.yaml:1: headline_focus must be a list of dimensions"},
		{"headline focus on an unknown code", "headline_focus:\n  - subtype\n  - clinical_area:NOPE\n",
			"rules/settings.yaml:3: headline_focus: unknown code \"NOPE\" of clinical_area"},
		{"headline focus on a code of a dimension of one code", "headline_focus: [type:DIAGNOSTIC]\n",
			"rules/settings.yaml:1: headline_focus: type takes one code already"},
		{"decisive subtype unknown", "decisive_subtypes:\n  - P4.RISK_PREDICTION\n  - P4.CRYSTAL_BALL\n",
			"rules/settings.yaml:3: decisive_subtypes: unknown subtype \"P4.CRYSTAL_BALL\""},
		{"decisive subtypes not a list", "decisive_subtypes: P4.RISK_PREDICTION\n",
			"rules/settings.yaml:1: decisive_subtypes must be a list of subtype codes"},
		{"decisive subtype twice", "decisive_subtypes: [P4.RISK_PREDICTION, P4.RISK_PREDICTION]\n",
			"rules/settings.yaml:1: decisive_subtypes: P4.RISK_PREDICTION is listed twice"},
		{"decisive type, not subtype", "decisive_subtypes: [P4]\n",
			"rules/settings.yaml:1: decisive_subtypes: unknown subtype \"P4\""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			fsys := taxonomyFS(t)
			fsys["a.yaml"] = &fstest.MapFile{Data: []byte(rule)}
			fsys["settings.yaml"] = &fstest.MapFile{Data: []byte(tc.settings)}
			_, err := Load(fsys, "rules")
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %v\nwant it to contain %q", err, tc.want)
			}
		})
	}
}

// ruleSet builds a rule set from rule and settings text, for language tests.
func ruleSet(t *testing.T, rules, settings string) *RuleSet {
	t.Helper()
	fsys := taxonomyFS(t)
	fsys["a.yaml"] = &fstest.MapFile{Data: []byte("rules:\n  - id: gate\n    set: {relevance: RELEVANT}\n    any: [ai]\n" + rules)}
	fsys["settings.yaml"] = &fstest.MapFile{Data: []byte(settings)}
	rs, err := Load(fsys, "rules")
	if err != nil {
		t.Fatal(err)
	}
	return rs
}

func codes(r Result, dim string) []string {
	var out []string
	for _, l := range r.Labels {
		if l.Dimension == dim {
			out = append(out, l.Code)
		}
	}
	return out
}

func TestRuleLanguage(t *testing.T) {
	rs := ruleSet(t, `  - id: near-scan
    set: {subtype: DIAGNOSTIC.IMAGING}
    near: {within: 3, a: [scan], b: [reads]}
  - id: title-only
    set: {stage: APPROVED}
    field: title
    any: [cleared]
  - id: research
    set: {stage: RESEARCH}
    any: [study]
  - id: not-research
    set: {stage: RESEARCH}
    any: [market study]
    weight: -2
  - id: radiology
    set: {clinical_area: CLINICAL_RADIOLOGY}
    any: [radiology]
  - id: ask
    set: {region: NON_UK}
    any: [abroad]
    review: check the country
  - id: colon-headline
    set: {stage: TRIAL}
    field: title
    punctuation: [":"]
  - id: question-about-scans
    set: {point_of_care: SECONDARY}
    any: [scan]
    punctuation: ["?"]
`, `implies:
  - id: radiology-staff
    if: {clinical_area: CLINICAL_RADIOLOGY}
    then: {workforce_group: [MEDIC.CLINICAL_RADIOLOGY, AHP.DIAGNOSTIC_RADIOGRAPHER]}
  - id: approved-soon
    if: {stage: APPROVED}
    then: {horizon: WITHIN_1Y}
`)
	tests := []struct {
		name, title, text, dim string
		want                   []string
	}{
		{"near matches phrases close together", "", "AI reads every chest scan", "subtype", []string{"DIAGNOSTIC.IMAGING"}},
		{"near does not match phrases far apart", "", "AI reads the notes and later a very long time after a scan", "subtype", nil},
		{"a title rule matches the title", "AI tool cleared", "", "stage", []string{"APPROVED"}},
		{"a title rule ignores the text", "AI tool", "it was cleared", "stage", nil},
		{"negative evidence takes a code below its threshold", "", "AI market study", "stage", nil},
		{"positive evidence alone gives the code", "", "AI study", "stage", []string{"RESEARCH"}},
		{"an implication adds codes", "", "AI in radiology", "workforce_group", []string{"AHP.DIAGNOSTIC_RADIOGRAPHER", "MEDIC.CLINICAL_RADIOLOGY"}},
		{"implications chain across dimensions", "AI cleared", "", "horizon", []string{"WITHIN_1Y"}},
		{"subtype implies type", "", "AI reads the scan", "type", []string{"DIAGNOSTIC"}},
		{"markup does not match", "", "AI <span class=scan>reads</span> notes", "subtype", nil},
		{"punctuation alone matches", "Stroke care: AI in the NHS", "", "stage", []string{"TRIAL"}},
		{"punctuation in another field does not", "AI in the NHS", "Stroke care: what next", "stage", nil},
		{"punctuation and phrases must both occur", "", "Can AI read a scan?", "point_of_care", []string{"SECONDARY"}},
		{"phrases without the punctuation do not match", "", "AI reads a scan.", "point_of_care", nil},
		{"the punctuation without the phrases does not", "", "Can AI read notes?", "point_of_care", nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := codes(rs.Classify(tc.title, tc.text), tc.dim)
			if strings.Join(got, ",") != strings.Join(tc.want, ",") {
				t.Errorf("%s = %v, want %v", tc.dim, got, tc.want)
			}
		})
	}
	t.Run("a rule can ask for review", func(t *testing.T) {
		r := rs.Classify("", "AI abroad")
		if !r.Review.Needed || !strings.Contains(strings.Join(r.Review.Reasons, ";"), "rule ask: check the country") {
			t.Errorf("review %+v", r.Review)
		}
	})
	t.Run("punctuation is evidence where it stands", func(t *testing.T) {
		title := "Stroke care: AI"
		for _, l := range rs.Classify(title, "").Labels {
			if l.Code != "TRIAL" {
				continue
			}
			if e := l.Evidence[0]; e.Field != "title" || e.Snippet != ":" || title[e.Start:e.End] != ":" || e.RuleID != "colon-headline" {
				t.Errorf("evidence %+v", e)
			}
			return
		}
		t.Error("no TRIAL label")
	})
	t.Run("evidence points into the original text despite markup", func(t *testing.T) {
		text := "<p>AI</p> in <b>radiology</b>"
		for _, l := range rs.Classify("", text).Labels {
			for _, e := range l.Evidence {
				if text[e.Start:e.End] != e.Snippet {
					t.Errorf("evidence %q at %d:%d reads %q", e.Snippet, e.Start, e.End, text[e.Start:e.End])
				}
			}
		}
	})
}

func TestANearMissOfTheGateIsClassifiedAndSentToReview(t *testing.T) {
	rules := `  - id: gate.health
    set: {relevance: RELEVANT}
    any: [hospital]
  - id: against
    set: {relevance: RELEVANT}
    weight: -1
    any: [opinion]
  - id: scan
    set: {subtype: DIAGNOSTIC.IMAGING}
    any: [scan]
`
	tests := []struct {
		name, settings, text string
		relevant, nearMiss   bool
	}{
		{"over the threshold", "thresholds: {relevance: 2}\nreview: {relevance_margin: 1}\n", "AI reads the scan in hospital", true, false},
		{"one short, within the margin", "thresholds: {relevance: 2}\nreview: {relevance_margin: 1}\n", "AI reads the scan", false, true},
		{"one short, no margin", "thresholds: {relevance: 2}\n", "AI reads the scan", false, false},
		{"short by more than the margin", "thresholds: {relevance: 3}\nreview: {relevance_margin: 1}\n", "AI reads the scan", false, false},
		{"nothing in favour is no near miss", "thresholds: {relevance: 1}\nreview: {relevance_margin: 2}\n", "An opinion on AI scans", false, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := ruleSet(t, rules, tc.settings).Classify("", tc.text)
			if r.Relevant != tc.relevant || r.NearMiss != tc.nearMiss {
				t.Fatalf("relevant %v, near miss %v; want %v, %v", r.Relevant, r.NearMiss, tc.relevant, tc.nearMiss)
			}
			classified := r.Relevant || r.NearMiss
			if got := codes(r, DimSubtype); (len(got) > 0) != classified {
				t.Errorf("subtypes %v: a document gets its codes when relevant or a near miss, else not", got)
			}
			if inReview := slices.Contains(r.Review.Reasons, ReasonNearMiss); inReview != tc.nearMiss || inReview && !r.Review.Needed {
				t.Errorf("review %+v, want the near-miss reason %v", r.Review, tc.nearMiss)
			}
		})
	}
}

// TestAnImplicationYieldsToItsException: a code that implies others does
// not where the document has one of the implication's exceptions, whether
// a rule gives the exception or another implication does (which then runs
// first, wherever it is listed).
func TestAnImplicationYieldsToItsException(t *testing.T) {
	rules := `  - id: sensor
    set: {subtype: REMOTE_MONITORING.WEARABLE}
    any: [sensor]
  - id: care-home
    set: {point_of_care: SOCIAL_CARE}
    any: [care home]
  - id: older
    set: {clinical_area: GERIATRIC_MEDICINE}
    any: [frail]
`
	settings := `implies:
  - id: worn-by-patients
    if: {subtype: REMOTE_MONITORING.WEARABLE}
    then: {workforce_group: PATIENT}
    unless: {point_of_care: [SOCIAL_CARE, SECONDARY]}
  - id: frail-in-care
    if: {clinical_area: GERIATRIC_MEDICINE}
    then: {point_of_care: SOCIAL_CARE}
`
	tests := []struct {
		name, text string
		want       []string
	}{
		{"no exception", "An AI sensor at home warns of a fall.", []string{"PATIENT"}},
		{"an exception a rule gives", "An AI sensor in the care home warns of a fall.", nil},
		{"an exception another implication gives", "An AI sensor warns when a frail man falls.", nil},
		{"nothing to imply", "AI for a frail man at home.", nil},
	}
	rs := ruleSet(t, rules, settings)
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := codes(rs.Classify("", tc.text), DimWorkforceGroup); !slices.Equal(got, tc.want) {
				t.Errorf("workforce groups %v, want %v", got, tc.want)
			}
		})
	}
}

// TestTheHeadlineDecidesInFocusedDimensions: where the title gives a
// subtype, a subtype only the text gives is dropped, and with it what it
// implies; without a titled subtype, or without the setting, the text's
// codes stand. The type is scored on all the evidence first.
func TestTheHeadlineDecidesInFocusedDimensions(t *testing.T) {
	rules := `  - id: imaging
    set: {subtype: DIAGNOSTIC.IMAGING}
    any: [x-ray]
  - id: ecg
    set: {subtype: DIAGNOSTIC.CARDIORESP_NEURO}
    any: [ecg]
`
	implies := "implies:\n  - {id: ecg.cardiology, if: {subtype: DIAGNOSTIC.CARDIORESP_NEURO}, then: {clinical_area: CARDIOLOGY}}\n"
	focus := "headline_focus: [subtype]\n" + implies
	tests := []struct {
		name, settings, title, text string
		subtypes, areas             []string
	}{
		{"the headline's subtype only", focus, "AI reads chest X-ray", "It may one day read the ECG too.",
			[]string{"DIAGNOSTIC.IMAGING"}, nil},
		{"in the title and the text", focus, "AI reads X-ray and ECG", "The ECG and the X-ray are read at once.",
			[]string{"DIAGNOSTIC.CARDIORESP_NEURO", "DIAGNOSTIC.IMAGING"}, []string{"CARDIOLOGY"}},
		{"no subtype in the title", focus, "AI in the clinic", "It reads the ECG and the X-ray.",
			[]string{"DIAGNOSTIC.CARDIORESP_NEURO", "DIAGNOSTIC.IMAGING"}, []string{"CARDIOLOGY"}},
		{"no focus", implies, "AI reads chest X-ray", "It may one day read the ECG too.",
			[]string{"DIAGNOSTIC.CARDIORESP_NEURO", "DIAGNOSTIC.IMAGING"}, []string{"CARDIOLOGY"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := ruleSet(t, rules, tc.settings).Classify(tc.title, tc.text)
			if got := codes(r, DimSubtype); !slices.Equal(got, tc.subtypes) {
				t.Errorf("subtypes %v, want %v", got, tc.subtypes)
			}
			if got := codes(r, DimClinicalArea); !slices.Equal(got, tc.areas) {
				t.Errorf("clinical areas %v, want %v", got, tc.areas)
			}
			var typeScore float64
			for _, l := range r.Labels {
				if l.Dimension == DimType {
					typeScore = l.Score
				}
			}
			if typeScore != 2 {
				t.Errorf("type score %v, want 2: both subtypes' evidence counts for the type", typeScore)
			}
		})
	}
}

// TestTheHeadlineDecidesOneCode: a focus on one code ("the pandemic in
// the background") drops that code where only the text gives it and the
// title gives another code of its dimension; the dimension's other codes
// stand, and the code stands where the title gives it or gives none.
func TestTheHeadlineDecidesOneCode(t *testing.T) {
	rules := `  - id: infection
    set: {clinical_area: INFECTIOUS_DISEASES}
    any: [covid]
  - id: heart
    set: {clinical_area: CARDIOLOGY}
    any: [heart]
  - id: lung
    set: {clinical_area: RESPIRATORY}
    any: [lung]
`
	focus := "headline_focus: [\"clinical_area:INFECTIOUS_DISEASES\"]\n"
	tests := []struct {
		name, title, text string
		areas             []string
	}{
		{"another area in the title", "AI reads heart scans", "Built during covid, it also reads the lung.",
			[]string{"CARDIOLOGY", "RESPIRATORY"}},
		{"the code in the title", "AI finds covid in heart scans", "It reads the lung too.",
			[]string{"CARDIOLOGY", "INFECTIOUS_DISEASES", "RESPIRATORY"}},
		{"no area in the title", "AI in the clinic", "It finds covid in the lung.",
			[]string{"INFECTIOUS_DISEASES", "RESPIRATORY"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := ruleSet(t, rules, focus).Classify(tc.title, tc.text)
			if got := codes(r, DimClinicalArea); !slices.Equal(got, tc.areas) {
				t.Errorf("clinical areas %v, want %v", got, tc.areas)
			}
		})
	}
}

// TestTheSubtypeOfAPurposeDecidesTheType: a decisive subtype's type is
// the type, whatever the weight of the evidence of how the technology
// works, and the review reason says so; without it, or where the weight
// of evidence agrees, the weight decides as before.
func TestTheSubtypeOfAPurposeDecidesTheType(t *testing.T) {
	rules := `  - id: imaging
    set: {subtype: DIAGNOSTIC.IMAGING}
    weight: 3
    any: [scan]
  - id: risk
    set: {subtype: P4.RISK_PREDICTION}
    any: [risk of]
`
	tests := []struct {
		name, settings, text string
		typ                  string
		reason               string
	}{
		{"the purpose decides", "decisive_subtypes: [P4.RISK_PREDICTION]\n", "It reads a scan to foresee the risk of a heart attack.",
			"P4", "conflicting types: P4 over DIAGNOSTIC by purpose"},
		{"without the setting the weight decides", "", "It reads a scan to foresee the risk of a heart attack.",
			"DIAGNOSTIC", ""},
		{"no decisive subtype found", "decisive_subtypes: [P4.RISK_PREDICTION]\n", "It reads a scan of the heart.",
			"DIAGNOSTIC", ""},
		{"the weight agrees", "decisive_subtypes: [P4.RISK_PREDICTION]\n", "The risk of it, the risk of that, the risk of more.",
			"P4", ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := ruleSet(t, rules, tc.settings).Classify("AI tool", tc.text)
			if got := codes(r, DimType); !slices.Equal(got, []string{tc.typ}) {
				t.Errorf("type %v, want %s", got, tc.typ)
			}
			var conflict string
			for _, reason := range r.Review.Reasons {
				if strings.HasPrefix(reason, ReasonConflictingType) {
					conflict = reason
				}
			}
			if conflict != tc.reason {
				t.Errorf("reason %q, want %q (all: %v)", conflict, tc.reason, r.Review.Reasons)
			}
		})
	}
}

// TestANearMissNamesDevelopersFromItsLead: the names a text gives and its
// marks cost ten times what matching does. A near miss gets the
// organisations the gazetteers know and the developers its headline and
// lead name (what an analyst judging it needs), not the product or the
// marks; a relevant document gets them all.
func TestANearMissNamesDevelopersFromItsLead(t *testing.T) {
	rs, err := Default()
	if err != nil {
		t.Fatal(err)
	}
	title := "How machine learning could aid compatibility in kidney transplantation"
	r := rs.Classify(title, "The KidneyMatch tool from Brainomix scores donor kidneys, as NICE MTG58 and DG41 describe.")
	if !r.NearMiss {
		t.Fatalf("not a near miss (gate %v): the example needs rewording", r.Gate.Score)
	}
	if r.Technology != nil || len(r.Marks) > 0 {
		t.Errorf("a near miss has a product or marks extracted: %+v %+v", r.Technology, r.Marks)
	}
	if len(r.Vendors) != 1 || r.Vendors[0].Name != "Brainomix" {
		t.Errorf("vendors %+v, want Brainomix from the lead", r.Vendors)
	}
	if !slices.ContainsFunc(r.Organisations, func(o message.Organisation) bool { return o.Name == "Brainomix" }) {
		t.Errorf("organisations %+v lack the gazetteer's Brainomix", r.Organisations)
	}
	for _, padding := range []int{0, 25} {
		r := rs.Classify(title, strings.Repeat("The panel met again on Tuesday. ", padding)+"Acmeo Health scores donor kidneys.")
		inLead := padding*len("The panel met again on Tuesday. ") < nearMissLead
		if !r.NearMiss || (len(r.Vendors) == 1 && r.Vendors[0].Name == "Acmeo Health") != inLead {
			t.Errorf("a developer named after %d sentences: near miss %v, vendors %+v", padding, r.NearMiss, r.Vendors)
		}
	}
	relevant := rs.Classify(title, "Brainomix has developed KidneyMatch, a tool that scores donor kidneys.")
	if !relevant.Relevant || relevant.Technology == nil || relevant.Technology.Name != "KidneyMatch" {
		t.Errorf("the relevant twin: relevant %v, technology %+v", relevant.Relevant, relevant.Technology)
	}
}

// TestLeadCutsBeforeAWord: the lead is a prefix of the text (so evidence
// spans stay spans of the text), cut before a word or, with no space, at a
// character's start.
func TestLeadCutsBeforeAWord(t *testing.T) {
	long := strings.Repeat("word ", 200)
	tests := []struct {
		name, text, want string
	}{
		{"short", "Acmeo Health developed it.", "Acmeo Health developed it."},
		{"long", long, long[:nearMissLead-1]},
		{"no spaces", strings.Repeat("é", nearMissLead), strings.Repeat("é", nearMissLead/2)},
		{"no spaces, odd cut", "x" + strings.Repeat("é", nearMissLead), "x" + strings.Repeat("é", (nearMissLead-1)/2)},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := lead(tc.text)
			if got != tc.want {
				t.Errorf("lead = %q (%d bytes), want %q (%d bytes)", got, len(got), tc.want, len(tc.want))
			}
			if !strings.HasPrefix(tc.text, got) || !utf8.ValidString(got) {
				t.Errorf("lead %q is not a valid prefix of the text", got)
			}
		})
	}
}

func TestFallbackRulesDecideOnlyWhenNothingStrongerIsSaid(t *testing.T) {
	rs := ruleSet(t, `  - id: scan
    set: {subtype: DIAGNOSTIC.IMAGING}
    any: [scan]
  - id: weak.detect
    set: {type: DIAGNOSTIC}
    fallback: true
    any: [identify]
  - id: weak.predict
    set: {type: P4}
    fallback: true
    any: [predict]
  - id: weak.risk
    set: {type: P4}
    fallback: true
    any: [risk]
`, "")
	tests := []struct {
		name, text string
		want       []string
		weak       bool
	}{
		{"no evidence leaves no type", "AI helps doctors", nil, false},
		{"weak evidence alone decides, with review", "AI helps identify patients", []string{"DIAGNOSTIC"}, true},
		{"the most weak evidence wins", "AI helps identify patients and predict their risk", []string{"P4"}, true},
		{"strong evidence is not outweighed by weak", "AI reads the scan to predict risk", []string{"DIAGNOSTIC"}, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := rs.Classify("", tc.text)
			if got := codes(r, DimType); strings.Join(got, ",") != strings.Join(tc.want, ",") {
				t.Errorf("type = %v, want %v", got, tc.want)
			}
			weak := strings.Contains(strings.Join(r.Review.Reasons, ";"), ReasonWeakEvidence)
			if weak != tc.weak || weak && !r.Review.Needed {
				t.Errorf("review %+v, want weak-evidence reason %v", r.Review, tc.weak)
			}
		})
	}
}

func TestNHSOrganisationsGiveTheirRegionAndAreListed(t *testing.T) {
	rs, err := Default()
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, text, wantOrg, wantRegion string
	}{
		{"a full trust name", "An AI tool for radiology went live at Leeds Teaching Hospitals NHS Trust.", "RR8", "NHS_NORTH_EAST_YORKSHIRE"},
		{"a short trust name", "Machine learning helps patients at Guy's and St Thomas' hospitals.", "RJ1", "NHS_LONDON"},
		{"a Welsh trust", "AI triage for patients of the Welsh Ambulance Services NHS Trust.", "RT4", "WALES"},
		{"an integrated care board by its short name", "An AI tool for patients in primary care went live across Greater Manchester ICB.", "QOP", "NHS_NORTH_WEST"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := rs.Classify("", tc.text)
			found := false
			for _, o := range r.Organisations {
				if o.ID == tc.wantOrg && o.Region == tc.wantRegion && len(o.Evidence) > 0 {
					found = true
				}
			}
			if !found {
				t.Errorf("organisations %+v, want %s in %s", r.Organisations, tc.wantOrg, tc.wantRegion)
			}
			if !strings.Contains(strings.Join(codes(r, "region"), ","), tc.wantRegion) {
				t.Errorf("regions %v, want %s", codes(r, "region"), tc.wantRegion)
			}
		})
	}
}

func TestABrokenGazetteerRowIsReportedWithFileAndLine(t *testing.T) {
	fsys := taxonomyFS(t)
	fsys["a.yaml"] = &fstest.MapFile{Data: []byte("rules:\n  - id: r\n    set: {type: DIAGNOSTIC}\n    any: [x]\n")}
	fsys["nhs_trusts.csv"] = &fstest.MapFile{Data: []byte("# comment\nods_code,name,region_code\nR0A,SOME NHS TRUST,Y62\nZZZ,ELSEWHERE NHS TRUST,Y99\n")}
	_, err := Load(fsys, "rules")
	if err == nil || !strings.Contains(err.Error(), "rules/nhs_trusts.csv:4: trust ZZZ: unknown region code \"Y99\"") {
		t.Errorf("error %v", err)
	}
}

func TestVendorsAndProductsAreListed(t *testing.T) {
	rs, err := Default()
	if err != nil {
		t.Fatal(err)
	}
	r := rs.Classify("Brainomix e-Stroke rolled out", "The AI software e-Stroke from Brainomix reads CT scans of stroke patients in NHS hospitals.")
	got := map[string]string{}
	for _, o := range r.Organisations {
		got[o.Kind+":"+o.Name] = o.Vendor
	}
	if _, ok := got["vendor:Brainomix"]; !ok || got["product:e-Stroke"] != "Brainomix" {
		t.Errorf("organisations %+v, want vendor Brainomix and its product e-Stroke", r.Organisations)
	}
}

// TestANationalBodyIsListedButNoDeveloper: NHS England announcing or
// rolling out a tool is listed among the organisations a document names,
// and is its developer only where the text says it made it.
func TestANationalBodyIsListedButNoDeveloper(t *testing.T) {
	rs, err := Default()
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, title, text string
		vendors           []string
	}{
		{"announcing", "NHS England to roll out AI triage in emergency departments",
			"NHS England has announced that an AI triage tool will be rolled out to 40 hospitals to cut waits for patients.", nil},
		{"beside the developer", "NHS England to roll out AI triage in emergency departments",
			"NHS England has announced that an AI triage tool developed by Medwise Labs will be rolled out to 40 hospitals.",
			[]string{"Medwise Labs"}},
		{"said to have made it", "", "An AI triage tool developed by NHS England is being rolled out to 40 hospitals for patients.",
			[]string{"NHS England"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := rs.Classify(tc.title, tc.text)
			var vendors []string
			for _, v := range r.Vendors {
				vendors = append(vendors, v.Name)
			}
			if !slices.Equal(vendors, tc.vendors) {
				t.Errorf("vendors %q, want %q", vendors, tc.vendors)
			}
			if !slices.ContainsFunc(r.Organisations, func(o message.Organisation) bool {
				return o.Kind == "health_body" && o.Name == "NHS England"
			}) {
				t.Errorf("organisations %+v lack the national body", r.Organisations)
			}
		})
	}
	fsys := taxonomyFS(t)
	fsys["a.yaml"] = &fstest.MapFile{Data: []byte("rules:\n  - id: r\n    set: {type: DIAGNOSTIC}\n    any: [x]\n")}
	fsys["known_organisations.csv"] = &fstest.MapFile{Data: []byte("kind,name,vendor\nhealth_body,NHS England,\nagency,Some Agency,\n")}
	if _, err := Load(fsys, "rules"); err == nil || !strings.Contains(err.Error(),
		`rules/known_organisations.csv:3: Some Agency: kind "agency" is not regulator, health_body, vendor or product`) {
		t.Errorf("error %v", err)
	}
}

func TestTaxonomyRefusesANameSplitByAComma(t *testing.T) {
	for _, tc := range []struct{ name, entry, want string }{
		{"an unquoted comma", "  P4: {name: P4 medicine (predictive, preventive), hee: true}\n",
			`code P4: unknown key "preventive)" (quote a name that holds a comma)`},
		{"no name", "  P4: {hee: true}\n", "code P4: no name"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			data, err := fs.ReadFile(Files(), taxonomyFile)
			if err != nil {
				t.Fatal(err)
			}
			text := string(data)
			i := strings.Index(text, "\n  P4: ")
			j := strings.Index(text[i+1:], "\n") + i + 2
			fsys := fstest.MapFS{taxonomyFile: {Data: []byte(text[:i+1] + tc.entry + text[j:])}}
			_, err = Load(fsys, "rules")
			if err == nil || !strings.Contains(err.Error(), tc.want) || !strings.Contains(err.Error(), taxonomyFile+":") {
				t.Errorf("error %v, want the file, line and %q", err, tc.want)
			}
		})
	}
}

// TestClassifyIsTheSameOnEveryRun classifies a document whose subtypes
// and weak evidence meet in one type many times: the codes, their
// evidence and the review reasons come out the same, in the same order
// (the loader compares what it stores).
func TestClassifyIsTheSameOnEveryRun(t *testing.T) {
	rs, err := Default()
	if err != nil {
		t.Fatal(err)
	}
	title := "AI reads mammograms, biopsy slides, CT scans and ECGs to detect cancer and heart disease"
	text := "An artificial intelligence tool analyses mammography images, digital pathology slides of biopsies, " +
		"CT scans and electrocardiograms of NHS patients, screening for breast cancer, lung nodules and arrhythmia, " +
		"and predicts the risk of heart attack from retinal scans."
	first := rs.Classify(title, text)
	if len(first.Labels) == 0 {
		t.Fatal("no codes: the document must give several")
	}
	for range 50 {
		if got := rs.Classify(title, text); !reflect.DeepEqual(got, first) {
			t.Fatalf("a second run differs:\n%+v\nagainst\n%+v", got, first)
		}
	}
}
