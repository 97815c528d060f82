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
	return fmt.Sprintf("%s:%d: rule %s: %s: %q", f.File, f.Line, f.Rule, f.Problem, f.Text)
}

// TestExamples classifies every example in the rule files: a match example
// must get every code its rule sets, a no_match example none of them
// (whatever the rule's weight: a rule of evidence against a code gives
// no_match examples). It returns the failures and the number of examples
// run.
func (rs *RuleSet) TestExamples() ([]ExampleFailure, int) {
	var fails []ExampleFailure
	n := 0
	for _, r := range rs.rules {
		check := func(ex Example, wantCodes bool) {
			n++
			got := rs.Classify("", ex.Text)
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
	return fails, n
}
