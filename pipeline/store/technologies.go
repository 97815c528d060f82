package store

import (
	"sort"

	"github.com/horizon-scan/horizon/pipeline/message"
)

// Review reasons the loader adds.
const (
	ReasonNewTechnology  = "new technology"
	ReasonUncertainMatch = "uncertain technology match (vendor only)"
	ReasonNameMatch      = "technology matched by name"
)

// Match is how a relevant document is resolved to a technology.
type Match struct {
	Key     string // technologies.key: product:<id>, vendor:<id> or document:<id>
	Name    string
	Vendor  string
	By      string   // product, vendor or document
	Reasons []string // review reasons: the classification's, plus an uncertain match
}

// MatchTechnology resolves a classification to the technology it
// announces: the product it names (the first by id, for determinism), else
// its vendor (uncertain: a vendor may have several), else the document
// itself, a technology known only from this announcement.
func MatchTechnology(c message.Classification) Match {
	m := Match{Reasons: append([]string(nil), c.Review.Reasons...)}
	var products, vendors []message.Organisation
	for _, o := range c.Organisations {
		switch o.Kind {
		case "product":
			products = append(products, o)
		case "vendor":
			vendors = append(vendors, o)
		}
	}
	byID := func(os []message.Organisation) {
		sort.Slice(os, func(i, j int) bool { return os[i].ID < os[j].ID })
	}
	byID(products)
	byID(vendors)
	switch {
	case len(products) > 0:
		p := products[0]
		m.Key, m.Name, m.Vendor, m.By = "product:"+p.ID, p.Name, p.Vendor, "product"
	case len(vendors) > 0:
		v := vendors[0]
		m.Key, m.Name, m.Vendor, m.By = "vendor:"+v.ID, v.Name, v.Name, "vendor"
		m.Reasons = append(m.Reasons, ReasonUncertainMatch)
	default:
		m.Key, m.Name, m.By = "document:"+c.Document.ID, c.Document.Title, "document"
	}
	return m
}
