// Package synthetic generates classified documents for benchmarks: many
// technologies with codes spread over every dimension, as the loader would
// receive them, so the dashboard and the loader can be measured at scale.
package synthetic

import (
	"fmt"
	"strings"
	"time"

	"github.com/horizon-scan/horizon/pipeline/message"
)

var (
	types    = []string{"DIAGNOSTIC", "AUTOMATION", "P4", "REMOTE_MONITORING", "THERAPEUTIC", "OTHER"}
	areas    = []string{"CARDIOLOGY", "CLINICAL_RADIOLOGY", "NEUROLOGY", "DERMATOLOGY", "GENERAL_PRACTICE", "ONCOLOGY_MIXED", "EMERGENCY_MEDICINE", "OPHTHALMOLOGY", "HISTOPATHOLOGY", "PAEDIATRICS"}
	regions  = []string{"NHS_NORTH_EAST_YORKSHIRE", "NHS_NORTH_WEST", "NHS_MIDLANDS", "NHS_EAST_OF_ENGLAND", "NHS_LONDON", "NHS_SOUTH_EAST", "NHS_SOUTH_WEST", "SCOTLAND", "WALES"}
	pocs     = []string{"PRIMARY", "SECONDARY", "COMMUNITY", "SELF_CARE"}
	horizons = []string{"NOW", "WITHIN_1Y", "Y1_3", "Y3_PLUS"}
	text     = strings.Repeat("An artificial intelligence tool reads scans for clinicians in an NHS trust. ", 40)
	start    = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
)

// Sources is the number of sources the documents are spread over
// (source-0 … source-17).
const Sources = 18

// Classifications returns documents from, from+1, … from+n-1: each
// relevant, the only announcement of a technology of its own (its title
// names it), with a type, one or two clinical areas, a workforce group, a
// point of care, a time to deployment and a region, cycling through the
// codes at different periods so that every combination occurs; every
// third needs review. Document i is published i hours after 2026-01-01.
func Classifications(from, n int) []message.Classification {
	cs := make([]message.Classification, 0, n)
	for i := from; i < from+n; i++ {
		pub := start.Add(time.Duration(i) * time.Hour)
		id := fmt.Sprintf("scale-%07d", i)
		c := message.Classification{SchemaVersion: message.ClassificationVersion, RuleSetVersion: "r1", Relevant: true,
			ClassifiedAt: start, Review: message.Review{Needed: i%3 == 0, Reasons: []string{"low confidence"}[:1-min(1, i%3)]},
			Document: message.Document{SchemaVersion: message.DocumentVersion, ID: id, ContentHash: "h", Source: fmt.Sprintf("source-%d", i%Sources),
				URL: "https://example.org/" + id, Title: "Technology " + id, Text: text, Published: &pub, FetchedAt: start}}
		ev := []message.Evidence{{RuleID: "r", Field: "text", Start: 3, End: 26, Snippet: "artificial intelligence"}}
		c.Labels = []message.Label{
			{Dimension: "relevance", Code: "RELEVANT", Score: 2, Evidence: ev},
			{Dimension: "type", Code: types[i%len(types)], Score: 1, Evidence: ev},
			{Dimension: "clinical_area", Code: areas[i%len(areas)], Score: 1, Evidence: ev},
			{Dimension: "clinical_area", Code: areas[(i/7)%len(areas)], Score: 1, Evidence: ev},
			{Dimension: "workforce_group", Code: "MEDIC." + areas[i%len(areas)], Score: 1, Evidence: ev},
			{Dimension: "point_of_care", Code: pocs[i%len(pocs)], Score: 1, Evidence: ev},
			{Dimension: "horizon", Code: horizons[(i/3)%len(horizons)], Score: 1, Evidence: ev},
			{Dimension: "region", Code: regions[i%len(regions)], Score: 1, Evidence: ev},
		}
		cs = append(cs, c)
	}
	return cs
}
