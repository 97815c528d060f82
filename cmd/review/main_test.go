package main

import (
	"context"
	"os"
	"strings"
	"testing"

	"github.com/horizon-scan/horizon/internal/testenv"
	"github.com/horizon-scan/horizon/pipeline/store"
)

func TestMain(m *testing.M) { os.Exit(testenv.Main(m)) }

func TestUserCommand(t *testing.T) {
	db := testenv.DatabaseURL(t)
	cases := []struct {
		name  string
		args  []string
		stdin string
		want  int
	}{
		{"no name", []string{"user", "--database-url", db}, "a long passphrase\n", 2},
		{"bad role", []string{"user", "ana", "--role", "root", "--database-url", db}, "a long passphrase\n", 2},
		{"bad database url", []string{"user", "ana", "--database-url", "mysql://x"}, "a long passphrase\n", 2},
		{"bad log level", []string{"user", "ana", "--database-url", db, "--log-level", "loud"}, "a long passphrase\n", 2},
		{"short password", []string{"user", "ana", "--database-url", db}, "short\n", 2},
		{"created", []string{"user", "ana", "--role", "reader", "--database-url", db}, "a long passphrase\n", 0},
		{"role changed", []string{"user", "ana", "--role", "analyst", "--database-url", db}, "another long passphrase", 0},
	}
	for _, c := range cases {
		if got := program(strings.NewReader(c.stdin)).Run(c.args); got != c.want {
			t.Errorf("%s: exit %d, want %d", c.name, got, c.want)
		}
	}
	st, err := store.Open(context.Background(), db)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	u, err := st.UserByName(context.Background(), "ana")
	if err != nil || u.Role != store.RoleAnalyst || !strings.HasPrefix(u.PasswordHash, "$2") {
		t.Errorf("ana: %+v (%v), want an analyst with a bcrypt hash", u, err)
	}
}
