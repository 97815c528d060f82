// Package rules parses, validates and compiles Horizon's classification
// rules, and applies them to documents.
//
// The rule files live in the repository's rules/ folder, the analysts' own:
// taxonomy.yaml holds the reference codes, settings.yaml the thresholds and
// implications, nhs_trusts.csv, nhs_icbs.csv and known_organisations.csv
// the gazetteers, vocabulary/*.tsv the vocabularies compiled from public
// sources, and every other *.yaml file holds rules. [Default] loads the copy
// built into the binary; [LoadDir] loads an analyst's working copy.
package rules

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"slices"
	"sort"
	"strings"
	"sync"

	"github.com/horizon-scan/horizon/pipeline/marks"
	namefinder "github.com/horizon-scan/horizon/pipeline/names"
	rulefiles "github.com/horizon-scan/horizon/rules"
)

const taxonomyFile = "taxonomy.yaml"

// Files returns the rule files built into the binary.
func Files() fs.FS { return rulefiles.Files }

// Default returns the rule set built into the binary, compiled on first
// use (it is immutable, and safe to share).
func Default() (*RuleSet, error) { return builtinRules() }

var builtinRules = sync.OnceValues(func() (*RuleSet, error) { return Load(rulefiles.Files, "rules") })

// DefaultTaxonomy reads the taxonomy built into the binary, without
// compiling the rules: for the binaries that only need the codes and their
// names.
func DefaultTaxonomy() (*Taxonomy, error) {
	data, err := fs.ReadFile(rulefiles.Files, taxonomyFile)
	if err != nil {
		return nil, fmt.Errorf("reading the built-in %s: %w", taxonomyFile, err)
	}
	return parseTaxonomy(path.Join("rules", taxonomyFile), data)
}

// ReferenceCodes are the codes reports name: the taxonomy's (dimension,
// code, name), and the kinds of regulatory mark (dimension "mark").
func (rs *RuleSet) ReferenceCodes() [][3]string {
	return withMarks(rs.Taxonomy.All(), rs.Marks)
}

// DefaultReferenceCodes are the reference codes of the built-in rules,
// without compiling them.
func DefaultReferenceCodes() ([][3]string, error) {
	tax, err := DefaultTaxonomy()
	if err != nil {
		return nil, err
	}
	f, err := marks.Load(rulefiles.Files, "rules")
	if err != nil {
		return nil, err
	}
	return withMarks(tax.All(), f), nil
}

func withMarks(codes [][3]string, f *marks.Finder) [][3]string {
	if f == nil {
		return codes
	}
	for _, k := range f.Kinds() {
		codes = append(codes, [3]string{"mark", k.Code, k.Name})
	}
	return codes
}

// LoadDir loads the rule set in dir.
func LoadDir(dir string) (*RuleSet, error) { return Load(os.DirFS(dir), dir) }

