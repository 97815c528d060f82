// Package names finds the technology a document announces and who
// developed it: names with the evidence they rest on, read from the words
// around them by the readable cues of rules/names/cues.yaml and from the
// gazetteers.
package names

import (
	"cmp"
	"math/bits"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/horizon-scan/horizon/pipeline/message"
)

// Known is a product, developer or other organisation a gazetteer knows.
type Known struct {
	Name string
	// Kind is "product", "vendor", KindOrganisation, KindAuthority or
	// KindUniversity.
	Kind string
	// Vendor is a product's developer.
	Vendor string
}

// KindOrganisation is an organisation a gazetteer knows that is not known
// to make anything (an NHS trust): its name is read whole, and only the
// words around it say whether it developed the technology.
const KindOrganisation = "organisation"

// KindAuthority is a regulator or a national health body (NHS England,
// UKHSA): its name is read whole, and it is a developer only where the
// words around it say it made the technology ("developed by NHS
// England"); announcing, rolling out or buying one, it is neither its
// developer nor, unlike a trust, taken for one when no other is named.
const KindAuthority = "authority"

// KindUniversity is a university or college (names/universities.txt): its
// name is read whole, and the words around it say whether it developed
// the technology. Unlike an NHS trust, it is not taken to be merely using
// what it is named with.
const KindUniversity = "university"

// Found is what a document names: at most one technology and its
// developers, best first. Evidence rule ids are "names.<pattern>".
type Found struct {
	Technology *message.Name
	Vendors    []message.Name
}

// Limits on a name: longer ones are sentences, not names.
const (
	maxNameRunes = 80
	maxNameWords = 8
	maxVendors   = 3
)

// Extractor finds names. It is safe for concurrent use.
type Extractor struct {
	cues *Cues
	// hyphen are the words split off after a hyphen: the hyphen pattern's
	// cues ("Brainomix-developed") and the located words ("Nashville-based").
	hyphen map[string]bool
	known  knownIndex
	// isTerm reports whether a phrase (lower case) is a term of the
	// vocabularies: a disease or a place, not a developer ("Parkinson's
	// disease", "London's hospitals").
	isTerm func(string) bool
	// places are the UK's places, lower case (names/uk_places.txt): a
	// place is a developer only when the words say it made something
	// ("researchers at Oxford"), not when it merely uses it ("a trust in
	// Kent is using").
	places map[string]bool
	// journals are the titles of journals (names/journals.txt), as
	// tokensKey gives them: where a technology is reported ("a study in
	// Nature Medicine", "a Lancet study"), never a product nor a
	// developer.
	journals map[string]bool
	// cueIndex holds each pattern's cues by their first word.
	cueIndex [len(patternIDs)]*cueIndex
	// firstCues are, for each word some cue starts with, the cues of each
	// pattern it may start (cueIndex's byFirst, else its lists); listCues
	// those of any other word.
	firstCues map[string]*wordCues
	listCues  wordCues
	// lex is what is known of each word (buildLexicon), looked up once a
	// token: its word lists, whether it is common, starts a cue or is a
	// first name (names/first_names.txt: a name of a few words that starts
	// with one and has no word of a company, an institution or a product
	// in it is a person, "Elon Musk", neither a product nor a developer),
	// and the cues it starts. multi are the entries of more than one word of each word
	// list, by the list's place in wordLists.
	lex   map[string]lexEntry
	multi [][][]string
}

// makerPatterns say who made a technology, not who uses it or where.
var makerPatterns = map[string]bool{"developed-by": true, "researchers-at": true, "researchers": true,
	"maker-of": true, "possessive": true, "says-its": true, "hyphen": true}

type knownName struct {
	toks []string
	Known
}

// knownIndex holds the gazetteers' names by their first token (lower
// case), and those of more tokens by their second too: thousands of names
// start with "University".
type knownIndex map[string]*knownGroup

type knownGroup struct {
	one  []knownName            // names of one token
	more map[string][]knownName // longer names by their second token, the longest first
}

func (ix knownIndex) add(k knownName) {
	g := ix[k.toks[0]]
	if g == nil {
		g = &knownGroup{}
		ix[k.toks[0]] = g
	}
	if len(k.toks) == 1 {
		g.one = append(g.one, k)
		return
	}
	if g.more == nil {
		g.more = map[string][]knownName{}
	}
	g.more[k.toks[1]] = append(g.more[k.toks[1]], k)
}

// sort puts the longest names first, so that "GI Genius" wins over "GI".
func (ix knownIndex) sort() {
	for _, g := range ix {
		for _, ks := range g.more {
			slices.SortStableFunc(ks, func(a, b knownName) int { return len(b.toks) - len(a.toks) })
		}
	}
}

// at returns the longest known name that toks start with.
func (ix knownIndex) at(toks []token) (*knownName, bool) {
	g := ix[toks[0].low]
	if g == nil {
		return nil, false
	}
	if len(toks) > 1 {
		ks := g.more[toks[1].low]
		for i := range ks {
			if len(ks[i].toks) <= len(toks) && tokensEqual(toks[2:len(ks[i].toks)], ks[i].toks[2:]) {
				return &ks[i], true
			}
		}
	}
	if len(g.one) > 0 {
		return &g.one[0], true
	}
	return nil, false
}

// exactly returns the known name that toks are, whole.
func (ix knownIndex) exactly(toks []token) (*knownName, bool) {
	g := ix[toks[0].low]
	switch {
	case g == nil:
		return nil, false
	case len(toks) == 1:
		if len(g.one) > 0 {
			return &g.one[0], true
		}
		return nil, false
	}
	ks := g.more[toks[1].low]
	for i := range ks {
		if len(ks[i].toks) == len(toks) && tokensEqual(toks[2:], ks[i].toks[2:]) {
			return &ks[i], true
		}
	}
	return nil, false
}

// New returns an extractor with the cues, the names the gazetteers know
// and the vocabularies' terms (isTerm may be nil).
func New(c *Cues, known []Known, isTerm func(string) bool) *Extractor {
	if isTerm == nil {
		isTerm = func(string) bool { return false }
	}
	x := &Extractor{cues: c, hyphen: map[string]bool{}, known: knownIndex{}, isTerm: isTerm}
	// The words a cue may start with, and the marks the patterns read
	// without a cue (a comma before a description, a hyphen before
	// "developed").
	starts := map[string]bool{",": true, "-": true}
	for p, cues := range c.Cues {
		if id, ok := patternOf(p); ok {
			x.cueIndex[id] = indexCues(cues)
		}
		for _, cue := range cues {
			list, isList := strings.CutPrefix(cue[0], "@")
			if !isList {
				starts[cue[0]] = true
				continue
			}
			for w := range c.Words[list] {
				starts[w] = true
			}
			for _, ws := range c.multi[list] {
				starts[ws[0]] = true
			}
		}
	}
	x.firstCues = map[string]*wordCues{}
	for p, ix := range x.cueIndex {
		if ix == nil {
			continue
		}
		x.listCues[p] = ix.lists
		for w := range ix.byFirst {
			if x.firstCues[w] == nil {
				x.firstCues[w] = &wordCues{}
			}
		}
	}
	for w, wc := range x.firstCues {
		for p, ix := range x.cueIndex {
			if ix == nil {
				continue
			}
			if cues, ok := ix.byFirst[w]; ok {
				wc[p] = cues
			} else {
				wc[p] = ix.lists
			}
		}
	}
	for _, cue := range c.Cues["hyphen"] {
		x.hyphen[strings.Join(cue, " ")] = true
	}
	// "Nashville-based": split like "Brainomix-developed", so that the
	// place ends at the hyphen and is no part of the name after it.
	for w := range c.Words["located"] {
		x.hyphen[w] = true
	}
	// "AI-biotech Terray": the firm pattern's word after a hyphen is split
	// off too, so that it is read as the cue it is.
	for _, cue := range c.Cues["firm"] {
		if len(cue) == 1 && !strings.Contains(cue[0], "-") {
			x.hyphen[cue[0]] = true
		}
	}
	for _, k := range known {
		var toks []string
		for _, t := range tokenize(k.Name, nil) {
			toks = append(toks, t.low)
		}
		if len(toks) == 0 {
			continue
		}
		x.known.add(knownName{toks, k})
		// A developer is also named without its company words: "Aidoc
		// Medical" is "Aidoc", unless that is an ordinary word.
		short := toks
		for len(short) > 1 && c.Words["company"][short[len(short)-1]] {
			short = short[:len(short)-1]
		}
		if k.Kind == "vendor" && len(short) < len(toks) && !(len(short) == 1 && c.Common[short[0]]) {
			x.known.add(knownName{short, k})
		}
	}
	x.known.sort()
	x.multi = make([][][]string, len(wordLists))
	for i, name := range wordLists {
		x.multi[i] = c.multi[name]
	}
	x.buildLexicon(starts)
	return x
}

// field is one field of a document, cut into tokens and name spans.
type field struct {
	name      string
	s         string
	toks      []token
	titleCase bool
	// allCaps: most of its words are in capitals ("THE WORLD’S FIRST …"),
	// so capitals say nothing of a name.
	allCaps bool
	spans   []span
	// subject is the subject the headline and a sentence of the text both
	// give a verb of announcing or of raising money (subjectTwice); empty
	// for none.
	subject span
	// startsAt and endsAt index spans by their first token and by the
	// token after their last (startingAt, endingAt): span number + 1, 0
	// for none.
	startsAt, endsAt []int32
}

// startingAt returns the span whose first token is i.
func (f *field) startingAt(i int) (int, bool) {
	if i < 0 || i >= len(f.startsAt) || f.startsAt[i] == 0 {
		return 0, false
	}
	return int(f.startsAt[i]) - 1, true
}

// endingAt returns the span that ends just before token i.
func (f *field) endingAt(i int) (int, bool) {
	if i < 0 || i >= len(f.endsAt) || f.endsAt[i] == 0 {
		return 0, false
	}
	return int(f.endsAt[i]) - 1, true
}

// span is a name: tokens [from, to).
type span struct{ from, to int }

// candidate gathers the evidence for one name, keyed by its normal form.
type candidate struct {
	key          string
	text         string
	textWeight   float64
	first        int // order of first sighting
	tech, vendor float64
	// deployer is the evidence that an NHS trust the gazetteer knows is
	// named as the one using the technology, not as its maker ("UCLH uses
	// machine learning"): it makes the trust a developer only when the
	// document names no other.
	deployer float64
	counted  map[string]bool // kind + pattern: each pattern counts once
	evidence []message.Evidence
}

// doc is the state of one extraction.
type doc struct {
	x      *Extractor
	fields []*field
	// written is how the text (not a headline in title case) writes each
	// word: it decides whether a capitalised word opening a sentence is a
	// name.
	written map[string]writing
	cands   map[string]*candidate
	order   int
}

// writing is how a document writes a word, as bits.
type writing uint8

const (
	// proper: capitalised inside a sentence.
	proper writing = 1 << iota
	// lowered: in lower case.
	lowered
	// capitalised: with a capital anywhere.
	capitalised
)

// Extract finds the technology and the developers a document names.
func (x *Extractor) Extract(title, text string) Found {
	d := &doc{x: x, cands: map[string]*candidate{}}
	for _, f := range []*field{{name: "title", s: title}, {name: "text", s: text}} {
		f.toks = tokenize(f.s, x.hyphen)
		x.lookUp(f.toks)
		f.titleCase = f.name == "title" && isTitleCase(f.toks, x.cues)
		f.allCaps = isAllCaps(f.toks)
		d.fields = append(d.fields, f)
	}
	// How the text writes a word is asked (nameLike) only of words written
	// with a capital where any word is: a headline in title case, the first
	// word of a sentence. Those are gathered first, and only their other
	// sightings noted.
	d.written = make(map[string]writing, 32)
	for _, f := range d.fields {
		for _, t := range f.toks {
			if t.word && t.capital && !t.shaped && (f.titleCase || f.allCaps || t.opens) {
				d.written[t.low] = 0
			}
		}
	}
	for _, f := range d.fields {
		if f.titleCase || f.allCaps {
			continue
		}
		for _, t := range f.toks {
			if !t.word {
				continue
			}
			w, asked := d.written[t.low]
			if !asked {
				continue
			}
			switch {
			case !t.capital && !t.shaped:
				w |= lowered
			case !t.opens:
				w |= proper | capitalised
			default:
				w |= capitalised
			}
			d.written[t.low] = w
		}
	}
	d.subjectTwice()
	for _, f := range d.fields {
		d.findSpans(f)
	}
	for _, f := range d.fields {
		d.read(f)
	}
	d.inTitle()
	d.namedAfterMaker()
	return d.choose()
}

// isTitleCase reports whether a headline capitalises its words ("Robot
// Plays Constant Companion to Elderly"): capitals then say nothing.
func isTitleCase(toks []token, c *Cues) bool {
	words, capitals := 0, 0
	for _, t := range toks {
		if !t.word || utf8.RuneCountInString(t.text) < 4 || t.is(listBreaks) {
			continue
		}
		words++
		if t.capital {
			capitals++
		}
	}
	return words >= 3 && capitals*10 >= words*7
}

// isAllCaps reports whether most words of four letters or more are written
// in capitals.
func isAllCaps(toks []token) bool {
	words, upper := 0, 0
	for _, t := range toks {
		if !t.word || len(t.text) < 4 {
			continue
		}
		words++
		if t.capital && allUpper(t.text) {
			upper++
		}
	}
	return words >= 3 && upper*2 > words
}

// pairOfTerms reports whether a word joins words that are never names with
// a slash ("AI/ML", "AI/ECG"): the kind of thing, not its name.
func (d *doc) pairOfTerms(t token) bool {
	if !strings.Contains(t.text, "/") {
		return false
	}
	term := false
	for _, part := range strings.Split(t.text, "/") {
		if utf8.RuneCountInString(part) < 2 || !allUpper(part) {
			return false // "A/S", a legal form; "and/or"
		}
		if e, ok := d.x.lex[strings.ToLower(part)]; ok && e.kind&listNotNames != 0 {
			term = true
		}
	}
	return term
}

// webAddress reports whether a word, in lower case, is a web address a
// company takes as its name ("care.ai"): a name even in lower case.
func (d *doc) webAddress(low string) bool {
	dot := strings.LastIndexByte(low, '.')
	return dot > 0 && d.x.cues.Words["domains"][low[dot:]]
}

