package review

import (
	"encoding/json"
	"net/http"

	"github.com/horizon-scan/horizon/pipeline/classify"
	"github.com/horizon-scan/horizon/pipeline/rules"
	"github.com/horizon-scan/horizon/pipeline/store"
)

// goldOf turns a decided document into the gold format `classifier eval`
// reads: the analysts' view of its technology's codes.
func goldOf(d store.DecidedDocument) classify.Gold {
	g := classify.Gold{Codes: classify.Codes{ID: d.ID, Relevance: rules.NotRelevant, Subtypes: []string{}, ClinicalAreas: []string{},
		WorkforceGroups: []string{}, PointOfCare: []string{}, Region: []string{}}}
	if d.Excluded || len(d.Codes[rules.DimRelevance]) == 0 {
		return g
	}
	g.Relevance = rules.Relevant
	first := func(dim string) *string {
		if cs := d.Codes[dim]; len(cs) > 0 {
			return &cs[0]
		}
		return nil
	}
	g.Type, g.Stage = first(rules.DimType), first(rules.DimStage)
	for dim, dst := range map[string]*[]string{rules.DimSubtype: &g.Subtypes, rules.DimClinicalArea: &g.ClinicalAreas,
		rules.DimWorkforceGroup: &g.WorkforceGroups, rules.DimPointOfCare: &g.PointOfCare, rules.DimRegion: &g.Region} {
		*dst = append(*dst, d.Codes[dim]...)
	}
	return g
}

// exportGold writes the analysts' decisions as a gold file, one JSON line
// per decided document: `classifier eval --gold gold.jsonl --input
// documents.jsonl` measures the rules against them.
func (s *Server) exportGold(w http.ResponseWriter, r *http.Request) {
	s.exportJSONL(w, r, "horizon-gold.jsonl", func(d store.DecidedDocument) any { return goldOf(d) })
}

// exportDocuments writes the decided documents' text, the --input of
// `classifier eval`.
func (s *Server) exportDocuments(w http.ResponseWriter, r *http.Request) {
	s.exportJSONL(w, r, "horizon-documents.jsonl", func(d store.DecidedDocument) any {
		return struct {
			ID    string `json:"id"`
			Title string `json:"title"`
			Text  string `json:"text"`
		}{d.ID, d.Title, d.Body}
	})
}

func (s *Server) exportJSONL(w http.ResponseWriter, r *http.Request, name string, line func(store.DecidedDocument) any) {
	w.Header().Set("Content-Type", "application/x-ndjson; charset=utf-8")
	w.Header().Set("Content-Disposition", `attachment; filename="`+name+`"`)
	enc := json.NewEncoder(w)
	if err := s.store.EachDecided(r.Context(), func(d store.DecidedDocument) error { return enc.Encode(line(d)) }); err != nil {
		// Headers are gone: all that is left is to log and cut the file short.
		s.log.Error("exporting", "file", name, "err", err)
	}
}
