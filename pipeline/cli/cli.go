// Package cli gives every Horizon binary one command shape: NAME COMMAND
// [flags], with help for every command ("NAME help COMMAND", "NAME COMMAND
// --help", both exit 0), unknown words refused with the list of commands,
// and the bare form ("NAME [flags]") kept as an alias of a default command
// where a binary has one.
package cli

import (
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"sync"
	"text/tabwriter"
)

// Command is one command of a binary.
type Command struct {
	Name    string
	Summary string // one line: what it does
	// Run runs the command with the arguments after its name and returns
	// the exit code.
	Run func(args []string) int
}

// Program is a binary's commands.
type Program struct {
	Name           string // the binary, or "binary command" for a command with commands of its own
	About          string // what the binary does, one or two lines
	Default        string // the command the bare form runs; empty: the bare form prints help
	Commands       []Command
	Stdout, Stderr io.Writer // default os.Stdout, os.Stderr
}

func (p *Program) out() io.Writer {
	if p.Stdout == nil {
		return os.Stdout
	}
	return p.Stdout
}

func (p *Program) errOut() io.Writer {
	if p.Stderr == nil {
		return os.Stderr
	}
	return p.Stderr
}

// Exit codes shared by the binaries.
const (
	ExitOK                = 0   // done
	ExitError             = 1   // it failed: a server, a file, the work itself
	ExitUsage             = 2   // the command line or the configuration is wrong
	ExitSomeSourcesFailed = 3   // a run of sources: some failed
	ExitAllSourcesFailed  = 4   // a run of sources: every one failed
	ExitInterrupted       = 130 // stopped by Ctrl-C, as a shell reports it
)

// SourcesExit is the exit code of a run of total sources of which failed
// failed: 0 when none did, 3 when some did, 4 when all did.
func SourcesExit(total, failed int) int {
	switch {
	case failed == 0:
		return ExitOK
	case failed == total:
		return ExitAllSourcesFailed
	}
	return ExitSomeSourcesFailed
}

// Run dispatches args (without the binary's own name) and returns the exit
// code.
func (p *Program) Run(args []string) int {
	if len(args) == 0 || strings.HasPrefix(args[0], "-") {
		if len(args) > 0 && isHelp(args[0]) {
			p.usage(p.out())
			return ExitOK
		}
		if p.Default == "" {
			if len(args) == 0 {
				p.usage(p.out())
				return ExitOK
			}
			fmt.Fprintf(p.errOut(), "%s: a command comes first\n\n", p.Name)
			p.usage(p.errOut())
			return ExitUsage
		}
		return p.find(p.Default).Run(args)
	}
	name, rest := args[0], args[1:]
	if name == "help" {
		if len(rest) == 0 {
			p.usage(p.out())
			return ExitOK
		}
		c := p.find(rest[0])
		if c == nil {
			return p.unknown(rest[0])
		}
		// Help of a command with commands of its own ("help rules check")
		// passes the rest on.
		return c.Run(append(rest[1:], "--help"))
	}
	c := p.find(name)
	if c == nil {
		return p.unknown(name)
	}
	return c.Run(rest)
}

func (p *Program) find(name string) *Command {
	for i := range p.Commands {
		if p.Commands[i].Name == name {
			return &p.Commands[i]
		}
	}
	return nil
}

func (p *Program) unknown(word string) int {
	fmt.Fprintf(p.errOut(), "%s: unknown command %q; the commands are: %s\n\n", p.Name, word, strings.Join(p.names(), ", "))
	p.usage(p.errOut())
	return ExitUsage
}

func (p *Program) names() []string {
	var out []string
	for _, c := range p.Commands {
		out = append(out, c.Name)
	}
	return out
}

func (p *Program) usage(w io.Writer) {
	fmt.Fprintf(w, "Usage: %s COMMAND [flags]\n\n", p.Name)
	if p.About != "" {
		fmt.Fprintf(w, "%s\n\n", p.About)
	}
	fmt.Fprintln(w, "Commands:")
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	for _, c := range p.Commands {
		def := ""
		if c.Name == p.Default {
			def = fmt.Sprintf(" (the default: \"%s [flags]\" runs it)", p.Name)
		}
		fmt.Fprintf(tw, "  %s\t%s%s\n", c.Name, c.Summary, def)
	}
	_ = tw.Flush()
	fmt.Fprintf(w, "\nRun \"%s help COMMAND\" or \"%s COMMAND --help\" for a command's flags.\n", p.Name, p.Name)
}

func isHelp(arg string) bool {
	switch arg {
	case "-h", "-help", "--help":
		return true
	}
	return false
}

// FlagSet returns the flag set of a command: name is "binary command",
// usage the line of arguments after it ("[flags] FILE…") and summary what
// it does.
func FlagSet(name, usage, summary string) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	if !takesArguments(usage) {
		noArguments.Store(fs, true)
	}
	fs.Usage = func() {
		w := fs.Output()
		fmt.Fprintf(w, "Usage: %s %s\n\n%s\n", name, usage, summary)
		n := 0
		fs.VisitAll(func(*flag.Flag) { n++ })
		if n > 0 {
			fmt.Fprintln(w, "\nFlags:")
			fs.PrintDefaults()
		}
	}
	return fs
}

// Parse parses a command's flags. Asked for help (-h, --help before any
// "--"), it prints the usage on standard output and says to exit 0; a bad
// flag is reported on standard error with the usage, exit 2. done says
// whether the command should return code now.
func Parse(fs *flag.FlagSet, args []string) (code int, done bool) {
	for _, a := range args {
		if a == "--" {
			break
		}
		if isHelp(a) {
			fs.SetOutput(os.Stdout)
			fs.Usage()
			return ExitOK, true
		}
	}
	fs.SetOutput(os.Stderr)
	if err := fs.Parse(args); err != nil {
		return ExitUsage, true
	}
	// "classifier --rules x classify in.jsonl" is the bare form of "run"
	// with words it would ignore: refused, not run as a service.
	if _, none := noArguments.Load(fs); none && fs.NArg() > 0 {
		fmt.Fprintf(fs.Output(), "%s: unexpected argument %q: it takes flags only, and a command comes before its flags\n\n",
			fs.Name(), fs.Arg(0))
		fs.Usage()
		return ExitUsage, true
	}
	return 0, false
}

// noArguments holds the flag sets of commands whose usage names no
// argument but flags ("[flags]", "--gold G [flags]"). A command makes its
// flag set once a run, so the set stays as small as the commands run.
var noArguments sync.Map

// takesArguments reports whether a usage line names an argument that is
// no flag's value: a word in capitals not right after a flag ("FILE…" in
// "[flags] [FILE…]", "DIR" in "[--json] DIR", "NAME"; not "DIR" in
// "[--rules DIR]" nor "G" in "--gold G").
func takesArguments(usage string) bool {
	words := strings.Fields(usage)
	for i, w := range words {
		bare := strings.Trim(w, "[]….")
		if bare == "" || strings.ToUpper(bare) != bare || strings.ToLower(bare) == bare {
			continue // not a placeholder in capitals
		}
		if i > 0 {
			prev := words[i-1]
			if strings.HasPrefix(strings.TrimLeft(prev, "["), "-") && !strings.HasSuffix(prev, "]") {
				continue // a flag's value
			}
		}
		return true
	}
	return false
}
