package review_test

import (
	"bytes"
	"context"
	"image"
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/horizon-scan/horizon/pipeline/message"
	"github.com/horizon-scan/horizon/pipeline/review"
)

// These tests drive the app in headless Chromium (Debian's chromium, which
// ./scripts/test installs when it is missing). Without a browser they skip,
// unless HORIZON_REQUIRE_BROWSER is set, as the test command sets it.

func browserPath(t *testing.T) string {
	t.Helper()
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome", "chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	if os.Getenv("HORIZON_REQUIRE_BROWSER") != "" {
		t.Fatal("no Chromium found (apt-get install chromium), and HORIZON_REQUIRE_BROWSER is set")
	}
	t.Skip("no Chromium found; ./scripts/test installs it")
	return ""
}

// browser starts a headless Chromium of its own (its own profile, so its
// own cookies) and returns a tab.
func browser(t *testing.T) context.Context {
	t.Helper()
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(browserPath(t)),
		chromedp.NoSandbox, // the test may run as root, where Chromium's sandbox refuses to start
		chromedp.DisableGPU,
		chromedp.WindowSize(1280, 1000),
		chromedp.UserDataDir(t.TempDir()),
	)
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancelTab := chromedp.NewContext(actx)
	ctx, cancelTime := context.WithTimeout(ctx, 4*time.Minute) // a guard against a hung browser, not a speed test
	t.Cleanup(func() { cancelTime(); cancelTab(); cancelAlloc() })
	return ctx
}

func do(t *testing.T, ctx context.Context, what string, steps ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	if err := chromedp.Do(ctx, steps...); err != nil {
		t.Fatalf("%s: %v", what, err)
	}
}

func run[T any](t *testing.T, ctx context.Context, what string, a chromedp.Action[T]) T {
	t.Helper()
	v, err := chromedp.Run(ctx, a)
	if err != nil {
		t.Fatalf("%s: %v", what, err)
	}
	return v
}

func signIn(t *testing.T, ctx context.Context, base, name string) {
	t.Helper()
	do(t, ctx, "sign in as "+name,
		chromedp.Navigate(base+"/login"),
		chromedp.WaitVisible(chromedp.CSS(`input[name="name"]`)),
		chromedp.SendKeys(chromedp.CSS(`input[name="name"]`), name),
		chromedp.SendKeys(chromedp.CSS(`input[name="password"]`), password),
		chromedp.Submit(chromedp.CSS(`form.login`)),
		chromedp.WaitVisible(chromedp.CSS(`#queue-total`)),
	)
}

// pwned reports whether any planted script ran in the page.
func pwned(t *testing.T, ctx context.Context) bool {
	t.Helper()
	return run(t, ctx, "reading window.__pwned", chromedp.Evaluate[bool](`typeof window.__pwned !== "undefined"`))
}

// neurologyOnDashboard reads the dashboard's count of technologies in
// neurology (0 when the row is absent).
func neurologyOnDashboard(t *testing.T, ctx context.Context, base string) string {
	t.Helper()
	do(t, ctx, "open the dashboard", chromedp.Navigate(base+"/dashboard"), chromedp.WaitVisible(chromedp.CSS(`#chart-clinical_area`)))
	return run(t, ctx, "read the neurology count", chromedp.Evaluate[string](`(() => {
		const row = document.querySelector('#chart-clinical_area .bar-row[data-code="NEUROLOGY"]');
		return row ? row.querySelector(".bar-value").firstChild.textContent.trim() : "0";
	})()`))
}

