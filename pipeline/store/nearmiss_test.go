package store_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/horizon-scan/horizon/internal/testenv"
	"github.com/horizon-scan/horizon/pipeline/message"
	"github.com/horizon-scan/horizon/pipeline/store"
)

// nearMiss is a document the relevance gate nearly let through: not
// relevant, its codes and names proposed.
func nearMiss(id, rules string, at time.Time) message.Classification {
	c := classification(id, "h", rules, at, "DIAGNOSTIC")
	c.Relevant, c.NearMiss = false, true
	c.Review = message.Review{Needed: true, Reasons: []string{"near miss of the relevance gate"}}
	c.Labels = append(c.Labels, message.Label{Dimension: "clinical_area", Code: "STROKE", Score: 1})
	c.Technology = &message.Name{Name: "e-Stroke " + id}
	c.Vendors = []message.Name{{Name: "Brainomix"}}
	return c
}

func TestANearMissWaitsForAnAnalystToJudgeItRelevant(t *testing.T) {
	t.Parallel()
	st := testenv.Store(t)
	ctx := context.Background()
	t0 := time.Date(2026, 5, 1, 0, 0, 0, 0, time.UTC)
	q := counter(t, st)
	// a and b are new (stored straight in); c is stored first as
	// irrelevant, then again as a near miss (merged).
	irrelevant := classification("c", "h", "r0", t0)
	irrelevant.Relevant, irrelevant.Labels = false, nil
	if err := st.SaveClassifications(ctx, []message.Classification{irrelevant}); err != nil {
		t.Fatal(err)
	}
	for _, batch := range [][]message.Classification{
		{nearMiss("a", "r1", t0), nearMiss("b", "r1", t0), announced("d", "r1", t0, "STROKE")},
		{nearMiss("c", "r1", t0.Add(time.Minute))},
	} {
		if err := st.SaveClassifications(ctx, batch); err != nil {
			t.Fatal(err)
		}
	}
	checks := func(when string, cs []struct {
		name      string
		got, want int
	}) {
		t.Helper()
		for _, c := range cs {
			if c.got != c.want {
				t.Errorf("%s: %s: %d, want %d", when, c.name, c.got, c.want)
			}
		}
	}
	checks("loaded", []struct {
		name      string
		got, want int
	}{
		{"each near miss opens an item with no technology, keeping the proposal", q(`select count(*) from review_items
			where technology_id is null and near_miss is not null and 'near miss of the relevance gate' = any(reasons)`), 3},
		{"a near miss is no technology", q(`select count(*) from report.technologies`), 1},
		{"its codes are kept but not counted", q(`select count(*) from report.document_labels where not relevant`), 6},
		{"documents by type count the relevant only", q(`select coalesce(sum(documents), 0) from report.documents_by_type`), 1},
	})

	item := func(doc string) int64 {
		t.Helper()
		return int64(q(`select id from review_items where document_id = $1`, doc))
	}
	for _, refused := range []string{store.ActionAccept, store.ActionCorrect} {
		err := st.Decide(ctx, store.Decision{ItemID: item("a"), Analyst: "ana", Action: refused,
			Codes: map[string][]string{"clinical_area": {"NEUROLOGY"}}})
		if !errors.Is(err, store.ErrRefused) {
			t.Errorf("%s on a near miss: %v, want refused", refused, err)
		}
	}
	if err := st.Decide(ctx, store.Decision{ItemID: item("a"), Analyst: "ana", Action: store.ActionRelevant}); err != nil {
		t.Fatal(err)
	}
	if err := st.Decide(ctx, store.Decision{ItemID: item("a"), Analyst: "ana", Action: store.ActionRelevant}); !errors.Is(err, store.ErrRefused) {
		t.Errorf("judging a promoted item relevant again: %v, want refused", err)
	}
	if err := st.Decide(ctx, store.Decision{ItemID: item("b"), Analyst: "ana", Action: store.ActionNotRelevant}); err != nil {
		t.Fatal(err)
	}
	checks("decided", []struct {
		name      string
		got, want int
	}{
		{"the near miss judged relevant is a technology, named as proposed", q(`select count(*) from report.technologies
			where name = 'e-Stroke a'`), 1},
		{"its document is linked and relevant", q(`select count(*) from report.documents d join document_technologies dt
			on dt.document_id = d.document_id where d.document_id = 'a' and d.relevant and d.rule_set_version = $1`, store.AnalystRuleSet), 1},
		{"its codes are the proposed ones", q(`select count(*) from report.technology_codes c join document_technologies dt
			on dt.technology_id = c.technology_id where dt.document_id = 'a' and c.code in ('DIAGNOSTIC', 'STROKE')`), 2},
		{"its item stays open, now about the technology", q(`select count(*) from review_items where document_id = 'a'
			and state = 'open' and technology_id is not null and near_miss is null and 'new technology' = any(reasons)`), 1},
		{"the near miss judged not relevant stays out", q(`select count(*) from document_technologies where document_id = 'b'`), 0},
		{"and its item is decided", q(`select count(*) from review_items where document_id = 'b' and state = 'decided'`), 1},
		{"both decisions are on record", q(`select count(*) from review_decisions where action in ('relevant', 'not_relevant')`), 2},
	})

	// Judging a near miss not relevant can be undone: the item opens again.
	var decision int64
	if err := st.Pool().QueryRow(ctx, `select id from review_decisions where action = 'not_relevant'`).Scan(&decision); err != nil {
		t.Fatal(err)
	}
	if err := st.Decide(ctx, store.Decision{ItemID: item("b"), Analyst: "ana", Action: store.ActionUndo, Undoes: decision}); err != nil {
		t.Fatal(err)
	}
	if got := q(`select count(*) from review_items where document_id = 'b' and state = 'open'`); got != 1 {
		t.Errorf("after the undo, b's item is open %d times, want 1", got)
	}

	// New rules find a near miss relevant: its item takes the technology
	// and is no near miss any more.
	if err := st.SaveClassifications(ctx, []message.Classification{announced("c", "r2", t0.Add(time.Hour), "STROKE")}); err != nil {
		t.Fatal(err)
	}
	if got := q(`select count(*) from review_items where document_id = 'c' and state = 'open'
		and technology_id is not null and near_miss is null`); got != 1 {
		t.Errorf("a near miss found relevant by new rules: %d items with its technology, want 1", got)
	}
	// And the other way: a relevant document that new rules find a near
	// miss keeps its technology and its item about it.
	if err := st.SaveClassifications(ctx, []message.Classification{nearMiss("d", "r2", t0.Add(time.Hour))}); err != nil {
		t.Fatal(err)
	}
	if got := q(`select count(*) from review_items where document_id = 'd' and technology_id is not null
		and near_miss is null and 'near miss of the relevance gate' = any(reasons)`); got != 1 {
		t.Errorf("a relevant document found a near miss by new rules: %d items keeping its technology, want 1", got)
	}
}
