package main

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/horizon-scan/horizon/pipeline/store"
)

func TestPrintableEscapesWhatATerminalWouldActOn(t *testing.T) {
	tests := []struct{ in, want string }{
		{"plain text", "plain text"},
		{"two\nlines\tand a tab", "two\nlines\tand a tab"},
		{"\x1b[2Jcleared", `\u001b[2Jcleared`},
		{"c1 \u009b31m red", `c1 \u009b31m red`},
		{"bidi \u202eevil", `bidi \u202eevil`},
	}
	for _, tc := range tests {
		if got := printable(tc.in); got != tc.want {
			t.Errorf("printable(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestShowDeadLetterPrintsAHostilePayloadEscaped(t *testing.T) {
	var out bytes.Buffer
	now := time.Date(2026, 11, 30, 12, 0, 0, 0, time.UTC)
	showDeadLetter(&out, store.StoredDeadLetter{ID: 7, Count: 2, FirstSeen: now, LastSeen: now,
		DeadLetter: store.DeadLetter{Stage: "loader", Subject: "horizon.classified.s", MsgID: "d1:h:r",
			Reason: "upserting documents: \x1b[31mboom", Payload: []byte("{\"title\": \"\u009b2J\"}")}})
	got := out.String()
	for _, want := range []string{"id:        7", "stage:     loader", `\u001b[31mboom`, `"title": "\u009b2J"`, "payload (17 bytes)"} {
		if !strings.Contains(got, want) {
			t.Errorf("output lacks %q:\n%s", want, got)
		}
	}
	if strings.ContainsAny(got, "\x1b\u009b") {
		t.Errorf("a control character reached the output:\n%q", got)
	}
}
