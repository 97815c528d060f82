package review_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/horizon-scan/horizon/pipeline/message"
	"github.com/horizon-scan/horizon/pipeline/review"
	"github.com/horizon-scan/horizon/pipeline/store"
)

// nearMisses are two documents the relevance gate nearly let through.
func nearMisses() []message.Classification {
	at := time.Date(2026, 6, 3, 9, 0, 0, 0, time.UTC)
	doc := func(id, title, text string) message.Classification {
		return message.Classification{SchemaVersion: message.ClassificationVersion, RuleSetVersion: "r1", NearMiss: true,
			ClassifiedAt: at, Review: message.Review{Needed: true, Reasons: []string{"near miss of the relevance gate"}},
			Document: message.Document{SchemaVersion: message.DocumentVersion, ID: id, ContentHash: "h-" + id,
				Source: "news", URL: "https://example.org/" + id, Title: title, Text: text, Published: &at, FetchedAt: at},
			Technology: &message.Name{Name: "SightLine", Score: 2}, Vendors: []message.Name{{Name: "Retina Labs Ltd", Score: 2}},
			Labels: []message.Label{
				{Dimension: "type", Code: "DIAGNOSTIC", Score: 1.5},
				{Dimension: "clinical_area", Code: "OPHTHALMOLOGY", Score: 1},
			}}
	}
	return []message.Classification{
		doc("sightline", "How SightLine reads eye scans", "Retina Labs Ltd's SightLine reads retinal scans for eye disease."),
		doc("musings", "Musings on AI and eyes", "A columnist wonders whether machines will ever see as we do."),
	}
}

func TestANearMissIsJudgedRelevantOrNot(t *testing.T) {
	t.Parallel()
	a := startApp(t, review.Config{}, func(st *store.Store) error {
		return st.SaveClassifications(context.Background(), append(seed(), nearMisses()...))
	})
	ana := a.client(t)
	ana.login("ana", password)
	item := func(doc string) string {
		t.Helper()
		var id int64
		if err := a.store.Pool().QueryRow(context.Background(), `select id from review_items where document_id = $1`, doc).Scan(&id); err != nil {
			t.Fatal(err)
		}
		return "/items/" + itoa(id)
	}
	sight, musings := item("sightline"), item("musings")

	// Ticked in the queue, a near miss is not bulk-accepted: it is judged
	// on its own page, and the claim taken for it goes back.
	_, queue, _ := ana.get("/queue")
	if strings.Contains(queue, `name="item" value="`+strings.TrimPrefix(sight, "/items/")+`"`) {
		t.Error("the queue offers to bulk-accept a near miss")
	}
	code, _, loc := ana.post("/queue/accept", url.Values{"csrf": {ana.csrf("/queue")}, "item": {strings.TrimPrefix(sight, "/items/")}})
	if u, _ := url.Parse(loc); code != http.StatusSeeOther || !strings.Contains(u.Query().Get("flash"), "Not accepted [#") {
		t.Errorf("bulk-accepting a near miss: %d %q", code, loc)
	}
	var state string
	if err := a.store.Pool().QueryRow(context.Background(), `select state from review_items where document_id = 'sightline'`).Scan(&state); err != nil || state != "open" {
		t.Errorf("after a refused bulk accept the near miss is %q (%v), want open", state, err)
	}

	_, body, _ := ana.get(sight)
	for _, want := range []string{`id="near-miss"`, `id="relevant"`, "Codes the rules propose", "Ophthalmology",
		"adds the technology <b>SightLine</b>, developed by Retina Labs Ltd"} {
		if !strings.Contains(body, want) {
			t.Errorf("the near miss's page lacks %q", want)
		}
	}
	if strings.Contains(body, `id="accept-form"`) || strings.Contains(body, `id="correct-form"`) {
		t.Error("the near miss's page offers to accept or correct a technology it does not have")
	}
	tok := ana.csrf(sight)
	if code, _, _ := ana.post(sight+"/decide", url.Values{"csrf": {tok}, "action": {"accept"}}); code != http.StatusConflict {
		t.Errorf("accepting a near miss: %d, want 409", code)
	}
	if code, _, _ := ana.post(sight+"/decide", url.Values{"csrf": {tok}, "action": {"relevant"}}); code != http.StatusSeeOther {
		t.Fatalf("judging the near miss relevant: %d", code)
	}
	_, body, _ = ana.get(sight)
	for _, want := range []string{`id="accept-form"`, "SightLine", "Retina Labs Ltd", "<b>ana</b> judged relevant"} {
		if !strings.Contains(body, want) {
			t.Errorf("after judging it relevant, the item page lacks %q", want)
		}
	}
	if code, _, _ := ana.post(musings+"/decide", url.Values{"csrf": {tok}, "action": {"not_relevant"}}); code != http.StatusSeeOther {
		t.Fatalf("judging the other near miss not relevant: %d", code)
	}
	// The analysts' judgement of the gate is gold for it.
	_, gold, _ := ana.get("/export/gold.jsonl")
	if !strings.Contains(gold, `"id":"musings","relevance":"NOT_RELEVANT"`) {
		t.Errorf("the gold export lacks the near miss judged not relevant:\n%s", gold)
	}
	// The technology is on the dashboard.
	if _, csv, _ := ana.get("/dashboard/technologies.csv"); !strings.Contains(csv, "SightLine") {
		t.Errorf("the technologies CSV lacks the near miss judged relevant:\n%s", csv)
	}
}
