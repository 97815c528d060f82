package names

import (
	"fmt"
	"io/fs"
	"maps"
	"path"
	"slices"
)

// The files of the name patterns, under the rules folder.
const (
	CuesFile        = "names/cues.yaml"
	CommonWordsFile = "names/common_words.txt"
	PlacesFile      = "names/uk_places.txt"
	FirstNamesFile  = "names/first_names.txt"
	JournalsFile    = "names/journals.txt"
	// UniversitiesFile lists universities and colleges, read whole
	// wherever they are written ("University of Utah researchers").
	UniversitiesFile = "names/universities.txt"
)

// Files are the files of a rules folder that Load reads.
var Files = []string{CuesFile, CommonWordsFile, PlacesFile, FirstNamesFile, JournalsFile, UniversitiesFile}

// Load reads the cue file, the word lists and the universities of a rules
// folder (label names it in errors) and returns an extractor that also
// knows the gazetteers' names and the vocabularies' terms (isTerm, lower
// case; may be nil).
func Load(fsys fs.FS, label string, known []Known, isTerm func(string) bool) (*Extractor, error) {
	data := map[string][]byte{}
	for _, f := range Files {
		b, err := fs.ReadFile(fsys, f)
		if err != nil {
			return nil, fmt.Errorf("reading %s: %w", path.Join(label, f), err)
		}
		data[f] = b
	}
	c, err := ParseCues(path.Join(label, CuesFile), data[CuesFile], path.Join(label, CommonWordsFile), data[CommonWordsFile])
	if err != nil {
		return nil, err
	}
	known = slices.Clone(known)
	for _, name := range slices.Sorted(maps.Keys(readWordList(data[UniversitiesFile]))) {
		known = append(known, Known{Name: name, Kind: KindUniversity})
	}
	x := New(c, known, isTerm)
	x.places = readWordList(data[PlacesFile])
	for w := range readWordList(data[FirstNamesFile]) {
		x.mark(w, kindFirstName)
	}
	x.journals = map[string]bool{}
	for title := range readWordList(data[JournalsFile]) {
		x.journals[tokensKey(tokenize(title, nil))] = true
	}
	return x, nil
}

// File is the cue file the extractor was loaded from.
func (x *Extractor) File() string { return x.cues.File }

// ExampleFailure is a cue-file example whose names the extractor gets
// wrong.
type ExampleFailure struct {
	Line        int
	Title, Text string
	Want, Got   string
	WhatIsWrong string
}

// TestExamples extracts the names of every example of the cue file and
// returns those that differ, with the number of examples run.
func (x *Extractor) TestExamples() ([]ExampleFailure, int) {
	var fails []ExampleFailure
	for _, ex := range x.cues.Examples {
		got := x.Extract(ex.Title, ex.Text)
		tech := ""
		if got.Technology != nil {
			tech = got.Technology.Name
		}
		if tech != ex.Technology {
			fails = append(fails, ExampleFailure{Line: ex.Line, Title: ex.Title, Text: ex.Text, Want: ex.Technology,
				Got: tech, WhatIsWrong: "technology"})
		}
		var vendors []string
		for _, v := range got.Vendors {
			vendors = append(vendors, v.Name)
		}
		want := slices.Clone(ex.Vendors)
		slices.Sort(want)
		slices.Sort(vendors)
		if !slices.Equal(want, vendors) {
			fails = append(fails, ExampleFailure{Line: ex.Line, Title: ex.Title, Text: ex.Text,
				Want: fmt.Sprint(want), Got: fmt.Sprint(vendors), WhatIsWrong: "vendors"})
		}
	}
	return fails, len(x.cues.Examples)
}
