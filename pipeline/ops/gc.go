package ops

import (
	"os"
	"runtime/debug"
)

// TuneGC sets the garbage collector of a binary whose CPU goes largely on
// short-lived garbage: a collection when the heap has grown by percent
// since the last (GOGC), with a soft memory limit of limit bytes
// (GOMEMLIMIT) that bounds the larger heap. Either is left alone when the
// environment sets it, so that an operator has the last word.
func TuneGC(percent int, limit int64) {
	if os.Getenv("GOGC") == "" {
		debug.SetGCPercent(percent)
	}
	if os.Getenv("GOMEMLIMIT") == "" {
		debug.SetMemoryLimit(limit)
	}
}