// Load reads taxonomy.yaml, every other *.yaml file at the top of fsys and
// the vocabularies under vocabulary/, validates all of it and compiles it. Errors name the file (under label),
// the line and the rule: every problem found is reported, not just the
// first.
func Load(fsys fs.FS, label string) (*RuleSet, error) {
	names, err := fs.Glob(fsys, "*.yaml")
	if err != nil {
		return nil, fmt.Errorf("listing %s: %w", label, err)
	}
	for _, gazetteer := range []string{trustsFile, icbsFile, vendorsFile, fdaFile} {
		if _, err := fs.Stat(fsys, gazetteer); err == nil {
			names = append(names, gazetteer)
		}
	}
	vocabFiles, err := fs.Glob(fsys, vocabularyDir+"/*.tsv")
	if err != nil {
		return nil, fmt.Errorf("listing %s: %w", path.Join(label, vocabularyDir), err)
	}
	names = append(names, vocabFiles...)
	for _, f := range append(slices.Clone(namefinder.Files), marks.File) {
		if _, err := fs.Stat(fsys, f); err == nil {
			names = append(names, f)
		}
	}
	sort.Strings(names)
	hash := sha256.New()
	var tax *Taxonomy
	files := map[string][]byte{}
	for _, name := range names {
		data, err := fs.ReadFile(fsys, name)
		if err != nil {
			return nil, fmt.Errorf("reading %s: %w", path.Join(label, name), err)
		}
		fmt.Fprintf(hash, "%s\x00%d\x00", name, len(data))
		hash.Write(data)
		if name == taxonomyFile {
			if tax, err = parseTaxonomy(path.Join(label, name), data); err != nil {
				return nil, err
			}
			continue
		}
		files[name] = data
	}
	if tax == nil {
		return nil, fmt.Errorf("%s: no %s", label, taxonomyFile)
	}
	// The name finder's files are read by package names, below.
	for _, f := range namefinder.Files {
		delete(files, f)
	}
	delete(files, marks.File)

	var problems []error
	vocabs := map[string]*Vocabulary{}
	for _, name := range vocabFiles {
		v, errs := parseVocabulary(path.Join(label, name), files[name], tax)
		problems = append(problems, errs...)
		vocabs[v.Name] = v
		delete(files, name)
	}
	settings := &Settings{LowConfidence: 0.6}
	if data, ok := files[settingsFile]; ok {
		var errs []error
		settings, errs = parseSettings(path.Join(label, settingsFile), data, tax)
		problems = append(problems, errs...)
		delete(files, settingsFile)
	}
	// Rule files first for their named lists, which any rule may use.
	refs := &phraseRefs{vocabs: vocabs, lists: map[string]namedList{}}
	ruleFiles := map[string]ruleFile{}
	for _, name := range names {
		data, ok := files[name]
		if !ok || name == trustsFile || name == icbsFile || name == vendorsFile || name == fdaFile {
			continue
		}
		rf, err := readRuleFile(path.Join(label, name), data)
		if err != nil {
			problems = append(problems, err)
			delete(files, name)
			continue
		}
		problems = append(problems, rf.addLists(refs)...)
		ruleFiles[name] = rf
	}
	var all []*Rule
	seen := map[string]string{}
	for _, name := range names {
		data, ok := files[name]
		if !ok {
			continue
		}
		file := path.Join(label, name)
		var rs []*Rule
		var errs []error
		switch name {
		case trustsFile:
			rs, errs = parseTrusts(file, data, tax)
		case icbsFile:
			rs, errs = parseICBs(file, data, tax)
		case vendorsFile:
			rs, errs = parseVendors(file, data, tax)
		case fdaFile:
			rs, errs = parseFDA(file, data, tax)
		default:
			rs, errs = ruleFiles[name].parseRules(tax, refs)
		}
		problems = append(problems, errs...)
		for _, r := range rs {
			if r.Part > 0 {
				all = append(all, r)
				continue
			}
			if prev, dup := seen[r.ID]; dup {
				problems = append(problems, fmt.Errorf("%s:%d: rule %s: duplicate id (first at %s)", file, r.Line, r.ID, prev))
				continue
			}
			seen[r.ID] = fmt.Sprintf("%s:%d", file, r.Line)
			all = append(all, r)
		}
	}
	if len(problems) > 0 {
		return nil, errors.Join(problems...)
	}
	if len(all) == 0 {
		return nil, fmt.Errorf("%s: no rules", label)
	}
	rs, err := compile(tax, settings, all)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", label, err)
	}
	if _, err := fs.Stat(fsys, namefinder.CuesFile); err == nil {
		if rs.Names, err = namefinder.Load(fsys, label, knownNames(all), vocabularyTerms(vocabs)); err != nil {
			return nil, err
		}
	}
	if _, err := fs.Stat(fsys, marks.File); err == nil {
		if rs.Marks, err = marks.Load(fsys, label); err != nil {
			return nil, err
		}
	}
	rs.Vocabularies = vocabs
	rs.lists = map[string]string{}
	for name, l := range refs.lists {
		rs.lists[name] = l.at
	}
	rs.Version = hex.EncodeToString(hash.Sum(nil))[:16]
	return rs, nil
}

// vocabularyTerms returns whether a lower-case phrase is a term of a
// vocabulary (a disease, an organ, a place): the name finder takes no such
// phrase for a developer.
func vocabularyTerms(vocabs map[string]*Vocabulary) func(string) bool {
	terms := map[string]bool{}
	for _, v := range vocabs {
		for _, t := range v.Terms {
			terms[strings.ToLower(strings.TrimPrefix(t.Text, caseMark))] = true
		}
	}
	return func(s string) bool { return terms[s] }
}

// knownNames lists the products and vendors of the gazetteers, for the
// name finder.
func knownNames(rules []*Rule) []namefinder.Known {
	var out []namefinder.Known
	for _, r := range rules {
		if r.Org == nil {
			continue
		}
		switch r.Org.Kind {
		case "product", "vendor":
			out = append(out, namefinder.Known{Name: r.Org.Name, Kind: r.Org.Kind, Vendor: r.Org.Vendor})
		case "nhs_trust", "nhs_icb":
			// Read whole ("Guy's and St Thomas' NHS Foundation Trust"), as
			// any other name: no evidence of a developer by itself.
			for _, name := range r.Any {
				out = append(out, namefinder.Known{Name: name, Kind: namefinder.KindOrganisation})
			}
		case "regulator", "health_body":
			// A regulator or a national body that announces, rolls out or
			// buys a technology: its developer only where the text says so.
			for _, name := range r.Any {
				out = append(out, namefinder.Known{Name: name, Kind: namefinder.KindAuthority})
			}
		}
	}
	return out
}

// phraseKey is how phrases are compared: lower case, single spaces, a
// hyphen as a space. A phrase marked to match in its own case ("=US", the
// country and not the pronoun) keeps its case and its mark.
func phraseKey(p string) string {
	k := strings.Join(strings.Fields(keyReplacer.Replace(p)), " ")
	if rest, cased := strings.CutPrefix(k, caseMark); cased {
		if rest = strings.TrimSpace(rest); rest == "" {
			return ""
		}
		return caseMark + rest
	}
	return strings.ToLower(k)
}

// caseMark starts a phrase that matches only in the case it is written in.
const caseMark = "="

// keyReplacer makes a hyphen one with a space ("x-ray", "x ray") and a
// typographic apostrophe one with a straight one, in phrases as in texts.
var keyReplacer = strings.NewReplacer("-", " ", "\u2019", "'")
