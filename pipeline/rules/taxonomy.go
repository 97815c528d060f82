package rules

import (
	"fmt"
	"sort"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/horizon-scan/horizon/pipeline/yamlsyntax"
)

// Dimensions a classification assigns codes in. Type and horizon take one code
// (the main one); the others may take several.
const (
	DimRelevance      = "relevance"
	DimType           = "type"
	DimSubtype        = "subtype"
	DimClinicalArea   = "clinical_area"
	DimWorkforceGroup = "workforce_group"
	DimPointOfCare    = "point_of_care"
	DimStage          = "stage"
	DimHorizon        = "horizon"
	DimRegion         = "region"
)

// Relevance codes.
const (
	Relevant    = "RELEVANT"
	NotRelevant = "NOT_RELEVANT"
)

// Taxonomy holds the reference codes of every dimension, with their names.
type Taxonomy struct {
	codes map[string]map[string]string // dimension → code → name
}

// parseTaxonomy reads taxonomy.yaml. A dimension is a mapping of code to a
// name (or to {name: …}), or {codes: [...]} for a bare list. In
// workforce_group, "MEDIC.*" stands for MEDIC.<clinical_area code>.
func parseTaxonomy(file string, data []byte) (*Taxonomy, error) {
	var root yaml.Node
	if err := yaml.Unmarshal(data, &root); err != nil {
		return nil, yamlsyntax.Locate(file, data, err)
	}
	if len(root.Content) == 0 || root.Content[0].Kind != yaml.MappingNode {
		return nil, fmt.Errorf("%s: expected a mapping of dimensions", file)
	}
	t := &Taxonomy{codes: map[string]map[string]string{}}
	top := root.Content[0]
	for i := 0; i+1 < len(top.Content); i += 2 {
		dim, body := top.Content[i].Value, top.Content[i+1]
		if body.Kind != yaml.MappingNode {
			return nil, fmt.Errorf("%s:%d: dimension %s: expected a mapping", file, body.Line, dim)
		}
		codes := map[string]string{}
		for j := 0; j+1 < len(body.Content); j += 2 {
			k, v := body.Content[j], body.Content[j+1]
			switch {
			case k.Value == "description":
			case k.Value == "codes" && v.Kind == yaml.SequenceNode:
				for _, c := range v.Content {
					codes[c.Value] = c.Value
				}
			case v.Kind == yaml.ScalarNode:
				codes[k.Value] = v.Value
			case v.Kind == yaml.MappingNode:
				name, err := codeName(v)
				if err != nil {
					return nil, fmt.Errorf("%s:%d: code %s: %w", file, v.Line, k.Value, err)
				}
				codes[k.Value] = name
			default:
				return nil, fmt.Errorf("%s:%d: code %s: expected a name", file, v.Line, k.Value)
			}
		}
		t.codes[dim] = codes
	}
	for _, dim := range []string{DimRelevance, DimType, DimSubtype, DimClinicalArea, DimWorkforceGroup} {
		if len(t.codes[dim]) == 0 {
			return nil, fmt.Errorf("%s: dimension %s is missing or empty", file, dim)
		}
	}
	return t, nil
}

// codeName reads a code's {name: …, hee: …}. Any other key is refused: an
// unquoted comma in a flow mapping ({name: a (b, c)}) splits the name into
// keys, and must not pass as the name "a (b".
func codeName(v *yaml.Node) (string, error) {
	name := ""
	for i := 0; i+1 < len(v.Content); i += 2 {
		key, val := v.Content[i], v.Content[i+1]
		switch key.Value {
		case "name":
			if val.Kind != yaml.ScalarNode {
				return "", fmt.Errorf("name: expected text")
			}
			name = val.Value
		case "hee", "description":
		default:
			return "", fmt.Errorf("unknown key %q (quote a name that holds a comma)", key.Value)
		}
	}
	if name == "" {
		return "", fmt.Errorf("no name")
	}
	return name, nil
}

// Has reports whether code is a known code of dimension dim.
func (t *Taxonomy) Has(dim, code string) bool {
	if _, ok := t.codes[dim][code]; ok {
		return true
	}
	if area, ok := strings.CutPrefix(code, "MEDIC."); ok && dim == DimWorkforceGroup {
		_, ok := t.codes[DimClinicalArea][area]
		return ok
	}
	return false
}

// HasDimension reports whether dim is a known dimension.
func (t *Taxonomy) HasDimension(dim string) bool {
	_, ok := t.codes[dim]
	return ok
}

// Name returns the display name of a code.
func (t *Taxonomy) Name(dim, code string) string {
	if n, ok := t.codes[dim][code]; ok {
		return n
	}
	if area, ok := strings.CutPrefix(code, "MEDIC."); ok && dim == DimWorkforceGroup {
		return "Medic, " + t.codes[DimClinicalArea][area]
	}
	return code
}

// Codes lists the codes of a dimension in sorted order.
func (t *Taxonomy) Codes(dim string) []string {
	out := make([]string, 0, len(t.codes[dim]))
	for c := range t.codes[dim] {
		out = append(out, c)
	}
	sort.Strings(out)
	return out
}

// Dimensions lists the dimensions in sorted order.
func (t *Taxonomy) Dimensions() []string {
	out := make([]string, 0, len(t.codes))
	for d := range t.codes {
		out = append(out, d)
	}
	sort.Strings(out)
	return out
}

// ParentType returns the type a subtype belongs to (DIAGNOSTIC.IMAGING ⇒
// DIAGNOSTIC).
func ParentType(subtype string) string {
	parent, _, _ := strings.Cut(subtype, ".")
	return parent
}

// All lists every code of every dimension with its name, in order (the
// MEDIC.<area> workforce groups spelled out).
func (t *Taxonomy) All() [][3]string {
	var out [][3]string
	for _, dim := range t.Dimensions() {
		for _, code := range t.Codes(dim) {
			if dim == DimWorkforceGroup && code == "MEDIC.*" {
				for _, area := range t.Codes(DimClinicalArea) {
					out = append(out, [3]string{dim, "MEDIC." + area, t.Name(dim, "MEDIC."+area)})
				}
				continue
			}
			out = append(out, [3]string{dim, code, t.Name(dim, code)})
		}
	}
	return out
}
