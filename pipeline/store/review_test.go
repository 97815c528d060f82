package store_test

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/horizon-scan/horizon/internal/testenv"
	"github.com/horizon-scan/horizon/pipeline/message"
	"github.com/horizon-scan/horizon/pipeline/store"
)

func announced(id, rules string, at time.Time, area string, orgs ...message.Organisation) message.Classification {
	c := classification(id, "h-"+rules, rules, at, "DIAGNOSTIC")
	c.Document.ContentHash = "h"
	c.Labels = append(c.Labels,
		message.Label{Dimension: "relevance", Code: "RELEVANT", Score: 2},
		message.Label{Dimension: "clinical_area", Code: area, Score: 1})
	c.Organisations = orgs
	return c
}

// counter returns q, which runs a query of one number on st.
func counter(t *testing.T, st *store.Store) func(sql string, args ...any) int {
	return func(sql string, args ...any) int {
		t.Helper()
		var n int
		if err := st.Pool().QueryRow(context.Background(), sql, args...).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
}

func TestTechnologiesReviewAndAnalystDecisions(t *testing.T) {
	t.Parallel()
	st := testenv.Store(t)
	ctx := context.Background()
	t0 := time.Date(2026, 5, 1, 0, 0, 0, 0, time.UTC)
	estroke := message.Organisation{Kind: "product", ID: "e-stroke", Name: "e-Stroke", Vendor: "Brainomix"}
	brainomix := message.Organisation{Kind: "vendor", ID: "brainomix", Name: "Brainomix"}
	if err := st.SaveClassifications(ctx, []message.Classification{
		announced("a", "r1", t0, "STROKE", estroke, brainomix),
		announced("b", "r1", t0, "STROKE", estroke),
		announced("c", "r1", t0, "CARDIOLOGY"),
	}); err != nil {
		t.Fatal(err)
	}
	q := counter(t, st)
	steps := []struct {
		name string
		got  int
		want int
	}{
		{"documents naming one product are one technology", q(`select count(*) from report.technologies`), 2},
		{"the product's technology has both documents", q(`select documents from report.technologies where name = 'e-Stroke'`), 2},
		{"a new technology opens one review item", q(`select count(*) from review_items where 'new technology' = any(reasons)`), 2},
		{"organisations are stored", q(`select count(*) from document_organisations`), 3},
		{"the distribution counts technologies", q(`select technologies from report.distribution where code = 'DIAGNOSTIC'`), 2},
	}
	for _, s := range steps {
		if s.got != s.want {
			t.Errorf("%s: %d, want %d", s.name, s.got, s.want)
		}
	}

	var itemA, itemC int64
	if err := st.Pool().QueryRow(ctx, `select id from review_items where document_id = 'a'`).Scan(&itemA); err != nil {
		t.Fatal(err)
	}
	if err := st.Pool().QueryRow(ctx, `select id from review_items where document_id = 'c'`).Scan(&itemC); err != nil {
		t.Fatal(err)
	}
	if err := st.Decide(ctx, store.Decision{ItemID: itemA, Analyst: "ana", Action: store.ActionCorrect,
		Codes: map[string][]string{"clinical_area": {"NEUROLOGY"}}}); err != nil {
		t.Fatal(err)
	}
	if err := st.Decide(ctx, store.Decision{ItemID: itemC, Analyst: "ana", Action: store.ActionNotRelevant}); err != nil {
		t.Fatal(err)
	}

	// New rules reclassify document a: the analyst's area stands.
	if err := st.SaveClassifications(ctx, []message.Classification{announced("a", "r2", t0.Add(time.Hour), "STROKE", estroke)}); err != nil {
		t.Fatal(err)
	}
	after := []struct {
		name string
		got  int
		want int
	}{
		{"the analyst's clinical area wins over the new rules", q(`select count(*) from report.technology_codes c join technologies t on t.id = c.technology_id
			where t.key = 'product:e-stroke' and c.dimension = 'clinical_area' and c.code = 'NEUROLOGY' and c.source = 'analyst'`), 1},
		{"no automatic clinical area shows for a decided dimension", q(`select count(*) from report.technology_codes c join technologies t on t.id = c.technology_id
			where t.key = 'product:e-stroke' and c.dimension = 'clinical_area' and c.source = 'rules'`), 0},
		{"a technology judged not relevant leaves the dashboards", q(`select count(*) from report.technologies`), 1},
		{"a decided item is not reopened by reclassification", q(`select count(*) from review_items where id = $1 and state = 'decided'`, itemA), 1},
		{"decisions are kept as a trail", q(`select count(*) from review_decisions where analyst = 'ana'`), 2},
	}
	for _, s := range after {
		if s.got != s.want {
			t.Errorf("%s: %d, want %d", s.name, s.got, s.want)
		}
	}
	if err := st.Decide(ctx, store.Decision{ItemID: 99999, Analyst: "ana", Action: store.ActionAccept}); err == nil {
		t.Error("deciding a missing item succeeded")
	}
}

func TestReferenceCodesAreReadableByDashboards(t *testing.T) {
	t.Parallel()
	st := testenv.Store(t)
	ctx := context.Background()
	if err := st.SaveReferenceCodes(ctx, [][3]string{{"type", "DIAGNOSTIC", "Diagnostic"}, {"type", "P4", "P4 medicine"}}); err != nil {
		t.Fatal(err)
	}
	if err := st.SaveReferenceCodes(ctx, [][3]string{{"type", "DIAGNOSTIC", "Diagnostic"}}); err != nil {
		t.Fatal(err)
	}
	var n int
	if err := st.Pool().QueryRow(ctx, `select count(*) from reference_codes`).Scan(&n); err != nil || n != 2 {
		t.Errorf("%d reference codes (%v), want 2", n, err)
	}
}

// autoCodesFromScratch is what technology_auto_codes must hold: every
// technology's codes computed from its documents' current classifications.
const autoCodesFromScratch = `
select dt.technology_id, l.dimension, l.code, max(l.score)
from document_technologies dt
join report.document_labels l on l.document_id = dt.document_id
group by 1, 2, 3`

func TestTechnologyCodesFollowReclassificationAndMerges(t *testing.T) {
	t.Parallel()
	st := testenv.Store(t)
	ctx := context.Background()
	t0 := time.Date(2026, 5, 1, 0, 0, 0, 0, time.UTC)
	estroke := message.Organisation{Kind: "product", ID: "e-stroke", Name: "e-Stroke", Vendor: "Brainomix"}
	save := saver(t, st)
	codes := func(key, dim string) []string {
		t.Helper()
		rows, err := st.Pool().Query(ctx, `select c.code from report.technology_codes c join technologies t on t.id = c.technology_id
			where t.key = $1 and c.dimension = $2 order by 1`, key, dim)
		if err != nil {
			t.Fatal(err)
		}
		out, err := pgx.CollectRows(rows, pgx.RowTo[string])
		if err != nil {
			t.Fatal(err)
		}
		return out
	}
	consistent := func(when string) {
		t.Helper()
		var diff int
		if err := st.Pool().QueryRow(ctx, `select count(*) from (
			(select technology_id, dimension, code, score from technology_auto_codes except `+autoCodesFromScratch+`)
			union all
			(`+autoCodesFromScratch+` except select technology_id, dimension, code, score from technology_auto_codes)) x`).Scan(&diff); err != nil {
			t.Fatal(err)
		}
		if diff != 0 {
			t.Errorf("%s: technology_auto_codes differs from a computation from scratch in %d rows", when, diff)
		}
	}

	save(announced("a", "r1", t0, "STROKE", estroke), announced("b", "r1", t0, "CARDIOLOGY", estroke), announced("c", "r1", t0, "NEUROLOGY"))
	consistent("after the first load")
	if got := codes("product:e-stroke", "clinical_area"); !slices.Equal(got, []string{"CARDIOLOGY", "STROKE"}) {
		t.Errorf("e-Stroke areas %v", got)
	}
	// New rules move document b to another area: the technology follows.
	save(announced("b", "r2", t0.Add(time.Hour), "RESPIRATORY", estroke))
	consistent("after reclassification")
	if got := codes("product:e-stroke", "clinical_area"); !slices.Equal(got, []string{"RESPIRATORY", "STROKE"}) {
		t.Errorf("after reclassification e-Stroke areas %v, want RESPIRATORY STROKE", got)
	}
	// A redelivery of the old classification changes nothing.
	save(announced("b", "r1", t0, "CARDIOLOGY", estroke))
	consistent("after a stale redelivery")
	// Document c's technology is merged into e-Stroke: its codes move too.
	var item, target int64
	if err := st.Pool().QueryRow(ctx, `select r.id, (select id from technologies where key = 'product:e-stroke')
		from review_items r where r.document_id = 'c'`).Scan(&item, &target); err != nil {
		t.Fatal(err)
	}
	if err := st.Decide(ctx, store.Decision{ItemID: item, Analyst: "ana", Action: store.ActionMerge, MergeInto: target}); err != nil {
		t.Fatal(err)
	}
	consistent("after a merge")
	if got := codes("product:e-stroke", "clinical_area"); !slices.Equal(got, []string{"NEUROLOGY", "RESPIRATORY", "STROKE"}) {
		t.Errorf("after the merge e-Stroke areas %v", got)
	}
}

func TestTechnologiesAreMatchedByNormalisedNamesAndFollowMerges(t *testing.T) {
	t.Parallel()
	st := testenv.Store(t)
	ctx := context.Background()
	t0 := time.Date(2026, 5, 1, 0, 0, 0, 0, time.UTC)
	save := saver(t, st)
	product := func(id, name, vendor string) message.Organisation {
		return message.Organisation{Kind: "product", ID: id, Name: name, Vendor: vendor}
	}
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
	save(announced("a", "r1", t0, "STROKE", product("e-stroke", "e-Stroke", "Brainomix")))
	save(
		// The same product under another id and spelling, its vendor with a suffix.
		announced("b", "r1", t0, "STROKE", product("estroke-suite", "E Stroke", "Brainomix Ltd.")),
		// The same name from another vendor is another product.
		announced("c", "r1", t0, "STROKE", product("estroke-other", "eStroke", "Other Health")),
		// A vendor known by name only.
		announced("d", "r1", t0, "STROKE", message.Organisation{Kind: "vendor", ID: "brainomix-limited", Name: "Brainomix Limited"}),
		announced("e", "r1", t0, "STROKE", message.Organisation{Kind: "vendor", ID: "brainomix", Name: "Brainomix"}),
	)
	a, _ := techOf("a")
	b, reasonsB := techOf("b")
	c, _ := techOf("c")
	d, reasonsD := techOf("d")
	e, _ := techOf("e")
	if b != a || !slices.Contains(reasonsB, store.ReasonNameMatch) {
		t.Errorf("b: technology %d (a is %d), reasons %v; want a's, with %q", b, a, reasonsB, store.ReasonNameMatch)
	}
	if c == a {
		t.Error("a product of the same name from another vendor joined a's technology")
	}
	// d and e arrive in one batch, naming one vendor two ways: one
	// technology (its key is the normalised vendor and what it does), for
	// an analyst to check, as a vendor may have several products.
	if d != e || !slices.Contains(reasonsD, store.ReasonUncertainMatch) {
		t.Errorf("d: technology %d (e is %d), reasons %v; want e's, with %q", d, e, reasonsD, store.ReasonUncertainMatch)
	}
	if d == a {
		t.Error("a vendor-level document joined a product technology")
	}
	save(announced("f", "r1", t0, "STROKE", message.Organisation{Kind: "vendor", ID: "brainomix-uk", Name: "BRAINOMIX LTD"}))
	if f, reasons := techOf("f"); f != e || !slices.Contains(reasons, store.ReasonUncertainMatch) {
		t.Errorf("f: technology %d, reasons %v; want the Brainomix vendor technology %d, for review", f, reasons, e)
	}

	// c's technology is merged into a's; a new document naming c's product
	// joins a's technology, not the merged one.
	var itemC int64
	if err := st.Pool().QueryRow(ctx, `select id from review_items where document_id = 'c'`).Scan(&itemC); err != nil {
		t.Fatal(err)
	}
	if err := st.Decide(ctx, store.Decision{ItemID: itemC, Analyst: "ana", Action: store.ActionMerge, MergeInto: a}); err != nil {
		t.Fatal(err)
	}
	save(announced("g", "r1", t0, "STROKE", product("estroke-other", "eStroke", "Other Health")))
	if g, _ := techOf("g"); g != a {
		t.Errorf("g, naming a merged technology's product, is on technology %d; want the merge target %d", g, a)
	}
	// Merging a into d: c (merged into a) follows, so merges never chain.
	var itemA int64
	if err := st.Pool().QueryRow(ctx, `select id from review_items where document_id = 'a'`).Scan(&itemA); err != nil {
		t.Fatal(err)
	}
	if err := st.Decide(ctx, store.Decision{ItemID: itemA, Analyst: "ana", Action: store.ActionMerge, MergeInto: d}); err != nil {
		t.Fatal(err)
	}
	var chained int
	if err := st.Pool().QueryRow(ctx, `select count(*) from technologies t join technologies m on m.id = t.merged_into
		where m.merged_into is not null`).Scan(&chained); err != nil || chained != 0 {
		t.Errorf("%d merge chains (%v), want 0", chained, err)
	}
	if got, _ := techOf("g"); got != d {
		t.Errorf("after merging a into d, g is on %d; want %d", got, d)
	}
}

func TestTechnologyNameKey(t *testing.T) {
	t.Parallel()
	st := testenv.Store(t)
	cases := map[string]string{
		"e-Stroke":                "estroke",
		"E Stroke":                "estroke",
		"Brainomix Ltd.":          "brainomix",
		"Brainomix Limited":       "brainomix",
		"Kheiron Medical, Inc.":   "kheironmedical",
		"Acme Holdings Ltd":       "acme",
		"Co-Pilot Health":         "copilothealth", // a company word inside a name stays
		"Limited Edition Imaging": "limitededitionimaging",
		"Mia® by Kheiron":         "miabykheiron",
		"Mia™":                    "mia",
		"  ":                      "",
		"Group":                   "group", // a name that is only a suffix is kept
	}
	for in, want := range cases {
		var got *string
		if err := st.Pool().QueryRow(context.Background(), `select technology_name_key($1)`, in).Scan(&got); err != nil {
			t.Fatal(err)
		}
		if (got == nil && want != "") || (got != nil && *got != want) {
			t.Errorf("technology_name_key(%q) = %v, want %q", in, got, want)
		}
	}
}

// TestReviewBacklogCountsEachItemUnderEachReason: report.review_backlog
// counts every review item once under each of its reasons, per state, with
// the oldest opening, as unnesting each item's reasons does; an item
// without reasons is counted under none.
func TestReviewBacklogCountsEachItemUnderEachReason(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	st := testenv.Store(t)
	at := time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)
	saver(t, st)(varied(at, 0)...)
	saver(t, st)(varied(at, 24)...)
	if _, err := st.Pool().Exec(ctx, `
update review_items set state = case when id % 3 = 0 then 'claimed' when id % 3 = 1 then 'decided' else state end,
                        opened_at = $1::timestamptz + id * interval '1 hour',
                        reasons = case when id % 7 = 0 then '{}' when id % 5 = 0 then reasons || '{by hand}' else reasons end`,
		at); err != nil {
		t.Fatal(err)
	}
	rows := func(sql string) []string {
		t.Helper()
		r, err := st.Pool().Query(ctx, sql)
		if err != nil {
			t.Fatal(err)
		}
		out, err := pgx.CollectRows(r, func(row pgx.CollectableRow) (string, error) {
			var state, reason string
			var items int64
			var oldest time.Time
			err := row.Scan(&state, &reason, &items, &oldest)
			return fmt.Sprintf("%s|%s|%d|%s", state, reason, items, oldest.UTC().Format(time.RFC3339)), err
		})
		if err != nil {
			t.Fatal(err)
		}
		slices.Sort(out)
		return out
	}
	got := rows(`select state, reason, items, oldest from report.review_backlog`)
	want := rows(`select state, unnest(reasons) as reason, count(*), min(opened_at) from review_items group by 1, 2`)
	if !slices.Equal(got, want) || len(got) < 6 {
		t.Errorf("backlog:\n%s\nwant (each item under each reason):\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}
