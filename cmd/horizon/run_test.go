package main

import (
	"net"
	"os"
	"path/filepath"
	"testing"
)

// TestABadCommandLineIsRefusedBeforeAnythingStarts gives horizon run a
// broken sources file, a busy review address and a URL that does not
// parse: each is refused with exit 1 before NATS or Postgres is started
// (nothing appears in the data folder).
func TestABadCommandLineIsRefusedBeforeAnythingStarts(t *testing.T) {
	busy, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer busy.Close()
	dir := t.TempDir()
	broken := filepath.Join(dir, "sources.yaml")
	if err := os.WriteFile(broken, []byte("sources:\n  - id: x\n    kind: feed\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		args []string
	}{
		{"a broken sources file", []string{"--sources", broken}},
		{"a missing sources file", []string{"--sources", filepath.Join(dir, "none.yaml")}},
		{"a busy review address", []string{"--review", busy.Addr().String()}},
		{"a database URL that does not parse", []string{"--database-url", "postgres://u:p%zz@h/db"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			data := filepath.Join(dir, tc.name)
			if code := runPipeline(append(tc.args, "--data-dir", data)); code != 1 {
				t.Errorf("exit %d, want 1", code)
			}
			if entries, _ := os.ReadDir(data); len(entries) > 0 {
				t.Errorf("%d things started in the data folder before the refusal", len(entries))
			}
		})
	}
}
