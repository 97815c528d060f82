package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"

	"github.com/horizon-scan/horizon/pipeline/cli"
	"github.com/horizon-scan/horizon/pipeline/devstack"
	"github.com/horizon-scan/horizon/pipeline/ops"
)

// The services a machine may already run, tried before starting our own.
const (
	localPostgres = "postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable"
	localNATS     = "nats://127.0.0.1:4222"
)

// runEnv provides Postgres and NATS to a command: the URLs in
// HORIZON_TEST_DATABASE_URL / HORIZON_TEST_NATS_URL if set, else the
// machine's own servers on their standard ports if they answer, else a
// throwaway Postgres cluster and an embedded NATS server that live as long
// as the command.
func runEnv(args []string) int {
	fs := cli.FlagSet("horizon env", "[flags] -- COMMAND [ARG…]", "Starts (or finds) Postgres and NATS, then runs COMMAND with HORIZON_TEST_DATABASE_URL and HORIZON_TEST_NATS_URL set.")
	fresh := fs.Bool("fresh", false, "start throwaway servers even when others answer (as on a new machine)")
	if code, done := cli.Parse(fs, args); done {
		return code
	}
	cmdArgs := fs.Args()
	if len(cmdArgs) == 0 {
		fmt.Fprintln(os.Stderr, "horizon env: no command given; usage: horizon env [--fresh] -- COMMAND [ARGS...]")
		return 2
	}
	log, _ := ops.NewLogger(os.Stderr, "info", false)
	ctx, stop := ops.SignalContext(context.Background())
	defer stop()

	tmp, err := os.MkdirTemp("", "horizon-env-")
	if err != nil {
		fmt.Fprintln(os.Stderr, "horizon env:", err)
		return 1
	}
	defer os.RemoveAll(tmp)
	// The throwaway cluster may belong to another user (initdb will not run
	// as root): let it reach its folder.
	if err := os.Chmod(tmp, 0o755); err != nil {
		fmt.Fprintln(os.Stderr, "horizon env:", err)
		return 1
	}

	dbURL, stopPG, err := provideDatabase(ctx, *fresh, filepath.Join(tmp, "pg"), log)
	if err != nil {
		fmt.Fprintln(os.Stderr, "horizon env:", err)
		return 1
	}
	defer stopPG()
	natsURL, stopNATS, err := provideNATS(ctx, *fresh, filepath.Join(tmp, "nats"), log)
	if err != nil {
		fmt.Fprintln(os.Stderr, "horizon env:", err)
		return 1
	}
	defer stopNATS()

	cmd := exec.CommandContext(ctx, cmdArgs[0], cmdArgs[1:]...)
	cmd.Stdin, cmd.Stdout, cmd.Stderr = os.Stdin, os.Stdout, os.Stderr
	cmd.Env = append(os.Environ(), "HORIZON_TEST_DATABASE_URL="+dbURL, "HORIZON_TEST_NATS_URL="+natsURL)
	err = cmd.Run()
	var exit *exec.ExitError
	switch {
	case err == nil:
		return 0
	case errors.As(err, &exit):
		return exit.ExitCode()
	default:
		fmt.Fprintln(os.Stderr, "horizon env:", err)
		return 1
	}
}

func provideDatabase(ctx context.Context, fresh bool, dir string, log *slog.Logger) (string, func(), error) {
	if u := os.Getenv("HORIZON_TEST_DATABASE_URL"); u != "" && !fresh {
		log.Info("using postgres from HORIZON_TEST_DATABASE_URL")
		return u, func() {}, nil
	}
	if !fresh && devstack.ProbePostgres(ctx, localPostgres) {
		log.Info("using the postgres server on 127.0.0.1:5432")
		return localPostgres, func() {}, nil
	}
	pg, err := devstack.StartPostgres(ctx, dir, devstack.PostgresOptions{Install: true}, log)
	if err != nil {
		return "", nil, err
	}
	return pg.URL(), func() {
		if err := pg.Stop(context.WithoutCancel(ctx)); err != nil {
			log.Warn("stopping postgres", "err", err)
		}
	}, nil
}

func provideNATS(ctx context.Context, fresh bool, dir string, log *slog.Logger) (string, func(), error) {
	if u := os.Getenv("HORIZON_TEST_NATS_URL"); u != "" && !fresh {
		log.Info("using nats from HORIZON_TEST_NATS_URL")
		return u, func() {}, nil
	}
	if !fresh && devstack.ProbeNATS(ctx, localNATS) {
		log.Info("using the nats server on 127.0.0.1:4222")
		return localNATS, func() {}, nil
	}
	n, err := devstack.StartNATS(dir, 0)
	if err != nil {
		return "", nil, err
	}
	log.Info("embedded nats started", "url", n.URL())
	return n.URL(), n.Close, nil
}
