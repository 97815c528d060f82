package deploy_test

import (
	"bufio"
	"context"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/horizon-scan/horizon/internal/testenv"
	"github.com/horizon-scan/horizon/pipeline/store"
)

func TestMain(m *testing.M) { os.Exit(testenv.Main(m)) }

// TestThePostgresSectionWorksWithoutASuperuser follows deploy/README.md's
// "Postgres, without a superuser" on a throwaway cluster: the
// administrator's SQL as written, then "loader migrate" as the owner, who
// is no superuser and cannot create roles; then the dashboard's read-only
// connection as the owner takes horizon_reader, as the review app does.
func TestThePostgresSectionWorksWithoutASuperuser(t *testing.T) {
	readme, err := os.ReadFile("README.md")
	if err != nil {
		t.Fatal(err)
	}
	admin := sqlBlock(t, string(readme), "-- deploy: as the administrator")
	const password = "a deploy test password"
	admin = strings.ReplaceAll(admin, "CHANGE ME", password)

	ctx := context.Background()
	pg := testenv.OwnPostgres(t)
	conn, err := pgx.Connect(ctx, pg.URL())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	for _, stmt := range strings.Split(admin, ";") {
		if strings.TrimSpace(stripComments(stmt)) == "" {
			continue
		}
		if _, err := conn.Exec(ctx, stmt); err != nil {
			t.Fatalf("the administrator's step %q: %v", strings.TrimSpace(stmt), err)
		}
	}
	var super, createRole bool
	if err := conn.QueryRow(ctx, "select rolsuper, rolcreaterole from pg_roles where rolname = 'horizon'").Scan(&super, &createRole); err != nil {
		t.Fatal(err)
	}
	if super || createRole {
		t.Fatalf("the guide's login may create roles (super %v, createrole %v): the test proves nothing", super, createRole)
	}

	u, err := url.Parse(pg.URL())
	if err != nil {
		t.Fatal(err)
	}
	u.User = url.UserPassword("horizon", password)
	u.Path = "/horizon"
	owner := u.String()

	bin := testenv.Binary(t, "../cmd/loader")
	out, err := exec.Command(bin, "migrate", "--database-url", owner, "--wait-for", "0").CombinedOutput()
	if err != nil {
		t.Fatalf("loader migrate as the owner: %v\n%s", err, out)
	}
	if strings.Contains(string(out), password) {
		t.Errorf("loader migrate printed the password:\n%s", out)
	}
	reports, err := store.OpenReports(ctx, owner)
	if err != nil {
		t.Fatalf("the dashboard's connection as the owner: %v", err)
	}
	defer reports.Close()
	rep, ok := store.DashboardReport("technologies")
	if !ok {
		t.Fatal("no technologies report")
	}
	if _, err := reports.Run(ctx, rep, nil); err != nil {
		t.Errorf("reading report.technologies as horizon_reader: %v", err)
	}
}

// sqlBlock returns the ```sql block of text whose first line is marker.
func sqlBlock(t *testing.T, text, marker string) string {
	t.Helper()
	var b strings.Builder
	in, found := false, false
	sc := bufio.NewScanner(strings.NewReader(text))
	for sc.Scan() {
		line := sc.Text()
		switch {
		case !in && line == "```sql":
			in = true
		case in && line == "```":
			if found {
				return b.String()
			}
			in = false
			b.Reset()
		case in:
			if line == marker {
				found = true
			}
			b.WriteString(line + "\n")
		}
	}
	t.Fatalf("no ```sql block starting %q in deploy/README.md", marker)
	return ""
}

var comment = regexp.MustCompile(`(?m)--.*$`)

func stripComments(s string) string { return comment.ReplaceAllString(s, "") }

// TestTheExamplesRunCommandsThatExist reads every ExecStart of the systemd
// units and every container's args in the Kubernetes example, and asks the
// built binary for help on the command each runs: a command that does not
// exist (or a bare form renamed) fails here, not on an operator's server.
func TestTheExamplesRunCommandsThatExist(t *testing.T) {
	bins := map[string]string{}
	for _, name := range []string{"scraper", "classifier", "loader", "review"} {
		bins[name] = testenv.Binary(t, "../cmd/"+name)
	}
	var commands [][]string
	units, err := filepath.Glob("systemd/*.service")
	if err != nil || len(units) < 5 {
		t.Fatalf("units %v (%v): want the four services and the once-unit", units, err)
	}
	for _, u := range units {
		data, err := os.ReadFile(u)
		if err != nil {
			t.Fatal(err)
		}
		for _, line := range strings.Split(string(data), "\n") {
			if rest, ok := strings.CutPrefix(line, "ExecStart="); ok {
				commands = append(commands, strings.Fields(rest))
			}
		}
	}
	k8s, err := os.ReadFile("kubernetes/horizon.yaml")
	if err != nil {
		t.Fatal(err)
	}
	args := regexp.MustCompile(`args: \[([^\]]*)\]`)
	for _, m := range args.FindAllStringSubmatch(string(k8s), -1) {
		var words []string
		for _, w := range strings.Split(m[1], ",") {
			words = append(words, strings.Trim(strings.TrimSpace(w), `"`))
		}
		commands = append(commands, words)
	}
	if len(commands) < 9 {
		t.Fatalf("found %d commands in the examples, want at least 9", len(commands))
	}
	for _, c := range commands {
		bin, ok := bins[filepath.Base(c[0])]
		if !ok || len(c) < 2 {
			t.Errorf("%v: not one of the binaries with a command", c)
			continue
		}
		if out, err := exec.Command(bin, "help", c[1]).CombinedOutput(); err != nil {
			t.Errorf("%v: %s help %s: %v\n%s", c, filepath.Base(c[0]), c[1], err, out)
		}
		// Every flag the example gives is one the command takes.
		help, _ := exec.Command(bin, c[1], "--help").CombinedOutput()
		for _, w := range c[2:] {
			if strings.HasPrefix(w, "--") && !strings.Contains(string(help), "-"+strings.TrimPrefix(w, "--")+" ") &&
				!strings.Contains(string(help), "-"+strings.TrimPrefix(w, "--")+"\n") {
				t.Errorf("%v: %s %s takes no flag %s", c, filepath.Base(c[0]), c[1], w)
			}
		}
	}
}