// screenshot saves the page as an artefact and checks it is not blank.
func screenshot(t *testing.T, ctx context.Context, name string) {
	t.Helper()
	buf := run(t, ctx, "screenshot "+name, chromedp.FullScreenshot(100))
	dir := os.Getenv("HORIZON_ARTEFACTS")
	if dir == "" {
		dir = filepath.Join("..", "..", "artefacts")
	}
	dir = filepath.Join(dir, "screenshots")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, name+".png")
	if err := os.WriteFile(path, buf, 0o644); err != nil {
		t.Fatal(err)
	}
	img, err := png.Decode(bytes.NewReader(buf))
	if err != nil {
		t.Fatalf("screenshot %s is not a PNG: %v", name, err)
	}
	if colours, inked := inspect(img); colours < 16 || inked < 0.02 {
		t.Errorf("screenshot %s looks blank: %d colours, %.1f%% non-white (%s)", name, colours, inked*100, path)
	} else {
		t.Logf("screenshot %s: %d colours, %.1f%% non-white, %s", name, colours, inked*100, path)
	}
}

// inspect counts distinct colours and the share of pixels that are not
// near-white.
func inspect(img image.Image) (int, float64) {
	b := img.Bounds()
	colours := map[uint32]bool{}
	var inked, all int
	for y := b.Min.Y; y < b.Max.Y; y += 2 {
		for x := b.Min.X; x < b.Max.X; x += 2 {
			r, g, bl, _ := img.At(x, y).RGBA()
			colours[(r>>8)<<16|(g>>8)<<8|bl>>8] = true
			all++
			if r>>8 < 235 || g>>8 < 235 || bl>>8 < 235 {
				inked++
			}
		}
	}
	return len(colours), float64(inked) / float64(all)
}

