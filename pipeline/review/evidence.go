package review

import (
	"sort"
	"strings"
	"unicode/utf8"

	"github.com/horizon-scan/horizon/pipeline/store"
)

// segment is a run of a document's text: plain, or evidence for codes.
type segment struct {
	Text  string
	Codes []string // dimension:code of every label this run is evidence for
	Dim   string   // the first label's dimension, for colour
}

// highlight cuts text into segments, marking the byte spans the labels'
// evidence points at in field ("title" or "text"). Spans outside the text
// or not on character boundaries are ignored (the text may have been
// cleaned after classification); overlapping spans share a segment.
func highlight(text, field string, labels []store.ItemLabel) []segment {
	type mark struct {
		pos   int
		open  bool
		label string // dimension:code
	}
	var marks []mark
	for _, l := range labels {
		for _, e := range l.Evidence {
			if e.Field != field || e.Start < 0 || e.End > len(text) || e.Start >= e.End ||
				!boundary(text, e.Start) || !boundary(text, e.End) {
				continue
			}
			name := l.Dimension + ":" + l.Code
			marks = append(marks, mark{e.Start, true, name}, mark{e.End, false, name})
		}
	}
	sort.SliceStable(marks, func(i, j int) bool {
		if marks[i].pos != marks[j].pos {
			return marks[i].pos < marks[j].pos
		}
		return !marks[i].open && marks[j].open // close before open at one position
	})
	var out []segment
	active := map[string]int{}
	pos := 0
	emit := func(end int) {
		if end <= pos {
			return
		}
		seg := segment{Text: text[pos:end]}
		for name, n := range active {
			if n > 0 {
				seg.Codes = append(seg.Codes, name)
			}
		}
		sort.Strings(seg.Codes)
		if len(seg.Codes) > 0 {
			seg.Dim, _, _ = strings.Cut(seg.Codes[0], ":")
		}
		out = append(out, seg)
		pos = end
	}
	for _, m := range marks {
		emit(m.pos)
		if m.open {
			active[m.label]++
		} else {
			active[m.label]--
		}
	}
	emit(len(text))
	return out
}

func boundary(s string, i int) bool {
	return i == 0 || i == len(s) || utf8.RuneStart(s[i])
}

// joinCodes is how a segment names its codes in its title attribute.
func joinCodes(codes []string) string { return strings.Join(codes, ", ") }
