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

// TestExtractKeepsDecodedTextAsItIs: the page arrives decoded to UTF-8
// and is parsed as such, not guessed at again (a guess of Latin-1 would
// garble every accented letter); text comes out in NFC without soft
// hyphens, as go-trafilatura's own parser gave it.
func TestExtractKeepsDecodedTextAsItIs(t *testing.T) {
	para := "Clinicians at the Hôpital Européen in Genève are trialling an artificial intelligence tool that reads " +
		"chest X-rays; the co\u00adoperation with radiologists began in Zürich, and the cafe\u0301 staff cheered. "
	page := "<html><head><title>AI in Genève</title></head><body><article><h1>AI in Genève</h1><p>" +
		strings.Repeat(para, 4) + "</p></article></body></html>"
	for _, ct := range []string{"text/html; charset=utf-8", "text/html"} {
		p, err := ExtractPage([]byte(page), ct, "https://example.org/a")
		if err != nil {
			t.Fatal(err)
		}
		for _, want := range []string{"Hôpital Européen in Genève", "cooperation", "Zürich", "caf\u00e9 staff"} {
			if !strings.Contains(p.Text, want) {
				t.Errorf("%s: text lacks %q: %.200q", ct, want, p.Text)
			}
		}
	}
}
