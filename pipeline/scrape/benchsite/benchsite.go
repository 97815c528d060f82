// Package benchsite serves a large synthetic news site for throughput
// measurements: a sitemap of N article pages of realistic size, each with an
// ETag, so that a re-crawl of every page can be answered with 304s.
package benchsite

import (
	"fmt"
	"math/rand/v2"
	"net/http"
	"strconv"
	"strings"
)

var words = strings.Fields(`the trust said artificial intelligence tool patients clinicians radiology
pathway evaluation hospital waiting list scans algorithm deployed national pilot evidence digital health
care team nurses doctors data system model predict risk early warning virtual ward monitoring app
community primary secondary regulator approval study results region integrated board procurement
workforce training safety governance outcomes accuracy sensitivity specificity diagnosis treatment`)

// Handler serves pages 0..n-1 at /p/<i>.html, listed by /sitemap.xml.
func Handler(n int) http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /robots.txt", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, "User-agent: *\nAllow: /\n")
	})
	// The sitemap sends no validators, as many do not: a re-crawl then
	// checks every page, and the pages' ETags are what is measured.
	mux.HandleFunc("GET /sitemap.xml", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/xml")
		var b strings.Builder
		b.WriteString(`<?xml version="1.0" encoding="UTF-8"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">`)
		for i := range n {
			fmt.Fprintf(&b, "<url><loc>/p/%d.html</loc></url>\n", i)
		}
		b.WriteString("</urlset>")
		w.Write([]byte(b.String()))
	})
	mux.HandleFunc("GET /p/{page}", func(w http.ResponseWriter, r *http.Request) {
		i, err := strconv.Atoi(strings.TrimSuffix(r.PathValue("page"), ".html"))
		if err != nil || i < 0 || i >= n {
			http.NotFound(w, r)
			return
		}
		tag := fmt.Sprintf(`"p%d-v1"`, i)
		w.Header().Set("ETag", tag)
		if r.Header.Get("If-None-Match") == tag {
			w.WriteHeader(http.StatusNotModified)
			return
		}
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.Write(Page(i))
	})
	return mux
}

// Page renders article i: about 12 KB of HTML, a third of it boilerplate.
func Page(i int) []byte {
	rng := rand.New(rand.NewPCG(uint64(i), 42))
	sentence := func() string {
		n := 12 + rng.IntN(14)
		ws := make([]string, n)
		for j := range ws {
			ws[j] = words[rng.IntN(len(words))]
		}
		s := strings.Join(ws, " ")
		return strings.ToUpper(s[:1]) + s[1:] + "."
	}
	var b strings.Builder
	title := fmt.Sprintf("Story %d: %s", i, sentence())
	fmt.Fprintf(&b, `<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>%s</title>
<meta property="article:published_time" content="2026-%02d-%02dT09:00:00Z"></head><body>
<header><nav><ul>`, title, 1+i%12, 1+i%28)
	for j := range 25 {
		fmt.Fprintf(&b, `<li><a href="/section/%d">Section %d</a></li>`, j, j)
	}
	fmt.Fprintf(&b, "</ul></nav></header><main><article><h1>%s</h1>", title)
	for range 8 {
		b.WriteString("<p>")
		for range 5 {
			b.WriteString(sentence() + " ")
		}
		b.WriteString("</p>\n")
	}
	b.WriteString(`</article><aside><h2>Related</h2><ul>`)
	for j := range 10 {
		fmt.Fprintf(&b, `<li><a href="/p/%d.html">Related story %d</a></li>`, (i+j+1)%1000, j)
	}
	b.WriteString(`</ul></aside></main><footer><p>We use cookies. All rights reserved.</p></footer></body></html>`)
	return []byte(b.String())
}
