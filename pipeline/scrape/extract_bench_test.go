package scrape

import (
	"bytes"
	"testing"

	"golang.org/x/net/html"

	"github.com/horizon-scan/horizon/pipeline/scrape/benchsite"
)

// BenchmarkExtractPage measures the production extraction path on the
// bench site's page; BenchmarkParseHTMLBaseline only parses the same page,
// the least any extraction must do.
func BenchmarkExtractPage(b *testing.B) {
	page := benchsite.Page(7)
	b.SetBytes(int64(len(page)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := ExtractPage(page, "text/html; charset=utf-8", "http://bench/p/7.html"); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkParseHTMLBaseline(b *testing.B) {
	page := benchsite.Page(7)
	b.SetBytes(int64(len(page)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := html.Parse(bytes.NewReader(page)); err != nil {
			b.Fatal(err)
		}
	}
}
