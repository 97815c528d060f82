package review

import (
	"strings"
	"testing"

	"github.com/horizon-scan/horizon/pipeline/message"
	"github.com/horizon-scan/horizon/pipeline/store"
)

func label(dim, code string, spans ...[2]int) store.ItemLabel {
	l := store.ItemLabel{Dimension: dim, Code: code}
	for _, s := range spans {
		l.Evidence = append(l.Evidence, message.Evidence{Field: "text", Start: s[0], End: s[1]})
	}
	return l
}

// render shows segments as text with [codes|marked runs].
func render(segs []segment) string {
	var b strings.Builder
	for _, s := range segs {
		if len(s.Codes) == 0 {
			b.WriteString(s.Text)
			continue
		}
		b.WriteString("[" + strings.Join(s.Codes, ",") + "|" + s.Text + "]")
	}
	return b.String()
}

func TestHighlight(t *testing.T) {
	const text = "AI reads chest X-rays in Leeds"
	cases := []struct {
		name   string
		text   string
		labels []store.ItemLabel
		want   string
	}{
		{"no evidence", text, nil, text},
		{"one span", text, []store.ItemLabel{label("type", "DIAGNOSTIC", [2]int{3, 8})},
			"AI [type:DIAGNOSTIC|reads] chest X-rays in Leeds"},
		{"two labels", text, []store.ItemLabel{label("type", "DIAGNOSTIC", [2]int{3, 8}), label("region", "NEY", [2]int{25, 30})},
			"AI [type:DIAGNOSTIC|reads] chest X-rays in [region:NEY|Leeds]"},
		{"overlapping spans share the overlap", text, []store.ItemLabel{label("a", "X", [2]int{0, 8}), label("b", "Y", [2]int{3, 14})},
			"[a:X|AI ][a:X,b:Y|reads][b:Y| chest] X-rays in Leeds"},
		{"span at both ends", "Leeds", []store.ItemLabel{label("region", "NEY", [2]int{0, 5})}, "[region:NEY|Leeds]"},
		{"out of range is ignored", text, []store.ItemLabel{label("type", "D", [2]int{20, 99}), label("type", "E", [2]int{-1, 2})}, text},
		{"empty or reversed is ignored", text, []store.ItemLabel{label("type", "D", [2]int{5, 5}), label("type", "E", [2]int{6, 2})}, text},
		{"a span inside a character is ignored", "café AI", []store.ItemLabel{label("x", "Y", [2]int{0, 4})}, "café AI"},
		{"multibyte text on boundaries", "café AI", []store.ItemLabel{label("x", "Y", [2]int{6, 8})}, "café [x:Y|AI]"},
		{"other field is ignored", text, []store.ItemLabel{{Dimension: "type", Code: "D",
			Evidence: []message.Evidence{{Field: "title", Start: 0, End: 2}}}}, text},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			segs := highlight(c.text, "text", c.labels)
			if got := render(segs); got != c.want {
				t.Errorf("got  %s\nwant %s", got, c.want)
			}
			var joined strings.Builder
			for _, s := range segs {
				joined.WriteString(s.Text)
			}
			if joined.String() != c.text {
				t.Errorf("segments lose text: %q", joined.String())
			}
		})
	}
}

func TestCSVSafe(t *testing.T) {
	cases := map[string]string{
		"=HYPERLINK(\"http://evil\")": "'=HYPERLINK(\"http://evil\")",
		"+cmd":                        "'+cmd",
		"@SUM(A1)":                    "'@SUM(A1)",
		"-12":                         "-12", // a number stays a number
		"-x":                          "'-x",
		"Leeds":                       "Leeds",
		"":                            "",
	}
	for in, want := range cases {
		if got := csvSafe(in); got != want {
			t.Errorf("csvSafe(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestRedirectFlashStaysOnSite(t *testing.T) {
	for _, to := range []string{"https://evil.example/", "//evil.example/x", "/\\evil.example", "javascript:alert(1)"} {
		if got := safeLocal(to); got != "/queue" {
			t.Errorf("safeLocal(%q) = %q, want /queue", to, got)
		}
	}
	if got := safeLocal("/queue?reason=x"); got != "/queue?reason=x" {
		t.Errorf("a local path was changed: %q", got)
	}
}

func TestHighlightColoursBySegmentsFirstDimension(t *testing.T) {
	const text = "AI reads chest X-rays"
	segs := highlight(text, "text", []store.ItemLabel{label("type", "DIAGNOSTIC", [2]int{3, 8}),
		label("clinical_area", "CLINICAL_RADIOLOGY", [2]int{3, 21})})
	var dims []string
	for _, s := range segs {
		dims = append(dims, s.Dim)
	}
	if got, want := strings.Join(dims, ","), ",clinical_area,clinical_area"; got != want {
		t.Errorf("segment dimensions %q, want %q", got, want)
	}
}