// money reports whether token i is an amount after a currency sign
// ("$1.29B", "£3.5m"): no name, though it has digits and letters.
func (d *doc) money(f *field, i int) bool {
	t := f.toks[i]
	if t.text[0] < '0' || t.text[0] > '9' {
		return false
	}
	before := strings.TrimRight(f.s[:t.start], " ")
	return strings.HasSuffix(before, "$") || strings.HasSuffix(before, "£") || strings.HasSuffix(before, "€")
}

// nameLike reports whether token i of f can be part of a name.
func (d *doc) nameLike(f *field, i int) bool {
	t := f.toks[i]
	switch {
	case !t.word, t.is(listBreaks), d.pairOfTerms(t), ordinal(t.low):
		return false
	case d.money(f, i):
		return false // "$1.29B"
	case i >= f.subject.from && i < f.subject.to:
		return true
	case t.shaped && !(f.titleCase && hyphenCaps(t.text)):
		return true
	case !t.capital:
		return d.webAddress(t.low) // "care.ai", "lauretta.io"
	case f.titleCase || f.allCaps:
		// Every word is capitalised in such a headline (or written in
		// capitals): a name only if the text writes it as one.
		w := d.written[t.low]
		return w&proper != 0 || (w&capitalised != 0 && !t.is(kindCommon) && w&lowered == 0) ||
			// "IKS Health Debuts …": a short form in capitals (no word,
			// no term) is a name whatever the case of the rest, and a
			// company's suffix after it goes with it.
			(f.titleCase && d.acronymName(t)) || d.headlineSubject(f, i) || d.headlineObject(f, i) ||
			d.headlineLaunched(f, i) ||
			// "Massive Bio Has Been Awarded …" where the text opens a
			// sentence with "Massive Bio".
			(w&capitalised != 0 && w&lowered == 0 && d.beforeSuffix(f, i)) ||
			(t.is(listCompany) && i > 0 && d.acronymName(f.toks[i-1]))
	case t.opens:
		// Any word is capitalised here: a name only if the document writes
		// it as one elsewhere, or it is no common word, or a company's
		// suffix follows it ("Fabric Genomics & Rady Children's … say").
		w := d.written[t.low]
		return w&proper != 0 || (!t.is(kindCommon) && w&lowered == 0) || d.beforeSuffix(f, i) ||
			// "Children's Hospital of Philadelphia", "King's College".
			(i+2 < len(f.toks) && f.toks[i+1].low == "'s" && f.toks[i+2].capital && f.toks[i+2].is(listInstitution))
	}
	return true
}

// beforeSuffix reports whether the capitalised words after token i end,
// within two words, in a company's suffix: "John Snow Labs launched",
// "Fabric Genomics & Rady Children's … say", where the first word, a
// common word or a first name, opens the sentence.
func (d *doc) beforeSuffix(f *field, i int) bool {
	for j := i + 1; j < len(f.toks) && j <= i+2; j++ {
		t := f.toks[j]
		if !t.word || !t.capital {
			return false
		}
		if t.is(listCompany) {
			return true
		}
	}
	return false
}

// headlineSubject reports whether token i is in the words that open a
// headline in title case before a verb of announcing or of raising money
// ("Buoy Snags $6.7M …", "Acme Launches …"): its subject, a name, when
// none of its words is a common word, a term or a word that is never a
// name, and the text does not write it otherwise.
func (d *doc) headlineSubject(f *field, i int) bool {
	if f.name != "title" || i > 2 {
		return false
	}
	for e := 1; e <= 3 && e < len(f.toks); e++ {
		_, announce := d.cueAt(f, patAnnounces, e)
		_, funding := d.cueAt(f, patFunding, e)
		if announce || funding {
			if i >= e {
				return false
			}
			for k := 0; k < e; k++ {
				if !d.headlineNameWord(f.toks[k]) {
					return false
				}
			}
			return true
		}
	}
	return false
}

// subjectTwice finds a subject of common words that the headline and the
// text both give a verb of announcing or of raising money: "Health
// Universe Raises $6M …" over "Health Universe raised $6M in seed
// funding …". The text writes every word with a capital though it opens a
// sentence with them, so together they are a name where neither word
// alone would be one. Two words at least: one ("Researchers develop …")
// says nothing.
func (d *doc) subjectTwice() {
	title, text := d.fields[0], d.fields[1]
	e, ok := d.subjectEnd(title, 0)
	if !ok || e < 2 {
		return
	}
	for i := range text.toks {
		if !text.toks[i].opens || i+e > len(text.toks) {
			continue
		}
		same := true
		for k := 0; k < e && same; k++ {
			a, b := title.toks[k], text.toks[i+k]
			same = a.text == b.text && b.word && b.capital && !b.is(listNotNames|listBreaks) && !personTitles[b.low]
		}
		if e2, ok := d.subjectEnd(text, i); same && ok && e2 == e {
			title.subject, text.subject = span{0, e}, span{i, i + e}
			return
		}
	}
}

// subjectEnd reports where a verb of announcing or of raising money
// follows one to three words from token i, and so where their subject
// ends.
func (d *doc) subjectEnd(f *field, i int) (int, bool) {
	for e := 1; e <= 3 && i+e < len(f.toks); e++ {
		if !f.toks[i+e-1].word {
			return 0, false
		}
		_, announce := d.cueAt(f, patAnnounces, i+e)
		_, funding := d.cueAt(f, patFunding, i+e)
		if announce || funding {
			return e, true
		}
	}
	return 0, false
}

// headlineObject reports whether token i is in the words a headline in
// title case says were launched, between the verb and an appositive that
// says what they are ("Acme Launches Zorby Care Hub, a Generative AI
// Companion", "AWS Launches Amazon Connect Health — A … Platform"): a name
// when its first word is no common word, term or word never a name, or
// starts a name the gazetteers know; the words after it only need their
// capitals.
func (d *doc) headlineObject(f *field, i int) bool {
	if f.name != "title" {
		return false
	}
	from := i
	for from > 0 && i-from < 3 && f.toks[from-1].word && f.toks[from-1].capital &&
		!f.toks[from-1].is(listBreaks) {
		from--
	}
	if from == 0 {
		return false
	}
	if end, ok := d.cueAt(f, patAnnounces, from-1); !ok || end != from {
		return false
	}
	to := i + 1
	for to < len(f.toks) && to-from < 3 && f.toks[to].word {
		to++
	}
	if to+1 >= len(f.toks) || !appositiveMark(f.toks[to].text) || (f.toks[to+1].low != "a" && f.toks[to+1].low != "an") {
		return false
	}
	if _, known := d.x.known.at(f.toks[from:to]); !known && !d.headlineNameWord(f.toks[from]) {
		return false
	}
	for k := from + 1; k < to; k++ {
		if t := f.toks[k]; !t.capital || t.is(listNotNames|listBreaks) {
			return false
		}
	}
	return true
}

// headlineLaunched reports whether token i is in the words a headline in
// title case says were launched or made available, when they hold a
// coined word or a version ("Announces Availability of Healthcare ChatBot
// 2.0"): the coined word makes the words before it part of one name.
func (d *doc) headlineLaunched(f *field, i int) bool {
	if f.name != "title" || !f.titleCase {
		return false
	}
	for from := i; from >= 1 && i-from < 4; from-- {
		if !d.launchCueEndsAt(f, from) {
			if t := f.toks[from-1]; !t.word || !t.capital || t.is(listBreaks) {
				return false
			}
			continue
		}
		if f.toks[from].is(listNotNames) {
			return false
		}
		coined := false
		for k := from; k < len(f.toks) && k-from < 5; k++ {
			t := f.toks[k]
			if versionNumber(t.text) || coinedWord(t) && !t.is(listNotNames) && !d.x.isTerm(t.low) {
				coined = true
			}
			if k >= i && coined {
				return true
			}
			if !(t.word && t.capital && !t.is(listBreaks)) && !versionNumber(t.text) {
				return false
			}
		}
		return false
	}
	return false
}

// launchCueEndsAt reports whether a cue of launching ends just before
// token i.
func (d *doc) launchCueEndsAt(f *field, i int) bool {
	for q := i - 1; q >= 0 && i-q <= 4; q-- {
		if end, ok := d.cueAt(f, patLaunches, q); ok && end == i {
			return true
		}
	}
	return false
}

// appositiveMark reports whether a mark can open what a headline says a
// name is: a comma or a dash.
func appositiveMark(s string) bool { return s == "," || s == "—" || s == "–" }

// headlineNameWord reports whether a word of a headline in title case may
// be part of a name where a cue says one stands: capitalised, not a common
// word, a term or a word never a name, and not written in lower case in
// the text.
func (d *doc) headlineNameWord(t token) bool {
	return t.word && t.capital && !t.is(kindCommon|listNotNames|listBreaks) && !d.x.isTerm(t.low) &&
		d.written[t.low]&lowered == 0
}

// acronymName reports whether a word in capitals may be a name: a short
// form of two to five letters (a longer word in capitals is a brand
// written loud, read as any other word), not an English word ("CARE"),
// not a term of the vocabularies ("COPD") nor a word that is never a
// name ("FDA").
func (d *doc) acronymName(t token) bool {
	n := utf8.RuneCountInString(t.text)
	return t.word && n >= 2 && n <= 5 && allUpper(t.text) && !strings.Contains(t.text, "-") &&
		!t.is(kindCommon|listNotNames|listBreaks) && !d.x.isTerm(t.low)
}

// personTitles come before the name of a person, not of a developer.
var personTitles = map[string]bool{"dr": true, "dr.": true, "prof": true, "professor": true, "mr": true, "mrs": true,
	"ms": true, "mx": true, "sir": true, "dame": true}

// roles are the titles of officers between an organisation's name and a
// person's ("Lungscan CEO Jane Smith"): a name ends before one.
var roles = map[string]bool{"ceo": true, "cto": true, "cmo": true, "coo": true, "cfo": true, "cso": true,
	"chief": true, "president": true, "founder": true, "co-founder": true, "cofounder": true, "chairman": true,
	"chairwoman": true, "chair": true}

// findSpans finds the names of a field: runs of name-like words, joined by
// connectors ("University of Geneva"), not starting with a word that is
// never a name, not ending with one ("Google AI" is "Google").
func (d *doc) findSpans(f *field) {
	f.startsAt, f.endsAt = make([]int32, len(f.toks)+1), make([]int32, len(f.toks)+1)
	n := len(f.toks)
	known := d.knownAt(f)
	for i := 0; i < n; {
		j := i + 1
		if k, ok := known[i]; ok {
			j = i + len(k.toks)
			// A developer's name goes on in its own company suffix, whole
			// or cut short ("Imagen Tech" for the registry's Imagen
			// Technologies), though it is matched without it; not in
			// another ("Digital Therapeutics" is not Digital Diagnostics)
			// nor in a legal form ("Wysa Ltd" stays Wysa). A name of one
			// word goes on in any ("Nuance Communications").
			if k.Kind == "vendor" && j < n && f.toks[j].capital && f.toks[j].is(listCompany) &&
				!f.toks[j].is(listLegalForms) && (ownSuffix(k.Name, f.toks[j].low) || !strings.Contains(k.Name, " ")) {
				j++
			}
			// "Google Cloud", "Nuance Precision Imaging Network": a
			// developer of one word goes on in the name of its business or
			// its product, as far as that name goes.
			unit := k.Kind == "vendor" && !strings.Contains(k.Name, " ") && d.unitWord(f, j)
			// A known product's name goes on in a capitalised product
			// word: "Dragon Ambient eXperience Copilot" is a product of
			// its own.
			if k.Kind == "product" && j < n && f.toks[j].capital && f.toks[j].is(listProduct) {
				j++
			}
			// A developer's name starts the name of what a headline says
			// it launched ("AWS Launches Amazon Connect Health — A …").
			if k.Kind == "vendor" && j < n && d.headlineObject(f, j) {
				for j < n && d.headlineObject(f, j) {
					j++
				}
				d.addSpan(f, span{i, j})
				i = j
				continue
			}
			// An organisation's name goes on in a longer name that starts
			// with it ("National University Cancer Institute", "University
			// of Utah Health"), and a developer's in its unit's (above); a
			// product's or another vendor's is read as known.
			if !unit && ((k.Kind != KindOrganisation && k.Kind != KindUniversity) || j >= n || !d.nameLike(f, j)) {
				d.addSpan(f, span{i, j})
				i = j
				continue
			}
		} else if !d.nameLike(f, i) || personTitles[f.toks[i].low] || roles[f.toks[i].low] {
			i++
			continue
		}
		for j < n {
			// "US Food and Drug Administration": a regulator or a national
			// body the gazetteers know starts a span of its own (an
			// institution's name may go on: "University College London
			// Moorfields Ophthalmic Reading Centre").
			if k, ok := known[j]; ok && k.Kind == KindAuthority {
				break
			}
			if roles[f.toks[j].low] && !f.titleCase {
				break
			}
			if d.nameLike(f, j) {
				j++
				continue
			}
			if c := &f.toks[j]; c.is(listConnectors) && j+1 < n && d.nameLike(f, j+1) &&
				(!c.is(listInstitutionConnectors) || d.hasInstitution(f, span{i, j})) &&
				!d.twoOrganisations(f, span{i, j}, j+1) {
				j += 2
				continue
			}
			// "Institute for Advanced Science and Technology",
			// "Computer Science and Artificial Intelligence Laboratory".
			if e, ok := d.institutionAnd(f, span{i, j}); ok {
				j = e
				continue
			}
			// "University of the West of Scotland".
			if f.toks[j].is(listInstitutionConnectors) && j+2 < n && f.toks[j+1].low == "the" &&
				d.nameLike(f, j+2) && d.hasInstitution(f, span{i, j}) {
				j += 3
				continue
			}
			// "Rady Children's Institute", "King's College London".
			if f.toks[j].low == "'s" && j+1 < n && d.nameLike(f, j+1) {
				if _, ok := d.inList(f, listInstitution, j+1); ok {
					j += 2
					continue
				}
			}
			break
		}
		// "AI Platform 2.0", "ChatBot v3": a version goes with the name.
		if j < n && versionNumber(f.toks[j].text) {
			j++
		}
		end := j
		// "the Apple Health Study", "the REACT Trial": the name of a study
		// is neither a product nor an organisation.
		if end-i > 1 && !f.titleCase && (f.toks[end-1].text == "Study" || f.toks[end-1].text == "Trial") {
			i = j
			continue
		}
		for end > i && (f.toks[end-1].is(listNotNames) || describingWord(f.toks[end-1])) {
			// "Institute of Cancer Research": what an institution studies
			// ends its name.
			if f.toks[end-1].low == "research" && end-i > 2 && d.hasInstitution(f, span{i, end - 1}) {
				break
			}
			// "Greater Manchester Imaging Network" is one; a neural
			// network is none.
			if f.toks[end-1].low == "network" && end-i > 2 && f.toks[end-2].low != "neural" {
				break
			}
			end--
		}
		// "FDA-cleared Lunit INSIGHT": a describing word says what the
		// name is and is no part of it.
		for i < end && describingWord(f.toks[i]) {
			i++
		}
		// "Startup Abridge", "Medtech Kardia Labs": the word of the firm
		// pattern says what the name is and is no part of it.
		if e, ok := d.cueAt(f, patFirm, i); ok && e < end && !f.toks[i].shaped {
			i = e
		}
		i = coinedAfterDescription(f, span{i, end})
		if end > i {
			d.addSpan(f, span{i, end})
		}
		i = j
	}
}

