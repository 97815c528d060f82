package store_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/horizon-scan/horizon/internal/testenv"
	"github.com/horizon-scan/horizon/pipeline/message"
	"github.com/horizon-scan/horizon/pipeline/store"
)

// state is what an undo must restore exactly: every technology's merge,
// exclusion and analyst codes, every document's technology, and the
// automatic codes.
func state(t *testing.T, st *store.Store) []string {
	t.Helper()
	rows, err := st.Pool().Query(context.Background(), `
select 'tech ' || id || ' merged ' || coalesce(merged_into, 0) from technologies
union all select 'excluded ' || technology_id from technology_exclusions
union all select 'analyst ' || technology_id || ' ' || dimension || ' ' || code from technology_codes
union all select 'doc ' || document_id || ' -> ' || technology_id from document_technologies
union all select 'auto ' || technology_id || ' ' || dimension || ' ' || code from technology_auto_codes`)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			t.Fatal(err)
		}
		out = append(out, s)
	}
	slices.Sort(out)
	return out
}

// facetsMatch checks that report.technology_facets, which reads the tables
// directly for speed, keeps the technologies report.technologies keeps,
// each under the same main type.
func facetsMatch(t *testing.T, st *store.Store, when string) {
	t.Helper()
	var diff []string
	rows, err := st.Pool().Query(context.Background(), `
(select technology_id, coalesce(type, '') from report.technologies except select technology_id, coalesce(type, '') from report.technology_facets)
union all
(select technology_id, coalesce(type, '') from report.technology_facets except select technology_id, coalesce(type, '') from report.technologies)`)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var id int64
		var typ string
		if err := rows.Scan(&id, &typ); err != nil {
			t.Fatal(err)
		}
		diff = append(diff, fmt.Sprintf("%d %s", id, typ))
	}
	if len(diff) > 0 {
		t.Errorf("%s, report.technology_facets and report.technologies differ on %q", when, diff)
	}
	factsMatch(t, st, when)
}

// factsMatch checks that the dashboard facts, refreshed from the marks the
// triggers left, equal facts derived afresh for every technology: that no
// write path changes what a fact comes from without marking it.
func factsMatch(t *testing.T, st *store.Store, when string) {
	t.Helper()
	ctx := context.Background()
	if _, err := st.RefreshFacts(ctx); err != nil {
		t.Fatal(err)
	}
	const facts = `select technology_id, type, name, vendor, subtype, clinical_area, workforce_group, point_of_care, horizon,
       region, document_sources, document_dates from report.technology_facts`
	before := rowStrings(t, st, facts)
	if _, err := st.Pool().Exec(ctx, `insert into technology_facts_stale select id from technologies`); err != nil {
		t.Fatal(err)
	}
	if _, err := st.RefreshFacts(ctx); err != nil {
		t.Fatal(err)
	}
	if after := rowStrings(t, st, facts); !slices.Equal(before, after) {
		t.Errorf("%s, the facts kept by triggers differ from facts derived afresh:\nkept    %q\nderived %q", when, before, after)
	}
}

// rowStrings runs query and returns its rows as text, sorted.
func rowStrings(t *testing.T, st *store.Store, query string) []string {
	t.Helper()
	rows, err := st.Pool().Query(context.Background(), query)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		vals, err := rows.Values()
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, fmt.Sprint(vals))
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	slices.Sort(out)
	return out
}

