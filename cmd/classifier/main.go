// Command classifier applies Horizon's rules to documents: as a NATS worker
// (run, the default), or to files for analysts (classify, rules check).
package main

import (
	"context"
	"flag"
	"fmt"
	"os"

	"github.com/horizon-scan/horizon/pipeline/bus"
	"github.com/horizon-scan/horizon/pipeline/classify"
	"github.com/horizon-scan/horizon/pipeline/cli"
	"github.com/horizon-scan/horizon/pipeline/ops"
	"github.com/horizon-scan/horizon/pipeline/rules"
)

func main() { os.Exit(program().Run(os.Args[1:])) }

func program() *cli.Program {
	rulesCmds := &cli.Program{
		Name:  "classifier rules",
		About: "The analysts' rules: validate them, run their examples, and mine new phrases from labelled documents.",
		Commands: []cli.Command{
			{Name: "check", Summary: "load and validate the rules, report every problem with file:line", Run: runRulesCheck},
			{Name: "test", Summary: "run the examples written in the rule files", Run: runRulesTest},
			{Name: "suggest", Summary: "mine phrases from gold-labelled documents that would add a code the rules miss",
				Run: func(args []string) int { return runRulesSuggest(args, os.Stdout) }},
		},
	}
	return &cli.Program{
		Name:    "classifier",
		About:   "Applies Horizon's rules to documents: as a NATS worker, or to files for analysts.",
		Default: "run",
		Commands: []cli.Command{
			{Name: "run", Summary: "classify documents from JetStream and publish the results (a service)", Run: runWorker},
			{Name: "classify", Summary: `classify JSON lines ({"id","title","text"}) from files or standard input to standard output`,
				Run: func(args []string) int { return runClassify(args, os.Stdin, os.Stdout) }},
			{Name: "eval", Summary: "classify --input and score it against --gold, per dimension",
				Run: func(args []string) int { return runEval(args, os.Stdout) }},
			{Name: "bench", Summary: "measure matching speed against a baseline rule set", Run: runBench},
			{Name: "reclassify", Summary: "classify every stored document with the current rules, for the loader", Run: runReclassify},
			{Name: "rules", Summary: "check, test or suggest rules (classifier help rules)", Run: rulesCmds.Run},
		},
	}
}

// loadRules loads the rules in dir, or the built-in rules when dir is empty.
func loadRules(dir string) (*rules.RuleSet, error) {
	if dir == "" {
		return rules.Default()
	}
	return rules.LoadDir(dir)
}

func rulesFlag(fs *flag.FlagSet) *string {
	return fs.String("rules", ops.Env("HORIZON_RULES", ""), "rules folder; empty for the rules built into this binary (env HORIZON_RULES)")
}

func runWorker(args []string) int {
	fs := cli.FlagSet("classifier run", "[flags]", "Classifies the documents of the classifier consumer and publishes the classifications (a service).")
	var f ops.Flags
	f.Register(fs, ":9102", false)
	dir := rulesFlag(fs)
	inFlight := fs.Int("batches-in-flight", classify.DefaultBatchesInFlight,
		"batches classified at once: one is classified while another waits for the stream's acknowledgements")
	if code, done := cli.Parse(fs, args); done {
		return code
	}
	if err := f.Validate(false); err != nil {
		fmt.Fprintln(os.Stderr, "classifier:", err)
		return 2
	}
	if *inFlight < 1 {
		fmt.Fprintln(os.Stderr, "classifier: --batches-in-flight: must be at least 1")
		return 2
	}
	rs, err := loadRules(*dir)
	if err != nil {
		fmt.Fprintln(os.Stderr, "classifier: rules:", err)
		return 2
	}
	ctx, stop := ops.SignalContext(context.Background())
	defer stop()
	svc, err := f.Start(ctx, "horizon-classifier")
	if err != nil {
		f.Logger().Error("starting", "err", err)
		return 1
	}
	seen, err := svc.Bus.SeenStore(ctx)
	if err != nil {
		svc.Log.Error("starting", "err", err)
		return 1
	}
	w := classify.NewWorker(svc.Bus, rs, svc.Log, svc.Registry).WithSeen(seen).WithBatchesInFlight(*inFlight)
	svc.WatchConsumers(bus.ClassifierConsumer)
	if err := svc.Run(ctx, w.Run); err != nil {
		svc.Log.Error("classifier stopped", "err", err)
		return 1
	}
	return 0
}

// loadRulesFolder parses the --rules flag of the rules commands and loads
// the folder; code is the exit code when it fails.
func loadRulesFolder(name, summary string, args []string) (rs *rules.RuleSet, dir string, code int) {
	fs := cli.FlagSet(name, "[--rules DIR]", summary)
	d := fs.String("rules", "rules", "rules folder")
	if code, done := cli.Parse(fs, args); done {
		return nil, "", code
	}
	rs, err := rules.LoadDir(*d)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return nil, "", 1
	}
	return rs, *d, 0
}

func runRulesCheck(args []string) int {
	rs, dir, code := loadRulesFolder("classifier rules check", "Loads the rules folder and validates it, reporting every problem with file:line.", args)
	if rs == nil {
		return code
	}
	if problems := rs.Check(); len(problems) > 0 {
		for _, p := range problems {
			fmt.Fprintln(os.Stderr, p)
		}
		return 1
	}
	terms := 0
	for _, v := range rs.Vocabularies {
		terms += len(v.Terms)
	}
	fmt.Printf("%s: %d rules, %d vocabularies (%d terms), %d phrases, version %s\n", dir, rs.Rules(), len(rs.Vocabularies), terms, rs.Phrases(), rs.Version)
	return 0
}