// coinedAfterDescription gives where a name starts when capitalised words
// describe it first: "AI Imaging Analytics Device HealthMammo" names
// HealthMammo, a made-up word (not in capitals) after a product word. A
// made-up word after no product word stays part of the name ("Exo AI
// Platform 2.0" has none).
func coinedAfterDescription(f *field, sp span) int {
	for p := sp.to - 2; p > sp.from; p-- {
		if next := f.toks[p+1]; f.toks[p].is(listProduct) && coinedWord(next) && !allUpper(next.text) {
			return p + 1
		}
	}
	return sp.from
}

// unitWord reports whether token i, after a developer's name of one word,
// names one of its businesses or products: a word with a capital that the
// text writes so inside a sentence, and no word never a name, person's
// title, first name, short form in capitals or common word in lower case
// ("Google Cloud", not "Google CEO", "Google Chief" or "Google Tuesday").
func (d *doc) unitWord(f *field, i int) bool {
	if i >= len(f.toks) {
		return false
	}
	t := f.toks[i]
	return t.word && t.capital && !t.opens && !allUpper(t.text) && !personTitles[t.low] &&
		!t.is(listNotNames|listBreaks|listConnectors|kindFirstName|listInstitution|listCompany|listLegalForms) &&
		d.written[t.low]&lowered == 0 && d.nameLike(f, i)
}

// accordingTo reports whether the name is a source the text cites
// ("According to Forbes, the National Cancer Institute …"), which the
// comma after it does not describe.
func accordingTo(f *field, sp span) bool {
	return sp.from >= 2 && f.toks[sp.from-2].low == "according" && f.toks[sp.from-1].low == "to"
}

// ordinal reports whether w is a number in order: "1st", "22nd", "3rd",
// "4th".
func ordinal(w string) bool {
	i := 0
	for i < len(w) && w[i] >= '0' && w[i] <= '9' {
		i++
	}
	if i == 0 {
		return false
	}
	switch w[i:] {
	case "st", "nd", "rd", "th":
		return true
	}
	return false
}

// shortFormCut returns the name without the short form in brackets
// that ends it: "Eko Low Ejection Fraction Tool (ELEFT)" is written
// "Eko Low Ejection Fraction Tool".
func shortFormCut(f *field, sp span) span {
	if n := sp.to - sp.from; n >= 5 && f.toks[sp.to-1].text == ")" && f.toks[sp.to-3].text == "(" {
		return span{sp.from, sp.to - 3}
	}
	return sp
}

// versionNumber reports whether w is a version: digits with dots
// ("2.0", "3.1.4"), or digits after a "v" ("v2", "V3.1"). A year or a
// count ("2024", "5") is none.
func versionNumber(w string) bool {
	digits, dots := 0, 0
	if len(w) > 1 && (w[0] == 'v' || w[0] == 'V') {
		w, dots = w[1:], 1
	}
	for i := 0; i < len(w); i++ {
		switch c := w[i]; {
		case c >= '0' && c <= '9':
			digits++
		case c == '.' && i > 0 && i < len(w)-1 && w[i-1] != '.':
			dots++
		default:
			return false
		}
	}
	return digits > 0 && dots > 0
}

// institutionAnd reports whether "and" after a name goes on with the
// same institution's name, and where that ends: after an institution's
// word and its "of" or "for" ("Department of Health and Social Care",
// "Beckman Institute for Advanced Science and Technology"), or before an
// institution's word after words of common English ("Computer Science
// and Artificial Intelligence Laboratory"). Not where either side is a
// place, a name the gazetteers know or a made name, nor between two
// institutions: "University of Oxford and Google", "Stanford University
// and Acme" are two.
func (d *doc) institutionAnd(f *field, before span) (int, bool) {
	j, n := before.to, len(f.toks)
	if j+1 >= n || f.toks[j].low != "and" || !d.nameLike(f, j+1) {
		return 0, false
	}
	e := j + 1
	for e < n && e < j+5 && d.nameLike(f, e) {
		e++
	}
	after := span{j + 1, e}
	proper := func(sp span) bool {
		for k := sp.from; k < sp.to; k++ {
			t := f.toks[k]
			if t.shaped || d.x.places[t.low] || t.is(listCompany|kindFirstName) || d.x.isTerm(t.low) && !t.is(kindCommon) {
				return true
			}
		}
		return d.knownOf(f, sp) != nil
	}
	if proper(after) || d.knownOf(f, span{j + 1, j + 2}) != nil {
		return 0, false
	}
	instAfter := d.hasInstitution(f, after)
	// The words after the last "of" or "for" of an institution's name.
	c := -1
	for k := before.from; k < before.to; k++ {
		if f.toks[k].is(listInstitutionConnectors) && d.hasInstitution(f, span{before.from, k}) {
			c = k
		}
	}
	if c >= 0 && c+1 < before.to {
		if instAfter || proper(span{c + 1, before.to}) {
			return 0, false
		}
		return e, true
	}
	if !instAfter || d.hasInstitution(f, before) {
		return 0, false
	}
	for k := before.from; k < before.to; k++ {
		if t := f.toks[k]; !t.word || !t.is(kindCommon) {
			return 0, false
		}
	}
	return e, true
}

// twoOrganisations reports whether "&" between a company's name and the
// name that follows it lists two developers rather than joining one name:
// "Fabric Genomics & Rady Children's Institute" are two, for the first
// ends in a company suffix and the second has an organisation's word;
// "Johnson & Johnson" and "Guy's & St Thomas'" are one, and so is "Oregon
// Health & Science University", whose second part opens with a common
// word and names nothing alone.
func (d *doc) twoOrganisations(f *field, before span, next int) bool {
	if f.toks[before.to].low != "&" || before.to-before.from < 2 || f.toks[next].is(kindCommon) {
		return false
	}
	if _, ok := d.inList(f, listCompany, before.to-1); !ok {
		return false
	}
	for j := next; j < len(f.toks) && j < next+6; j++ {
		if _, ok := d.inList(f, listCompany, j); ok {
			return true
		}
		if _, ok := d.inList(f, listInstitution, j); ok {
			return true
		}
		if !d.nameLike(f, j) && f.toks[j].low != "'s" && !f.toks[j].is(listConnectors) {
			return false
		}
	}
	return false
}

func (d *doc) addSpan(f *field, sp span) {
	if !d.sane(f, sp) {
		return
	}
	f.startsAt[sp.from] = int32(len(f.spans) + 1)
	f.endsAt[sp.to] = int32(len(f.spans) + 1)
	f.spans = append(f.spans, sp)
}

// sane rejects what cannot be a name: too long, too many words, or only
// small and common words.
func (d *doc) sane(f *field, sp span) bool {
	text := f.s[f.toks[sp.from].start:f.toks[sp.to-1].end]
	if utf8.RuneCountInString(text) > maxNameRunes || sp.to-sp.from > maxNameWords {
		return false
	}
	// "an NHS Trust", "the Foundation": words for an institution with no
	// name among them name none.
	generic := true
	for _, t := range f.toks[sp.from:sp.to] {
		if t.word && !t.is(listInstitution|listCompany|listConnectors) && t.low != "nhs" {
			generic = false
			break
		}
	}
	if generic {
		return false
	}
	for _, t := range f.toks[sp.from:sp.to] {
		if t.word && utf8.RuneCountInString(t.text) >= 2 && !t.is(listBreaks|listNotNames|listConnectors) &&
			(t.shaped || !t.is(kindCommon) || len(f.toks[sp.from:sp.to]) > 1 || d.capitalisedWord(f, sp)) {
			return strings.IndexFunc(text, unicode.IsLetter) >= 0
		}
	}
	return false
}

// knownAt finds the gazetteers' names in a field, by first token: a name
// must start with a capital or a made word ("Epic", not "an epic fail").
func (d *doc) knownAt(f *field) map[int]knownName {
	out := map[int]knownName{}
	for i := 0; i < len(f.toks); i++ {
		t := f.toks[i]
		if !t.word || !(t.capital || t.shaped) {
			continue
		}
		if k, ok := d.x.known.at(f.toks[i:]); ok {
			out[i] = *k
			i += len(k.toks) - 1
		}
	}
	return out
}

func tokensEqual(toks []token, want []string) bool {
	for k, w := range want {
		if toks[k].low != w {
			return false
		}
	}
	return true
}

// text returns a span's text.
func (f *field) text(sp span) string { return f.s[f.toks[sp.from].start:f.toks[sp.to-1].end] }

// key is a name's normal form: lower case, company suffixes dropped
// ("Massive Bio Inc" and "Massive Bio" are one name).
func (d *doc) key(f *field, sp span) string {
	var words []string
	for _, t := range f.toks[sp.from:sp.to] {
		words = append(words, t.low)
	}
	for len(words) > 1 && d.x.cues.Words["company"][words[len(words)-1]] {
		words = words[:len(words)-1]
	}
	return strings.Join(words, " ")
}

// withAI returns a name with the "AI" after it when the text writes "AI"
// after every sighting of the name, as written ("Hippocratic AI, a startup …",
// "tech firm Red Star AI"): the word is then part of the company's name.
// A name the gazetteers know keeps its own form ("Google AI" is Google's),
// and "AI" before a product word describes the product.
func (d *doc) withAI(f *field, sp span) span {
	if sp.to >= len(f.toks) || f.toks[sp.to].text != "AI" || d.knownOf(f, sp) != nil ||
		sp.to+1 < len(f.toks) && d.productWord(f, sp.to+1) {
		return sp // "the EchoNet AI algorithm": "AI" says what the product is
	}
	want := f.toks[sp.from:sp.to]
	for _, g := range d.fields {
		for i := 0; i+len(want) <= len(g.toks); i++ {
			match := true
			for k, t := range want {
				if g.toks[i+k].text != t.text {
					match = false
					break
				}
			}
			if match && (i+len(want) >= len(g.toks) || g.toks[i+len(want)].text != "AI") {
				return sp
			}
		}
	}
	return span{from: sp.from, to: sp.to + 1}
}

// add records one sighting of a span as evidence that it is a technology
// ("tech") or a developer ("vendor").
func (d *doc) add(f *field, sp span, kind, pattern string, weight float64) {
	sp = d.withAI(f, sp)
	low := strings.ToLower(f.text(sp))
	if d.x.isTerm(low) && !d.capitalisedWord(f, sp) {
		return // a place, a nationality, a disease: no name of a product or a developer
	}
	if d.person(f, sp) {
		return // someone speaking or quoted, not what they made
	}
	if d.journal(f, sp) {
		return // where it was published
	}
	if d.locatedAfter(f, sp) {
		return // "Nashua, New Hampshire-based": where a company is
	}
	if kind == "vendor" && d.unitOfAnother(f, sp) {
		return // "the AI Laboratory (AIL) at MIT": MIT is the developer
	}
	if kind == "vendor" && sp.from > 0 && f.toks[sp.from-1].low == "'s" && d.isUnit(f, sp) {
		return // "the school's Department of Physics": a unit of the school
	}
	if kind == "vendor" && sp.to < len(f.toks) && studyWords[f.toks[sp.to].low] && d.trialName(f, sp) {
		return // "the LungIMPACT study is using …": a study, not who ran it
	}
	maker := kind == "vendor" && makerPatterns[pattern]
	if d.x.places[low] && !maker {
		return // a place that is not said to have made it
	}
	known := d.knownOf(f, sp)
	if known != nil && known.Kind == KindAuthority && !maker {
		return // a regulator or a national body announcing or buying it
	}
	deployer := known != nil && known.Kind == KindOrganisation && !maker
	if deployer && kind == "tech" {
		return
	}
	key := d.key(f, sp)
	c, ok := d.cands[key]
	if !ok {
		d.order++
		c = &candidate{key: key, first: d.order, counted: map[string]bool{}}
		d.cands[key] = c
	}
	text := f.text(shortFormCut(f, sp))
	if weight > c.textWeight || (weight == c.textWeight && len(text) > len(c.text)) {
		c.text, c.textWeight = text, weight
	}
	if c.counted[kind+pattern] {
		return
	}
	c.counted[kind+pattern] = true
	switch {
	case kind == "tech":
		c.tech += weight
	case deployer:
		c.deployer += weight
	default:
		c.vendor += weight
	}
	t := f.toks[sp.from]
	c.evidence = append(c.evidence, message.Evidence{RuleID: "names." + pattern, Field: f.name,
		Start: t.start, End: f.toks[sp.to-1].end, Snippet: text})
}

// cueAt reports whether a cue of the pattern starts at token i, and where
// it ends.
func (d *doc) cueAt(f *field, pattern pattern, i int) (int, bool) {
	if i >= len(f.toks) {
		return 0, false
	}
	ix := d.x.cueIndex[pattern]
	if ix == nil {
		return 0, false
	}
	cues := f.toks[i].cues
	if cues == nil {
		cues = &d.x.listCues
	}
	for _, c := range cues[pattern] {
		if end, ok := d.matchCue(f, ix.cues[c], i); ok {
			return end, true
		}
	}
	return 0, false
}

