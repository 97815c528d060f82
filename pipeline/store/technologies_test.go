package store_test

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/horizon-scan/horizon/internal/testenv"
	"github.com/horizon-scan/horizon/pipeline/message"
	"github.com/horizon-scan/horizon/pipeline/store"
)

// named is a relevant classification of a document that names a
// technology and its developer (either may be empty), with a subtype and a
// clinical area.
// saver returns a function that saves classifications in one batch, or
// fails the test.
func saver(t *testing.T, st *store.Store) func(...message.Classification) {
	return func(cs ...message.Classification) {
		t.Helper()
		if err := st.SaveClassifications(context.Background(), cs); err != nil {
			t.Fatal(err)
		}
	}
}

func named(id, tech, vendor string, at time.Time) message.Classification {
	c := classification(id, "h", "r1", at, "DIAGNOSTIC")
	c.Document.Published = &at
	c.Labels = append(c.Labels,
		message.Label{Dimension: "relevance", Code: "RELEVANT", Score: 2},
		message.Label{Dimension: "subtype", Code: "DIAGNOSTIC.IMAGING", Score: 2},
		message.Label{Dimension: "clinical_area", Code: "DERMATOLOGY", Score: 1})
	if tech != "" {
		c.Technology = &message.Name{Name: tech, Score: 2}
	}
	if vendor != "" {
		c.Vendors = []message.Name{{Name: vendor, Score: 2}}
	}
	return c
}

func TestTechnologiesAreNamedByProductAndDeveloperNeverByHeadline(t *testing.T) {
	t.Parallel()
	st := testenv.Store(t)
	ctx := context.Background()
	if err := st.SaveReferenceCodes(ctx, [][3]string{
		{"subtype", "DIAGNOSTIC.IMAGING", "Imaging (radiology, mammography, dermoscopic images)"},
		{"clinical_area", "DERMATOLOGY", "Dermatology"}}); err != nil {
		t.Fatal(err)
	}
	t0 := time.Date(2026, 5, 1, 0, 0, 0, 0, time.UTC)
	sentence := strings.Repeat("a very long headline that is no name ", 6)
	if err := st.SaveClassifications(ctx, []message.Classification{
		named("a", "DERM", "Skin Analytics", t0),
		named("b", "", "Skin Analytics Ltd", t0),
		named("c", "", "", t0),
		named("d", sentence, "", t0),
	}); err != nil {
		t.Fatal(err)
	}
	tests := []struct{ doc, name, vendor, reason string }{
		{"a", "DERM", "Skin Analytics", ""},
		{"b", "Skin Analytics Ltd: imaging in dermatology", "Skin Analytics Ltd", store.ReasonUncertainMatch},
		{"c", "Imaging in dermatology (not named)", "", store.ReasonNotNamed},
		{"d", "Imaging in dermatology (not named)", "", store.ReasonNotNamed}, // a sentence is no name
	}
	for _, tc := range tests {
		var name, vendor string
		var reasons []string
		if err := st.Pool().QueryRow(ctx, `select t.name, coalesce(t.vendor, ''), coalesce(r.reasons, '{}')
			from document_technologies dt join technologies t on t.id = dt.technology_id
			left join review_items r on r.document_id = dt.document_id where dt.document_id = $1`, tc.doc).
			Scan(&name, &vendor, &reasons); err != nil {
			t.Fatalf("%s: %v", tc.doc, err)
		}
		if name != tc.name || vendor != tc.vendor || (tc.reason != "" && !slices.Contains(reasons, tc.reason)) {
			t.Errorf("%s: %q by %q, reasons %v; want %q by %q with %q", tc.doc, name, vendor, reasons, tc.name, tc.vendor, tc.reason)
		}
	}
}