func TestUndoRestoresExactlyWhatADecisionChanged(t *testing.T) {
	t.Parallel()
	st := testenv.Store(t)
	ctx := context.Background()
	t0 := time.Date(2026, 5, 1, 0, 0, 0, 0, time.UTC)
	prod := func(id, name string) message.Organisation {
		return message.Organisation{Kind: "product", ID: id, Name: name}
	}
	if err := st.SaveClassifications(ctx, []message.Classification{
		announced("a1", "r1", t0, "STROKE", prod("e-stroke", "e-Stroke")),
		announced("a2", "r1", t0, "STROKE", prod("e-stroke", "e-Stroke")),
		announced("b", "r1", t0, "CARDIOLOGY", prod("heartflow", "HeartFlow")),
		announced("c", "r1", t0, "NEUROLOGY", prod("viz", "Viz LVO")),
		announced("d", "r1", t0, "ONCOLOGY_MIXED", prod("paige", "Paige Prostate")),
	}); err != nil {
		t.Fatal(err)
	}
	var itemA, itemB, itemC, itemD, techA, techB, techC, techD int64
	for _, x := range []struct {
		doc        string
		item, tech *int64
	}{{"a1", &itemA, &techA}, {"b", &itemB, &techB}, {"c", &itemC, &techC}, {"d", &itemD, &techD}} {
		if err := st.Pool().QueryRow(ctx, `select r.id, r.technology_id from review_items r where r.document_id = $1`, x.doc).Scan(x.item, x.tech); err != nil {
			t.Fatal(err)
		}
	}
	lastDecision := func() int64 {
		var id int64
		if err := st.Pool().QueryRow(ctx, `select max(id) from review_decisions`).Scan(&id); err != nil {
			t.Fatal(err)
		}
		return id
	}
	decide := func(d store.Decision) error {
		t.Helper()
		d.Analyst = "ana"
		return st.Decide(ctx, d)
	}
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	same := func(what string, before []string) {
		t.Helper()
		facetsMatch(t, st, what)
		if after := state(t, st); !slices.Equal(before, after) {
			t.Errorf("%s did not restore the state:\nbefore %q\nafter  %q", what, before, after)
		}
	}

	// B was merged into C before: C merged into A takes B along; the
	// undo brings back C alone, with B merged into it as it was.
	must(decide(store.Decision{ItemID: itemB, Action: store.ActionMerge, MergeInto: techC}))
	before := state(t, st)
	must(decide(store.Decision{ItemID: itemC, Action: store.ActionMerge, MergeInto: techA}))
	merge := lastDecision()
	if slices.Equal(before, state(t, st)) {
		t.Fatal("the merge changed nothing")
	}
	// While a later merge moved A on, the first merge's undo is refused.
	must(decide(store.Decision{ItemID: itemA, Action: store.ActionMerge, MergeInto: techD}))
	if err := decide(store.Decision{ItemID: itemC, Action: store.ActionUndo, Undoes: merge}); !errors.Is(err, store.ErrRefused) {
		t.Errorf("undoing a merge a later merge built on: %v, want refused", err)
	}
	must(decide(store.Decision{ItemID: itemA, Action: store.ActionUndo, Undoes: lastDecision()}))
	must(decide(store.Decision{ItemID: itemC, Action: store.ActionUndo, Undoes: merge}))
	same("undoing a merge", before)
	if err := decide(store.Decision{ItemID: itemC, Action: store.ActionUndo, Undoes: merge}); !errors.Is(err, store.ErrRefused) {
		t.Errorf("a second undo of one decision: %v, want refused", err)
	}

	// Corrections: undo restores the analyst codes the correction replaced,
	// and refuses while a later correction stands on top.
	must(decide(store.Decision{ItemID: itemA, Action: store.ActionCorrect, Codes: map[string][]string{"clinical_area": {"NEUROLOGY"}}}))
	first := lastDecision()
	before = state(t, st)
	must(decide(store.Decision{ItemID: itemA, Action: store.ActionCorrect, Codes: map[string][]string{"clinical_area": {"CARDIOLOGY", "STROKE"}, "stage": {"TRIAL"}, "type": {"THERAPEUTIC", "P4"}}}))
	facetsMatch(t, st, "after a correction of the type")
	second := lastDecision()
	if err := decide(store.Decision{ItemID: itemA, Action: store.ActionUndo, Undoes: first}); !errors.Is(err, store.ErrRefused) {
		t.Errorf("undoing a correction a later one replaced: %v, want refused", err)
	}
	must(decide(store.Decision{ItemID: itemA, Action: store.ActionUndo, Undoes: second}))
	same("undoing a correction", before)

	// Not relevant: an accept or a merge into it is refused until it is
	// undone; the undo brings it back.
	before = state(t, st)
	must(decide(store.Decision{ItemID: itemA, Action: store.ActionNotRelevant}))
	excluded := lastDecision()
	facetsMatch(t, st, "after not relevant")
	if err := decide(store.Decision{ItemID: itemA, Action: store.ActionAccept}); !errors.Is(err, store.ErrRefused) {
		t.Errorf("accepting a technology judged not relevant: %v, want refused", err)
	}
	if err := decide(store.Decision{ItemID: itemC, Action: store.ActionMerge, MergeInto: techA}); !errors.Is(err, store.ErrRefused) {
		t.Errorf("merging into a technology judged not relevant: %v, want refused", err)
	}
	must(decide(store.Decision{ItemID: itemA, Action: store.ActionUndo, Undoes: excluded}))
	same("undoing not relevant", before)

	// Accept freezes the codes; its undo lets the rules' codes through again.
	before = state(t, st)
	must(decide(store.Decision{ItemID: itemC, Action: store.ActionAccept}))
	must(decide(store.Decision{ItemID: itemC, Action: store.ActionUndo, Undoes: lastDecision()}))
	same("undoing an accept", before)

	// A note has no undo, nor has an undo; a decision about another
	// technology is not this item's to undo.
	must(decide(store.Decision{ItemID: itemC, Action: store.ActionNote, Note: "checked"}))
	note := lastDecision()
	for _, d := range []store.Decision{
		{ItemID: itemC, Action: store.ActionUndo, Undoes: note},
		{ItemID: itemC, Action: store.ActionUndo, Undoes: merge + 1},
		{ItemID: itemD, Action: store.ActionUndo, Undoes: note},
		{ItemID: itemC, Action: store.ActionUndo, Undoes: first},
	} {
		if err := decide(d); !errors.Is(err, store.ErrRefused) {
			t.Errorf("undo of decision %d from item %d: %v, want refused", d.Undoes, d.ItemID, err)
		}
	}
	var undos int
	if err := st.Pool().QueryRow(ctx, `select count(*) from review_decisions where action = 'undo'`).Scan(&undos); err != nil || undos != 5 {
		t.Errorf("%d undo decisions on record (%v), want 5", undos, err)
	}
}