// wordCues are the cues of each pattern that may start at a word.
type wordCues [len(patternIDs)][]int

// cueIndex finds a pattern's cues by the token they start with: those
// starting with that word and those starting with a word list, in the
// file's order.
type cueIndex struct {
	cues    [][]cueWord // the pattern's cues
	byFirst map[string][]int
	lists   []int
}

func indexCues(cues [][]string) *cueIndex {
	ix := &cueIndex{cues: make([][]cueWord, len(cues)), byFirst: map[string][]int{}}
	for i, cue := range cues {
		for k, w := range cue {
			afterAux := k > 0 && auxiliaries[cue[k-1]]
			if list, ok := strings.CutPrefix(w, "@"); ok {
				ix.cues[i] = append(ix.cues[i], cueWord{list: listKind(list), afterAux: afterAux})
			} else {
				ix.cues[i] = append(ix.cues[i], cueWord{word: w, afterAux: afterAux})
			}
		}
	}
	for i, cue := range cues {
		if len(cue) > 0 && strings.HasPrefix(cue[0], "@") {
			ix.lists = append(ix.lists, i)
		}
	}
	for i, cue := range cues {
		if len(cue) == 0 || strings.HasPrefix(cue[0], "@") {
			continue
		}
		if _, ok := ix.byFirst[cue[0]]; !ok {
			ix.byFirst[cue[0]] = slices.Clone(ix.lists)
		}
		ix.byFirst[cue[0]] = append(ix.byFirst[cue[0]], i)
	}
	for w := range ix.byFirst {
		slices.Sort(ix.byFirst[w])
	}
	return ix
}

func (d *doc) matchCue(f *field, cue []cueWord, i int) (int, bool) {
	for _, c := range cue {
		// "has recently filed", "is now testing": an adverb after an
		// auxiliary is no part of the cue.
		if c.afterAux && i+1 < len(f.toks) && f.toks[i].low != c.word && cueAdverbs[f.toks[i].low] {
			i++
		}
		if i >= len(f.toks) {
			return 0, false
		}
		if c.list != 0 {
			end, ok := d.inList(f, c.list, i)
			if !ok {
				return 0, false
			}
			i = end
			continue
		}
		if f.toks[i].low != c.word {
			return 0, false
		}
		i++
	}
	return i, true
}

// auxiliaries and cueAdverbs: "has recently launched" is "has launched".
var (
	auxiliaries = map[string]bool{"has": true, "have": true, "had": true, "is": true, "are": true, "was": true,
		"were": true}
	cueAdverbs = map[string]bool{"recently": true, "also": true, "now": true, "just": true, "already": true,
		"officially": true, "successfully": true, "formally": true, "finally": true, "quietly": true, "since": true}
)

// cueWord is a word of a cue, or a word list ("@company").
type cueWord struct {
	word string
	list wordKind
	// afterAux: the word before is an auxiliary ("has" in "has filed"),
	// after which an adverb may come.
	afterAux bool
}

// inList reports whether a word of a word list (of one or more words)
// starts at token i, and where it ends.
func (d *doc) inList(f *field, list wordKind, i int) (int, bool) {
	for _, ws := range d.x.multi[bits.TrailingZeros32(uint32(list))] {
		if i+len(ws) <= len(f.toks) && tokensEqual(f.toks[i:i+len(ws)], ws) {
			return i + len(ws), true
		}
	}
	if f.toks[i].word && f.toks[i].is(list) {
		return i + 1, true
	}
	return 0, false
}

// spanAfter returns the name starting at token i, after at most two
// fillers ("its new") when fillers is set.
func (d *doc) spanAfter(f *field, i int, fillers bool) (span, bool) {
	for k := 0; k <= 2 && i < len(f.toks); k++ {
		if s, ok := f.startingAt(i); ok {
			sp := f.spans[s]
			// "an AI tool from Cambridge-based Lungscan": where the name
			// is based comes before it.
			if fillers && sp.to+1 < len(f.toks) && f.toks[sp.to].text == "-" && f.toks[sp.to+1].low == "based" {
				i = sp.to + 2
				continue
			}
			return sp, true
		}
		if !fillers || !f.toks[i].is(listFillers) {
			break
		}
		i++
	}
	return span{}, false
}

// spanBefore returns the name ending just before token i, or before
// words that are no part of a name ("Google AI has launched").
func (d *doc) spanBefore(f *field, i int) (span, bool) {
	// "Brainomix Ltd (“Brainomix”), a leader in": the name before its
	// bracketed short form and the comma.
	if i > 0 && f.toks[i-1].text == "," {
		i--
	}
	// "Artisight, Inc., a smart hospital platform": the name before its
	// legal form.
	for k := max(i-5, 0); k < i-1; k++ {
		if s, ok := f.endingAt(k); ok {
			if end, ok := d.legalFormAfter(f, f.spans[s]); ok && end == i {
				return f.spans[s], true
			}
		}
	}
	// "Prenosis Inc.'s Sepsis ImmunoScore": a known name before its legal
	// form, which is no part of it.
	if i > 1 && f.toks[i-1].word && f.toks[i-1].is(listLegalForms) {
		if s, ok := f.endingAt(i - 1); ok {
			return f.spans[s], true
		}
	}
	if i > 0 && f.toks[i-1].text == ")" {
		j := i - 1
		for j > 0 && f.toks[j].text != "(" && i-j < 8 {
			j--
		}
		if f.toks[j].text == "(" {
			i = j
		}
	}
	for i > 0 && f.toks[i-1].word && f.toks[i-1].is(listNotNames) {
		if _, ok := f.endingAt(i); ok {
			break
		}
		i--
	}
	s, ok := f.endingAt(i)
	if !ok {
		return span{}, false
	}
	return f.spans[s], true
}

// listBefore returns the names listed before token i: "Deep Bio and
// Tribun Health announce".
func (d *doc) listBefore(f *field, i int) []span {
	sp, ok := d.spanBefore(f, i)
	if !ok {
		return nil
	}
	out := []span{sp}
	for len(out) < maxVendors && sp.from >= 2 {
		j := sp.from - 1
		if t := f.toks[j].low; t != "and" && t != "," && t != "&" {
			break
		}
		prev, ok := d.spanBefore(f, j)
		if !ok {
			break
		}
		out = append(out, prev)
		sp = prev
	}
	return out
}

// listAfter returns the names listed from token i: "Epic and Microsoft",
// "Tempus, Geisinger and Mayo Clinic", "Fabric Genomics & Rady Children's".
// A name that is part of another ("the Smidt Heart Institute at
// Cedars-Sinai") gives way to the whole: the developer named is the one it
// is part of.
func (d *doc) listAfter(f *field, i int) []span {
	sp, ok := d.spanAfter(f, i, true)
	if !ok {
		return nil
	}
	out := []span{sp}
	for len(out) < maxVendors {
		j := sp.to
		// "the German Cancer Research Center (DKFZ) and …": a short form
		// in brackets after a name belongs to it.
		j = d.pastShortForm(f, j)
		// "the Computer Science and Artificial Intelligence Laboratory
		// (CSAIL) at MIT": the developer is the institution a unit is of.
		if j < len(f.toks) && (f.toks[j].low == "at" || f.toks[j].low == "of") && d.isUnit(f, sp) {
			if parent, ok := d.spanAfter(f, j+1, true); ok {
				out[len(out)-1], sp = parent, parent
				continue
			}
		}
		// "Click Therapeutics, a company that makes software, and Otsuka":
		// what a name is, said between commas, before the next name.
		if k, ok := d.appositiveEnd(f, j); ok {
			j = k
		}
		joined, and := j, false
		for j < len(f.toks) && (f.toks[j].low == "," || f.toks[j].low == "and" || f.toks[j].low == "&") {
			and = and || f.toks[j].low != ","
			j++
		}
		if j == joined {
			break
		}
		// "Canon Medical Systems and the University of California".
		if j < len(f.toks) && f.toks[j].low == "the" {
			j++
		}
		next, ok := d.spanAfter(f, j, false)
		if !ok {
			break
		}
		out = append(out, next)
		sp = next
		if and {
			break // "X, Y and Z": the list ends with the name after "and"
		}
	}
	return out
}

// appositiveEnd returns, for ", a company that makes …, and" at token i,
// the position of the comma before "and": an appositive of a name in a
// list, at most 15 tokens long and within the sentence.
func (d *doc) appositiveEnd(f *field, i int) (int, bool) {
	if i+1 >= len(f.toks) || f.toks[i].text != "," || (f.toks[i+1].low != "a" && f.toks[i+1].low != "an") {
		return 0, false
	}
	k, ok := clauseFind(f, i+2, 15, func(k int) bool { return f.toks[k].text == "," })
	if !ok || k+1 >= len(f.toks) || f.toks[k+1].low != "and" {
		return 0, false
	}
	return k, true
}

// unitOfAnother reports whether a name is of a unit (a department, a
// laboratory) followed by the institution it belongs to: "the Computer
// Science and Artificial Intelligence Laboratory (CSAIL) at MIT".
func (d *doc) unitOfAnother(f *field, sp span) bool {
	if !d.isUnit(f, sp) {
		return false
	}
	j := d.pastShortForm(f, sp.to)
	if j >= len(f.toks) || (f.toks[j].low != "at" && f.toks[j].low != "of") {
		return false
	}
	_, ok := d.spanAfter(f, j+1, true)
	return ok
}

// unitWords name parts of an organisation: a developer named "the X
// Department at Y" is Y.
var unitWords = map[string]bool{"department": true, "school": true, "institute": true, "centre": true,
	"center": true, "lab": true, "laboratory": true, "unit": true, "faculty": true, "division": true}

func (d *doc) isUnit(f *field, sp span) bool {
	for _, t := range f.toks[sp.from:sp.to] {
		if unitWords[t.low] {
			return true
		}
	}
	return false
}

// clauseFind looks up to within tokens after i, not past the end of the
// clause, for a token that ok accepts.
func clauseFind(f *field, i, within int, ok func(int) bool) (int, bool) {
	for j := i; j < len(f.toks) && j < i+within; j++ {
		if t := f.toks[j]; !t.word && strings.ContainsAny(t.text, ".;:!?") {
			return 0, false
		}
		if ok(j) {
			return j, true
		}
	}
	return 0, false
}

// read applies every pattern to a field.
func (d *doc) read(f *field) {
	wt := d.x.cues.Weights
	for _, sp := range f.spans {
		k := d.knownOf(f, sp)
		switch {
		case k == nil:
		case k.Kind == "product":
			d.add(f, sp, "tech", "known-product", wt["known-product"])
			if k.Vendor != "" {
				// The gazetteer's developer of the product: evidence that the
				// developer is named, not a name the text gives.
				d.addName(f, sp, k.Vendor, "vendor", "known-vendor", wt["known-vendor"])
			}
		case k.Kind == "vendor":
			d.add(f, sp, "vendor", "known-vendor", wt["known-vendor"])
		}
		orgShaped := d.orgShaped(f, sp) || d.hasInstitution(f, sp)
		productShaped := sp.to-sp.from >= 2 && f.toks[sp.to-1].is(listProduct) && !orgShaped
		if productShaped {
			d.add(f, sp, "tech", "product-shape", wt["product-shape"])
		}
		// "the ILR ECG Analyzer algorithm", "its Sybil model": a name before
		// a product word written in lower case is the product's.
		if next, ok := d.productAfter(f, sp); ok && !orgShaped && (k == nil || k.Kind == "product") &&
			(!f.toks[next].capital || f.titleCase && d.madeName(f, sp)) && !d.describing(f, sp) {
			d.add(f, sp, "tech", "name-then-product", wt["name-then-product"])
		}
		if orgShaped {
			d.add(f, sp, "vendor", "organisation-shape", wt["organisation-shape"])
		}
		if d.abbreviated(f, sp) {
			switch {
			case orgShaped:
				d.add(f, sp, "vendor", "acronym", wt["acronym"])
			case productShaped:
				d.add(f, sp, "tech", "acronym", wt["acronym"])
			}
		}
	}
	for i := range f.toks {
		d.readAt(f, i)
	}
}

