package cli

import (
	"strings"
	"testing"
)

func TestTakesArguments(t *testing.T) {
	tests := []struct {
		usage string
		want  bool
	}{
		{"[flags]", false},
		{"[--rules DIR]", false},
		{"--gold G --input D [flags]", false},
		{"--gold G --input D --code DIM:CODE [flags]", false},
		{"[flags] [FILE…]", true},
		{"[--json] DIR", true},
		{"NAME --role ROLE [--password-file FILE] [flags]", true},
		{"[flags] -- COMMAND [ARG…]", true},
	}
	for _, tc := range tests {
		if got := takesArguments(tc.usage); got != tc.want {
			t.Errorf("takesArguments(%q) = %v, want %v", tc.usage, got, tc.want)
		}
	}
}

func TestOneCommandShape(t *testing.T) {
	var ran []string
	leaf := func(name string) func([]string) int {
		return func(args []string) int {
			fs := FlagSet("prog "+name, "[flags]", "Does "+name+".")
			fs.Bool("once", false, "once")
			if code, done := Parse(fs, args); done {
				return code
			}
			ran = append(ran, name+" "+strings.Join(args, " "))
			return 0
		}
	}
	sub := &Program{Name: "prog rules", Commands: []Command{{Name: "check", Summary: "checks", Run: leaf("check")}}}
	tests := []struct {
		args     []string
		code     int
		ran      string
		out, err string
	}{
		{nil, 0, "run ", "", ""},
		{[]string{"--once"}, 0, "run --once", "", ""},
		{[]string{"run", "--once"}, 0, "run --once", "", ""},
		{[]string{"help"}, 0, "", "Usage: prog COMMAND", ""},
		{[]string{"--help"}, 0, "", "the default", ""},
		{[]string{"help", "run"}, 0, "", "", ""},
		{[]string{"run", "--help"}, 0, "", "", ""},
		{[]string{"help", "rules", "check"}, 0, "", "", ""},
		{[]string{"rules"}, 0, "", "Usage: prog rules COMMAND", ""},
		{[]string{"rules", "check", "--once"}, 0, "check --once", "", ""},
		{[]string{"frob"}, 2, "", "", `unknown command "frob"; the commands are: run, rules`},
		{[]string{"rules", "frob"}, 2, "", "", `prog rules: unknown command "frob"; the commands are: check`},
		{[]string{"run", "--nope"}, 2, "", "", ""},
		// Flags before a command's name: the bare form of the default with
		// words it takes no argument for, refused rather than run.
		{[]string{"--once", "rules", "check"}, 2, "", "", ""},
		{[]string{"run", "stray"}, 2, "", "", ""},
	}
	for _, tc := range tests {
		t.Run(strings.Join(tc.args, " "), func(t *testing.T) {
			ran = nil
			var out, errOut strings.Builder
			sub.Stdout, sub.Stderr = &out, &errOut
			p := &Program{Name: "prog", Default: "run", Stdout: &out, Stderr: &errOut, Commands: []Command{
				{Name: "run", Summary: "runs", Run: leaf("run")},
				{Name: "rules", Summary: "rules", Run: sub.Run},
			}}
			code := p.Run(tc.args)
			if code != tc.code || strings.Join(ran, ";") != tc.ran ||
				!strings.Contains(out.String(), tc.out) || !strings.Contains(errOut.String(), tc.err) {
				t.Errorf("code %d, ran %q, out %q, err %q; want %d, %q, out with %q, err with %q",
					code, ran, out.String(), errOut.String(), tc.code, tc.ran, tc.out, tc.err)
			}
		})
	}
}