func TestVariantSpellingsJoinOneTechnologyAndDoubtfulOnesGoToReview(t *testing.T) {
	t.Parallel()
	st := testenv.Store(t)
	ctx := context.Background()
	t0 := time.Date(2026, 5, 1, 0, 0, 0, 0, time.UTC)
	save := saver(t, st)
	techOf := func(doc string) (int64, []string) {
		t.Helper()
		var id int64
		var reasons []string
		if err := st.Pool().QueryRow(ctx, `select dt.technology_id, coalesce(r.reasons, '{}') from document_technologies dt
			left join review_items r on r.document_id = dt.document_id where dt.document_id = $1`, doc).Scan(&id, &reasons); err != nil {
			t.Fatalf("technology of %s: %v", doc, err)
		}
		return id, reasons
	}
	save(named("a", "MammoScreen", "Therapixel", t0))
	save(named("b", "Mammoscreen", "Therapixel SA", t0.Add(time.Hour)))     // same key
	save(named("c", "MammoScreen 2", "Therapixel", t0.Add(2*time.Hour)))    // similar name, same developer
	save(named("d", "MammoScreen 2", "Other Imaging", t0.Add(3*time.Hour))) // another developer
	save(named("e", "MammoScan", "Therapixel", t0.Add(4*time.Hour)))        // somewhat alike (0.47)
	a, _ := techOf("a")
	if b, _ := techOf("b"); b != a {
		t.Errorf("b (Mammoscreen) is on %d, want a's %d", b, a)
	}
	c, reasonsC := techOf("c")
	if c != a || !slices.ContainsFunc(reasonsC, func(r string) bool {
		return strings.HasPrefix(r, store.ReasonSimilarName+": MammoScreen (")
	}) {
		t.Errorf("c (MammoScreen 2) is on %d with %v; want a's %d, joined by a similar name naming MammoScreen", c, reasonsC, a)
	}
	if d, _ := techOf("d"); d == a {
		t.Error("d, from another developer, joined a's technology")
	}
	e, reasonsE := techOf("e")
	if e == a || !slices.ContainsFunc(reasonsE, func(r string) bool { return strings.HasPrefix(r, store.ReasonMaybeSame+" MammoScreen") }) {
		t.Errorf("e (MammoScan) is on %d (a is %d) with %v; want its own technology, the analyst told of MammoScreen", e, a, reasonsE)
	}
	// "MammoScreen uses deep learning": a text that names the product only
	// as the one doing something gives it as the developer; it is the
	// product, in a later batch or in the same one.
	save(named("f", "", "MAMMOSCREEN", t0.Add(5*time.Hour)))
	if f, _ := techOf("f"); f != a {
		t.Errorf("f (developer spelt MAMMOSCREEN) is on %d, want a's %d", f, a)
	}
	// Variant spellings in one batch are one product too.
	save(named("i", "RadiantRead", "Northfield Imaging", t0.Add(8*time.Hour)),
		named("j", "RadiantRead CXR", "Northfield Imaging Ltd", t0.Add(9*time.Hour)),
		named("k", "Radiant Read", "", t0.Add(10*time.Hour)))
	if i, _ := techOf("i"); i == a {
		t.Error("i (RadiantRead) joined MammoScreen")
	} else {
		for _, doc := range []string{"j", "k"} {
			if got, _ := techOf(doc); got != i {
				t.Errorf("%s is on %d, want RadiantRead's %d (same batch, similar name)", doc, got, i)
			}
		}
	}
	// The other order: the developer first, on a technology of its own,
	// then the product spelt the same: one technology, whichever came first.
	save(named("l", "", "ScribeNorth", t0.Add(11*time.Hour)))
	save(named("m", "Scribenorth", "", t0.Add(12*time.Hour)))
	if l, _ := techOf("l"); l != func() int64 { m, _ := techOf("m"); return m }() {
		m, _ := techOf("m")
		t.Errorf("l (developer ScribeNorth, first) is on %d, m (product Scribenorth, later) on %d: want one", l, m)
	}
	var live int
	if err := st.Pool().QueryRow(ctx, `select count(*) from technologies where merged_into is null
		and (name_key = technology_name_key('ScribeNorth') or vendor_key = technology_name_key('ScribeNorth'))`).Scan(&live); err != nil {
		t.Fatal(err)
	}
	if live != 1 {
		t.Errorf("%d live technologies for ScribeNorth, want 1", live)
	}
	save(named("g", "ChestView", "", t0.Add(6*time.Hour)), named("h", "", "Chestview", t0.Add(7*time.Hour)))
	if g, _ := techOf("g"); g == a {
		t.Error("g (ChestView) joined MammoScreen")
	} else if h, _ := techOf("h"); h != g {
		t.Errorf("h (developer Chestview, same batch) is on %d, want g's %d", h, g)
	}
}

