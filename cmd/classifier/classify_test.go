package main

import (
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestClassifyReadsFilesAndSkipsBadLines gives classify two files, one
// with a blank line and a line that is not JSON: every good line is
// classified, the bad one is named by file and line, and the exit is 1.
func TestClassifyReadsFilesAndSkipsBadLines(t *testing.T) {
	dir := t.TempDir()
	a := filepath.Join(dir, "a.jsonl")
	b := filepath.Join(dir, "b.jsonl")
	if err := os.WriteFile(a, []byte(`{"id":"a1","title":"AI reads CT scans","text":"An AI tool detects lung cancer."}`+"\n\n"+`not json`+"\n"+`{"id":"a2","title":"x","text":"y"}`+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(b, []byte(`{"id":"b1","title":"x","text":"y"}`+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	var out strings.Builder
	stderr := captureStderr(t, func() {
		if code := runClassify([]string{a, b}, strings.NewReader("ignored"), &out); code != 1 {
			t.Errorf("exit %d, want 1 for a skipped line", code)
		}
	})
	for _, id := range []string{`"id":"a1"`, `"id":"a2"`, `"id":"b1"`} {
		if !strings.Contains(out.String(), id) {
			t.Errorf("no prediction for %s:\n%s", id, out.String())
		}
	}
	if strings.Count(out.String(), "\n") != 3 {
		t.Errorf("want 3 predictions:\n%s", out.String())
	}
	if !strings.Contains(stderr, "a.jsonl:3:") {
		t.Errorf("the bad line is not named by file and line: %q", stderr)
	}
}

// captureStderr runs f with os.Stderr going to a pipe and returns what it
// wrote.
func captureStderr(t *testing.T, f func()) string {
	t.Helper()
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	saved := os.Stderr
	os.Stderr = w
	done := make(chan string)
	go func() {
		data, _ := io.ReadAll(r)
		done <- string(data)
	}()
	f()
	os.Stderr = saved
	w.Close()
	return <-done
}
