package store

import (
	"cmp"
	"regexp"
	"slices"
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"

	"github.com/horizon-scan/horizon/pipeline/message"
)

// Review reasons the loader adds.
const (
	ReasonNewTechnology  = "new technology"
	ReasonUncertainMatch = "uncertain technology match (vendor only)"
	ReasonNameMatch      = "technology matched by name"
	ReasonNotNamed       = "technology not named (no product or developer)"
	// ReasonSimilarName starts the reason of a join by a similar name; the
	// candidate's name and the similarity follow.
	ReasonSimilarName = "joined by a similar name"
	// ReasonMaybeSame starts the reason of a near miss: a technology with
	// a similar name the document was not joined to.
	ReasonMaybeSame = "may be the same technology as"
)

// Match is how a relevant document is resolved to a technology.
type Match struct {
	// Key is technologies.key: "product:<id>" for a product (named by a
	// gazetteer or by the text), "vendor:<vendor>[:<what>]" for a developer
	// whose product the text does not name, "document:<id>" for neither.
	Key    string
	Name   string
	Vendor string
	By     string // product, vendor or document
	// What is the code a technology without a product name is named after
	// (its best subtype, else its type).
	What    string
	Reasons []string // review reasons: the classification's, plus how it matched
}

// CodeNames gives the name of a code of a dimension ("" when unknown).
type CodeNames func(dimension, code string) string

// MatchTechnology resolves a classification to the technology it
// announces:
//
//   - the product a gazetteer knows (the one the text also names, if it
//     names several), its developer as the text names it or as the
//     gazetteer knows it;
//   - else the product the text names, with the developer it names;
//   - else the developer the text or a gazetteer names, with what the
//     technology does ("Skin Analytics: imaging in dermatology"), for an
//     analyst to check: a developer may have several products;
//   - else the document itself, named by what it does, never by its
//     headline.
//
// Names that cannot be names (a sentence, 200 characters, only small
// words) are ignored wherever they come from.
func MatchTechnology(c message.Classification, names CodeNames) Match {
	m := Match{Reasons: append([]string(nil), c.Review.Reasons...)}
	var products, vendors []message.Organisation
	for _, o := range c.Organisations {
		if !SensibleName(o.Name) {
			continue
		}
		switch o.Kind {
		case "product":
			products = append(products, o)
		case "vendor":
			vendors = append(vendors, o)
		}
	}
	slices.SortStableFunc(products, func(a, b message.Organisation) int { return cmp.Compare(a.ID, b.ID) })
	slices.SortStableFunc(vendors, func(a, b message.Organisation) int { return cmp.Compare(a.ID, b.ID) })
	tech := ""
	if c.Technology != nil && SensibleName(c.Technology.Name) {
		tech = strings.TrimSpace(c.Technology.Name)
	}
	vendor := ""
	for _, v := range c.Vendors {
		if SensibleName(v.Name) {
			vendor = strings.TrimSpace(v.Name)
			break
		}
	}
	switch {
	case len(products) > 0:
		p := products[0]
		for _, q := range products {
			if tech != "" && nameKey(q.Name) == nameKey(tech) {
				p = q
				break
			}
		}
		m.Key, m.Name, m.Vendor, m.By = "product:"+p.ID, p.Name, cmp.Or(p.Vendor, vendor), "product"
	case tech != "":
		m.Key, m.Name, m.Vendor, m.By = "product:"+slug(tech), tech, vendor, "product"
	case vendor != "" || len(vendors) > 0:
		if vendor == "" {
			vendor = vendors[0].Name
		}
		// One developer is one key however it is spelt ("Brainomix Ltd",
		// "BRAINOMIX").
		id := slug(withoutSuffix(vendor))
		m.What = what(c)
		m.Key, m.Vendor, m.By = "vendor:"+id, vendor, "vendor"
		if m.What != "" {
			m.Key += ":" + strings.ToLower(m.What)
		}
		m.Name = vendor
		if does := describe(c, m.What, names); does != "" {
			m.Name = vendor + ": " + does
		}
		m.Reasons = append(m.Reasons, ReasonUncertainMatch)
	default:
		m.What = what(c)
		m.Key, m.By = "document:"+c.Document.ID, "document"
		m.Name = cmp.Or(upperFirst(describe(c, m.What, names)), "Unnamed technology") + " (not named)"
		m.Reasons = append(m.Reasons, ReasonNotNamed)
	}
	return m
}

// what returns the most specific code of what a technology does: its best
// subtype, else its type.
func what(c message.Classification) string {
	if l := best(c.Labels, "subtype"); l != "" {
		return l
	}
	return best(c.Labels, "type")
}

// best returns the code of a dimension with the highest score ("" when
// none).
func best(labels []message.Label, dim string) string {
	code, score := "", -1.0
	for _, l := range labels {
		if l.Dimension == dim && (l.Score > score || (l.Score == score && l.Code < code)) {
			code, score = l.Code, l.Score
		}
	}
	return code
}

