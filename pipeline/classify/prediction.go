package classify

import (
	"github.com/horizon-scan/horizon/pipeline/message"
	"github.com/horizon-scan/horizon/rules"
)

// Prediction is a classification in the flat form that
// ../shared/corpus/README.md defines for evaluation: one field per
// dimension, plus the full labels with their evidence.
type Prediction struct {
	ID              string          `json:"id"`
	Relevance       string          `json:"relevance"`
	Type            *string         `json:"type"`
	Subtypes        []string        `json:"subtypes"`
	ClinicalAreas   []string        `json:"clinical_areas"`
	WorkforceGroups []string        `json:"workforce_groups"`
	PointOfCare     []string        `json:"point_of_care"`
	Stage           *string         `json:"stage"`
	Region          []string        `json:"region"`
	RuleSetVersion  string          `json:"rule_set_version"`
	Review          message.Review  `json:"review"`
	Labels          []message.Label `json:"labels"`
}

// Predict flattens a classification. Stage takes the most mature stage
// evidenced when several are.
func Predict(id string, c message.Classification) Prediction {
	p := Prediction{
		ID: id, Relevance: rules.NotRelevant, RuleSetVersion: c.RuleSetVersion, Review: c.Review,
		Subtypes: []string{}, ClinicalAreas: []string{}, WorkforceGroups: []string{},
		PointOfCare: []string{}, Region: []string{}, Labels: c.Labels,
	}
	if p.Labels == nil {
		p.Labels = []message.Label{}
	}
	if c.Relevant {
		p.Relevance = rules.Relevant
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