// readAt applies the patterns whose cue starts at token i.
func (d *doc) readAt(f *field, i int) {
	if !f.toks[i].is(kindStart) {
		return // most words start no cue
	}
	wt := d.x.cues.Weights
	// The developer follows the cue.
	for _, p := range []pattern{patDevelopedBy, patResearchersAt, patFirm} {
		end, ok := d.cueAt(f, p, i)
		if !ok {
			continue
		}
		if p == patDevelopedBy {
			d.readMadeBy(f, i)
		}
		if _, found := d.spanAfter(f, end, true); !found && p == patDevelopedBy {
			// "created by physician-scientists in the Smidt Heart
			// Institute at Cedars-Sinai": the first name of the clause.
			if j, ok := clauseFind(f, end, 6, func(j int) bool { _, ok := f.startingAt(j); return ok }); ok {
				end = j
			}
		}
		list := d.listAfter(f, end)
		if p != patFirm && len(list) > 0 {
			// "developed by the Oxford spin-out Histonova": the name before
			// the firm word says where the firm is; the firm is named after.
			if firmEnd, ok := d.cueAt(f, patFirm, list[0].to); ok {
				if _, ok := d.spanAfter(f, firmEnd, true); ok {
					list = nil
				}
			}
		}
		// "Researchers at Stanford and UW Health will pilot tools created by
		// Microsoft and Epic": where the sentence names who made the tool,
		// the researchers' institutions try it.
		if p == patResearchersAt && len(list) > 0 {
			if _, ok := clauseFind(f, list[len(list)-1].to, 25, func(j int) bool {
				_, ok := d.cueAt(f, patDevelopedBy, j)
				return ok
			}); ok {
				list = nil
			}
		}
		for _, s := range list {
			if d.describedPerson(f, s) {
				continue
			}
			d.add(f, s, "vendor", p.String(), wt[p.String()])
		}
	}
	// The developers come before the cue ("Stanford and MIT researchers").
	// "the Apple Heart Study": a study named in capitals is its name, not
	// a study by the name before.
	if _, ok := d.cueAt(f, patResearchers, i); ok && !(f.toks[i].capital && !f.toks[i].opens && !f.titleCase) {
		for _, sp := range d.listBefore(f, i) {
			if d.trialName(f, sp) || d.leadOfTeam(f, sp, i) {
				continue
			}
			d.add(f, sp, "vendor", "researchers", wt["researchers"])
		}
	}
	if _, ok := d.cueAt(f, patAnnounces, i); ok {
		// "Acme to launch …" (a headline's future) names who launches;
		// "a contract by the NCI to develop …" names who pays, and "Prior
		// to launch" nobody: after "to", only a name that opens a headline.
		infinitive := i > 0 && f.toks[i-1].low == "to"
		for _, sp := range d.listBefore(f, i) {
			if infinitive && (f.name != "title" || sp.from > 0) {
				continue
			}
			// "Pathway Assistant launched as a care guide": a name that
			// ends in a word for a product is what was launched.
			if last := sp.to - 1; d.productWord(f, last) && !f.toks[last].is(listCompany|listOrganisation) {
				d.add(f, sp, "tech", "announces", wt["announces"])
				continue
			}
			d.add(f, sp, "vendor", "announces", wt["announces"])
		}
	}
	if end, ok := d.cueAt(f, patFunding, i); ok && d.moneyWithin(f, end, 4) {
		for _, sp := range d.listBefore(f, i) {
			d.add(f, sp, "vendor", "funding", wt["funding"])
		}
	}
	for _, p := range []pattern{patAwardedTo, patReleaseFrom, patBasedIn} {
		if end, ok := d.cueAt(f, p, i); ok {
			for _, sp := range d.listAfter(f, end) {
				d.add(f, sp, "vendor", p.String(), wt[p.String()])
			}
		}
	}
	if _, ok := d.cueAt(f, patAnnounceTogether, i); ok {
		if list := d.listBefore(f, i); len(list) >= 2 {
			for _, sp := range list {
				d.add(f, sp, "vendor", "announce-together", wt["announce-together"])
			}
		}
	}
	if end, ok := d.cueAt(f, patUses, i); ok {
		if sp, ok := d.spanBefore(f, i); ok && !d.productAppositive(f, sp) {
			if _, ok := clauseFind(f, end, 4, func(j int) bool { return d.aiWord(f, j) }); ok {
				d.add(f, sp, "vendor", "uses", wt["uses"])
			}
		}
	}
	for _, p := range []pattern{patMakerOf, patListed} {
		if end, ok := d.cueAt(f, p, i); ok {
			if sp, ok := d.spanBefore(f, i); ok {
				d.add(f, sp, "vendor", p.String(), wt[p.String()])
			}
			// "the developer of a Healthcare AI Hub", "the company behind
			// Mia": what it made follows.
			if p == patMakerOf {
				if sp, ok := d.spanAfter(f, end, true); ok && !d.orgShaped(f, sp) {
					d.add(f, sp, "tech", p.String(), wt[p.String()])
				}
			}
		}
	}
	if end, ok := d.cueAt(f, patReceives, i); ok {
		// "Medtronic recently received": an adverb may come between.
		before := i
		if i > 1 && f.toks[i-1].word && !f.toks[i-1].capital && strings.HasSuffix(f.toks[i-1].low, "ly") {
			before = i - 1
		}
		if sp, ok := d.spanBefore(f, before); ok {
			d.add(f, sp, "tech", "receives", wt["receives"])
			d.add(f, sp, "vendor", "receives", wt["receives"])
			// "Cerevia has received FDA clearance for NeuroScan": what
			// the clearance is for is the product, so who received it is
			// its developer.
			if j, ok := clauseFind(f, end, 6, func(j int) bool { _, ok := d.cueAt(f, patClearance, j); return ok }); ok {
				after, _ := d.cueAt(f, patClearance, j)
				if _, ok := d.spanAfter(f, after, true); ok && f.toks[j].low != "clears" && f.toks[j].low != "approves" {
					d.add(f, sp, "vendor", "clearance", wt["clearance"])
				}
			}
		}
	}
	if end, ok := d.cueAt(f, patPartnership, i); ok {
		partners := d.listAfter(f, end)
		for _, sp := range partners {
			d.add(f, sp, "vendor", "partnership", wt["partnership"])
		}
		// "WellSpan Health is partnering with Artisight to use the
		// company's platform": who partners to use what the partner makes
		// is its user, not its developer.
		// (The weight against takes back what "is partnering with" as a
		// verb of announcing gave.)
		if sp, ok := d.spanBefore(f, i); ok {
			if len(partners) > 0 && toUse(f, partners[len(partners)-1].to) {
				d.add(f, sp, "vendor", "partnership", -wt["partnership"])
			} else {
				d.add(f, sp, "vendor", "partnership", wt["partnership"])
			}
		}
	}
	if end, ok := d.cueAt(f, patAcquires, i); ok {
		for _, sp := range d.listAfter(f, end) {
			d.add(f, sp, "vendor", "acquires", wt["acquires"])
		}
		for _, sp := range d.listBefore(f, i) {
			d.add(f, sp, "vendor", "acquires", -wt["acquires"])
		}
	}
	if _, ok := d.cueAt(f, patDeployed, i); ok {
		if sp, ok := d.spanBefore(f, i); ok && !d.orgShaped(f, sp) && !d.hasInstitution(f, sp) {
			d.add(f, sp, "tech", "deployed", wt["deployed"])
		}
	}
	if end, ok := d.cueAt(f, patLaunches, i); ok {
		if sp, ok := d.spanAfter(f, end, true); ok && !d.possessed(f, sp) {
			d.add(f, sp, "tech", "launches", wt["launches"])
		}
	}
	if _, ok := d.cueAt(f, patPossessive, i); ok {
		d.readPossessive(f, i)
	}
	if end, ok := d.cueAt(f, patSaysIts, i); ok && i > 0 {
		d.readSaysIts(f, i, end)
	}
	if f.toks[i].low == "its" {
		d.readSubjectIts(f, i)
	}
	if end, ok := d.cueAt(f, patHyphen, i+1); ok && f.toks[i].text == "-" && end > i {
		if sp, ok := d.spanBefore(f, i); ok {
			d.add(f, sp, "vendor", "hyphen", wt["hyphen"])
		}
	}
	if end, ok := d.cueAt(f, patCalled, i); ok && (i == 0 || !formerly[f.toks[i-1].low] && !undertakingBefore(f, i)) {
		for end < len(f.toks) && strings.ContainsAny(f.toks[end].text, "\"“") {
			end++
		}
		if sp, ok := d.spanAfter(f, end, false); ok {
			// "called Detection of Apoptosis in Retinal Cells (DARC)": the
			// short name it is known by.
			if abbr, ok := d.definedAbbreviation(f, sp.from); ok {
				sp = abbr
			}
			// "a startup called Kahun", "their company is called Acme":
			// an organisation's name.
			kind := "tech"
			for k := max(i-3, 0); k < i; k++ {
				if f.toks[k].word && d.organisationWord(f, k) {
					kind = "vendor"
				}
			}
			d.add(f, sp, kind, "called", wt["called"])
		}
	}
	if end, ok := d.cueAt(f, patApposition, i); ok {
		if sp, ok := d.spanBefore(f, i); ok && !accordingTo(f, sp) {
			// "PDMonitor, a monitoring device" is a product; "Nines, a
			// teleradiology startup" and "Therapixel, a company leading
			// AI-based products" are organisations: the first word decides.
			if j, ok := d.headFind(f, end, 12); ok {
				switch {
				case f.toks[j].is(listOrganisation) || d.organisationWord(f, j+1) || d.orgShaped(f, sp):
					d.add(f, sp, "vendor", "apposition", wt["apposition"])
				case d.personWord(f, j+1):
					// "Nadia Thalmann, a robot expert": a person.
				default:
					// "Medios AI (Remidio), an automated system": "AI"
					// after the name is the product's last word, and its
					// maker stands in brackets before the comma.
					next := sp.to
					if next < i && f.toks[next].text == "AI" {
						sp.to++
						next++
					}
					d.add(f, sp, "tech", "apposition", wt["apposition"])
					// "HeartNote, an AI-enabled stethoscope from Auscura".
					d.readMakerAfter(f, end, 8)
					if m, ok := d.bracketed(f, next); ok && m.to+1 == i && !allUpper(f.toks[m.from].text) {
						d.add(f, m, "vendor", "apposition", wt["apposition"])
					}
				}
			}
		}
	} else if sp, ok := d.spanBefore(f, i); ok && f.toks[i].text == "," && d.describedAfter(f, i+1) {
		// "PolypGuard, computer vision software made by Endovision": the
		// words after the comma say what the name is, without an article.
		d.add(f, sp, "tech", "apposition", wt["apposition"])
		d.readMakerAfter(f, i+1, 6)
	}
	// "FractureFind by Osteon Imaging", "HeartNote from Auscura": a made
	// name beside its maker; "Annalise CXR from Annalise.ai": any name
	// that is no organisation's beside a name with a company's shape.
	if _, ok := d.cueAt(f, patProductFrom, i); ok && i > 0 {
		if sp, ok := f.endingAt(i); ok {
			product := f.spans[sp]
			makers := d.listAfter(f, i+1)
			if len(makers) > 0 && !d.madeName(f, makers[0]) && (d.madeName(f, product) ||
				d.orgShaped(f, makers[0]) && !d.orgShaped(f, product) && !d.hasInstitution(f, product) &&
					!d.knownOrganisation(f, product)) {
				d.add(f, f.spans[sp], "tech", "product-from", wt["product-from"])
				for _, m := range makers {
					d.add(f, m, "vendor", "product-from", wt["product-from"])
				}
			}
		}
	}
	if end, ok := d.cueAt(f, patProductName, i); ok && !d.organisationWord(f, end) && !d.personWord(f, end) {
		next := d.pastAbbreviation(f, end)
		comma := next < len(f.toks) && f.toks[next].text == ","
		if comma {
			next++
		}
		// After a comma the name stands between commas ("the platform,
		// Smart Center, is"); "To train the system, Zhang and a team"
		// starts another clause.
		if sp, ok := d.spanAfter(f, next, false); ok && !d.possessed(f, sp) &&
			(d.productWord(f, end-1) || !d.hasInstitution(f, sp)) && (!comma || enclosed(f, sp)) {
			// After an owner, "its Skin Centre at Amersham Hospital"
			// names a place of the owner's, not a product (after a
			// product word, "the platform, Smart Center," is one).
			d.add(f, sp, "tech", "product-name", wt["product-name"])
		} else if sp, ok := d.bracketed(f, end); ok && !(sp.to-sp.from == 1 && allUpper(f.toks[sp.from].text)) {
			// "a digital health app (myCOPD)": the product's name in
			// brackets (not a short form of the words before, "a
			// continuous glucose monitor (CGM)"); its maker's, if of an
			// organisation's shape ("an AI system (Kheiron Medical
			// Technologies Ltd)").
			if d.orgShaped(f, sp) || d.knownOrganisation(f, sp) {
				d.add(f, sp, "vendor", "product-name", wt["product-name"])
			} else {
				d.add(f, sp, "tech", "product-name", wt["product-name"])
			}
		}
		// "a monitoring device from PD Neurotechnology".
		if j, ok := clauseFind(f, end, 6, func(j int) bool { _, ok := d.cueAt(f, patProductFrom, j); return ok }); ok {
			after, _ := d.cueAt(f, patProductFrom, j)
			for _, s := range d.listAfter(f, after) {
				d.add(f, s, "vendor", "product-from", wt["product-from"])
			}
		}
	}
	if end, ok := d.cueAt(f, patClearance, i); ok {
		if sp, ok := d.spanAfter(f, end, true); ok && !d.possessed(f, sp) {
			d.add(f, sp, "tech", "clearance", wt["clearance"])
		}
	}
	// "published in Nature Medicine", "told Becker's Hospital Review":
	// where it was reported, whatever its name (the weight is negative).
	if end, ok := d.cueAt(f, patReportedIn, i); ok {
		if sp, ok := d.spanAfter(f, end, true); ok {
			d.add(f, sp, "tech", "reported-in", wt["reported-in"])
			d.add(f, sp, "vendor", "reported-in", wt["reported-in"])
		}
	}
	if end, ok := d.cueAt(f, patCompared, i); ok {
		if end < len(f.toks) && f.toks[end].low == "the" && end+1 < len(f.toks) && f.toks[end+1].low == "same" {
			end += 2 // "based on the same OpenAI's ChatGPT"
		}
		if sp, ok := d.spanAfter(f, end, true); ok {
			if d.possessed(f, sp) {
				// "a rival to Nuance's DAX": what the owner owns, and the
				// owner is the other technology's developer.
				if owned, ok := d.spanAfter(f, sp.to+1, false); ok {
					d.add(f, sp, "vendor", "compared", wt["compared"])
					sp = owned
				}
			}
			d.add(f, sp, "tech", "compared", wt["compared"])
		}
	}
	if _, ok := d.cueAt(f, patTrademark, i); ok {
		if sp, ok := d.spanBefore(f, i); ok {
			d.add(f, sp, "tech", "trademark", wt["trademark"])
		}
	}
}

// beVerbs come between a product and "developed by": "X was developed by".
var beVerbs = map[string]bool{"is": true, "was": true, "are": true, "were": true, "been": true, "being": true}

// readMadeBy reads the product before "developed by" (cue at token i):
// "RetinaGrade, developed by Optiq AI," and "DERM was developed by Skin
// Analytics" name a technology; "a tool developed by" names none.
func (d *doc) readMadeBy(f *field, i int) {
	j := i
	switch {
	case j > 0 && f.toks[j-1].text == ",":
		j--
	default:
		k := j
		for k > 0 && beVerbs[f.toks[k-1].low] {
			k--
		}
		if k == j || (k > 0 && f.toks[k-1].low == "has") {
			return
		}
		j = k
	}
	if sp, ok := f.endingAt(j); ok {
		if s := f.spans[sp]; !d.hasInstitution(f, s) && !d.orgShaped(f, s) {
			d.add(f, s, "tech", "developed-by", d.x.cues.Weights["developed-by"])
		}
	}
}