// describe says what a technology does, from its codes: "imaging in
// dermatology".
func describe(c message.Classification, whatCode string, names CodeNames) string {
	if whatCode == "" {
		return ""
	}
	dim := "subtype"
	if !strings.Contains(whatCode, ".") {
		dim = "type"
	}
	does := shortName(names, dim, whatCode)
	// Several areas, or administration, say nothing of where it is used.
	if area := best(c.Labels, "clinical_area"); area != "" && area != "MULTIPLE" && area != "ADMINISTRATION" {
		does += " in " + shortName(names, "clinical_area", area)
	}
	return does
}

// shortName is a code's name without its explanation in brackets, in lower
// case after its first letter ("Imaging (radiology, …)" is "imaging"); the
// code itself when its name is unknown.
func shortName(names CodeNames, dim, code string) string {
	n := ""
	if names != nil {
		n = names(dim, code)
	}
	if n == "" {
		n = strings.ReplaceAll(strings.ToLower(code[strings.LastIndexByte(code, '.')+1:]), "_", " ")
	}
	if i := strings.Index(n, " ("); i > 0 {
		n = n[:i]
	}
	r, size := utf8.DecodeRuneInString(n)
	if size < len(n) && unicode.IsUpper(r) && !unicode.IsUpper([]rune(n[size:])[0]) {
		n = string(unicode.ToLower(r)) + n[size:]
	}
	return n
}

func upperFirst(s string) string {
	r, size := utf8.DecodeRuneInString(s)
	if size == 0 {
		return s
	}
	return string(unicode.ToUpper(r)) + s[size:]
}

// Limits on a name a classification gives: beyond them it is a sentence.
const (
	maxNameRunes = 80
	maxNameWords = 8
)

// smallWords are words that are no name by themselves.
var smallWords = map[string]bool{"the": true, "a": true, "an": true, "of": true, "and": true, "or": true, "to": true,
	"in": true, "on": true, "for": true, "with": true, "by": true, "at": true, "from": true, "is": true, "are": true,
	"this": true, "that": true, "it": true, "new": true, "ai": true}

// SensibleName reports whether s can be the name of a product or a
// developer: at most 80 characters and 8 words, a letter, a word that is
// not a small one, no line break and no sentence.
func SensibleName(s string) bool {
	s = strings.TrimSpace(s)
	if s == "" || utf8.RuneCountInString(s) > maxNameRunes || strings.ContainsAny(s, "\n\r\t") ||
		strings.Contains(s, ". ") {
		return false
	}
	words := strings.Fields(s)
	if len(words) > maxNameWords {
		return false
	}
	for _, w := range words {
		w = strings.ToLower(strings.Trim(w, ".,;:!?\"'()"))
		if w != "" && !smallWords[w] && strings.IndexFunc(w, unicode.IsLetter) >= 0 {
			return true
		}
	}
	return false
}

// companySuffix is a trailing company suffix, as technology_name_key drops
// it (migration 007).
var companySuffix = regexp.MustCompile(`(?i)((\s|,)+(ltd|limited|plc|inc|llc|gmbh|corp|corporation|company|group|holdings)\.?)+\s*$`)

func withoutSuffix(s string) string { return companySuffix.ReplaceAllString(strings.TrimSpace(s), "") }

// nameKey is a name's normal form, as technology_name_key computes it in
// Postgres: lower case, no company suffix, letters and digits only.
func nameKey(s string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(withoutSuffix(s)) {
		if (r >= 'a' && r <= 'z') || (r >= '0' && r <= '9') || (r >= 0xc0 && r != 0x2122 && r <= 0xffff) {
			b.WriteRune(r)
		}
	}
	return b.String()
}

// slug is an id made of a name as the gazetteers make theirs
// (pipeline/rules): ASCII letters and digits in lower case, hyphens
// between.
func slug(s string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(s) {
		switch {
		case (r >= 'a' && r <= 'z') || (r >= '0' && r <= '9'):
			b.WriteRune(r)
		case b.Len() > 0 && !strings.HasSuffix(b.String(), "-"):
			b.WriteByte('-')
		}
	}
	return strings.TrimSuffix(b.String(), "-")
}

// codeNames holds the reference codes' names the store last saved.
type codeNames struct {
	mu    sync.RWMutex
	names map[[2]string]string
}

func (n *codeNames) set(codes [][3]string) {
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.names == nil {
		n.names = map[[2]string]string{}
	}
	for _, c := range codes {
		n.names[[2]string{c[0], c[1]}] = c[2]
	}
}

func (n *codeNames) get(dim, code string) string {
	n.mu.RLock()
	defer n.mu.RUnlock()
	return n.names[[2]string{dim, code}]
}
