// Command horizon runs the whole pipeline on one machine (run), starting an
// embedded NATS server and a throwaway Postgres cluster when no URLs are
// given, and provides those services to other commands (env), such as the
// test suite.
package main

import (
	"fmt"
	"os"
)

const usage = `Usage: horizon [command] [flags]

Commands:
  run    scrape the sources once, classify and load everything, print a summary (default)
  env    start (or find) Postgres and NATS, then run a command with
         HORIZON_TEST_DATABASE_URL and HORIZON_TEST_NATS_URL set:
         horizon env -- go test ./...

Run "horizon COMMAND -h" for a command's flags.
`

func main() {
	args := os.Args[1:]
	cmd := "run"
	if len(args) > 0 && args[0] != "" && args[0][0] != '-' {
		cmd, args = args[0], args[1:]
	}
	switch cmd {
	case "run":
		os.Exit(runPipeline(args))
	case "env":
		os.Exit(runEnv(args))
	case "help":
		fmt.Print(usage)
		os.Exit(0)
	}
	fmt.Fprint(os.Stderr, usage)
	os.Exit(2)
}