// orgShaped reports whether a name ends with a company word ("Ltd",
// "Health"), is followed by a legal form after a comma ("Artisight,
// Inc.") or is a web address's name ("Lauretta.io", "Viz.ai").
func (d *doc) orgShaped(f *field, sp span) bool {
	last := f.toks[sp.to-1].low
	if d.x.cues.Words["company"][last] {
		return true
	}
	if _, ok := d.legalFormAfter(f, sp); ok {
		return true
	}
	return d.webAddress(f.toks[sp.to-1].low)
}

// legalFormAfter reports whether a comma and a company's legal form
// follow a name ("Artisight, Inc."), and the token after them.
func (d *doc) legalFormAfter(f *field, sp span) (int, bool) {
	if sp.to+1 >= len(f.toks) || f.toks[sp.to].text != "," {
		return 0, false
	}
	return d.inList(f, listLegalForms, sp.to+1)
}

// pastAbbreviation returns the token after a short form in brackets at
// token i ("a Medical Device (AIaMD), DERM"), or i when there is none: a
// word in brackets with a capital in it.
func (d *doc) pastAbbreviation(f *field, i int) int {
	if j := d.pastShortForm(f, i); j != i && strings.ToLower(f.toks[i+1].text) != f.toks[i+1].text {
		return j
	}
	return i
}

// pastShortForm returns the token after one word in brackets at token i
// ("the German Cancer Research Center (DKFZ)"), or i when there is none.
func (d *doc) pastShortForm(f *field, i int) int {
	if i+2 < len(f.toks) && f.toks[i].text == "(" && f.toks[i+2].text == ")" && f.toks[i+1].word {
		return i + 3
	}
	return i
}

// bracketed returns the name that fills brackets at token i, "(myCOPD)".
func (d *doc) bracketed(f *field, i int) (span, bool) {
	if i >= len(f.toks) || f.toks[i].text != "(" {
		return span{}, false
	}
	sp, ok := d.spanAfter(f, i+1, false)
	if !ok || sp.to >= len(f.toks) || f.toks[sp.to].text != ")" {
		return span{}, false
	}
	return sp, true
}

// productAppositive reports whether a name stands beside a product word
// that names it: "The tool, Scribewell, uses" is the tool, not who uses
// it.
func (d *doc) productAppositive(f *field, sp span) bool {
	i := sp.from
	if i < 2 || f.toks[i-1].text != "," {
		return false
	}
	w := f.toks[i-2]
	return w.word && w.is(listProduct)
}

// headFind finds the word that says what a thing is in the words from
// token i that describe it ("a pioneering monitoring device", "a
// teleradiology startup"): a product word or a word of organisations,
// before the description ends at a verb or a preposition ("a regulatory
// sandbox for AI as a medical device" says no such thing).
func (d *doc) headFind(f *field, i, within int) (int, bool) {
	for j := i; j < len(f.toks) && j < i+within; j++ {
		t := f.toks[j]
		// "a proprietary, offline, smartphone-based system": commas
		// between the words that describe it, not between clauses.
		if t.text == "," && j > i && j+1 < len(f.toks) && f.toks[j+1].word && !f.toks[j+1].capital &&
			!f.toks[j+1].is(listBreaks) && !clauseWord(f.toks[j+1].low) {
			continue
		}
		if !t.word && strings.ContainsAny(t.text, ".;:!?,()") {
			return 0, false
		}
		if d.productWord(f, j) || t.is(listOrganisation) {
			return j, true
		}
		if j > i && t.word && t.is(listBreaks) {
			return 0, false
		}
	}
	return 0, false
}

// clauseWord reports whether a word after a comma opens another clause
// or joins a list: "and", "which", "who".
func clauseWord(low string) bool {
	switch low {
	case "and", "or", "but", "which", "who", "whose", "that", "while", "where", "when", "as", "with", "said", "says":
		return true
	}
	return false
}

// describedAfter reports whether the words from token i say what a thing
// is, without an article: up to three words that describe ("computer
// vision", "AI-enabled") and then a product word ("software").
func (d *doc) describedAfter(f *field, i int) bool {
	for j := i; j < len(f.toks) && j <= i+3; j++ {
		t := f.toks[j]
		if !t.word || t.is(listBreaks) {
			return false
		}
		if d.productWord(f, j) {
			return j > i || j+1 < len(f.toks) && !f.toks[j+1].word
		}
		if t.capital && !d.aiWord(f, j) {
			return false
		}
	}
	return false
}

// productAfter returns the product word that follows a name: at once, or
// after a closing quotation mark ("the “Sybil” model"), or, after a made
// name, after "AI" ("EchoNet AI algorithm").
func (d *doc) productAfter(f *field, sp span) (int, bool) {
	i := sp.to
	if i < len(f.toks) && !f.toks[i].word && strings.ContainsAny(f.toks[i].text, "\"”") {
		i++
	}
	// "the Eko DUO (Eko Health) device": its maker in brackets between.
	i = pastBrackets(f, i, 6)
	// "the RapidAI AI platform", "the Centaur Chemist AI platform": a made
	// name or a name of several words before "AI" and a product word; one
	// common word is more often its maker's ("the Acme AI platform").
	if i+1 < len(f.toks) && f.toks[i].low == "ai" && (d.madeName(f, sp) || (sp.to-sp.from >= 2 && d.knownOf(f, sp) == nil)) {
		i++
	}
	if i < len(f.toks) && d.productWord(f, i) {
		return i, true
	}
	return 0, false
}

// productWord reports whether token i is a word of words.product, or its
// plural ("sensors").
func (d *doc) productWord(f *field, i int) bool {
	if _, ok := d.inList(f, listProduct, i); ok {
		return true
	}
	low := f.toks[i].low
	return f.toks[i].word && strings.HasSuffix(low, "s") && d.x.cues.Words["product"][strings.TrimSuffix(low, "s")]
}

// readMakerAfter reads the developer after a product-from cue within the
// next few tokens of the clause: "an AI system from Retinai Labs".
func (d *doc) readMakerAfter(f *field, i, within int) {
	j, ok := clauseFind(f, i, within, func(j int) bool {
		_, ok := d.cueAt(f, patProductFrom, j)
		if !ok {
			_, ok = d.cueAt(f, patDevelopedBy, j)
		}
		return ok
	})
	if !ok {
		return
	}
	end, ok := d.cueAt(f, patProductFrom, j)
	if !ok {
		return // "developed by" reads its own developers
	}
	for _, s := range d.listAfter(f, end) {
		d.add(f, s, "vendor", "product-from", d.x.cues.Weights["product-from"])
	}
}

// person reports whether a name is a person's: two or three capitalised
// words, the first a first name, none a made word, an acronym or a word of
// companies, institutions, organisations or products, and no gazetteer
// knows it ("Elon Musk"; not "Ada Health", "Grace Hospital", "Owen
// Mumford" when the gazetteer lists it).
func (d *doc) person(f *field, sp span) bool {
	if d.knownOf(f, sp) != nil {
		return false
	}
	// A first name opening a sentence may have been left out of the span
	// as a common word ("Martin Hale announces"): it still makes a person.
	if sp.from > 0 {
		if prev := f.toks[sp.from-1]; prev.word && prev.capital && prev.is(kindFirstName) {
			sp.from--
		}
	}
	n := sp.to - sp.from
	if n < 2 || n > 3 || !f.toks[sp.from].is(kindFirstName) {
		return false
	}
	for k, t := range f.toks[sp.from:sp.to] {
		// A lead in the style of some papers capitals its first word
		// ("ELON Musk has announced"): a first name all in capitals opening
		// a sentence before a name that is not is still a first name.
		shouted := k == 0 && t.opens && !allUpper(f.toks[sp.from+1].text)
		if !t.word || !t.capital || t.shaped || (allUpper(t.text) && !shouted) ||
			t.is(listCompany|listInstitution|listOrganisation|listProduct) {
			return false
		}
	}
	return true
}

// enclosed reports whether a name ends where its clause does: at a comma,
// a bracket or the end of a sentence, after "AI" or what it stands for
// perhaps ("its software, Preterm AI, can compare").
func enclosed(f *field, sp span) bool {
	end := sp.to
	if end < len(f.toks) && f.toks[end].text == "AI" {
		end++
	}
	// "the tool, DERM (Deep Ensemble for Recognition of Malignancy), works":
	// what the name stands for, in brackets, is part of it.
	end = pastBrackets(f, end, 12)
	return end >= len(f.toks) || strings.ContainsAny(f.toks[end].text, ",.;:)!?")
}

// pastBrackets returns the token after the brackets that open at token i
// and close within the next within tokens of the clause, or i when none do.
func pastBrackets(f *field, i, within int) int {
	if i < len(f.toks) && f.toks[i].text == "(" {
		if k, ok := clauseFind(f, i+1, within, func(k int) bool { return f.toks[k].text == ")" }); ok {
			return k + 1
		}
	}
	return i
}

// leadOfTeam reports whether one word before "and" a team (the cue at
// token i) is the team's leader: "Zhang and a team of 70 scientists",
// "Smith and his team" name a person, not an institution (which the
// gazetteers or its shape would tell).
func (d *doc) leadOfTeam(f *field, sp span, i int) bool {
	if sp.to-sp.from != 1 || sp.to >= i || f.toks[sp.to].low != "and" || d.knownOf(f, sp) != nil ||
		d.orgShaped(f, sp) || d.hasInstitution(f, sp) {
		return false
	}
	for j := sp.to + 1; j < i; j++ {
		switch f.toks[j].low {
		case "a", "his", "her", "their", "the":
		default:
			return false
		}
	}
	return true
}

// describedPerson reports whether a name is said between commas to be a
// person: "research led by Avipsa Roy, a graduate student in …".
func (d *doc) describedPerson(f *field, sp span) bool {
	if sp.to+1 >= len(f.toks) || f.toks[sp.to].text != "," {
		return false
	}
	if a := f.toks[sp.to+1].low; a != "a" && a != "an" && a != "the" {
		return false
	}
	_, ok := clauseFind(f, sp.to+2, 4, func(j int) bool { return d.personWord(f, j) })
	return ok
}

// describing reports whether a name may be words that describe rather
// than name: a compound whose last part is in lower case ("AI-based",
// "State-of-the-art", "X-ray"; not "e-Stroke"), words after "a" or "an"
// ("a SaaS application"), or one word capitalised only because it opens
// a sentence ("Wearable sensors").
func (d *doc) describing(f *field, sp span) bool {
	for _, t := range f.toks[sp.from:sp.to] {
		if i := strings.LastIndexByte(t.text, '-'); i >= 0 && i+1 < len(t.text) {
			if r, _ := utf8.DecodeRuneInString(t.text[i+1:]); unicode.IsLower(r) {
				return true
			}
			// "AI-Powered Platform", "AI-Driven Tool" in a headline in
			// title case.
			if last := t.low[i+1:]; f.titleCase && (strings.HasSuffix(last, "ed") || last == "driven") {
				return true
			}
		}
	}
	if sp.from > 0 {
		if prev := f.toks[sp.from-1].low; prev == "a" || prev == "an" {
			return true // "a SaaS application" says what kind of thing it is
		}
	}
	t := f.toks[sp.from]
	return sp.to-sp.from == 1 && t.opens && !t.shaped
}

// studyWords name a study after its own name ("the HEART trial").
var studyWords = map[string]bool{"study": true, "trial": true, "studies": true, "trials": true}

// trialName reports whether a name before "study" or "trial" is the
// study's own name, not who ran it: an acronym written as a word in
// capitals ("the ARTERY Outcomes study", "the HEART trial") whose first
// word, in capitals, is an English word or a term of the vocabularies, or
// a made-up word after "the" ("the LungIMPACT study").
func (d *doc) trialName(f *field, sp span) bool {
	t := f.toks[sp.from]
	// "the collaborative LungIMPACT study": a made-up word the text gives
	// a study, after "the" (a headline drops it), names the study.
	if sp.to-sp.from == 1 && coinedWord(t) && d.knownOf(f, sp) == nil && (f.name == "title" ||
		sp.from > 0 && f.toks[sp.from-1].low == "the" || sp.from > 1 && f.toks[sp.from-2].low == "the") {
		return true
	}
	if !t.word || utf8.RuneCountInString(t.text) < 4 || !allUpper(t.text) || f.allCaps || d.knownOf(f, sp) != nil {
		return false
	}
	return t.is(kindCommon) || d.x.isTerm(t.low)
}

// wordPrefix reports whether a name is the first words of a longer one,
// whatever the case.
func wordPrefix(short, long string) bool {
	return len(long) > len(short) && strings.HasPrefix(strings.ToLower(long), strings.ToLower(short)+" ")
}

// ownSuffix reports whether a known name ends in a word that starts with
// suffix: "Imagen Technologies" with "tech".
func ownSuffix(name, suffix string) bool {
	words := strings.Fields(strings.ToLower(name))
	return len(words) > 1 && strings.HasPrefix(words[len(words)-1], suffix)
}

// describingWord reports whether a word ends in a hyphen and a lower-case
// participle or adjective ("AI/ML-enabled", "Google-backed",
// "AI-driven"): it says what something is, and ends no name.
func describingWord(t token) bool {
	i := strings.LastIndexByte(t.text, '-')
	if !t.word || i < 0 || i+1 >= len(t.text) {
		return false
	}
	last := t.text[i+1:]
	if r, _ := utf8.DecodeRuneInString(last); !unicode.IsLower(r) {
		return false
	}
	// "AI-physiotherapy", "AI-enabled": what AI is used for or how, not
	// a name ("AI-Rad Companion" is one).
	return strings.HasSuffix(last, "ed") || describingEndings[last] || strings.HasPrefix(t.text, "AI-")
}

// coinedWord reports whether a word is made up, as names are: a capital or
// a digit inside it ("ChatBot", "Eye2Gene"), not only after hyphens
// ("Blind-Sweep") nor a describing word in title case ("AI-Driven").
func coinedWord(t token) bool {
	if !t.word || !t.shaped || hyphenCaps(t.text) {
		return false
	}
	lowered := t
	lowered.text = t.text[:1] + strings.ToLower(t.text[1:])
	return !strings.HasPrefix(t.text, "AI-") && !describingWord(lowered)
}