func TestBrowserReviewFlow(t *testing.T) {
	a := newApp(t, review.Config{})
	ctx := browser(t)
	signIn(t, ctx, a.URL, "ana")
	if pwned(t, ctx) {
		t.Fatal("the planted script ran on the queue page")
	}
	screenshot(t, ctx, "queue")

	before := neurologyOnDashboard(t, ctx, a.URL)

	// Claim the next item from the queue.
	do(t, ctx, "claim next", chromedp.Navigate(a.URL+"/queue"), chromedp.WaitVisible(chromedp.CSS(`#claim-next`)),
		chromedp.Click(chromedp.CSS(`#claim-next button`)), chromedp.WaitVisible(chromedp.CSS(`article.item`)))
	itemURL := run(t, ctx, "location", chromedp.Location())
	if !strings.Contains(run(t, ctx, "claim state", chromedp.Text(chromedp.CSS(`#claim-state`))), "You hold this item") {
		t.Error("the claimed item does not say the analyst holds it")
	}
	screenshot(t, ctx, "item")

	// Add neurology to its clinical areas with a plain click on its chip:
	// the other codes stay picked, and the other dimensions untouched.
	techCodes := func() []string {
		return run(t, ctx, "technology codes", chromedp.Evaluate[[]string](`Array.from(document.querySelectorAll("#technology-codes li"),
			li => li.dataset.dim + "=" + li.dataset.code + ":" + li.className).sort()`))
	}
	beforeCodes := techCodes()
	var want, wantPicked []string // the codes after: clinical areas the analyst's, plus neurology; the rest as they were
	for _, c := range beforeCodes {
		if area, ok := strings.CutPrefix(c, "clinical_area="); ok {
			area, _, _ = strings.Cut(area, ":")
			wantPicked = append(wantPicked, area)
			continue
		}
		want = append(want, c)
	}
	wantPicked = append(wantPicked, "NEUROLOGY")
	slices.Sort(wantPicked)
	for _, area := range wantPicked {
		want = append(want, "clinical_area="+area+":src-analyst")
	}
	slices.Sort(want)
	do(t, ctx, "open the code chips", chromedp.Click(chromedp.CSS(`#correct-box summary`)),
		chromedp.WaitVisible(chromedp.CSS(`#pick-clinical_area`)),
		chromedp.SendKeys(chromedp.CSS(`#pick-clinical_area .picker-search`), "neuro"),
		chromedp.Click(chromedp.CSS(`#pick-clinical_area input[value="NEUROLOGY"]`)))
	picked := run(t, ctx, "picked", chromedp.Evaluate[[]string](`Array.from(document.querySelectorAll("#pick-clinical_area input:checked"), i => i.value).sort()`))
	if !slices.Equal(picked, wantPicked) {
		t.Fatalf("after a click on neurology the clinical areas picked are %q, want %q", picked, wantPicked)
	}
	do(t, ctx, "correct the clinical area",
		chromedp.Click(chromedp.CSS(`#save-correction`)),
		chromedp.WaitVisible(chromedp.CSS(`p.flash`)),
	)
	if codes := techCodes(); !slices.Equal(codes, want) {
		t.Errorf("after correcting the clinical area the technology's codes are\n%q\nwant\n%q", codes, want)
	}
	after := neurologyOnDashboard(t, ctx, a.URL)
	if before != "0" || after != "1" {
		t.Errorf("dashboard neurology count: %s before, %s after; want 0 then 1", before, after)
	}
	screenshot(t, ctx, "dashboard")
	if pwned(t, ctx) {
		t.Fatal("the planted script ran on the dashboard")
	}

	// The page with the planted document: shown, escaped, inert.
	var evil int64
	if err := a.store.Pool().QueryRow(context.Background(), `select id from review_items where document_id = 'evil'`).Scan(&evil); err != nil {
		t.Fatal(err)
	}
	do(t, ctx, "open the planted item", chromedp.Navigate(a.URL+"/items/"+itoa(evil)), chromedp.WaitVisible(chromedp.CSS(`#item-text`)))
	if pwned(t, ctx) {
		t.Fatal("the planted script ran on its item page")
	}
	if text := run(t, ctx, "item text", chromedp.Text(chromedp.CSS(`#item-text`))); !strings.Contains(text, "<script>window.__pwned") {
		t.Errorf("the planted text is not shown as text: %q", text)
	}

	// Keyboard: ? shows the shortcuts, n claims the next item, a accepts it.
	do(t, ctx, "press ?", chromedp.Navigate(a.URL+"/queue"), chromedp.WaitVisible(chromedp.CSS(`#claim-next`)),
		chromedp.KeyEvent("?"), chromedp.WaitVisible(chromedp.CSS(`dialog#help`)))
	if text := run(t, ctx, "help", chromedp.Text(chromedp.CSS(`dialog#help`))); !strings.Contains(text, "judge not relevant") {
		t.Errorf("the shortcut help reads %q", text)
	}
	do(t, ctx, "close the help", chromedp.Click(chromedp.CSS(`#help-close`)), chromedp.WaitNotVisible(chromedp.CSS(`dialog#help`)))
	do(t, ctx, "press n", chromedp.Navigate(a.URL+"/queue"), chromedp.WaitVisible(chromedp.CSS(`#claim-next`)),
		chromedp.KeyEvent("n"), chromedp.WaitVisible(chromedp.CSS(`#accept-form`)))
	next := run(t, ctx, "location", chromedp.Location())
	if next == itemURL {
		t.Error("n opened the item already decided")
	}
	do(t, ctx, "press a", chromedp.KeyEvent("a"), chromedp.WaitVisible(chromedp.CSS(`p.flash`)))
	if flash := run(t, ctx, "flash", chromedp.Text(chromedp.CSS(`p.flash`))); !strings.Contains(flash, "accept") {
		t.Errorf("after pressing a: %q", flash)
	}
}

