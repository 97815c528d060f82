package review

import (
	"html/template"
	"net/url"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/horizon-scan/horizon/pipeline/rules"
	"github.com/horizon-scan/horizon/pipeline/store"
)

var funcs = template.FuncMap{
	"codes": joinCodes,
	"dim":   dimLabel,
	"did":   didLabel,
	"date": func(t time.Time) string {
		if t.IsZero() {
			return ""
		}
		return t.UTC().Format("2006-01-02")
	},
	"datetime": func(t time.Time) string {
		if t.IsZero() {
			return ""
		}
		return t.UTC().Format("2006-01-02 15:04 UTC")
	},
	"month": func(t time.Time) string {
		if t.IsZero() {
			return ""
		}
		return t.UTC().Format("January 2006")
	},
	"atLeast": func(have, want string) bool { return roleRank[have] >= roleRank[want] },
	"historyOf": func(h []store.HistoryEntry, csrf string, canUndo bool) historyView {
		return historyView{Entries: h, CSRF: csrf, CanUndo: canUndo}
	},
	"addf":   func(a float64, b float64) float64 { return a + b },
	"add":    func(a, b int) int { return a + b },
	"mul":    func(a, b int) int { return a * b },
	"short":  short,
	"named":  named,
	"reason": reasonText,
	// day is the date of a report's "2006-01-02 15:04" time.
	"day":  func(s string) string { return s[:min(len(s), 10)] },
	"list": func(s ...string) []string { return s },
	"csvURL": func(name, query string) string {
		u := url.URL{Path: "/dashboard/" + name + ".csv", RawQuery: query}
		return u.String()
	},
}

// short cuts s to n characters, marking the cut.
func short(n int, s string) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	r := []rune(s)
	return string(r[:n-1]) + "…"
}

// didLabel says what an analyst's decision did, in words.
func didLabel(action string) string {
	switch action {
	case "accept":
		return "accepted"
	case "correct":
		return "corrected"
	case "not_relevant":
		return "judged not relevant"
	case "relevant":
		return "judged relevant"
	case "merge":
		return "merged"
	case "note":
		return "noted"
	case "rename":
		return "renamed"
	case "split":
		return "split off"
	case "undo":
		return "undid"
	}
	return action
}

// named is a code's name for a reader: its reference name, else the code
// in words ("NOT_RELEVANT" → "Not relevant").
func named(name, code string) string {
	if name != "" && name != code {
		return name
	}
	w := strings.ToLower(strings.ReplaceAll(code, "_", " "))
	if w == "" {
		return ""
	}
	return strings.ToUpper(w[:1]) + w[1:]
}

// codeNamesOf maps each code to its name.
func codeNamesOf(codes []store.Code) map[string]string {
	names := make(map[string]string, len(codes))
	for _, c := range codes {
		names[c.Code] = c.Name
	}
	return names
}

// reasonText is a review reason for a reader: the type codes in it
// ("weak evidence: type P4", "conflicting types: DIAGNOSTIC over P4 by
// weight of evidence") given by their names, without what a name says in
// brackets ("P4 medicine").
func reasonText(typeNames map[string]string, reason string) string {
	if !strings.HasPrefix(reason, rules.ReasonConflictingType+": ") && !strings.HasPrefix(reason, rules.ReasonWeakEvidence+": ") {
		return reason // other reasons name organisations, whose names are not codes
	}
	words := strings.Split(reason, " ")
	for i, w := range words {
		if name, ok := typeNames[w]; ok && name != "" {
			if short, _, cut := strings.Cut(name, " ("); cut {
				name = short
			}
			words[i] = name
		}
	}
	return strings.Join(words, " ")
}