// describingEndings are the last words of hyphenated describing words that
// are no participles.
var describingEndings = map[string]bool{"driven": true, "like": true, "style": true, "first": true, "free": true,
	"grade": true, "ready": true, "friendly": true, "centric": true, "wide": true, "specific": true, "only": true}

// journal reports whether a name is the title of a journal the list
// knows and no gazetteer's name.
func (d *doc) journal(f *field, sp span) bool {
	// A journal of one word ("Lancet", "JAMA", "Nature") is one only
	// before a word of what journals publish: "a Lancet study".
	if len(d.x.journals) == 0 || sp.to-sp.from == 1 && (sp.to >= len(f.toks) || !f.toks[sp.to].is(listPublication)) {
		return false
	}
	return d.knownOf(f, sp) == nil && d.x.journals[tokensKey(f.toks[sp.from:sp.to])]
}

// tokensKey is tokens in lower case joined by spaces, a leading "the"
// dropped: "The Lancet Digital Health" is "lancet digital health".
func tokensKey(toks []token) string {
	if len(toks) > 1 && toks[0].low == "the" {
		toks = toks[1:]
	}
	words := make([]string, len(toks))
	for i, t := range toks {
		words[i] = t.low
	}
	return strings.Join(words, " ")
}

// madeName reports whether a name is one word made up the way products
// are named: capitals or digits inside ("FractureFind", "Eye2Gene").
func (d *doc) madeName(f *field, sp span) bool {
	return sp.to-sp.from == 1 && f.toks[sp.from].shaped && !allUpper(f.toks[sp.from].text)
}

// moneyWithin reports whether an amount of money starts within n tokens
// from token i, in the clause: a number after a currency sign ("$150M",
// "£3.5 million") or before a word of millions ("18 million").
func (d *doc) moneyWithin(f *field, i, n int) bool {
	_, ok := clauseFind(f, i, n, func(j int) bool {
		t := f.toks[j]
		if !t.word || t.text[0] < '0' || t.text[0] > '9' {
			return false
		}
		return d.money(f, j) || j+1 < len(f.toks) && moneyWords[f.toks[j+1].low]
	})
	return ok
}

// moneyWords follow an amount of money.
var moneyWords = map[string]bool{"million": true, "billion": true, "mn": true, "bn": true, "dollars": true,
	"pounds": true, "euros": true}

// capitalisedWord reports whether a span is an ordinary English word
// written in capitals as a name is ("Aidoc's CARE model"): a name, though
// the word is also a term of the vocabularies ("care"). An abbreviation
// ("COPD", "ECG") is no ordinary word, and a word of three letters or
// fewer ("US", "IT") too often an abbreviation.
func (d *doc) capitalisedWord(f *field, sp span) bool {
	t := f.toks[sp.from]
	return sp.to-sp.from == 1 && !f.allCaps && allUpper(t.text) && utf8.RuneCountInString(t.text) >= 4 &&
		t.is(kindCommon) && !d.capitalsAround(f, sp)
}

// capitalsAround reports whether a word in capitals has a neighbour in
// capitals too ("THE WORLD’S FIRST autonomous …"): a lead written in
// capitals, not a name.
func (d *doc) capitalsAround(f *field, sp span) bool {
	caps := func(i int) bool {
		t := f.toks[i]
		return t.word && utf8.RuneCountInString(t.text) >= 2 && allUpper(t.text) && !t.shaped
	}
	before, after := sp.from-1, sp.to
	if d.possessed(f, sp) {
		after++
	}
	return before >= 0 && caps(before) || after < len(f.toks) && caps(after)
}

// organisationWord and personWord report whether token i is a word of
// organisations or of people: after a product word ("an AI company", "a
// robot expert") it says the product word names no product.
func (d *doc) organisationWord(f *field, i int) bool {
	return i < len(f.toks) && f.toks[i].is(listOrganisation)
}

func (d *doc) personWord(f *field, i int) bool {
	return i < len(f.toks) && f.toks[i].is(listPeople)
}

// aiWord reports whether a word of words.ai starts at token i, alone or
// as the first part of a compound ("AI-driven").
func (d *doc) aiWord(f *field, i int) bool {
	if _, ok := d.inList(f, listAI, i); ok {
		return true
	}
	first, _, compound := strings.Cut(f.toks[i].low, "-")
	return compound && d.x.cues.Words["ai"][first]
}

// undertakings are what a name "called" after them names, other than a
// technology: "a project called TRICORDER".
var undertakings = map[string]bool{"project": true, "programme": true, "program": true, "study": true, "trial": true,
	"initiative": true, "campaign": true, "scheme": true, "consortium": true, "partnership": true, "collaboration": true}

// undertakingBefore reports whether an undertaking's word comes just
// before token i, or before a comma there: "the clinical trial, called
// TRICORDER" names the trial, not a technology.
func undertakingBefore(f *field, i int) bool {
	if i > 0 && undertakings[f.toks[i-1].low] {
		return true
	}
	return i > 1 && f.toks[i-1].text == "," && undertakings[f.toks[i-2].low]
}

// formerly says that a name "formerly known as" is an old name.
var formerly = map[string]bool{"formerly": true, "previously": true, "once": true}

// abbreviated reports whether a name is followed by its abbreviation in
// brackets: "Deep Learning Clinical Trial Matching System (DLCTMS)".
func (d *doc) abbreviated(f *field, sp span) bool {
	if sp.to+2 >= len(f.toks) || f.toks[sp.to].text != "(" || f.toks[sp.to+2].text != ")" {
		return false
	}
	abbr := f.toks[sp.to+1].text
	if len(abbr) < 2 || strings.ToUpper(abbr) != abbr {
		return false
	}
	var words []string
	for _, t := range f.toks[sp.from:sp.to] {
		if t.word && !t.is(listConnectors) {
			words = append(words, t.low)
		}
	}
	in := initials(words)
	return in != "" && strings.HasPrefix(strings.ToLower(abbr), in[:min(2, len(in))])
}

// definedAbbreviation finds, within the clause after token from, a name
// in capitals in brackets whose letters are the initials of the capitalised
// words before it: "Detection of Apoptosis in Retinal Cells (DARC)".
func (d *doc) definedAbbreviation(f *field, from int) (span, bool) {
	open, ok := clauseFind(f, from, 10, func(j int) bool { return f.toks[j].text == "(" })
	if !ok || open+2 >= len(f.toks) || f.toks[open+2].text != ")" {
		return span{}, false
	}
	abbr := f.toks[open+1]
	if !abbr.word || len(abbr.text) < 2 || strings.ToUpper(abbr.text) != abbr.text {
		return span{}, false
	}
	var b strings.Builder
	for _, t := range f.toks[from:open] {
		if t.word && t.capital {
			r, _ := utf8.DecodeRuneInString(t.text)
			b.WriteRune(unicode.ToLower(r))
		}
	}
	s, ok := f.startingAt(open + 1)
	if !ok || b.String() != abbr.low {
		return span{}, false
	}
	return f.spans[s], true
}

// possessed reports whether a name is followed by a possessive: then it
// owns what follows and is no technology itself.
func (d *doc) possessed(f *field, sp span) bool {
	return sp.to < len(f.toks) && f.toks[sp.to].low == "'s"
}

// readPossessive reads "Brainomix's e-Stroke" and "RapidAI's stroke
// software": the owner is a developer when what it owns is a name, a
// product word or its people; what it owns, when a name, the technology.
func (d *doc) readPossessive(f *field, i int) {
	owner, ok := d.spanBefore(f, i)
	if !ok || d.titled(f, owner) || d.term(f, owner, i) {
		return
	}
	d.readOwned(f, owner, i, patPossessive)
}

// readSaysIts reads "Synchron said its Stentrode implant" (a cue of the
// says-its pattern from token i to end, ending in "its") as the
// possessive "Synchron's Stentrode implant".
func (d *doc) readSaysIts(f *field, i, end int) {
	owner, ok := f.endingAt(i)
	if !ok {
		return
	}
	sp := f.spans[owner]
	// "Lungscan CEO Jane Smith said its …": the speaker's organisation
	// owns it.
	if org, ok := d.officerOf(f, sp); ok {
		sp = org
	}
	if !d.titled(f, sp) && !d.term(f, sp, i) {
		d.readOwned(f, sp, end-1, patSaysIts)
	}
}

// officerOf returns the organisation a person speaks for when its name and
// an officer's title come just before the person's: "Lungscan CEO Jane
// Smith", "Acme chief executive John Roe".
func (d *doc) officerOf(f *field, person span) (span, bool) {
	j := person.from
	for k := 0; k < 2 && j > 0 && (roles[f.toks[j-1].low] || f.toks[j-1].low == "executive" ||
		f.toks[j-1].low == "officer"); k++ {
		j--
	}
	if j == person.from || !d.person(f, person) {
		return span{}, false
	}
	if s, ok := f.endingAt(j); ok {
		return f.spans[s], true
	}
	return span{}, false
}

// readSubjectIts reads "Neuralink has implanted its brain-computer
// interface", "Acme updated its AI software": the name that opens the
// clause, a verb or two before "its" (token i) and a product, owns the
// product, as the speaker of "said its" does.
func (d *doc) readSubjectIts(f *field, i int) {
	if _, ok := clauseFind(f, i+1, 4, func(j int) bool { return d.productWord(f, j) }); !ok {
		return
	}
	j := i
	for j > 0 && i-j < 3 && f.toks[j-1].word && !f.toks[j-1].capital && f.toks[j-1].low != "to" {
		j--
	}
	if j == i {
		return
	}
	owner, ok := f.endingAt(j)
	if !ok {
		return
	}
	sp := f.spans[owner]
	// The name opens its clause: "a round led by Harbour Ventures to sell
	// its tool" says nothing of whose tool.
	if sp.from > 0 {
		switch prev := f.toks[sp.from-1]; {
		case !prev.word, clauseOpeners[prev.low]:
		default:
			return
		}
	}
	if !d.titled(f, sp) && !d.term(f, sp, j) {
		d.add(f, sp, "vendor", patSaysIts.String(), d.x.cues.Weights[patSaysIts.String()])
	}
}

// toUse reports whether "to" and a verb of putting to use follow at token
// i, and then the partner's own product: "to use the company's platform",
// "to deploy its tool".
func toUse(f *field, i int) bool {
	if i+2 >= len(f.toks) || f.toks[i].low != "to" {
		return false
	}
	switch f.toks[i+1].low {
	case "use", "deploy", "implement", "adopt", "offer", "pilot", "trial":
	default:
		return false
	}
	// … what the partner makes: "the company's platform", "its tool".
	switch f.toks[i+2].low {
	case "its", "their":
		return true
	case "the":
		return i+4 < len(f.toks) && f.toks[i+4].low == "'s"
	}
	return false
}

// clauseOpeners are words after which a name opens a clause of its own:
// "Elon Musk says Neuralink has implanted its first brain chip".
var clauseOpeners = map[string]bool{"and": true, "but": true, "that": true, "says": true, "said": true,
	"claims": true, "claimed": true, "announced": true, "announces": true}

// readOwned reads what follows a possessive of owner (token i, read by
// pattern p): a name owned is the technology and the owner its developer;
// a product word or its people make the owner a developer.
func (d *doc) readOwned(f *field, owner span, i int, p pattern) {
	wt := d.x.cues.Weights[p.String()]
	// "Cerevia's AI-powered NeuroScan": a word that says how it works
	// may stand between the owner and the name.
	next := i + 1
	if next+1 < len(f.toks) && strings.Contains(f.toks[next].text, "-") && d.aiWord(f, next) {
		next++
	}
	if sp, ok := d.spanAfter(f, next, false); ok {
		if low := strings.ToLower(f.text(sp)); d.x.places[low] || d.x.isTerm(low) {
			return // "Ardent's Albuquerque affiliate": a place is owned, not made
		}
		d.add(f, owner, "vendor", p.String(), wt)
		switch {
		case d.knownOrganisation(f, sp) || d.knownVendor(f, sp):
			// "Google's DeepMind": a company the gazetteers know, owned
			// by another, is a developer too, not a product.
			d.add(f, sp, "vendor", p.String(), wt)
		case !d.hasInstitution(f, sp):
			d.add(f, sp, "tech", p.String(), wt)
		}
		return
	}
	// "GI Genius's AI": a product the gazetteers know owns its AI; it made
	// nothing.
	if k := d.knownOf(f, owner); k != nil && k.Kind == "product" {
		return
	}
	if _, ok := clauseFind(f, i+1, 4, func(j int) bool {
		_, product := d.inList(f, listProduct, j)
		return product || f.toks[j].is(listNotNames) && (f.toks[j].low == "ai" || f.toks[j].low == "ceo") ||
			roles[strings.TrimSuffix(f.toks[j].low, "s")]
	}); ok {
		d.add(f, owner, "vendor", p.String(), wt)
	}
}

// term reports whether a possessive owner is a disease or a place:
// "Parkinson's disease", "Parkinson's" alone, "London's hospitals".
func (d *doc) term(f *field, owner span, possessive int) bool {
	name := strings.ToLower(f.text(owner))
	// An eponym ("Parkinson's", "Crohn's") is its disease, also at the end
	// of a longer name ("Unified Parkinson's Disease Rating Scale").
	last := strings.ToLower(f.toks[owner.to-1].text)
	for _, suffix := range []string{"", "'s", "'s disease", " disease", "'s syndrome", " syndrome"} {
		if d.x.isTerm(name+suffix) || d.x.isTerm(last+suffix) {
			return true
		}
	}
	phrase := name + "'s"
	for j := possessive + 1; j < len(f.toks) && j <= possessive+3 && f.toks[j].word; j++ {
		phrase += " " + f.toks[j].low
		if d.x.isTerm(phrase) {
			return true
		}
	}
	return false
}

// titled reports whether a name follows a title ("Dr", "Prof"): a
// person, not a developer.
func (d *doc) titled(f *field, sp span) bool {
	if sp.from == 0 {
		return false
	}
	switch strings.TrimSuffix(f.toks[sp.from-1].low, ".") {
	case "dr", "prof", "professor", "mr", "mrs", "ms", "mx", "sir", "dame":
		return true
	}
	return false
}

