package scrape

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestWithoutTitle(t *testing.T) {
	tests := []struct{ name, text, title, want string }{
		{"drops a leading headline", "AI tool goes live Hospitals in Leeds...", "AI tool goes live", "Hospitals in Leeds..."},
		{"drops the separator after it", "AI tool goes live: Hospitals...", "AI tool goes live", "Hospitals..."},
		{"keeps a headline that is not at the start", "Hospitals say AI tool goes live", "AI tool goes live", "Hospitals say AI tool goes live"},
		{"keeps the text when it is only the headline", "AI tool goes live", "AI tool goes live", "AI tool goes live"},
		{"ignores very short titles", "News Today the trust...", "News", "News Today the trust..."},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := withoutTitle(tc.text, tc.title); got != tc.want {
				t.Errorf("withoutTitle(%q, %q) = %q, want %q", tc.text, tc.title, got, tc.want)
			}
		})
	}
}

func TestExtractDirReadsPlainAndGzippedPages(t *testing.T) {
	src, err := os.ReadFile("offlinesite/testdata/site/articles/chest-xray-triage-leeds.html")
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "plain.html"), src, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "zipped.html.gz"), gzipBytes(t, src), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "empty.html"), []byte("<html><body></body></html>"), 0o644); err != nil {
		t.Fatal(err)
	}
	got, err := ExtractDir(context.Background(), dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, id := range []string{"plain", "zipped"} {
		text := got[id]
		if !strings.HasPrefix(text, "Leeds Teaching Hospitals NHS Trust has switched on") {
			t.Errorf("%s: text starts %q", id, text[:min(len(text), 80)])
		}
		for _, boiler := range []string{"Related stories", "newsletter", "cookies", "AI chest X-ray triage goes live"} {
			if strings.Contains(text, boiler) {
				t.Errorf("%s: text keeps %q", id, boiler)
			}
		}
	}
	if text, ok := got["empty"]; !ok || text != "" {
		t.Errorf("a page with no text should map to \"\", got %q (present %v)", text, ok)
	}
}
