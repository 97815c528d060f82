// Command horizon runs the whole pipeline on one machine (run), starting an
// embedded NATS server and a throwaway Postgres cluster when no URLs are
// given, and provides those services to other commands (env), such as the
// test suite.
package main

import (
	"os"

	"github.com/horizon-scan/horizon/pipeline/cli"
)

func main() { os.Exit(program().Run(os.Args[1:])) }

func program() *cli.Program {
	return &cli.Program{
		Name:    "horizon",
		About:   "Runs the whole pipeline on one machine, with an embedded NATS server and a throwaway Postgres when no URLs are given.",
		Default: "run",
		Commands: []cli.Command{
			{Name: "run", Summary: "scrape the sources once, classify and load everything, print a summary", Run: runPipeline},
			{Name: "env", Summary: "start (or find) Postgres and NATS, then run a command with their URLs set (horizon env -- go test ./...)", Run: runEnv},
		},
	}
}
