package rules

import "fmt"

// ExampleFailure is a rule example whose classification disagrees with the
// rule.
type ExampleFailure struct {
	Rule    string
	File    string
	Line    int
	Text    string
	Problem string
}

func (f ExampleFailure) Error() string {
	if f.File == "" {
		return f.Problem
	}
	if f.Rule == "" && f.Text != "" {
		return fmt.Sprintf("%s:%d: %s: %q", f.File, f.Line, f.Problem, f.Text)
	}
	if f.Rule == "" {
		return fmt.Sprintf("%s:%d: %s", f.File, f.Line, f.Problem)
	}
	return fmt.Sprintf("%s:%d: rule %s: %s: %q", f.File, f.Line, f.Rule, f.Problem, f.Text)
}

// TestExamples classifies every example in the rule files: a match example
// must get every code its rule sets, a no_match example none of them
// (whatever the rule's weight: a rule of evidence against a code gives
// no_match examples). An example of a vocabulary rule must (must not) be
// matched by one of the vocabulary's terms, whichever code it gives. Every
// vocabulary must have examples: a vocabulary rule's match example, or any
// example of a rule whose phrases draw on it ("@NAME"). It returns the
// failures and the number of examples run.
func (rs *RuleSet) TestExamples() ([]ExampleFailure, int) {
	var fails []ExampleFailure
	n := 0
	exampled := map[string]bool{}
	for _, r := range rs.rules {
		if r.Vocabulary != "" {
			if len(r.Match) > 0 {
				exampled[r.Vocabulary] = true
			}
			for _, ex := range r.Match {
				n++
				if !rs.ruleFires(r, ex.Text) {
					fails = append(fails, ExampleFailure{r.ID, r.File, ex.Line, ex.Text, "no term of vocabulary " + r.Vocabulary + " gave a code"})
				}
			}
			for _, ex := range r.NoMatch {
				n++
				if rs.ruleFires(r, ex.Text) {
					fails = append(fails, ExampleFailure{r.ID, r.File, ex.Line, ex.Text, "a term of vocabulary " + r.Vocabulary + " gave a code"})
				}
			}
			continue
		}
		if len(r.Match)+len(r.NoMatch) > 0 {
			for _, ref := range r.Refs {
				exampled[ref] = true
			}
		}
		check := func(ex Example, wantCodes bool) {
			n++
			got := r.classifyExample(rs, ex.Text)
			have := map[key]bool{}
			for _, l := range got.Labels {
				have[key{l.Dimension, l.Code}] = true
			}
			for dim, codes := range r.Set {
				for _, c := range codes {
					if dim == DimRelevance {
						if (c == Relevant) != got.Relevant && wantCodes {
							fails = append(fails, ExampleFailure{r.ID, r.File, ex.Line, ex.Text, "not classified " + c})
						} else if (c == Relevant) == got.Relevant && !wantCodes {
							fails = append(fails, ExampleFailure{r.ID, r.File, ex.Line, ex.Text, "classified " + c})
						}
						continue
					}
					switch {
					case wantCodes && !have[key{dim, c}]:
						fails = append(fails, ExampleFailure{r.ID, r.File, ex.Line, ex.Text, "did not get " + dim + " " + c})
					case !wantCodes && have[key{dim, c}]:
						fails = append(fails, ExampleFailure{r.ID, r.File, ex.Line, ex.Text, "got " + dim + " " + c})
					}
				}
			}
		}
		for _, ex := range r.Match {
			check(ex, true)
		}
		for _, ex := range r.NoMatch {
			check(ex, false)
		}
	}
	for _, name := range sortedKeys(rs.Vocabularies) {
		if v := rs.Vocabularies[name]; !exampled[name] {
			fails = append(fails, ExampleFailure{File: v.File, Line: 1, Problem: "no rule using vocabulary " + name + " has examples"})
		}
	}
	if rs.Names != nil {
		nameFails, m := rs.Names.TestExamples()
		n += m
		for _, f := range nameFails {
			fails = append(fails, ExampleFailure{File: rs.Names.File(), Line: f.Line, Text: f.Title + " / " + f.Text,
				Problem: fmt.Sprintf("%s: want %s, got %s", f.WhatIsWrong, f.Want, f.Got)})
		}
	}
	if rs.Marks != nil {
		markFails, m := rs.Marks.TestExamples()
		n += m
		for _, f := range markFails {
			fails = append(fails, ExampleFailure{Problem: f})
		}
	}
	return fails, n
}

// ruleFires reports whether the rule with this id gives evidence for a
// code of the classification of text.
func (rs *RuleSet) ruleFires(r compiled, text string) bool {
	for _, l := range r.classifyExample(rs, text).Labels {
		for _, e := range l.Evidence {
			if e.RuleID == r.ID {
				return true
			}
		}
	}
	return false
}

// classifyExample classifies an example as the text of a document, or as
// its title for a rule that reads only titles.
func (r compiled) classifyExample(rs *RuleSet, text string) Result {
	if r.Field == "title" {
		return rs.Classify(text, "")
	}
	return rs.Classify("", text)
}