func TestMarksAndProfileReachTheReportViews(t *testing.T) {
	t.Parallel()
	st := testenv.Store(t)
	ctx := context.Background()
	t0 := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
	a := named("a", "MammoScreen", "Therapixel", t0)
	a.Marks = []message.Mark{{Kind: "FDA_510K", Reference: "K192854", Evidence: []message.Evidence{{RuleID: "marks.fda_510k", Field: "text", Snippet: "510(k)"}}}}
	a.Organisations = []message.Organisation{{Kind: "nhs_trust", ID: "RRV", Name: "University College London Hospitals", Region: "NHS_LONDON"}}
	b := named("b", "MammoScreen", "Therapixel", t0.AddDate(0, 2, 0))
	b.Marks = []message.Mark{{Kind: "FDA_510K", Reference: "K192854"}, {Kind: "CE", Reference: "Class IIa"}}
	if err := st.SaveReferenceCodes(ctx, [][3]string{{"mark", "FDA_510K", "FDA 510(k) clearance"}, {"mark", "CE", "CE mark"},
		{"type", "DIAGNOSTIC", "Diagnostic"}, {"subtype", "DIAGNOSTIC.IMAGING", "Imaging"}, {"clinical_area", "DERMATOLOGY", "Dermatology"}}); err != nil {
		t.Fatal(err)
	}
	if err := st.SaveClassifications(ctx, []message.Classification{a, b}); err != nil {
		t.Fatal(err)
	}
	var first time.Time
	var docs int
	if err := st.Pool().QueryRow(ctx, `select first_seen, documents from report.technology_marks where kind = 'FDA_510K'`).
		Scan(&first, &docs); err != nil || !first.Equal(t0) || docs != 2 {
		t.Errorf("510(k) first seen %v in %d documents (%v); want %v in 2", first, docs, err, t0)
	}
	var name, vendor, typeName, marks string
	var areas, orgs []string
	var latest time.Time
	if err := st.Pool().QueryRow(ctx, `select name, vendor, type_name, clinical_areas, nhs_organisations, regulatory_marks,
		latest_published from report.technology_profile`).Scan(&name, &vendor, &typeName, &areas, &orgs, &marks, &latest); err != nil {
		t.Fatal(err)
	}
	if name != "MammoScreen" || vendor != "Therapixel" || typeName != "Diagnostic" || !slices.Equal(areas, []string{"Dermatology"}) ||
		!slices.Equal(orgs, []string{"University College London Hospitals"}) ||
		marks != "CE mark Class IIa; FDA 510(k) clearance K192854" || !latest.Equal(t0.AddDate(0, 2, 0)) {
		t.Errorf("profile %q %q %q %v %v %q %v", name, vendor, typeName, areas, orgs, marks, latest)
	}
}

func TestAnalystsRenameAndSplitAndAutomaticRunsKeepIt(t *testing.T) {
	t.Parallel()
	st := testenv.Store(t)
	ctx := context.Background()
	t0 := time.Date(2026, 5, 1, 0, 0, 0, 0, time.UTC)
	docs := []message.Classification{
		named("a", "Dermalyser", "Skin Analytics", t0),
		named("b", "Dermalyser", "Skin Analytics", t0.Add(time.Hour)),
		named("c", "Dermalyser", "Skin Analytics", t0.Add(2*time.Hour)),
	}
	if err := st.SaveClassifications(ctx, docs); err != nil {
		t.Fatal(err)
	}
	techOf := func(doc string) int64 {
		t.Helper()
		var id int64
		if err := st.Pool().QueryRow(ctx, `select technology_id from document_technologies where document_id = $1`, doc).Scan(&id); err != nil {
			t.Fatal(err)
		}
		return id
	}
	tech := techOf("a")
	if err := st.Rename(ctx, tech, "ana", "DERM", "Skin Analytics Ltd", "the product is DERM"); err != nil {
		t.Fatal(err)
	}
	for _, bad := range []string{"", strings.Repeat("word ", 20), "the of and"} {
		if err := st.Rename(ctx, tech, "ana", bad, "", ""); !errors.Is(err, store.ErrBadEdit) {
			t.Errorf("renaming to %q: %v, want ErrBadEdit", bad, err)
		}
	}
	newTech, err := st.Split(ctx, tech, "ana", []string{"c"}, "DERM Triage", "Skin Analytics", "c is the triage product")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := st.Split(ctx, tech, "ana", []string{"a", "b"}, "All of them", "", ""); !errors.Is(err, store.ErrBadEdit) {
		t.Errorf("splitting every document off: %v, want ErrBadEdit", err)
	}
	if _, err := st.Split(ctx, tech, "ana", []string{"c"}, "Not its own", "", ""); !errors.Is(err, store.ErrBadEdit) {
		t.Errorf("splitting a document that is not the technology's: %v, want ErrBadEdit", err)
	}
	// The pipeline runs again: new rules, the same documents.
	for i := range docs {
		docs[i].RuleSetVersion, docs[i].ClassifiedAt = "r2", t0.Add(24*time.Hour)
	}
	if err := st.SaveClassifications(ctx, docs); err != nil {
		t.Fatal(err)
	}
	got, err := st.Technology(ctx, tech)
	if err != nil {
		t.Fatal(err)
	}
	if got.Name != "DERM" || got.Vendor != "Skin Analytics Ltd" || got.NamedBy != "analyst" || len(got.Documents) != 2 {
		t.Errorf("after a rerun: %q by %q (%s), %d documents; want the analyst's DERM by Skin Analytics Ltd with a and b",
			got.Name, got.Vendor, got.NamedBy, len(got.Documents))
	}
	if techOf("c") != newTech {
		t.Errorf("c is on %d after a rerun, want the split technology %d", techOf("c"), newTech)
	}
	split, err := st.Technology(ctx, newTech)
	if err != nil {
		t.Fatal(err)
	}
	actions := []string{}
	for _, h := range append(got.History, split.History...) {
		actions = append(actions, h.Action)
	}
	if split.Name != "DERM Triage" || !slices.Contains(actions, store.ActionRename) || !slices.Contains(actions, store.ActionSplit) {
		t.Errorf("split technology %q, history %v", split.Name, actions)
	}
}
