package review_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/horizon-scan/horizon/pipeline/message"
	"github.com/horizon-scan/horizon/pipeline/review"
)

// scaled adds n relevant documents with codes spread over every dimension,
// each a technology of its own with a review item.
func scaled(b *testing.B, a *app, n int) {
	b.Helper()
	types := []string{"DIAGNOSTIC", "AUTOMATION", "P4", "REMOTE_MONITORING", "THERAPEUTIC", "OTHER"}
	areas := []string{"CARDIOLOGY", "CLINICAL_RADIOLOGY", "NEUROLOGY", "DERMATOLOGY", "GENERAL_PRACTICE", "ONCOLOGY_MIXED",
		"EMERGENCY_MEDICINE", "OPHTHALMOLOGY", "HISTOPATHOLOGY", "PAEDIATRICS"}
	regions := []string{"NHS_NORTH_EAST_YORKSHIRE", "NHS_NORTH_WEST", "NHS_MIDLANDS", "NHS_EAST_OF_ENGLAND", "NHS_LONDON",
		"NHS_SOUTH_EAST", "NHS_SOUTH_WEST", "SCOTLAND", "WALES"}
	pocs := []string{"PRIMARY", "SECONDARY", "COMMUNITY", "SELF_CARE"}
	horizons := []string{"NOW", "WITHIN_1Y", "Y1_3", "Y3_PLUS"}
	text := strings.Repeat("An artificial intelligence tool reads scans for clinicians in an NHS trust. ", 40)
	at := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	ctx := context.Background()
	for start := 0; start < n; start += 2000 {
		var cs []message.Classification
		for i := start; i < min(n, start+2000); i++ {
			pub := at.Add(time.Duration(i) * time.Hour)
			id := fmt.Sprintf("scale-%07d", i)
			c := message.Classification{SchemaVersion: message.ClassificationVersion, RuleSetVersion: "r1", Relevant: true,
				ClassifiedAt: at, Review: message.Review{Needed: i%3 == 0, Reasons: []string{"low confidence"}[:1-min(1, i%3)]},
				Document: message.Document{SchemaVersion: message.DocumentVersion, ID: id, ContentHash: "h", Source: fmt.Sprintf("source-%d", i%18),
					URL: "https://example.org/" + id, Title: "Technology " + id, Text: text, Published: &pub, FetchedAt: at}}
			ev := []message.Evidence{{RuleID: "r", Field: "text", Start: 3, End: 26, Snippet: "artificial intelligence"}}
			c.Labels = []message.Label{
				{Dimension: "relevance", Code: "RELEVANT", Score: 2, Evidence: ev},
				{Dimension: "type", Code: types[i%len(types)], Score: 1, Evidence: ev},
				{Dimension: "clinical_area", Code: areas[i%len(areas)], Score: 1, Evidence: ev},
				{Dimension: "clinical_area", Code: areas[(i/7)%len(areas)], Score: 1, Evidence: ev},
				{Dimension: "workforce_group", Code: "MEDIC." + areas[i%len(areas)], Score: 1, Evidence: ev},
				{Dimension: "point_of_care", Code: pocs[i%len(pocs)], Score: 1, Evidence: ev},
				{Dimension: "horizon", Code: horizons[(i/3)%len(horizons)], Score: 1, Evidence: ev},
				{Dimension: "region", Code: regions[i%len(regions)], Score: 1, Evidence: ev},
			}
			cs = append(cs, c)
		}
		if err := a.store.SaveClassifications(ctx, cs); err != nil {
			b.Fatal(err)
		}
	}
	if _, err := a.store.Pool().Exec(ctx, "analyze"); err != nil {
		b.Fatal(err)
	}
}

// BenchmarkPages measures the pages analysts and dashboard readers open
// most, at 1,000 and 10,000 technologies: how their cost grows with the
// database is the figure to watch (the report views are plain views).
func BenchmarkPages(b *testing.B) {
	for _, n := range []int{1000, 10000} {
		a := newApp(b, review.Config{})
		scaled(b, a, n)
		c := a.client(b)
		if code := c.login("ana", password); code != http.StatusSeeOther {
			b.Fatalf("login: %d", code)
		}
		tok := c.csrf("/queue")
		for _, p := range []struct{ name, path string }{
			{"dashboard", "/dashboard"},
			{"dashboard-filtered", "/dashboard?clinical_area=NEUROLOGY&point_of_care=PRIMARY"},
			{"queue", "/queue"},
			{"queue-filtered", "/queue?type=P4&source=source-3"},
			{"item", "/items/5"},
			{"csv-technologies", "/dashboard/technologies.csv"},
		} {
			b.Run(fmt.Sprintf("%s/technologies=%d", p.name, n), func(b *testing.B) {
				for b.Loop() {
					if code, _, _ := c.get(p.path); code != http.StatusOK {
						b.Fatalf("%s: %d", p.path, code)
					}
				}
			})
		}
		b.Run(fmt.Sprintf("claim-next+release/technologies=%d", n), func(b *testing.B) {
			for b.Loop() {
				code, _, loc := c.post("/queue/next", url.Values{"csrf": {tok}})
				if code != http.StatusSeeOther || !strings.HasPrefix(loc, "/items/") {
					b.Fatalf("claim next: %d %s", code, loc)
				}
				if code, _, _ := c.post(loc+"/release", url.Values{"csrf": {tok}}); code != http.StatusSeeOther {
					b.Fatalf("release: %d", code)
				}
			}
		})
	}
}
