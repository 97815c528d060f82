package rules

import (
	"cmp"
	"slices"
	"sync"
)

// maxHitsPerPhrase is how many occurrences of one phrase a document keeps:
// more would add nothing to a rule's evidence.
const maxHitsPerPhrase = 4 * maxEvidence

// phraseHit is one occurrence of a phrase, as the matcher finds it; seq
// is its place in the order found.
type phraseHit struct {
	phrase int
	seq    int
	hit
}

// hitSet holds the occurrences of phrases in one document, grouped by
// phrase in the order they were found (the title's first), at most
// maxHitsPerPhrase of each. Its storage is reused from one document to
// the next (hitSets), so that matching a document allocates next to
// nothing for them.
type hitSet struct {
	found   []phraseHit
	list    []hit
	phrases []int            // the phrases found, ascending
	at      map[int][2]int32 // a phrase's hits in list
}

var hitSets = sync.Pool{New: func() any { return &hitSet{at: map[int][2]int32{}} }}

func (s *hitSet) add(p int, h hit) { s.found = append(s.found, phraseHit{p, len(s.found), h}) }

// group sorts what was found by phrase, each phrase's hits in the order
// they were found (by seq: an unstable sort on a unique key, which is
// quicker than a stable one).
func (s *hitSet) group() {
	slices.SortFunc(s.found, func(a, b phraseHit) int {
		if c := cmp.Compare(a.phrase, b.phrase); c != 0 {
			return c
		}
		return cmp.Compare(a.seq, b.seq)
	})
	for i := 0; i < len(s.found); {
		p, from := s.found[i].phrase, len(s.list)
		j := i
		for ; j < len(s.found) && s.found[j].phrase == p; j++ {
			if j-i < maxHitsPerPhrase {
				s.list = append(s.list, s.found[j].hit)
			}
		}
		s.at[p] = [2]int32{int32(from), int32(len(s.list))}
		s.phrases = append(s.phrases, p)
		i = j
	}
}

// of returns the hits of phrase p (nil if it does not occur).
func (s *hitSet) of(p int) []hit {
	r, ok := s.at[p]
	if !ok {
		return nil
	}
	return s.list[r[0]:r[1]:r[1]]
}

// reset empties the set for the next document, keeping its storage.
func (s *hitSet) reset() {
	s.found, s.list, s.phrases = s.found[:0], s.list[:0], s.phrases[:0]
	clear(s.at)
}
