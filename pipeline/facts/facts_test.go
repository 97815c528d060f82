package facts_test

import (
	"context"
	"fmt"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/horizon-scan/horizon/internal/testenv"
	"github.com/horizon-scan/horizon/pipeline/facts"
	"github.com/horizon-scan/horizon/pipeline/message"
	"github.com/horizon-scan/horizon/pipeline/store"
	"github.com/horizon-scan/horizon/pipeline/synthetic"
)

func TestMain(m *testing.M) { os.Exit(testenv.Main(m)) }

// filters are dashboard filters of every kind, alone and together,
// including codes nothing carries.
var filters = []map[string]string{
	{},
	{"type": "DIAGNOSTIC"},
	{"type": "THERAPEUTIC", "clinical_area": "STROKE"},
	{"clinical_area": "NEUROLOGY", "point_of_care": "PRIMARY"},
	{"region": "NHS_LONDON", "horizon": "NOW"},
	{"subtype": "NO_SUCH_SUBTYPE"},
	{"workforce_group": "MEDIC.CARDIOLOGY"},
	{"source": "source-3"},
	{"source": "source-1", "from": "2026-01-01", "to": "2026-01-02"},
	{"from": "2026-01-03"},
	{"to": "2026-01-04"},
	{"q": "shared product 2"},
	{"q": "ZZZ"},
}

// reference runs the dashboard's technology reports in SQL, the
// definitions the index must agree with.
func reference(t *testing.T, reports *store.Reports, f map[string]string) map[string]store.Table {
	t.Helper()
	var reps []store.Report
	for _, name := range facts.Reports {
		rep, ok := store.DashboardReport(name)
		if !ok || !rep.Filtered {
			t.Fatalf("%s is not a filtered dashboard report", name)
		}
		reps = append(reps, rep)
	}
	tables, err := reports.RunAll(context.Background(), reps, f)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]store.Table{}
	for _, tb := range tables {
		out[tb.Name] = tb
	}
	return out
}

// agree checks that the index's tables equal the SQL reports' under every
// filter: same columns and rows, the technology list in the same order
// (elsewhere ties may order differently under the database's collation).
func agree(t *testing.T, when string, x *facts.Index, reports *store.Reports) {
	t.Helper()
	for _, f := range filters {
		want := reference(t, reports, f)
		got, err := x.Tables(context.Background(), f)
		if err != nil {
			t.Fatal(err)
		}
		for _, name := range facts.Reports {
			w, g := want[name], got[name]
			if !slices.Equal(w.Columns, g.Columns) || w.Title != g.Title {
				t.Errorf("%s, %v, %s: columns %q %q, want %q %q", when, f, name, g.Title, g.Columns, w.Title, w.Columns)
				continue
			}
			wr, gr := lines(w.Rows), lines(g.Rows)
			if name != "technologies" {
				slices.Sort(wr)
				slices.Sort(gr)
			}
			if !slices.Equal(wr, gr) {
				t.Errorf("%s, %v, %s:\n got %q\nwant %q", when, f, name, gr, wr)
			}
		}
	}
}

// TestIndexComputesEveryFilteredReport: a filtered report added to the
// dashboard in SQL alone would be run by the slow path on every page.
func TestIndexComputesEveryFilteredReport(t *testing.T) {
	for _, rep := range store.DashboardReports {
		if computed := slices.Contains(facts.Reports, rep.Name); rep.Filtered != computed {
			t.Errorf("dashboard report %s: filtered %v, computed by the index %v", rep.Name, rep.Filtered, computed)
		}
	}
}

func lines(rows [][]string) []string {
	out := make([]string, len(rows))
	for i, r := range rows {
		out[i] = strings.Join(r, "|")
	}
	return out
}

// TestIndexAgreesWithTheSQLReports loads technologies of every kind (one
// announcement, several from different sources and days, analyst codes,
// excluded, merged, marked), then holds the index's counts equal to the
// SQL reports', first synced from nothing, then following changes.
func TestIndexAgreesWithTheSQLReports(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	st, url := testenv.PreparedStore(t)
	cs := synthetic.Classifications(0, 300)
	for i := range 30 {
		// Five products announced six times each, by different sources on
		// different days; one with a regulatory mark.
		p := i % 5
		cs[i].Organisations = []message.Organisation{{Kind: "product", ID: fmt.Sprintf("shared-%d", p),
			Name: fmt.Sprintf("Shared product %d", p), Vendor: "Acme"}}
		if p == 0 {
			cs[i].Marks = []message.Mark{{Kind: "FDA_510K", Reference: "K123456"}}
		}
	}
	if err := st.SaveClassifications(ctx, cs); err != nil {
		t.Fatal(err)
	}
	reports, err := store.OpenReports(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(reports.Close)
	x := facts.New(reports.Pool())
	refreshAndSync := func() {
		t.Helper()
		if _, err := st.RefreshFacts(ctx); err != nil {
			t.Fatal(err)
		}
		if err := x.Sync(ctx); err != nil {
			t.Fatal(err)
		}
	}
	refreshAndSync()
	if x.Len() == 0 {
		t.Fatal("the index holds no technologies")
	}
	agree(t, "synced from nothing", x, reports)

	items := map[int]int64{} // review items by document number
	rows, err := st.Pool().Query(ctx, `select id, document_id from review_items`)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var id int64
		var doc string
		if err := rows.Scan(&id, &doc); err != nil {
			t.Fatal(err)
		}
		var n int
		fmt.Sscanf(doc, "scale-%d", &n)
		items[n] = id
	}
	rows.Close()
	var into int64
	if err := st.Pool().QueryRow(ctx, `select technology_id from document_technologies where document_id = 'scale-0000040'`).Scan(&into); err != nil {
		t.Fatal(err)
	}
	for _, d := range []store.Decision{
		{ItemID: items[33], Action: store.ActionNotRelevant},
		{ItemID: items[36], Action: store.ActionCorrect, Codes: map[string][]string{"type": {"THERAPEUTIC"}, "clinical_area": {"STROKE", "CARDIOLOGY"}}},
		{ItemID: items[39], Action: store.ActionMerge, MergeInto: into},
		{ItemID: items[0], Action: store.ActionCorrect, Codes: map[string][]string{"region": {"NHS_LONDON"}}},
	} {
		d.Analyst = "ana"
		if err := st.Decide(ctx, d); err != nil {
			t.Fatalf("%s: %v", d.Action, err)
		}
	}
	refreshAndSync()
	agree(t, "after decisions", x, reports)
}