// TestAMergedTechnologyCountsUnderItsBestEvidencedType merges two
// announcements typed differently: the dashboard counts the technology
// once, under the type with the most weight of evidence, not the first in
// the alphabet.
func TestAMergedTechnologyCountsUnderItsBestEvidencedType(t *testing.T) {
	t.Parallel()
	st := testenv.Store(t)
	ctx := context.Background()
	t0 := time.Date(2026, 5, 1, 0, 0, 0, 0, time.UTC)
	strong := announced("strong", "r1", t0, "CARDIOLOGY", message.Organisation{Kind: "product", ID: "p1", Name: "PulseAI"})
	strong.Labels[0] = message.Label{Dimension: "type", Code: "REMOTE_MONITORING", Score: 4}
	weak := announced("weak", "r1", t0, "CARDIOLOGY", message.Organisation{Kind: "product", ID: "p2", Name: "Pulse Watch"})
	weak.Labels[0] = message.Label{Dimension: "type", Code: "DIAGNOSTIC", Score: 1}
	if err := st.SaveClassifications(ctx, []message.Classification{strong, weak}); err != nil {
		t.Fatal(err)
	}
	var item, into int64
	if err := st.Pool().QueryRow(ctx, `select r.id, (select technology_id from document_technologies where document_id = 'strong')
		from review_items r where r.document_id = 'weak'`).Scan(&item, &into); err != nil {
		t.Fatal(err)
	}
	if err := st.Decide(ctx, store.Decision{ItemID: item, Analyst: "ana", Action: store.ActionMerge, MergeInto: into}); err != nil {
		t.Fatal(err)
	}
	var n int
	var typ string
	if err := st.Pool().QueryRow(ctx, `select count(*), min(type) from report.technologies`).Scan(&n, &typ); err != nil {
		t.Fatal(err)
	}
	if n != 1 || typ != "REMOTE_MONITORING" {
		t.Errorf("after the merge: %d technologies of type %s, want 1 of REMOTE_MONITORING", n, typ)
	}
	facetsMatch(t, st, "after a merge of two types")
}

