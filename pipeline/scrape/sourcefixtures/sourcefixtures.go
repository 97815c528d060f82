// Package sourcefixtures serves offline imitations of the real sources in
// deploy/sources.yaml: each source's start document in its publisher's
// format (GOV.UK Atom, WordPress RSS, plain RSS, the site's listing markup,
// a Yoast sitemap index) and article pages in the publisher's layout.
package sourcefixtures

import (
	"embed"
	"io/fs"
	"net/http"
	"path"
	"strings"
)

//go:embed testdata
var files embed.FS

// Handler serves the fixture of source id, with {{SITE}} replaced by site
// (the address it is served on). A path ending in "/" serves its index.html
// or index.xml.
func Handler(id, site string) (http.Handler, error) {
	root, err := fs.Sub(files, path.Join("testdata", id))
	if err != nil {
		return nil, err
	}
	if _, err := fs.Stat(root, "."); err != nil {
		return nil, err
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/robots.txt" {
			w.Write([]byte("User-agent: *\nDisallow: /search/advanced\n"))
			return
		}
		name := strings.TrimPrefix(r.URL.Path, "/")
		var data []byte
		var err error
		if name == "" || strings.HasSuffix(name, "/") {
			for _, index := range []string{"index.html", "index.xml"} {
				if data, err = fs.ReadFile(root, name+index); err == nil {
					name += index
					break
				}
			}
		} else if data, err = fs.ReadFile(root, name); err != nil {
			// A directory asked for without its slash.
			if data, err = fs.ReadFile(root, name+"/index.html"); err == nil {
				name += "/index.html"
			}
		}
		if err != nil {
			http.NotFound(w, r)
			return
		}
		switch {
		case strings.HasSuffix(name, ".atom"):
			w.Header().Set("Content-Type", "application/atom+xml; charset=utf-8")
		case strings.HasSuffix(name, ".xml"):
			w.Header().Set("Content-Type", "application/rss+xml; charset=utf-8")
		default:
			w.Header().Set("Content-Type", "text/html; charset=utf-8")
		}
		w.Write([]byte(strings.ReplaceAll(string(data), "{{SITE}}", site)))
	}), nil
}
