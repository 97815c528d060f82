package review_test

import (
	"context"
	"log/slog"
	"strconv"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/horizon-scan/horizon/internal/testenv"
	"github.com/horizon-scan/horizon/pipeline/onebox"
	"github.com/horizon-scan/horizon/pipeline/review"
	"github.com/horizon-scan/horizon/pipeline/rules"
	"github.com/horizon-scan/horizon/pipeline/scrape/offlinesite"
	"github.com/horizon-scan/horizon/pipeline/store"
)

// TestBrowserOnThePipelinesOwnOutput runs the whole pipeline over the
// offline site (scraper → JetStream → classifier → loader → Postgres), then
// checks in Chromium that the dashboard shows what the report views hold
// and that the queue and an item page work on real classifications.
func TestBrowserOnThePipelinesOwnOutput(t *testing.T) {
	browserPath(t) // skip before the pipeline runs if there is no browser
	site, err := offlinesite.Start()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { site.Close() })
	sources, err := site.Sources()
	if err != nil {
		t.Fatal(err)
	}
	rs, err := rules.Default()
	if err != nil {
		t.Fatal(err)
	}
	a := startApp(t, review.Config{}, func(st *store.Store) error {
		_, err := onebox.Run(context.Background(), onebox.Config{NATS: testenv.NATS(t), Store: st, Bus: testenv.BusConfig(t),
			Sources: sources, Rules: rs, Log: slog.New(slog.DiscardHandler), Timeout: 2 * time.Minute})
		return err
	})
	ctx := context.Background()
	want := map[string]int{}
	rows, err := a.store.Pool().Query(ctx, `select region, technologies from report.regions`)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var region string
		var n int
		if err := rows.Scan(&region, &n); err != nil {
			t.Fatal(err)
		}
		want[region] = n
	}
	if len(want) < 3 {
		t.Fatalf("the pipeline's output has technologies in %d regions: too few to test the map", len(want))
	}

	b := browser(t)
	signIn(t, b, a.URL, "ana")
	var undecided int
	if err := a.store.Pool().QueryRow(ctx, `select count(*) from review_items where state <> 'decided'`).Scan(&undecided); err != nil {
		t.Fatal(err)
	}
	if total := run(t, b, "queue total", chromedp.Text(chromedp.CSS(`#queue-total`))); total != strconv.Itoa(undecided)+" item(s)" {
		t.Errorf("queue says %q; the database has %d undecided items", total, undecided)
	}
	screenshot(t, b, "pipeline-queue")

	do(t, b, "open the dashboard", chromedp.Navigate(a.URL+"/dashboard"), chromedp.WaitVisible(chromedp.CSS(`svg.map`)))
	shown := run(t, b, "read the map", chromedp.Evaluate[map[string]int](`Object.fromEntries(
		Array.from(document.querySelectorAll("svg.map .region"), g => [g.dataset.region, Number(g.dataset.count)]))`))
	for region, n := range shown {
		if n != want[region] {
			t.Errorf("the map shows %d technologies in %s; report.regions has %d", n, region, want[region])
		}
	}
	for region, n := range want {
		if _, ok := shown[region]; !ok {
			t.Errorf("report.regions has %d technologies in %s; the map has no such region", n, region)
		}
	}
	screenshot(t, b, "pipeline-dashboard")

	// The Leeds chest X-ray story: its evidence is highlighted.
	var item int64
	if err := a.store.Pool().QueryRow(ctx, `select r.id from review_items r join documents d on d.id = r.document_id
		where d.title ilike '%leeds%' order by r.id limit 1`).Scan(&item); err != nil {
		t.Skipf("no review item for the Leeds story: %v", err)
	}
	do(t, b, "open the Leeds item", chromedp.Navigate(a.URL+"/items/"+strconv.FormatInt(item, 10)), chromedp.WaitVisible(chromedp.CSS(`#item-text`)))
	if marks := run(t, b, "count highlights", chromedp.Evaluate[int](`document.querySelectorAll("#item-text mark.ev, #item-title mark.ev").length`)); marks == 0 {
		t.Error("no evidence is highlighted on a classified story")
	}
	screenshot(t, b, "pipeline-item")
}