// TestUndoOfARenameAndASplit renames a technology and splits an
// announcement off it, then undoes both from the technology: names,
// documents, review items and codes are as they were.
func TestUndoOfARenameAndASplit(t *testing.T) {
	t.Parallel()
	st := testenv.Store(t)
	ctx := context.Background()
	t0 := time.Date(2026, 5, 1, 0, 0, 0, 0, time.UTC)
	p := message.Organisation{Kind: "product", ID: "e-stroke", Name: "e-Stroke"}
	if err := st.SaveClassifications(ctx, []message.Classification{
		announced("a", "r1", t0, "STROKE", p), announced("b", "r1", t0, "NEUROLOGY", p)}); err != nil {
		t.Fatal(err)
	}
	var tech int64
	if err := st.Pool().QueryRow(ctx, `select technology_id from document_technologies where document_id = 'a'`).Scan(&tech); err != nil {
		t.Fatal(err)
	}
	last := func() int64 {
		var id int64
		if err := st.Pool().QueryRow(ctx, `select max(id) from review_decisions`).Scan(&id); err != nil {
			t.Fatal(err)
		}
		return id
	}
	items := func() []string {
		rows, _ := st.Pool().Query(ctx, `select document_id || ' ' || coalesce(technology_id, 0) from review_items order by 1`)
		var out []string
		for rows.Next() {
			var s string
			rows.Scan(&s)
			out = append(out, s)
		}
		return out
	}
	before, itemsBefore := state(t, st), items()
	var name string
	if err := st.Rename(ctx, tech, "ana", "e-Stroke Suite", "Brainomix", ""); err != nil {
		t.Fatal(err)
	}
	rename := last()
	if err := st.Rename(ctx, tech, "ana", "Brainomix e-Stroke", "Brainomix", ""); err != nil {
		t.Fatal(err)
	}
	if err := st.UndoEdit(ctx, tech, "ana", rename); !errors.Is(err, store.ErrRefused) {
		t.Errorf("undoing a rename renamed again since: %v, want refused", err)
	}
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(st.UndoEdit(ctx, tech, "ana", last()))
	must(st.UndoEdit(ctx, tech, "ana", rename))
	if err := st.Pool().QueryRow(ctx, `select name from technologies where id = $1`, tech).Scan(&name); err != nil || name != "e-Stroke" {
		t.Errorf("after undoing both renames the technology is %q (%v), want e-Stroke", name, err)
	}
	newID, err := st.Split(ctx, tech, "ana", []string{"b"}, "Stroke Triage", "", "")
	must(err)
	split := last()
	if err := st.UndoEdit(ctx, newID, "ana", split); !errors.Is(err, store.ErrRefused) {
		t.Errorf("undoing a split from the technology split off: %v, want refused (it is the original's decision)", err)
	}
	must(st.UndoEdit(ctx, tech, "ana", split))
	after := slices.DeleteFunc(state(t, st), func(s string) bool { return s == fmt.Sprintf("tech %d merged %d", newID, tech) })
	if !slices.Equal(before, after) {
		t.Errorf("after undoing the split:\nbefore %q\nafter  %q", before, after)
	}
	if got := items(); !slices.Equal(got, itemsBefore) {
		t.Errorf("review items after undoing the split: %q, want %q", got, itemsBefore)
	}
	facetsMatch(t, st, "after undoing a split")
	if err := st.UndoEdit(ctx, tech, "ana", split); !errors.Is(err, store.ErrRefused) {
		t.Errorf("undoing a split twice: %v, want refused", err)
	}
}
