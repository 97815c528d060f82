package review_test

import (
	"context"
	"fmt"
	"os"
	"sync"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/horizon-scan/horizon/pipeline/message"
	"github.com/horizon-scan/horizon/pipeline/review"
	"github.com/horizon-scan/horizon/pipeline/store"
)

// axeScript is axe-core, the accessibility checker, read once from the
// file HORIZON_AXE names (./scripts/test fetches it from npm).
var axeScript = sync.OnceValues(func() ([]byte, error) {
	path := os.Getenv("HORIZON_AXE")
	if path == "" {
		return nil, nil
	}
	return os.ReadFile(path)
})

// accessible runs axe-core in the page and fails on any serious or
// critical violation, naming the rule and the elements.
func accessible(t *testing.T, ctx context.Context, name string) {
	t.Helper()
	script, err := axeScript()
	switch {
	case err != nil:
		t.Fatalf("reading axe-core: %v", err)
	case script == nil && os.Getenv("HORIZON_REQUIRE_BROWSER") != "":
		t.Fatal("HORIZON_AXE is not set: ./scripts/test installs axe-core and sets it")
	case script == nil:
		t.Logf("%s: accessibility not checked (no HORIZON_AXE)", name)
		return
	}
	do(t, ctx, "load axe-core", chromedp.Evaluate[chromedp.Void](string(script)))
	found := run(t, ctx, "run axe on "+name, chromedp.Evaluate[[]string](`axe.run(document, {resultTypes: ["violations"]}).then(r =>
		r.violations.filter(v => v.impact === "serious" || v.impact === "critical").map(v =>
			v.impact + " " + v.id + ": " + v.help + " at " + v.nodes.slice(0, 4).map(n => n.target.join(" ")).join(", ")))`,
		chromedp.EvalAwaitPromise))
	for _, v := range found {
		t.Errorf("%s: %s", name, v)
	}
}

// fits checks that the page is no wider than the window of width px:
// nothing makes the reader scroll sideways. (A phone's layout viewport
// grows to fit a page too wide for it, so the page is measured against the
// width asked for, not against the window's own idea of its width.)
func fits(t *testing.T, ctx context.Context, name string, width int64) {
	t.Helper()
	w := run(t, ctx, "width of "+name, chromedp.Evaluate[int64](`Math.max(document.documentElement.scrollWidth, document.body.scrollWidth, window.innerWidth)`))
	if w > width {
		wide := run(t, ctx, "what is too wide", chromedp.Evaluate[[]string](`Array.from(document.querySelectorAll("body *")).filter(e => {
			const r = e.getBoundingClientRect(); return r.right > `+fmt.Sprint(width)+` + 1 && getComputedStyle(e).position !== "fixed";
		}).slice(0, 5).map(e => e.tagName.toLowerCase() + (e.id ? "#" + e.id : "") + (e.className && typeof e.className === "string" ? "." + e.className.split(" ").join(".") : "") + " " + Math.round(e.getBoundingClientRect().right))`))
		t.Errorf("%s is %d px wide in a %d px window: it scrolls sideways (%q)", name, w, width, wide)
	}
}

// TestBrowserEveryPageFitsAndIsAccessible opens every page at a desktop's
// width (1440 px) and a phone's (390 px): none scrolls sideways, axe-core
// finds no serious or critical accessibility violation, and a screenshot
// of each lands in artefacts/screenshots.
func TestBrowserEveryPageFitsAndIsAccessible(t *testing.T) {
	a := startApp(t, review.Config{}, func(st *store.Store) error {
		return st.SaveClassifications(context.Background(), append(richSeed(), nearMisses()...))
	})
	tech := a.announceAgain(t, 0, func(c *message.Classification) {
		c.Document.Title = "Chest X-ray AI reaches a second Leeds hospital"
		c.Marks = []message.Mark{{Kind: "CE", Reference: "Class IIa"}}
		c.Organisations = []message.Organisation{{Kind: "nhs_trust", ID: "RR8", Name: "Leeds Teaching Hospitals NHS Trust", Region: "NHS_NORTH_EAST_YORKSHIRE"}}
	})
	var item, nearMiss int64
	if err := a.store.Pool().QueryRow(context.Background(), `select id from review_items where document_id = 'leeds-xray'`).Scan(&item); err != nil {
		t.Fatal(err)
	}
	if err := a.store.Pool().QueryRow(context.Background(), `select id from review_items where document_id = 'sightline'`).Scan(&nearMiss); err != nil {
		t.Fatal(err)
	}
	pages := []struct{ name, path, ready string }{
		{"dashboard", "/dashboard", "#filters"},
		{"dashboard-filtered", "/dashboard?clinical_area=CLINICAL_RADIOLOGY", "#active-filters"},
		{"queue", "/queue", "#queue-total"},
		{"item", fmt.Sprintf("/items/%d", item), "#item-text"},
		{"near-miss", fmt.Sprintf("/items/%d", nearMiss), "#near-miss"},
		{"technology", fmt.Sprintf("/technologies/%d", tech), "form.rename"},
		{"account", "/account", "main form"},
		{"accounts", "/admin/users", "main form"},
		{"not-found", "/items/999999", "main"},
	}
	for _, width := range []int64{1440, 390} {
		b := browser(t)
		emulate := chromedp.EmulateViewport(width, 900)
		if width < 500 {
			emulate = chromedp.EmulateViewport(width, 844, chromedp.EmulateScale(2), chromedp.EmulateMobile)
		}
		do(t, b, "set the window", emulate, chromedp.Navigate(a.URL+"/login"), chromedp.WaitVisible(chromedp.CSS(`form.login`)))
		name := fmt.Sprintf("login-%d", width)
		fits(t, b, name, width)
		accessible(t, b, name)
		screenshot(t, b, name)
		signIn(t, b, a.URL, "adam")
		for _, p := range pages {
			name := fmt.Sprintf("%s-%d", p.name, width)
			do(t, b, "open "+name, chromedp.Navigate(a.URL+p.path), chromedp.WaitVisible(chromedp.CSS(p.ready)))
			if p.name == "item" {
				do(t, b, "unfold the code chips", chromedp.Click(chromedp.CSS(`#correct-box summary`)), chromedp.WaitVisible(chromedp.CSS(`#pick-type`)))
			}
			fits(t, b, name, width)
			accessible(t, b, name)
			screenshot(t, b, name)
		}
	}
}
