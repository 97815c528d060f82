package review_test

import (
	"context"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/horizon-scan/horizon/pipeline/review"
)

// TestBrowserUndoNotRelevantAndMerge judges a technology not relevant and
// merges another, each confirmed on the page, and undoes both from the
// history: the dashboard comes back to what it was, and the history keeps
// every decision.
func TestBrowserUndoNotRelevantAndMerge(t *testing.T) {
	a := newApp(t, review.Config{})
	b := browser(t)
	signIn(t, b, a.URL, "ana")
	item := func(doc string) string {
		var id int64
		if err := a.store.Pool().QueryRow(context.Background(), `select id from review_items where document_id = $1`, doc).Scan(&id); err != nil {
			t.Fatal(err)
		}
		return a.URL + "/items/" + itoa(id)
	}
	total := func() string {
		do(t, b, "open the dashboard", chromedp.Navigate(a.URL+"/dashboard"), chromedp.WaitVisible(chromedp.CSS(`#total`)))
		return run(t, b, "total", chromedp.Text(chromedp.CSS(`#total`)))
	}
	flash := func() string { return run(t, b, "flash", chromedp.Text(chromedp.CSS(`p.flash`))) }
	if n := total(); n != "4" {
		t.Fatalf("the dashboard starts with %s technologies, want 4", n)
	}

	// Not relevant: x opens the confirmation, its button decides.
	ward := item("ward")
	do(t, b, "judge the virtual ward not relevant", chromedp.Navigate(ward), chromedp.WaitVisible(chromedp.CSS(`#accept-form`)),
		chromedp.KeyEvent("x"), chromedp.WaitVisible(chromedp.CSS(`#not-relevant`)),
		chromedp.Click(chromedp.CSS(`#not-relevant`)), chromedp.WaitVisible(chromedp.CSS(`p.flash`)))
	if f := flash(); !strings.Contains(f, "not relevant") || !strings.Contains(f, "Undo") {
		t.Errorf("after not relevant: %q", f)
	}
	if n := total(); n != "3" {
		t.Errorf("after not relevant the dashboard counts %s, want 3", n)
	}
	// A later accept does not pretend to save.
	do(t, b, "accept it", chromedp.Navigate(ward), chromedp.WaitVisible(chromedp.CSS(`#accept-form`)),
		chromedp.Click(chromedp.CSS(`#accept-form button`)), chromedp.WaitVisible(chromedp.CSS(`p.error`)))
	if e := run(t, b, "error", chromedp.Text(chromedp.CSS(`p.error`))); !strings.Contains(e, "undo that first") {
		t.Errorf("accepting a technology judged not relevant: %q", e)
	}
	do(t, b, "undo not relevant", chromedp.Navigate(ward), chromedp.WaitVisible(chromedp.CSS(`li[data-action="not_relevant"] form.undo`)),
		chromedp.Click(chromedp.CSS(`li[data-action="not_relevant"] form.undo button`)), chromedp.WaitVisible(chromedp.CSS(`p.flash`)))
	if f := flash(); !strings.Contains(f, "Undone") {
		t.Errorf("after undo: %q", f)
	}
	if n := run(t, b, "history", chromedp.Evaluate[int](`document.querySelectorAll("li.undone[data-action=not_relevant], li[data-action=undo]").length`)); n != 2 {
		t.Errorf("the history shows %d of the decision and its undo, want both", n)
	}
	if n := total(); n != "4" {
		t.Errorf("after the undo the dashboard counts %s, want 4", n)
	}

	// Merge: m opens the search, the preview lists what matches, the
	// analyst picks one.
	leeds := item("leeds-xray")
	do(t, b, "search for the virtual ward to merge into", chromedp.Navigate(leeds), chromedp.WaitVisible(chromedp.CSS(`#accept-form`)),
		chromedp.KeyEvent("m"), chromedp.WaitVisible(chromedp.CSS(`#merge-q`)),
		chromedp.SendKeys(chromedp.CSS(`#merge-q`), "WardWatch"), chromedp.Submit(chromedp.CSS(`#merge-q`)),
		chromedp.WaitVisible(chromedp.CSS(`#merge-candidates input[type=radio]`)))
	if text := run(t, b, "candidates", chromedp.Text(chromedp.CSS(`#merge-candidates`))); !strings.Contains(text, "WardWatch") || !strings.Contains(text, "Pennine Health AI") {
		t.Errorf("the merge preview shows %q", text)
	}
	screenshot(t, b, "item-merge")
	do(t, b, "merge", chromedp.Click(chromedp.CSS(`#merge-candidates input[type=radio]`)), chromedp.Click(chromedp.CSS(`#merge`)),
		chromedp.WaitVisible(chromedp.CSS(`p.flash`)))
	if f := flash(); !strings.Contains(f, "merged into") {
		t.Errorf("after merge: %q", f)
	}
	if n := total(); n != "3" {
		t.Errorf("after the merge the dashboard counts %s, want 3", n)
	}
	do(t, b, "undo the merge", chromedp.Navigate(leeds), chromedp.WaitVisible(chromedp.CSS(`li[data-action="merge"] form.undo`)),
		chromedp.Click(chromedp.CSS(`li[data-action="merge"] form.undo button`)), chromedp.WaitVisible(chromedp.CSS(`p.flash`)))
	if n := total(); n != "4" {
		t.Errorf("after undoing the merge the dashboard counts %s, want 4", n)
	}
	do(t, b, "the Leeds item again", chromedp.Navigate(leeds), chromedp.WaitVisible(chromedp.CSS(`#technology-codes`)))
	if text := run(t, b, "technology", chromedp.Text(chromedp.CSS(`aside.decide`))); strings.Contains(text, "merged into") || !strings.Contains(text, "ChestLens") {
		t.Errorf("after the undo the Leeds item's technology reads %q", short(text))
	}
}
