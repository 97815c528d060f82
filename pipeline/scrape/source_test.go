package scrape

import (
	"bytes"
	"compress/gzip"
	"os"
	"strings"
	"testing"
)

func TestShippedSourcesAreValid(t *testing.T) {
	data, err := os.ReadFile("../../deploy/sources.yaml")
	if err != nil {
		t.Fatal(err)
	}
	srcs, err := ParseSources("deploy/sources.yaml", data, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(srcs) == 0 {
		t.Fatal("no sources")
	}
}

func TestBadSourcesAreReportedWithFileLineAndSource(t *testing.T) {
	const ok = "    kind: feed\n    url: https://example.org/feed\n    schedule: \"0 * * * *\"\n"
	tests := []struct{ name, file, want string }{
		{"a bad cron spec", "sources:\n  - id: a\n    kind: feed\n    url: https://example.org/f\n    schedule: \"every hour\"\n",
			"s.yaml:5: source a: bad cron spec \"every hour\""},
		{"a relative url", "sources:\n  - id: b\n    kind: feed\n    url: /feed\n    schedule: \"0 * * * *\"\n",
			"s.yaml:4: source b: url \"/feed\" is not an absolute http(s) URL"},
		{"an unknown kind", "sources:\n  - id: c\n    kind: podcast\n    url: https://example.org/\n    schedule: \"0 * * * *\"\n",
			"s.yaml:3: source c: kind \"podcast\" is not feed, listing or sitemap"},
		{"a listing without a link selector", "sources:\n  - id: d\n    kind: listing\n    url: https://example.org/\n    schedule: \"0 * * * *\"\n",
			"s.yaml:3: source d: a listing needs link_selector"},
		{"a bad selector", "sources:\n  - id: e\n    kind: listing\n    link_selector: \"a[[\"\n    url: https://example.org/\n    schedule: \"0 * * * *\"\n",
			"s.yaml:4: source e: bad CSS selector"},
		{"an unknown key", "sources:\n  - id: f\n" + ok + "    shedule: x\n",
			"s.yaml:6: source f: unknown key \"shedule\""},
		{"a bad pattern", "sources:\n  - id: g\n" + ok + "    include: [\"(\"]\n",
			"s.yaml:6: source g: bad pattern"},
		{"a duplicate id", "sources:\n  - id: h\n" + ok + "  - id: h\n" + ok,
			"s.yaml:6: source h: duplicate id (first at line 2)"},
		{"a bad id", "sources:\n  - id: \"Big Source\"\n" + ok,
			"s.yaml:2: source Big Source: id \"Big Source\" must be lower case"},
		{"an unknown category", "sources:\n  - id: i\n" + ok + "    category: blog\n",
			"s.yaml:6: source i: category \"blog\""},
		{"a bad delay", "sources:\n  - id: j\n" + ok + "    delay: soon\n",
			"s.yaml:2: source j:"},
		{"no url at all", "sources:\n  - id: k\n    kind: feed\n    schedule: \"@daily\"\n",
			"s.yaml:2: source k: url (or urls) is missing"},
		{"a bad url in urls", "sources:\n  - id: l\n" + ok + "    urls: [\"https://example.org/b\", \"ftp://x/\"]\n",
			"s.yaml:6: source l: url \"ftp://x/\" is not an absolute http(s) URL"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ParseSources("s.yaml", []byte(tc.file), nil)
			if err == nil {
				t.Fatal("accepted a bad source")
			}
			if !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %q\nwant it to contain %q", err, tc.want)
			}
		})
	}
}

func TestIncludeAndExcludePatterns(t *testing.T) {
	srcs, err := ParseSources("s.yaml", []byte("sources:\n  - id: a\n    kind: feed\n    url: https://example.org/f\n    schedule: \"0 * * * *\"\n    include: ['/news/']\n    exclude: ['/news/jobs/']\n"), nil)
	if err != nil {
		t.Fatal(err)
	}
	tests := map[string]bool{
		"https://example.org/news/ai-tool": true,
		"https://example.org/news/jobs/1":  false,
		"https://example.org/about":        false,
	}
	for u, want := range tests {
		if got := srcs[0].Wants(u); got != want {
			t.Errorf("Wants(%s) = %v, want %v", u, got, want)
		}
	}
}

func TestCanonical(t *testing.T) {
	tests := []struct{ name, in, want string }{
		{"lower-cases scheme and host", "HTTPS://Example.ORG/News", "https://example.org/News"},
		{"drops the fragment", "https://example.org/a#top", "https://example.org/a"},
		{"drops tracking parameters", "https://example.org/a?utm_source=x&id=3&fbclid=y", "https://example.org/a?id=3"},
		{"sorts the other parameters", "https://example.org/a?b=2&a=1", "https://example.org/a?a=1&b=2"},
		{"drops the default port", "http://example.org:80/a", "http://example.org/a"},
		{"gives an empty path a slash", "https://example.org", "https://example.org/"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := Canonical(tc.in)
			if err != nil {
				t.Fatal(err)
			}
			if got != tc.want {
				t.Errorf("Canonical(%q) = %q, want %q", tc.in, got, tc.want)
			}
		})
	}
}

func FuzzParseSources(f *testing.F) {
	f.Add([]byte("sources:\n  - id: a\n    kind: feed\n    url: https://example.org/f\n    schedule: \"0 * * * *\"\n"))
	f.Add([]byte("sources: [{id: b, kind: listing, link_selector: a, url: 'http://x/', schedule: '@daily'}]"))
	f.Fuzz(func(t *testing.T, data []byte) {
		_, _ = ParseSources("s.yaml", data, nil) // must not panic
	})
}

func gzipBytes(t *testing.T, b []byte) []byte {
	t.Helper()
	var buf bytes.Buffer
	w := gzip.NewWriter(&buf)
	if _, err := w.Write(b); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}
