package scrape_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"testing"

	"github.com/horizon-scan/horizon/pipeline/scrape"
	"github.com/horizon-scan/horizon/pipeline/scrape/sourcefixtures"
)

// TestEveryShippedSourceWorksOnItsFixture scrapes each real source of
// deploy/sources.yaml, pointed at an offline imitation of its site: the kind,
// selectors and include patterns configured must find its articles.
func TestEveryShippedSourceWorksOnItsFixture(t *testing.T) {
	data, err := os.ReadFile("../../deploy/sources.yaml")
	if err != nil {
		t.Fatal(err)
	}
	srcs, err := scrape.ParseSources("deploy/sources.yaml", data, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(srcs) < 15 {
		t.Errorf("%d sources shipped, want at least 15", len(srcs))
	}
	kinds := map[string]int{}
	for _, src := range srcs {
		kinds[src.Kind]++
		t.Run(src.ID, func(t *testing.T) {
			t.Parallel()
			var h http.Handler
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { h.ServeHTTP(w, r) }))
			defer srv.Close()
			h, err := sourcefixtures.Handler(src.ID, srv.URL)
			if err != nil {
				t.Fatalf("no fixture for %s: %v", src.ID, err)
			}
			for i, start := range src.URLs {
				real, err := url.Parse(start)
				if err != nil {
					t.Fatal(err)
				}
				src.URLs[i] = srv.URL + real.RequestURI()
			}
			src.URL = src.URLs[0]
			src.Delay = 0 // politeness is tested elsewhere; here the formats and selectors are
			e := setup(t, scrape.Options{})
			rec, err := e.s.Run(context.Background(), src)
			if err != nil {
				t.Fatal(err)
			}
			if rec.New != 2 || rec.Failed != 0 {
				t.Errorf("new=%d failed=%d errors=%v, want the fixture's 2 articles and no failure", rec.New, rec.Failed, rec.Errors)
			}
			for _, d := range e.published(t) {
				if len(d.Text) < 200 || d.Title == "" {
					t.Errorf("%s: title %q, %d characters of text", d.URL, d.Title, len(d.Text))
				}
			}
		})
	}
	for _, k := range []string{scrape.KindFeed, scrape.KindListing, scrape.KindSitemap} {
		if kinds[k] == 0 {
			t.Errorf("no shipped source of kind %s", k)
		}
	}
}