// hasInstitution reports whether a name has a word of institutions.
func (d *doc) hasInstitution(f *field, sp span) bool {
	for j := sp.from; j < sp.to; j++ {
		if end, ok := d.inList(f, listInstitution, j); ok && end <= sp.to {
			return true
		}
	}
	return false
}

// knownOrganisation reports whether a name is an organisation the
// gazetteers know makes nothing by itself (an NHS trust).
func (d *doc) knownOrganisation(f *field, sp span) bool {
	k := d.knownOf(f, sp)
	return k != nil && k.Kind == KindOrganisation
}

// knownVendor reports whether a span is a developer the gazetteers know.
func (d *doc) knownVendor(f *field, sp span) bool {
	k := d.knownOf(f, sp)
	return k != nil && k.Kind == "vendor"
}

// knownOf returns the gazetteer's name a span is, if any.
func (d *doc) knownOf(f *field, sp span) *Known {
	if k, ok := d.x.known.exactly(f.toks[sp.from:sp.to]); ok {
		return &k.Known
	}
	// A known product with a product word after it (findSpans).
	if sp.to-sp.from >= 2 && f.toks[sp.to-1].is(listProduct) {
		if k, ok := d.x.known.exactly(f.toks[sp.from : sp.to-1]); ok && k.Kind == "product" {
			return &k.Known
		}
	}
	return nil
}

// addName records a name the gazetteer gives (a known product's
// developer), with the product's span as evidence.
func (d *doc) addName(f *field, sp span, name, kind, pattern string, weight float64) {
	toks := tokenize(name, nil)
	var words []string
	for _, t := range toks {
		words = append(words, t.low)
	}
	for len(words) > 1 && d.x.cues.Words["company"][words[len(words)-1]] {
		words = words[:len(words)-1]
	}
	key := strings.Join(words, " ")
	c, ok := d.cands[key]
	if !ok {
		d.order++
		c = &candidate{key: key, first: d.order, counted: map[string]bool{}, text: name, textWeight: weight}
		d.cands[key] = c
	}
	if c.counted[kind+pattern] {
		return
	}
	c.counted[kind+pattern] = true
	c.vendor += weight
	c.evidence = append(c.evidence, message.Evidence{RuleID: "names." + pattern, Field: f.name,
		Start: f.toks[sp.from].start, End: f.toks[sp.to-1].end, Snippet: f.text(sp)})
}

// inTitle adds the headline's weight to names it also gives.
func (d *doc) inTitle() {
	title := d.fields[0]
	for _, sp := range title.spans {
		if c, ok := d.cands[d.key(title, sp)]; ok && (c.tech > 0 || c.vendor > 0) {
			w := d.x.cues.Weights["in-title"]
			if c.tech > c.vendor {
				d.add(title, sp, "tech", "in-title", w)
			} else {
				d.add(title, sp, "vendor", "in-title", w)
			}
		}
	}
}

// namedAfterMaker adds evidence of a technology to a name that starts with
// the name of a developer and goes on ("Paige Prostate Detect" where Paige
// announces, "Lunit INSIGHT CXR"): companies name their products after
// themselves. A name of an organisation's shape ("Google Health") is not
// one of its products.
func (d *doc) namedAfterMaker() {
	threshold, w := d.x.cues.Threshold, d.x.cues.Weights[patMakerPrefix.String()]
	for _, v := range d.cands {
		if v.key == "" || v.vendor < threshold || v.vendor < v.tech {
			continue
		}
		for _, c := range d.cands {
			if c == v || !strings.HasPrefix(c.key, v.key+" ") || len(c.evidence) == 0 || c.counted["tech"+patMakerPrefix.String()] ||
				c.sighting(patOrganisationShape) >= 0 {
				continue
			}
			c.counted["tech"+patMakerPrefix.String()] = true
			c.tech += w
			at := c.evidence[0]
			at.RuleID = "names." + patMakerPrefix.String()
			c.evidence = append(c.evidence, at)
		}
	}
}

// choose keeps the technology with the most evidence of being one and the
// developers with enough, an acronym folded into the name it abbreviates
// ("AWS", "Amazon Web Services").
func (d *doc) choose() Found {
	var out Found
	threshold := d.x.cues.Threshold
	cands := make([]*candidate, 0, len(d.cands))
	for _, c := range d.cands {
		cands = append(cands, c)
	}
	slices.SortFunc(cands, func(a, b *candidate) int { return a.first - b.first })
	d.foldAcronyms(cands)
	best := func(score func(*candidate) float64) []*candidate {
		var keep []*candidate
		for _, c := range cands {
			if c.key != "" && score(c) >= threshold {
				keep = append(keep, c)
			}
		}
		slices.SortStableFunc(keep, func(a, b *candidate) int { return cmp.Compare(score(b), score(a)) })
		return keep
	}
	techs := best(func(c *candidate) float64 {
		if c.tech > c.vendor {
			return c.tech
		}
		return 0
	})
	if len(techs) > 0 {
		t := techs[0]
		out.Technology = &message.Name{Name: t.text, Score: t.tech, Evidence: t.evidence}
	}
	score := func(c *candidate) float64 {
		if c.vendor >= c.tech {
			return c.vendor
		}
		return 0
	}
	vendors := best(score)
	if len(vendors) == 0 {
		// Only an NHS trust using it is named: it is taken to have made it.
		score = func(c *candidate) float64 { return c.vendor + c.deployer }
		vendors = best(score)
	}
	if len(vendors) == 0 {
		if c, at, ok := onlyOrganisation(cands); ok {
			at.RuleID = "names.only-organisation"
			out.Vendors = append(out.Vendors, message.Name{Name: c.text, Score: c.vendor,
				Evidence: append(slices.Clone(c.evidence), at)})
			return out
		}
	}
	// The developers the headline names come first: one the text alone
	// names must have more evidence than they have.
	inTitle := 0.0
	for _, v := range vendors {
		if v.inTitle() {
			inTitle = max(inTitle, score(v))
		}
	}
	var kept []*candidate
	for _, v := range vendors {
		if len(kept) == maxVendors {
			break
		}
		// A developer with half the evidence of the best, or one only
		// the text names with less than the headline's, is left out,
		// unless the text says it made the technology: "developed by …
		// researchers from Google Health and Imperial College London"
		// names both, however often the first is named ("researchers in
		// Britain" name a place, not a developer).
		maker := v.madeIt() && !d.x.places[strings.ToLower(v.text)]
		if score(v) < score(vendors[0])/2 && !maker {
			continue
		}
		if !v.inTitle() && score(v) <= inTitle && !v.supplier() && !maker {
			continue
		}
		kept = append(kept, v)
	}
	kept = d.besideFirm(kept)
	for _, v := range kept {
		if slices.ContainsFunc(kept, func(w *candidate) bool { return wordPrefix(v.text, w.text) }) {
			continue // "Mayo" beside "Mayo Clinic": one developer, named in full
		}
		out.Vendors = append(out.Vendors, message.Name{Name: v.text, Score: score(v), Evidence: v.evidence})
	}
	return out
}

// onlyOrganisation returns the one name the text gives the shape of an
// organisation ("Rivermouth University Hospital") with no more evidence of
// being a product, and where that shape was seen: where no developer
// reaches the threshold, it is taken to have made the technology. Two such
// names say nothing.
func onlyOrganisation(cands []*candidate) (*candidate, message.Evidence, bool) {
	var only *candidate
	var at message.Evidence
	for _, c := range cands {
		if c.key == "" || c.vendor <= 0 || c.vendor < c.tech {
			continue
		}
		i := c.sighting(patOrganisationShape)
		if i < 0 {
			continue
		}
		if only != nil {
			return nil, message.Evidence{}, false
		}
		only, at = c, c.evidence[i]
	}
	return only, at, only != nil
}

// sighting returns the index of the candidate's evidence from pattern p,
// or -1.
func (c *candidate) sighting(p pattern) int {
	rule := "names." + p.String()
	return slices.IndexFunc(c.evidence, func(e message.Evidence) bool { return e.RuleID == rule })
}

// locatedAfter reports whether a name is a place a located word says a
// company is in: "Nashville-based", "Nashua, New Hampshire-based".
func (d *doc) locatedAfter(f *field, sp span) bool {
	j := sp.to
	if j+1 < len(f.toks) && f.toks[j].text == "," {
		// The region after the comma: a few capitalised words.
		k := j + 1
		for k < len(f.toks) && k < j+5 && f.toks[k].word && f.toks[k].capital {
			k++
		}
		if k > j+1 {
			j = k
		}
	}
	// "Renton, Wash.-based": after an abbreviation's full stop the hyphen
	// is no token of its own.
	if j+1 < len(f.toks) && f.toks[j].text == "." && f.toks[j+1].is(listLocated) &&
		f.toks[j+1].start == f.toks[j].end+1 && f.s[f.toks[j].end] == '-' {
		return true
	}
	return j+1 < len(f.toks) && f.toks[j].text == "-" && f.toks[j+1].is(listLocated)
}

// providerWords end the names of hospitals and health systems, which
// buy and use what firms make.
var providerWords = map[string]bool{"hospital": true, "hospitals": true, "clinic": true, "medicine": true,
	"health": true, "care": true, "system": true, "center": true, "centre": true, "trust": true, "network": true,
	"alliance": true}

// partnerPatterns are the only evidence a provider beside a firm may
// have to be left out: it announces, partners, uses or is named.
var partnerPatterns = map[string]bool{"names." + patAnnounces.String(): true, "names." + patAnnounceTogether.String(): true,
	"names." + patPartnership.String(): true, "names." + patDeployed.String(): true, "names." + patUses.String(): true,
	"names." + patInTitle.String(): true, "names." + patOrganisationShape.String(): true}

// besideFirm leaves out of the developers a hospital or health system
// named beside a firm ("Adventist Health is partnering with artificial
// intelligence company Mednition", "Mayo Clinic partnered with
// hellocare.ai"): the provider uses what the firm makes. A firm is one the
// text calls a company or startup, one the gazetteer knows as a developer,
// or one whose name is a web address or ends in a legal form; a provider
// keeps its place where anything says it made something ("developed by",
// "researchers at", its product).
func (d *doc) besideFirm(kept []*candidate) []*candidate {
	if len(kept) < 2 || !slices.ContainsFunc(kept, d.firm) {
		return kept
	}
	return slices.DeleteFunc(kept, func(c *candidate) bool {
		if d.firm(c) || len(strings.Fields(c.text)) < 2 || !providerWords[lastWord(c.text)] {
			return false
		}
		return !slices.ContainsFunc(c.evidence, func(e message.Evidence) bool { return !partnerPatterns[e.RuleID] })
	})
}

// firm reports whether the candidate is a company by what the text calls
// it, by the gazetteer of developers or by its name's shape.
func (d *doc) firm(c *candidate) bool {
	if c.sighting(patFirm) >= 0 || c.sighting(patKnownVendor) >= 0 {
		return true
	}
	last := lastWord(c.text)
	return d.x.cues.Words["legal_forms"][last] || d.webAddress(last)
}

// lastWord returns the last word of a name, in lower case.
func lastWord(name string) string {
	words := strings.Fields(strings.ToLower(name))
	if len(words) == 0 {
		return ""
	}
	return words[len(words)-1]
}

// madeIt reports whether the text says the candidate made the
// technology: developed by it, by its researchers.
func (c *candidate) madeIt() bool {
	return c.sighting(patDevelopedBy) >= 0 || c.sighting(patResearchersAt) >= 0
}

// supplier reports whether the text says the name made or sold the
// technology to someone else: the company bought, the partner, the one a
// contract went to, the one a firm word names.
func (c *candidate) supplier() bool {
	for _, p := range []pattern{patAcquires, patAwardedTo, patPartnership, patFirm, patDevelopedBy} {
		if i := c.sighting(p); i >= 0 {
			return true
		}
	}
	return false
}

// inTitle reports whether the headline gives the name.
func (c *candidate) inTitle() bool {
	return slices.ContainsFunc(c.evidence, func(e message.Evidence) bool { return e.Field == "title" })
}

// foldAcronyms adds the evidence of a name in capitals that abbreviates
// another ("AWS" for "Amazon Web Services") to the other, and empties it;
// an abbreviation whose long form the document gives but no pattern read
// takes the long form as its text.
func (d *doc) foldAcronyms(cands []*candidate) {
	long := map[string]*candidate{}
	for _, c := range cands {
		words := strings.Fields(c.key)
		if in := initials(words); len(in) >= 2 {
			long[in] = c
		}
		// "UNC" abbreviates "University of North Carolina" without its
		// "of"; "UCLH", "University College London Hospitals NHS
		// Foundation Trust" without the trust's legal form.
		words = slices.DeleteFunc(words, func(w string) bool { return d.x.cues.Words["connectors"][w] })
		short := words
		for len(short) > 2 && trustForm[short[len(short)-1]] {
			short = short[:len(short)-1]
		}
		for _, ws := range [][]string{words, short} {
			if in := initials(ws); len(in) >= 2 {
				if _, taken := long[in]; !taken {
					long[in] = c
				}
			}
		}
	}
	spelled := map[string]string{}
	for _, f := range d.fields {
		for _, sp := range f.spans {
			var words []string
			for _, t := range f.toks[sp.from:sp.to] {
				if !t.is(listConnectors) {
					words = append(words, t.low)
				}
			}
			if in := initials(words); len(in) >= 2 {
				spelled[in] = f.text(sp)
			}
		}
	}
	for _, c := range cands {
		if strings.Contains(c.key, " ") || c.key == "" || c.text != strings.ToUpper(c.text) {
			continue
		}
		if l, ok := long[c.key]; ok && l != c {
			l.tech += c.tech
			l.vendor += c.vendor
			l.evidence = append(l.evidence, c.evidence...)
			c.key, c.tech, c.vendor = "", 0, 0
			continue
		}
		if text, ok := spelled[c.key]; ok {
			c.text = text
		}
	}
}

// trustForm is the legal form an NHS trust's name ends with, which its
// short form leaves out.
var trustForm = map[string]bool{"nhs": true, "foundation": true, "trust": true}

// initials returns the first letters of words.
func initials(words []string) string {
	if len(words) < 2 {
		return ""
	}
	var b strings.Builder
	for _, w := range words {
		r, _ := utf8.DecodeRuneInString(w)
		b.WriteRune(r)
	}
	return b.String()
}
