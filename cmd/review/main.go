// Command review serves the analysts' review app and the dashboard (run,
// the default), or manages accounts (user).
package main

import (
	"bufio"
	"cmp"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/netip"
	"os"
	"strings"
	"time"

	"github.com/horizon-scan/horizon/pipeline/cli"
	"github.com/horizon-scan/horizon/pipeline/ops"
	"github.com/horizon-scan/horizon/pipeline/review"
	"github.com/horizon-scan/horizon/pipeline/rules"
	"github.com/horizon-scan/horizon/pipeline/store"
)

func main() { os.Exit(program(os.Stdin).Run(os.Args[1:])) }

func program(stdin io.Reader) *cli.Program {
	return &cli.Program{
		Name:    "review",
		About:   "Serves the analysts' review app and the dashboard, and manages their accounts.",
		Default: "run",
		Commands: []cli.Command{
			{Name: "run", Summary: "serve the review app and dashboard (a service)", Run: run},
			{Name: "user", Summary: "create an account or reset its password and role (review user NAME --role ROLE)",
				Run: func(args []string) int { return user(args, stdin) }},
		},
	}
}

type flags struct {
	ops.LogFlags
	databaseURL, reportsURL, addr, httpAddr string
	secure                                  bool
	lease, waitFor                          time.Duration
	trustedProxies                          string
	proxies                                 []netip.Prefix
}

func (f *flags) register(fs *flag.FlagSet) {
	fs.StringVar(&f.databaseURL, "database-url", ops.Env("HORIZON_DATABASE_URL", ""), "Postgres URL (env HORIZON_DATABASE_URL)")
	ops.RegisterWaitFor(fs, &f.waitFor)
	f.RegisterLogging(fs)
}

func (f *flags) validate() error {
	var errs []error
	if err := f.ValidateLogging(); err != nil {
		errs = append(errs, err)
	}
	if err := ops.CheckURL("--database-url", f.databaseURL, "postgres", "postgresql"); err != nil {
		errs = append(errs, err)
	}
	if f.reportsURL != "" {
		if err := ops.CheckURL("--reports-database-url", f.reportsURL, "postgres", "postgresql"); err != nil {
			errs = append(errs, err)
		}
	}
	for _, p := range strings.Split(f.trustedProxies, ",") {
		if p = strings.TrimSpace(p); p == "" {
			continue
		}
		pfx, err := netip.ParsePrefix(p)
		if err != nil {
			a, aerr := netip.ParseAddr(p)
			if aerr != nil {
				errs = append(errs, fmt.Errorf("--trusted-proxies: %q is not an address or a CIDR range", p))
				continue
			}
			pfx = netip.PrefixFrom(a, a.BitLen())
		}
		f.proxies = append(f.proxies, pfx)
	}
	if f.lease < 0 || (f.lease > 0 && f.lease < time.Minute) {
		errs = append(errs, fmt.Errorf("--lease: %s is too short (at least 1m)", f.lease))
	}
	return errors.Join(errs...)
}

