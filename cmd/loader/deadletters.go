package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"text/tabwriter"
	"unicode"

	"github.com/horizon-scan/horizon/pipeline/cli"
	"github.com/horizon-scan/horizon/pipeline/load"
	"github.com/horizon-scan/horizon/pipeline/ops"
	"github.com/horizon-scan/horizon/pipeline/store"
)

// deadLetters runs "loader deadletters COMMAND".
func deadLetters(args []string) int {
	p := &cli.Program{
		Name:  "loader deadletters",
		About: "Dead letters: messages a stage could never process, kept with their payload and reason.",
		Commands: []cli.Command{
			{Name: "list", Summary: "the open dead letters (--all: the redriven ones too)",
				Run: func(args []string) int { return deadLettersSub("list", "[flags] [ID…]", args) }},
			{Name: "show", Summary: "one dead letter whole: stage, subject, reason, payload",
				Run: func(args []string) int { return deadLettersSub("show", "[flags] ID", args) }},
			{Name: "redrive", Summary: "send dead letters back to the subject they were read from (by ID, --stage or --reason)",
				Run: func(args []string) int { return deadLettersSub("redrive", "[flags] [ID…]", args) }},
		},
	}
	return p.Run(args)
}

var deadLetterSummaries = map[string]string{
	"list":    "Lists the open dead letters, or with --all the redriven ones too.",
	"show":    "Shows one dead letter whole: stage, subject, reason, and its payload (control characters escaped).",
	"redrive": "Sends dead letters back to the subject they were read from, for their stage to try again after a fix; select them by ID, --stage or --reason (at least one); --dry-run lists what would be sent.",
}

// deadLettersSub runs one of list, show and redrive.
func deadLettersSub(sub, usage string, args []string) int {
	fs := cli.FlagSet("loader deadletters "+sub, usage, deadLetterSummaries[sub])
	var f ops.Flags
	f.Register(fs, "", true)
	var filter store.DeadLetterFilter
	fs.StringVar(&filter.Stage, "stage", "", "only dead letters of this stage (classifier, loader, source-runs)")
	fs.StringVar(&filter.Reason, "reason", "", "only dead letters whose reason contains this")
	fs.BoolVar(&filter.Redriven, "all", false, "the redriven dead letters too")
	fs.IntVar(&filter.Limit, "limit", 1000, "at most this many")
	dryRun := fs.Bool("dry-run", false, "redrive: list what would be sent, send nothing")
	if code, done := cli.Parse(fs, args); done {
		return code
	}
	for _, a := range fs.Args() {
		id, err := strconv.ParseInt(a, 10, 64)
		if err != nil || id < 1 {
			fmt.Fprintf(os.Stderr, "loader deadletters %s: %q is not a dead letter id\n", sub, a)
			return 2
		}
		filter.IDs = append(filter.IDs, id)
	}
	if err := f.Validate(true); err != nil {
		fmt.Fprintln(os.Stderr, "loader deadletters:", err)
		return 2
	}
	switch {
	case sub == "show" && len(filter.IDs) != 1:
		fmt.Fprintln(os.Stderr, "loader deadletters show: give one dead letter id")
		return 2
	case sub == "redrive" && len(filter.IDs) == 0 && filter.Stage == "" && filter.Reason == "":
		fmt.Fprintln(os.Stderr, "loader deadletters redrive: select the letters to send: ids, --stage or --reason")
		return 2
	}
	if sub == "show" || len(filter.IDs) > 0 {
		filter.Redriven = true // a letter named by its id is shown or sent whatever its state
	}
	log := f.Logger()
	ctx, stop := ops.SignalContext(context.Background())
	defer stop()
	st, err := store.Open(ctx, f.DatabaseURL)
	if err != nil {
		log.Error("opening the database", "err", err)
		return 1
	}
	defer st.Close()

	if sub != "redrive" || *dryRun {
		letters, err := st.DeadLetters(ctx, filter)
		if err != nil {
			log.Error("reading dead letters", "err", err)
			return 1
		}
		if sub == "show" {
			if len(letters) == 0 {
				fmt.Fprintf(os.Stderr, "loader deadletters show: no dead letter %d\n", filter.IDs[0])
				return 1
			}
			showDeadLetter(os.Stdout, letters[0])
			return 0
		}
		listDeadLetters(os.Stdout, letters)
		return 0
	}
	svc, err := f.Start(ctx, "horizon-redrive")
	if err != nil {
		log.Error("connecting to NATS", "err", err)
		return 1
	}
	defer svc.NATS.Close()
	sent, err := load.Redrive(ctx, svc.Bus, st, filter, false)
	listDeadLetters(os.Stdout, sent)
	fmt.Printf("%d sent back\n", len(sent))
	if err != nil {
		log.Error("redriving", "err", err)
		return 1
	}
	return 0
}

// listDeadLetters prints one line a letter.
func listDeadLetters(w io.Writer, letters []store.StoredDeadLetter) {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tSTAGE\tTIMES\tLAST SEEN\tREDRIVEN\tREASON")
	for _, d := range letters {
		redriven := "-"
		if d.RedrivenAt != nil {
			redriven = d.RedrivenAt.UTC().Format("2006-01-02 15:04")
		}
		fmt.Fprintf(tw, "%d\t%s\t%d\t%s\t%s\t%s\n", d.ID, printable(d.Stage), d.Count,
			d.LastSeen.UTC().Format("2006-01-02 15:04"), redriven, printable(cut(d.Reason, 100)))
	}
	_ = tw.Flush()
}

// showDeadLetter prints a letter whole, its payload indented when it is
// JSON.
func showDeadLetter(w io.Writer, d store.StoredDeadLetter) {
	fmt.Fprintf(w, "id:        %d\nstage:     %s\nsubject:   %s\nmsg id:    %s\ntimes:     %d\nfirst:     %s\nlast:      %s\n",
		d.ID, printable(d.Stage), printable(d.Subject), printable(d.MsgID), d.Count,
		d.FirstSeen.UTC().Format("2006-01-02 15:04:05"), d.LastSeen.UTC().Format("2006-01-02 15:04:05"))
	if d.RedrivenAt != nil {
		fmt.Fprintf(w, "redriven:  %s (%d times)\n", d.RedrivenAt.UTC().Format("2006-01-02 15:04:05"), d.Redrives)
	}
	fmt.Fprintf(w, "reason:    %s\npayload (%d bytes):\n", printable(d.Reason), len(d.Payload))
	var buf bytes.Buffer
	if json.Indent(&buf, d.Payload, "", "  ") == nil {
		fmt.Fprintln(w, printable(buf.String()))
		return
	}
	fmt.Fprintln(w, printable(strconv.Quote(string(d.Payload))))
}

// printable escapes what a terminal would act on: scraped text and reasons
// are hostile, and control characters must not reach the screen.
func printable(s string) string {
	var b strings.Builder
	for _, r := range s {
		switch {
		case r == '\n' || r == '\t':
			b.WriteRune(r)
		case unicode.IsControl(r) || r == unicode.ReplacementChar || unicode.Is(unicode.Bidi_Control, r):
			fmt.Fprintf(&b, "\\u%04x", r)
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

// cut shortens s to n runes, on one line.
func cut(s string, n int) string {
	s = strings.Join(strings.Fields(s), " ")
	if r := []rune(s); len(r) > n {
		return string(r[:n-1]) + "…"
	}
	return s
}
