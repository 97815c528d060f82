package classify

import (
	"strings"
	"time"

	"github.com/horizon-scan/horizon/pipeline/message"
	"github.com/horizon-scan/horizon/pipeline/rules"
)

// Prediction is a classification in the flat form that
// ../shared/corpus/README.md defines for evaluation: the codes, one field
// per dimension, plus the full labels with their evidence and the
// organisations named.
type Prediction struct {
	Codes
	// Technology and Vendor are the names the text gives the product and its
	// developer (null when it names none).
	Technology *string `json:"technology"`
	Vendor     *string `json:"vendor"`
	// Names are the names found with their scores and evidence.
	Names          *Names `json:"names,omitempty"`
	RuleSetVersion string `json:"rule_set_version"`
	// Gate is the relevance score and its evidence, for and against, also
	// when the item was judged not relevant.
	Gate *message.Label `json:"relevance_gate,omitempty"`
	// NearMiss: not relevant, by so little that the codes are proposed
	// for an analyst to judge (rules/settings.yaml, review.relevance_margin).
	NearMiss      bool                   `json:"near_miss,omitempty"`
	Review        message.Review         `json:"review"`
	Labels        []message.Label        `json:"labels"`
	Organisations []message.Organisation `json:"organisations,omitempty"`
	// Marks are the regulatory marks the document reports.
	Marks []message.Mark `json:"marks,omitempty"`
}

// Predict flattens a classification. Stage takes the most mature stage
// evidenced when several are.
func Predict(id string, c message.Classification) Prediction {
	p := Prediction{
		Codes: Codes{ID: id, Relevance: rules.NotRelevant, Subtypes: []string{}, ClinicalAreas: []string{},
			WorkforceGroups: []string{}, PointOfCare: []string{}, Region: []string{}},
		RuleSetVersion: c.RuleSetVersion, NearMiss: c.NearMiss, Review: c.Review, Labels: c.Labels,
		Organisations: c.Organisations, Marks: c.Marks,
	}
	if p.Labels == nil {
		p.Labels = []message.Label{}
	}
	if c.Relevant {
		p.Relevance = rules.Relevant
	}
	if c.Technology != nil || len(c.Vendors) > 0 {
		p.Names = &Names{Technology: c.Technology, Vendors: c.Vendors}
	}
	if c.Technology != nil {
		p.Technology = &c.Technology.Name
	}
	if len(c.Vendors) > 0 {
		vs := make([]string, len(c.Vendors))
		for i, v := range c.Vendors {
			vs[i] = v.Name
		}
		joined := strings.Join(vs, "; ")
		p.Vendor = &joined
	}
	stageRank := map[string]int{"RESEARCH": 1, "TRIAL": 2, "APPROVED": 3, "DEPLOYED": 4, "SCALING": 5}
	for _, l := range c.Labels {
		code := l.Code
		switch l.Dimension {
		case rules.DimType:
			p.Type = &code
		case rules.DimSubtype:
			p.Subtypes = append(p.Subtypes, code)
		case rules.DimClinicalArea:
			p.ClinicalAreas = append(p.ClinicalAreas, code)
		case rules.DimWorkforceGroup:
			p.WorkforceGroups = append(p.WorkforceGroups, code)
		case rules.DimPointOfCare:
			p.PointOfCare = append(p.PointOfCare, code)
		case rules.DimStage:
			if p.Stage == nil || stageRank[code] > stageRank[*p.Stage] {
				p.Stage = &code
			}
		case rules.DimRegion:
			p.Region = append(p.Region, code)
		}
	}
	return p
}

// PredictItem classifies an item with rs and flattens the result, with the
// relevance gate's score and evidence.
func PredictItem(rs *rules.RuleSet, it Item) Prediction {
	c, r := classify(rs, message.Document{ID: it.ID, Title: it.Title, Text: it.Text}, time.Now())
	p := Predict(it.ID, c)
	p.Gate = &r.Gate
	return p
}

// Names are the technology and the developers a document names, with the
// evidence for each.
type Names struct {
	Technology *message.Name  `json:"technology,omitempty"`
	Vendors    []message.Name `json:"vendors,omitempty"`
}

func (n *Names) technology() []message.Name {
	if n == nil || n.Technology == nil {
		return nil
	}
	return []message.Name{*n.Technology}
}

func (n *Names) vendors() []message.Name {
	if n == nil {
		return nil
	}
	return n.Vendors
}