func run(args []string) int {
	fs := cli.FlagSet("review run", "[flags]", "Serves the analysts' review app and the dashboard (a service); migrates the schema first.")
	var f flags
	f.register(fs)
	fs.StringVar(&f.reportsURL, "reports-database-url", ops.Env("HORIZON_REPORTS_DATABASE_URL", ""),
		"Postgres URL for the dashboard, whose connections take the read-only role horizon_reader; default --database-url (env HORIZON_REPORTS_DATABASE_URL)")
	fs.StringVar(&f.addr, "addr", ops.Env("HORIZON_REVIEW_ADDR", "127.0.0.1:8080"), "address of the review app (env HORIZON_REVIEW_ADDR)")
	fs.StringVar(&f.httpAddr, "http-addr", ops.Env("HORIZON_HTTP_ADDR", ":9104"), "address for /healthz, /readyz and /metrics; empty to disable (env HORIZON_HTTP_ADDR)")
	fs.DurationVar(&f.lease, "lease", 15*time.Minute, "how long a claim on a review item lasts without renewal")
	fs.StringVar(&f.trustedProxies, "trusted-proxies", ops.Env("HORIZON_TRUSTED_PROXIES", ""), "addresses or CIDR ranges of reverse proxies whose X-Forwarded-For names the client (e.g. 127.0.0.1); login limits then apply per client, not per proxy (env HORIZON_TRUSTED_PROXIES)")
	fs.BoolVar(&f.secure, "secure-cookies", ops.Env("HORIZON_SECURE_COOKIES", "") == "true", "mark cookies Secure: set when served over HTTPS (env HORIZON_SECURE_COOKIES=true)")
	if code, done := cli.Parse(fs, args); done {
		return code
	}
	if err := f.validate(); err != nil {
		fmt.Fprintln(os.Stderr, "review:", err)
		return 2
	}
	log := f.Logger()
	ctx, stop := ops.SignalContext(context.Background())
	defer stop()
	st, err := ops.WaitFor(ctx, log, "postgres", f.waitFor, store.Refused, func(ctx context.Context) (*store.Store, error) {
		return store.Open(ctx, f.databaseURL)
	})
	if err != nil {
		log.Error("starting", "err", err)
		return 1
	}
	defer st.Close()
	codes, err := rules.DefaultReferenceCodes()
	if err == nil {
		err = st.Prepare(ctx, codes)
	}
	if err != nil {
		log.Error("preparing the database", "err", err)
		return 1
	}
	reports, err := store.OpenReports(ctx, cmp.Or(f.reportsURL, f.databaseURL))
	if err != nil {
		log.Error("starting", "err", err)
		return 1
	}
	defer reports.Close()
	reg := ops.NewRegistry()
	srv, err := review.New(review.Config{Store: st, Reports: reports, Log: log, Lease: f.lease, SecureCookies: f.secure, Metrics: reg,
		TrustedProxies: f.proxies})
	if err != nil {
		log.Error("starting", "err", err)
		return 1
	}
	checks := map[string]ops.Check{"postgres": st.Ping}
	err = ops.Run(ctx,
		func(ctx context.Context) error { return review.ListenAndServe(ctx, f.addr, srv, log) },
		func(ctx context.Context) error { return ops.Serve(ctx, f.httpAddr, reg, log, checks) })
	if err != nil {
		log.Error("review app stopped", "err", err)
		return 1
	}
	return 0
}

func user(args []string, stdin io.Reader) int {
	fs := cli.FlagSet("review user", "NAME --role ROLE [--password-file FILE] [flags]", "Creates an account or resets its password and role; the password is read from --password-file or the first line of standard input.")
	var f flags
	f.register(fs)
	role := fs.String("role", store.RoleAnalyst, "reader (dashboards), analyst (review queue) or admin (accounts)")
	pwFile := fs.String("password-file", "", "read the password from this file's first line, not standard input")
	disabled := fs.Bool("disabled", false, "disable the account")
	var name string
	if len(args) > 0 && args[0] != "" && args[0][0] != '-' {
		name, args = args[0], args[1:]
	}
	if code, done := cli.Parse(fs, args); done {
		return code
	}
	var errs []error
	if name == "" {
		errs = append(errs, errors.New("NAME: an account name is required (review user NAME --role ROLE)"))
	} else if err := review.CheckName(name); err != nil {
		errs = append(errs, fmt.Errorf("NAME: %w", err))
	}
	if !review.ValidRole(*role) {
		errs = append(errs, fmt.Errorf("--role: %q is not reader, analyst or admin", *role))
	}
	if err := f.validate(); err != nil {
		errs = append(errs, err)
	}
	if err := errors.Join(errs...); err != nil {
		fmt.Fprintln(os.Stderr, "review user:", err)
		return 2
	}
	in := stdin
	if *pwFile != "" {
		file, err := os.Open(*pwFile)
		if err != nil {
			fmt.Fprintln(os.Stderr, "review user: --password-file:", err)
			return 2
		}
		defer file.Close()
		in = file
	}
	line, err := bufio.NewReader(in).ReadString('\n')
	if err != nil && !errors.Is(err, io.EOF) {
		fmt.Fprintln(os.Stderr, "review user: reading password:", err)
		return 2
	}
	hash, err := review.HashPassword(strings.TrimRight(line, "\r\n"))
	if err != nil {
		fmt.Fprintln(os.Stderr, "review user:", err)
		return 2
	}
	ctx := context.Background()
	st, err := store.Open(ctx, f.databaseURL)
	if err != nil {
		fmt.Fprintln(os.Stderr, "review user:", err)
		return 1
	}
	defer st.Close()
	if err := st.Migrate(ctx); err != nil {
		fmt.Fprintln(os.Stderr, "review user:", err)
		return 1
	}
	if err := st.SaveUser(ctx, store.User{Name: name, PasswordHash: hash, Role: *role, Disabled: *disabled}, ""); err != nil {
		fmt.Fprintln(os.Stderr, "review user:", err)
		return 1
	}
	fmt.Printf("account %s saved (%s)\n", name, *role)
	return 0
}
