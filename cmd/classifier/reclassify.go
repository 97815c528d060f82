package main

import (
	"context"
	"fmt"
	"os"
	"time"

	"github.com/horizon-scan/horizon/pipeline/classify"
	"github.com/horizon-scan/horizon/pipeline/cli"
	"github.com/horizon-scan/horizon/pipeline/ops"
	"github.com/horizon-scan/horizon/pipeline/store"
)

// runReclassify classifies every stored document with the current rules and
// publishes the results for the loader.
func runReclassify(args []string) int {
	fs := cli.FlagSet("classifier reclassify", "[flags]", "Classifies every stored document with the current rules and publishes the classifications for the loader.")
	var f ops.Flags
	f.Register(fs, "", true)
	dir := rulesFlag(fs)
	if code, done := cli.Parse(fs, args); done {
		return code
	}
	if err := f.Validate(true); err != nil {
		fmt.Fprintln(os.Stderr, "classifier reclassify:", err)
		return 2
	}
	rs, err := loadRules(*dir)
	if err != nil {
		fmt.Fprintln(os.Stderr, "classifier: rules:", err)
		return 2
	}
	log := f.Logger()
	ctx, stop := ops.SignalContext(context.Background())
	defer stop()
	st, err := store.Open(ctx, f.DatabaseURL)
	if err != nil {
		log.Error("reclassify", "err", err)
		return 1
	}
	defer st.Close()
	svc, err := f.Start(ctx, "horizon-reclassify")
	if err != nil {
		log.Error("reclassify", "err", err)
		return 1
	}
	defer ops.Drain(svc.NATS, 10*time.Second)
	n, dups, err := classify.Reclassify(ctx, st, svc.Bus, rs, time.Now)
	if err != nil {
		log.Error("reclassify", "err", err, "published", n)
		return 1
	}
	log.Info("reclassified", "rule_set", rs.Version, "published", n, "already_classified", dups)
	return 0
}
