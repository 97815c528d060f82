// Package suggest mines candidate rule phrases from gold-labelled documents:
// the words that would give a code to the documents an analyst gave it and
// the rules missed, each with the precision and recall it would have on the
// gold. The result is a rule to read and paste, never a model.
package suggest

import (
	"cmp"
	"fmt"
	"io"
	"math"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Doc is one gold-labelled document: its words, whether the gold gives it
// the code, and whether the rules already do.
type Doc struct {
	ID          string
	Title, Text string
	// Scored says the document counts for this code's precision and recall
	// (for a code other than relevance: the gold marks it relevant).
	Scored bool
	// Gold says the analysts gave the document the code; Predicted that the
	// current rules do.
	Gold, Predicted bool
}

// Options bound the search.
type Options struct {
	// MaxWords is the longest phrase tried (default 3).
	MaxWords int
	// MinSupport is the fewest missed documents a phrase must add (default 2).
	MinSupport int
	// MinPrecision is the least precision on the gold for a phrase to be
	// proposed in the rule (default 0.7).
	MinPrecision float64
	// Top is how many candidates to list (default 20).
	Top int
	// Known are phrases the rules already have for the code (lower case);
	// they are not proposed again.
	Known []string
}

func (o Options) withDefaults() Options {
	o.MaxWords = cmp.Or(o.MaxWords, 3)
	o.MinSupport = cmp.Or(o.MinSupport, 2)
	o.MinPrecision = cmp.Or(o.MinPrecision, 0.7)
	o.Top = cmp.Or(o.Top, 20)
	return o
}

// Candidate is a phrase and how it would do as "any: [phrase]" for the
// code on the gold.
type Candidate struct {
	Phrase string
	// With is the scored documents containing the phrase, Right those of
	// them the gold gives the code, Added those the rules missed.
	With, Right, Added int
	Precision, Recall  float64
}

// Result is the candidates, best first, and the rule made of those precise
// enough, with how that rule would do on the gold together with the rules.
type Result struct {
	Positives, Missed int
	Candidates        []Candidate
	// Rule lists the phrases proposed; Precision and Recall are of the
	// code on the gold if the rule were added to the rules.
	Rule              []string
	Precision, Recall float64
}

// Suggest finds the phrases of up to MaxWords words (no phrase starts or
// ends with a function word) that occur in at least MinSupport documents
// the gold gives the code and the rules miss, and ranks them by their
// precision on the gold (the lower bound of its Wilson interval, so that
// precision on few documents counts for less), then by how many missed
// documents they add.
func Suggest(docs []Doc, opt Options) Result {
	opt = opt.withDefaults()
	known := map[string]bool{}
	for _, k := range opt.Known {
		known[normalise(k)] = true
	}
	var res Result
	phrasesOf := make([]map[string]bool, len(docs))
	counts := map[string]*Candidate{}
	for i, d := range docs {
		if !d.Scored {
			continue
		}
		if d.Gold {
			res.Positives++
			if !d.Predicted {
				res.Missed++
			}
		}
		phrasesOf[i] = phrases(d.Title+"\n"+d.Text, opt.MaxWords)
		for p := range phrasesOf[i] {
			c, ok := counts[p]
			if !ok {
				c = &Candidate{Phrase: p}
				counts[p] = c
			}
			c.With++
			if d.Gold {
				c.Right++
				if !d.Predicted {
					c.Added++
				}
			}
		}
	}
	for _, c := range counts {
		if c.Added < opt.MinSupport || known[c.Phrase] {
			continue
		}
		c.Precision = float64(c.Right) / float64(c.With)
		c.Recall = ratio(c.Right, res.Positives)
		res.Candidates = append(res.Candidates, *c)
	}
	slices.SortFunc(res.Candidates, func(a, b Candidate) int {
		return cmp.Or(cmp.Compare(wilson(b.Right, b.With), wilson(a.Right, a.With)), cmp.Compare(b.Added, a.Added),
			cmp.Compare(len(a.Phrase), len(b.Phrase)), strings.Compare(a.Phrase, b.Phrase))
	})
	// The rule: precise phrases, in rank order, skipping those that add no
	// document the phrases before them did not already give.
	given := make([]bool, len(docs))
	for i, d := range docs {
		given[i] = d.Predicted
	}
	for _, c := range res.Candidates {
		if c.Precision < opt.MinPrecision {
			continue
		}
		adds := false
		for i, d := range docs {
			if d.Scored && d.Gold && !given[i] && phrasesOf[i][c.Phrase] {
				adds = true
			}
		}
		if !adds {
			continue
		}
		res.Rule = append(res.Rule, c.Phrase)
		for i := range docs {
			if docs[i].Scored && phrasesOf[i][c.Phrase] {
				given[i] = true
			}
		}
	}
	tp, fp := 0, 0
	for i, d := range docs {
		if !d.Scored || !given[i] {
			continue
		}
		if d.Gold {
			tp++
		} else {
			fp++
		}
	}
	res.Precision, res.Recall = ratio(tp, tp+fp), ratio(tp, res.Positives)
	if len(res.Candidates) > opt.Top {
		res.Candidates = res.Candidates[:opt.Top]
	}
	return res
}

// wilson is the lower bound of the Wilson score interval (90%) of a
// proportion: a phrase right 7 times in 7 ranks above one right 2 times
// in 2, whose precision rests on less.
func wilson(right, n int) float64 {
	if n == 0 {
		return 0
	}
	const z = 1.645
	p, fn := float64(right)/float64(n), float64(n)
	centre := p + z*z/(2*fn)
	spread := z * math.Sqrt((p*(1-p)+z*z/(4*fn))/fn)
	return (centre - spread) / (1 + z*z/fn)
}

func ratio(a, b int) float64 {
	if b == 0 {
		return 0
	}
	return float64(a) / float64(b)
}

// phrases returns the phrases of one to n words of a text, as the rule
// engine would match them: lower case, a hyphen as a space, the last word
// in the singular (the engine matches its plural by itself); none starts or
// ends with a function word or is only digits.
func phrases(text string, n int) map[string]bool {
	out := map[string]bool{}
	for _, sentence := range sentences(text) {
		words := words(sentence)
		for i := range words {
			if functionWords[words[i]] || isNumber(words[i]) {
				continue
			}
			for j := i; j < len(words) && j < i+n; j++ {
				if functionWords[words[j]] || isNumber(words[j]) {
					continue
				}
				p := slices.Clone(words[i : j+1])
				p[len(p)-1] = singular(p[len(p)-1])
				out[strings.Join(p, " ")] = true
			}
		}
	}
	return out
}

// sentences splits text where a phrase should not run on: line breaks and
// sentence punctuation.
func sentences(text string) []string {
	return strings.FieldsFunc(text, func(r rune) bool {
		return r == '\n' || r == '.' || r == '!' || r == '?' || r == ';' || r == ':' || r == '(' || r == ')' ||
			r == '"' || r == '“' || r == '”' || r == '|'
	})
}

// words splits a sentence into lower-case words; a hyphen separates words,
// an apostrophe inside a word does not.
func words(s string) []string {
	s = strings.ReplaceAll(strings.ToLower(s), "’", "'")
	var out []string
	for _, w := range strings.FieldsFunc(s, func(r rune) bool {
		return !(unicode.IsLetter(r) || unicode.IsDigit(r) || r == '\'' || r == '&')
	}) {
		if w = strings.TrimLeft(w, "'"); w != "" {
			out = append(out, w)
		}
	}
	return out
}

func normalise(p string) string {
	ws := words(p)
	if len(ws) == 0 {
		return ""
	}
	ws[len(ws)-1] = singular(ws[len(ws)-1])
	return strings.Join(ws, " ")
}

// singular undoes the plurals the engine adds to a phrase by itself
// ("scans", "patches", "studies").
func singular(w string) string {
	switch {
	case utf8.RuneCountInString(w) <= 3 || strings.HasSuffix(w, "ss") || strings.HasSuffix(w, "us") ||
		strings.HasSuffix(w, "is"):
		return w
	case strings.HasSuffix(w, "ies") && len(w) > 4:
		return w[:len(w)-3] + "y"
	case strings.HasSuffix(w, "ches") || strings.HasSuffix(w, "shes") || strings.HasSuffix(w, "xes"):
		return w[:len(w)-2]
	case strings.HasSuffix(w, "s"):
		return w[:len(w)-1]
	}
	return w
}

func isNumber(w string) bool {
	for _, r := range w {
		if !unicode.IsDigit(r) {
			return false
		}
	}
	return true
}

// functionWords are the English words no phrase starts or ends with.
var functionWords = func() map[string]bool {
	m := map[string]bool{}
	for _, w := range strings.Fields(`a about above after again against all also am an and any are as at be
		because been before being below between both but by can could did do does doing down during each few for
		from further had has have having he her here hers him his how i if in into is it it's its itself just
		may me might more most must my no nor not now of off on once only or other our ours out over own same
		she should so some such than that the their theirs them then there these they this those through to too
		under until up upon us very was we were what when where which while who whom why will with would you
		your yours new one two three first also says said say like get gets got make makes made use used uses
		using via per whether within without across among`) {
		m[w] = true
	}
	return m
}()

// Write prints the result for an analyst: the candidates with their
// figures, then the rule to paste.
func (r Result) Write(w io.Writer, dim, code string, scored int) {
	fmt.Fprintf(w, "%s %s: %d of %d scored documents have it in the gold; the rules miss %d of them\n\n",
		dim, code, r.Positives, scored, r.Missed)
	if len(r.Candidates) == 0 {
		fmt.Fprintln(w, "no phrase adds enough of the missed documents (lower --min-support?)")
		return
	}
	fmt.Fprintf(w, "%-36s %9s %7s %7s %11s\n", "phrase", "precision", "recall", "adds", "right/with")
	for _, c := range r.Candidates {
		fmt.Fprintf(w, "%-36s %9.2f %7.2f %7d %11s\n", c.Phrase, c.Precision, c.Recall, c.Added,
			fmt.Sprintf("%d/%d", c.Right, c.With))
	}
	if len(r.Rule) == 0 {
		fmt.Fprintln(w, "\nno phrase is precise enough for a rule (lower --min-precision?)")
		return
	}
	quoted := make([]string, len(r.Rule))
	for i, p := range r.Rule {
		quoted[i] = yamlPhrase(p)
	}
	fmt.Fprintf(w, "\n# With the rules, %s %s would have precision %.2f and recall %.2f on this gold.\n",
		dim, code, r.Precision, r.Recall)
	fmt.Fprintf(w, "# Read each phrase: keep the kinds of things, drop what only these texts say.\n")
	fmt.Fprintf(w, "  - id: suggested.%s.%s\n    set: {%s: %s}\n    any: [%s]\n", dim, strings.ToLower(code), dim, code,
		strings.Join(quoted, ", "))
}

// yamlPhrase quotes a phrase where YAML would read it as something else.
func yamlPhrase(p string) string {
	if strings.ContainsAny(p, ":#,[]{}&*!|>'\"%@`") || p == "yes" || p == "no" || p == "true" || p == "false" {
		return fmt.Sprintf("%q", p)
	}
	return p
}
