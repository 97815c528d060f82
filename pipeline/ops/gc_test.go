package ops

import (
	"math"
	"runtime/debug"
	"testing"
)

func TestTuneGCLeavesTheEnvironmentTheLastWord(t *testing.T) {
	tests := []struct {
		name           string
		gogc, memlimit string
		wantPercent    int
		wantLimit      int64
	}{
		{"nothing set: the binary's choice", "", "", 300, 1 << 30},
		{"GOGC set: the percent stays", "150", "", 100, 1 << 30},
		{"GOMEMLIMIT set: the limit stays", "", "512MiB", 300, math.MaxInt64},
		{"both set: nothing changes", "off", "1GiB", 100, math.MaxInt64},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			// The runtime read the environment at start: what the test
			// sets now only tells TuneGC to keep off.
			oldPercent := debug.SetGCPercent(100)
			oldLimit := debug.SetMemoryLimit(math.MaxInt64)
			t.Cleanup(func() {
				debug.SetGCPercent(oldPercent)
				debug.SetMemoryLimit(oldLimit)
			})
			t.Setenv("GOGC", tc.gogc)
			t.Setenv("GOMEMLIMIT", tc.memlimit)
			TuneGC(300, 1<<30)
			if got := debug.SetGCPercent(100); got != tc.wantPercent {
				t.Errorf("GC percent %d, want %d", got, tc.wantPercent)
			}
			if got := debug.SetMemoryLimit(-1); got != tc.wantLimit {
				t.Errorf("memory limit %d, want %d", got, tc.wantLimit)
			}
		})
	}
}
