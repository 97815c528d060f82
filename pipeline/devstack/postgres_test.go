package devstack

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestAptWaitsForItsLock runs the PostgreSQL install with a stand-in
// apt-get on the PATH that records its arguments: both calls ask apt to
// wait for the package lock another apt may hold (unattended upgrades, a
// second run) instead of failing at once.
func TestAptWaitsForItsLock(t *testing.T) {
	dir := t.TempDir()
	record := filepath.Join(dir, "calls")
	fake := "#!/bin/sh\necho \"$@\" >> " + record + "\n"
	if err := os.WriteFile(filepath.Join(dir, "apt-get"), []byte(fake), 0o755); err != nil {
		t.Fatal(err)
	}
	t.Setenv("PATH", dir+string(os.PathListSeparator)+os.Getenv("PATH"))
	if err := aptInstall(context.Background()); err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(record)
	if err != nil {
		t.Fatal(err)
	}
	calls := strings.Split(strings.TrimSpace(string(data)), "\n")
	if len(calls) != 2 {
		t.Fatalf("apt-get called %d times: %q", len(calls), calls)
	}
	for _, c := range calls {
		if !strings.HasPrefix(c, "-o DPkg::Lock::Timeout=") {
			t.Errorf("apt-get %s: does not wait for the lock", c)
		}
	}
}