func TestBrowserSessionsCannotClaimTheSameItem(t *testing.T) {
	a := newApp(t, review.Config{})
	ana, bob := browser(t), browser(t)
	signIn(t, ana, a.URL, "ana")
	signIn(t, bob, a.URL, "bob")
	var wg sync.WaitGroup
	// Both press "Claim next" at once.
	locs := make([]string, 2)
	for i, ctx := range []context.Context{ana, bob} {
		wg.Go(func() {
			if err := chromedp.Do(ctx, chromedp.Click(chromedp.CSS(`#claim-next button`)), chromedp.WaitVisible(chromedp.CSS(`article.item`))); err != nil {
				t.Errorf("claim next: %v", err)
				return
			}
			locs[i], _ = chromedp.Run(ctx, chromedp.Location())
		})
	}
	wg.Wait()
	if locs[0] == "" || locs[0] == locs[1] {
		t.Fatalf("both sessions claimed %q", locs[0])
	}
	// Bob opens Ana's item: it says who holds it and offers no actions.
	do(t, bob, "bob opens ana's item", chromedp.Navigate(locs[0]), chromedp.WaitVisible(chromedp.CSS(`#claimed-by-other`)))
	if n := run(t, bob, "count action forms", chromedp.Evaluate[int](`document.querySelectorAll("#accept-form").length`)); n != 0 {
		t.Errorf("bob sees %d accept forms on ana's item", n)
	}
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

// TestBrowserTechnologyPage opens a technology's page, with two
// announcements, a regulatory mark and an NHS trust, at a desktop's width
// and a phone's, and splits one announcement off.
func TestBrowserTechnologyPage(t *testing.T) {
	a := newApp(t, review.Config{})
	tech := a.announceAgain(t, 0, func(c *message.Classification) {
		c.Document.Title = "Chest X-ray AI reaches a second Leeds hospital"
		c.Marks = []message.Mark{{Kind: "CE", Reference: "Class IIa"}, {Kind: "FDA_510K", Reference: "K192854"}}
		c.Organisations = []message.Organisation{{Kind: "nhs_trust", ID: "RR8", Name: "Leeds Teaching Hospitals NHS Trust", Region: "NHS_NORTH_EAST_YORKSHIRE"}}
	})
	b := browser(t)
	signIn(t, b, a.URL, "ana")
	page := a.URL + "/technologies/" + itoa(tech)
	do(t, b, "open the technology", chromedp.Navigate(page), chromedp.WaitVisible(chromedp.CSS(`form.rename`)))
	if text := run(t, b, "marks", chromedp.Text(chromedp.CSS(`main`))); !strings.Contains(text, "Leeds Teaching Hospitals NHS Trust") ||
		!strings.Contains(text, "K192854") || !strings.Contains(text, "Clinical radiology") {
		t.Errorf("the page lacks the trust, the 510(k) number or the area's name: %q", short(text))
	}
	screenshot(t, b, "technology")
	do(t, b, "a phone's width", chromedp.EmulateViewport(390, 844, chromedp.EmulateScale(2), chromedp.EmulateMobile),
		chromedp.Navigate(page), chromedp.WaitVisible(chromedp.CSS(`form.rename`)))
	screenshot(t, b, "technology-phone")
	do(t, b, "the dashboard on a phone", chromedp.Navigate(a.URL+"/dashboard"), chromedp.WaitVisible(chromedp.CSS(`#table-technologies`)))
	screenshot(t, b, "dashboard-phone")
	do(t, b, "back to a desktop", chromedp.EmulateReset(), chromedp.Navigate(page), chromedp.WaitVisible(chromedp.CSS(`form.split`)),
		chromedp.Click(chromedp.CSS(`input[value="leeds-xray-2"]`)),
		chromedp.SendKeys(chromedp.CSS(`form.split input[name="name"]`), "LungScan Leeds"),
		chromedp.Click(chromedp.CSS(`form.split button`)),
		chromedp.WaitVisible(chromedp.CSS(`p.flash`)))
	if h1 := run(t, b, "heading", chromedp.Text(chromedp.CSS(`h1`))); !strings.Contains(h1, "LungScan Leeds") {
		t.Errorf("after the split the page is %q", h1)
	}
	// The split is undone from the history: the announcement goes back.
	do(t, b, "undo the split", chromedp.Click(chromedp.CSS(`li[data-action="split"] form.undo button`)),
		chromedp.WaitVisible(chromedp.CSS(`li[data-action="undo"]`)))
	if h2 := run(t, b, "announcements", chromedp.Text(chromedp.CSS(`main`))); !strings.Contains(h2, "Undone") ||
		!strings.Contains(h2, "Chest X-ray AI reaches a second Leeds hospital") || !strings.Contains(h2, "Announcements 2") {
		t.Errorf("after undoing the split the page reads %q", short(h2))
	}
}

func short(s string) string {
	if len(s) > 300 {
		return s[:300] + "…"
	}
	return s
}
