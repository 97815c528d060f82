package classify

import (
	"bufio"
	"crypto/sha256"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"strings"
)

// Parts of a labelled corpus. Every item belongs to one part, by a stable
// hash of its id: rules are changed while looking at the errors of the
// tuning part only, and the check part says whether the change generalises.
const (
	PartTune  = "tune"
	PartCheck = "check"
)

// CheckShare is the share of items in the check part.
const CheckShare = 0.3

// PartOf returns the part an item belongs to: the first eight bytes of the
// SHA-256 of its id, read as a big-endian number, modulo 10 put 3 in 10
// items in the check part. The same id always lands in the same part,
// whatever else the corpus holds.
func PartOf(id string) string {
	sum := sha256.Sum256([]byte(id))
	if binary.BigEndian.Uint64(sum[:8])%10 < uint64(CheckShare*10) {
		return PartCheck
	}
	return PartTune
}

// InPart keeps the gold items of part ("" keeps them all).
func InPart(gold []Gold, part string) []Gold {
	if part == "" {
		return gold
	}
	var out []Gold
	for _, g := range gold {
		if PartOf(g.ID) == part {
			out = append(out, g)
		}
	}
	return out
}

// Item is a document to classify: one line of classify's input.
type Item struct {
	ID    string `json:"id"`
	Title string `json:"title"`
	Text  string `json:"text"`
}

// EachItem calls fn for every JSON line of r (blank lines are skipped),
// naming the line of a bad one.
func EachItem(r io.Reader, name string, fn func(Item) error) error {
	return eachItem(r, name, fn, func(err error) error { return err })
}

// EachItemSkipping is EachItem that reports a line that does not parse to
// bad (with its file and line) and goes on with the next.
func EachItemSkipping(r io.Reader, name string, fn func(Item) error, bad func(error)) error {
	return eachItem(r, name, fn, func(err error) error {
		bad(err)
		return nil
	})
}

// eachItem reads items; onBad decides whether a line that does not parse
// ends the reading (it returns the error) or not (nil).
func eachItem(r io.Reader, name string, fn func(Item) error, onBad func(error) error) error {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 1<<20), 64<<20)
	line := 0
	for sc.Scan() {
		line++
		if strings.TrimSpace(sc.Text()) == "" {
			continue
		}
		var it Item
		if err := json.Unmarshal(sc.Bytes(), &it); err != nil {
			if err := onBad(fmt.Errorf("%s:%d: %w", name, line, err)); err != nil {
				return err
			}
			continue
		}
		if err := fn(it); err != nil {
			return err
		}
	}
	if err := sc.Err(); err != nil {
		return fmt.Errorf("reading %s: %w", name, err)
	}
	return nil
}

// ReadItems reads a file of items, one JSON object a line.
func ReadItems(path string) ([]Item, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var out []Item
	err = EachItem(f, path, func(it Item) error {
		out = append(out, it)
		return nil
	})
	return out, err
}
