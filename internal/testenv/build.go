package testenv

import (
	"os/exec"
	"path/filepath"
	"testing"
)

// Binary builds the command in the folder pkg (relative to the test's
// package: "." for the command under test) into a folder of the test's
// and returns its path: a process the test can start, signal and kill.
func Binary(t testing.TB, pkg string) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), filepath.Base(mustAbs(t, pkg)))
	if out, err := exec.Command("go", "build", "-o", bin, pkg).CombinedOutput(); err != nil {
		t.Fatalf("building %s: %v\n%s", pkg, err, out)
	}
	return bin
}

func mustAbs(t testing.TB, p string) string {
	t.Helper()
	abs, err := filepath.Abs(p)
	if err != nil {
		t.Fatal(err)
	}
	return abs
}
