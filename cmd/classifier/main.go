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
	"github.com/horizon-scan/horizon/pipeline/ops"
	"github.com/horizon-scan/horizon/pipeline/rules"
)

const usage = `Usage: classifier [command] [flags]

Commands:
  run           classify documents from JetStream and publish the results (default)
  classify      classify JSON lines ({"id","title","text"}) from stdin to stdout
  eval          classify --input and score it against --gold, per dimension
  bench         measure matching speed against a naive regexp-per-rule baseline
  reclassify    classify every stored document with the current rules, for the loader
  rules check   load and validate the rules, report every problem
  rules test    run the examples written in the rule files
  rules suggest mine phrases from gold-labelled documents that would add a code the rules miss

Run "classifier COMMAND -h" for a command's flags.
`

func main() { os.Exit(dispatch(os.Args[1:])) }

func dispatch(args []string) int {
	cmd := "run"
	if len(args) > 0 && args[0] != "" && args[0][0] != '-' {
		cmd, args = args[0], args[1:]
	}
	switch cmd {
	case "run":
		return runWorker(args)
	case "classify":
		return runClassify(args, os.Stdin, os.Stdout)
	case "eval":
		return runEval(args, os.Stdout)
	case "bench":
		return runBench(args)
	case "reclassify":
		return runReclassify(args)
	case "rules":
		if len(args) > 0 && args[0] == "check" {
			return runRulesCheck(args[1:])
		}
		if len(args) > 0 && args[0] == "test" {
			return runRulesTest(args[1:])
		}
		if len(args) > 0 && args[0] == "suggest" {
			return runRulesSuggest(args[1:], os.Stdout)
		}
	case "help", "-h", "--help":
		fmt.Print(usage)
		return 0
	}
	fmt.Fprint(os.Stderr, usage)
	return 2
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
	fs := flag.NewFlagSet("classifier run", flag.ContinueOnError)
	var f ops.Flags
	f.Register(fs, ":9102", false)
	dir := rulesFlag(fs)
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if err := f.Validate(false); err != nil {
		fmt.Fprintln(os.Stderr, "classifier:", err)
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
	w := classify.NewWorker(svc.Bus, rs, svc.Log, svc.Registry).WithSeen(seen)
	svc.WatchConsumers(bus.ClassifierConsumer)
	if err := svc.Run(ctx, w.Run); err != nil {
		svc.Log.Error("classifier stopped", "err", err)
		return 1
	}
	return 0
}

// loadRulesFolder parses the --rules flag of the rules commands and loads
// the folder; code is the exit code when it fails.
func loadRulesFolder(name string, args []string) (rs *rules.RuleSet, dir string, code int) {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	d := fs.String("rules", "rules", "rules folder")
	if err := fs.Parse(args); err != nil {
		return nil, "", 2
	}
	rs, err := rules.LoadDir(*d)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return nil, "", 1
	}
	return rs, *d, 0
}

func runRulesCheck(args []string) int {
	rs, dir, code := loadRulesFolder("classifier rules check", args)
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
