#!/usr/bin/env python3
"""Rebuild Horizon's vocabularies (rules/vocabulary/*.tsv) from MeSH.

Each vocabulary lists the terms that signal a code: diseases, anatomy,
procedures and tests, classes of medicines (by what they treat),
specialties and specialists for clinical areas; staff
for workforce groups; care settings for point of care; the work each
subtype does (techniques, monitoring devices, the running of services:
tasks) for subtypes; places outside the UK, and the nationalities and
capitals of other countries, for region; and the data-driven technologies
(artificial intelligence and its methods, computer-assisted diagnosis and
therapy, decision support, robots, wearables: technologies) that the
relevance gate looks for. The
MeSH terms are the
entry terms of MeSH descriptors (Medical Subject Headings, U.S. National
Library of Medicine); which descriptors count and which code each gives is
the analysts' crosswalk, mesh_crosswalk.csv beside this script, with
term-level corrections in term_overrides.csv (British usage MeSH does not
know). Nothing here is taken from labelled texts.

Usage:

    build.py --mesh-xml desc2024.xml.gz            # NLM's own file, or
    build.py --mesh-rds DIR                        # data_mesh_thesaurus.rds and
                                                   # data_mesh_trees.rds
             --frequencies en_50k.txt --countries countries.json
             [--source-note TEXT] [--date YYYY-MM-DD] [--out DIR] [--review]

The vocabularies shipped were built with

    build.py --mesh-rds DIR --frequencies en_50k.txt --countries countries.json \
        --source-note "github.com/jaytimm/mesh-resources data/data_mesh_thesaurus.rds
        and data/data_mesh_trees.rds at commit c72a6a5 (built from NLM desc2024
        and mtrees2024)"

from jaytimm/mesh-resources at commit c72a6a5, hermitdave/FrequencyWords at
commit 072bbed and mledoze/countries at commit 5e9f370.

Sources:
  Countries (nationalities.tsv): github.com/mledoze/countries dist/countries.json,
    English demonyms and capitals (ODbL 1.0).
  MeSH 2024: https://nlmpubs.nlm.nih.gov/projects/mesh/MESH_FILES/xmlmesh/desc2024.gz
    (public domain, NLM terms and conditions:
    https://www.nlm.nih.gov/databases/download/terms_and_conditions.html).
    The same data as R data frames: github.com/jaytimm/mesh-resources, data/.
  English word frequencies (to keep ordinary words out): OpenSubtitles 2018,
    github.com/hermitdave/FrequencyWords content/2018/en/en_50k.txt
    (CC BY-SA 4.0); used only to filter, not copied.

How terms are chosen (the same for every vocabulary):
  * every entry term of a descriptor the crosswalk reaches, except inverted
    forms ("Neoplasms, Lung": they have a comma), lab numbers and
    historical terms;
  * a British spelling is added beside an American one ("tumour",
    "haemorrhage", "paediatric", "oesophageal", "anaesthesia", ...);
  * ambiguous terms are left out and listed, with the reason, in
    excluded.txt: one-word terms that are common English words (among the
    5,000 most frequent words of the frequency list: "heart", "cold",
    "labor", "stroke"; the hand-written rules cover the clinical ones with
    context), acronyms shorter than four letters or that spell an English
    word ("ALS", "AIDS"), one- or two-word terms with a bare number
    ("Sarcoma 180"), terms longer than six words, and terms that would
    signal more than three codes;
  * a plural whose singular is listed is dropped (the engine matches
    plurals by itself), and so is one whose singular term_overrides.csv
    drops for its everyday sense ("suggestions" with "suggestion"); a term listed by two vocabularies of one dimension
    stays in the first (specialties, diseases, procedures, anatomy);
  * a one-word specialty name brings its adjective, derived by rule
    ("neurology": "neurological", "neurologic"; "paediatrics":
    "paediatric"; "neurosurgery": "neurosurgical"; "psychiatry":
    "psychiatric").
"""
import argparse
import csv
import datetime
import gzip
import json
import os
import re
import struct
import sys
import xml.etree.ElementTree as ET

HERE = os.path.dirname(os.path.abspath(__file__))

# Vocabulary name -> (dimension, what it holds), in priority order within a
# dimension.
VOCABULARIES = {
    "specialties": ("clinical_area", "Clinical areas signalled by medical specialties, specialists and services."),
    "diseases": ("clinical_area", "Clinical areas signalled by diseases, disorders and injuries."),
    "procedures": ("clinical_area", "Clinical areas signalled by tests, imaging, procedures, therapies and devices."),
    "anatomy": ("clinical_area", "Clinical areas signalled by organs and body systems."),
    "medicines": ("clinical_area", "Clinical areas signalled by classes of medicines, by what they treat (MeSH therapeutic uses)."),
    "staff": ("workforce_group", "Workforce groups signalled by the staff named."),
    "care_settings": ("point_of_care", "Points of care signalled by the setting named."),
    "tasks": ("subtype", "Subtypes signalled by the work named: diagnostic and therapeutic techniques, monitoring, and the running of health services."),
    "places": ("region", "Regions signalled by places outside the UK (MeSH geographic headings)."),
    "nationalities": ("region", "Regions signalled by the nationality or the capital of a country outside the UK."),
    # Lists for rules to refer to ("@cancer_sites"), not codes of a dimension.
    "cancer_sites": (None, "Cancers named by their site (list SITED): rules leave them to the site's specialty."),
    "technologies": (None, "Data-driven technologies named (list DATA_DRIVEN): artificial intelligence and its methods, "
                           "computer-assisted diagnosis and therapy, clinical decision support, robots, wearable devices."),
}

# The list name each list vocabulary's terms carry as their code.
LISTS = {"cancer_sites": "SITED", "technologies": "DATA_DRIVEN"}

COMMON_WORD_RANK = 5000
MAX_WORDS = 6
MAX_CODES = 3

# American -> British spellings, applied to lower-case terms.
BRITISH = [
    (r"\btumor", "tumour"),
    (r"(^|[^a-z])hem(at|o|or|og)", r"\1haem\2"),
    (r"([^ad])emi(a|as)\b", r"\1aemi\2"),
    (r"([^adt])emic\b", r"\1aemic"),
    (r"ischem", "ischaem"),
    (r"\besophag", "oesophag"),
    (r"\bedema", "oedema"),
    (r"\bestrogen", "oestrogen"),
    (r"\bfet(al|us|uses)\b", r"foet\1"),
    (r"pediatri", "paediatri"),
    (r"\bpedia", "paedia"),
    (r"orthoped", "orthopaed"),
    (r"gynec", "gynaec"),
    (r"anesth", "anaesth"),
    (r"\bceliac", "coeliac"),
    (r"rrhea\b", "rrhoea"),
    (r"([^a])pnea\b", r"\1pnoea"),
    (r"\bapnea", "apnoea"),
    (r"behavior", "behaviour"),
    (r"\bcolor", "colour"),
    (r"center\b", "centre"),
    (r"([a-z]{3})iz(ation|ations|ing|ed|es|e)\b", r"\1is\2"),
    (r"\blabor\b", "labour"),
    (r"\bcesarean", "caesarean"),
    (r"\bameb", "amoeb"),
    (r"\baging\b", "ageing"),
    (r"\bleukocyt", "leucocyt"),
]


def british(term):
    out = term
    for pat, rep in BRITISH:
        out = re.sub(pat, rep, out)
    return out


# --- MeSH readers -----------------------------------------------------------

class Descriptor:
    def __init__(self, ui, name):
        self.ui, self.name, self.trees, self.terms = ui, name, [], []


def read_mesh_xml(path):
    """Reads NLM's descriptor file (descYYYY.xml, gzipped or not)."""
    opener = gzip.open if path.endswith(".gz") else open
    out = {}
    with opener(path, "rb") as f:
        for _, el in ET.iterparse(f):
            if el.tag != "DescriptorRecord":
                continue
            d = Descriptor(el.findtext("DescriptorUI"), el.findtext("DescriptorName/String"))
            d.trees = [t.text for t in el.findall("TreeNumberList/TreeNumber")]
            for term in el.findall("ConceptList/Concept/TermList/Term"):
                d.terms.append((term.findtext("String"), term.get("LexicalTag", "NON")))
            out[d.ui] = d
            el.clear()
    return out


def read_mesh_rds(folder):
    """Reads the same data from R data frames (github.com/jaytimm/mesh-resources)."""
    _, thesaurus = rds_data_frame(os.path.join(folder, "data_mesh_thesaurus.rds"))
    _, trees = rds_data_frame(os.path.join(folder, "data_mesh_trees.rds"))
    out = {}
    for r in thesaurus:
        d = out.setdefault(r["DescriptorUI"], Descriptor(r["DescriptorUI"], r["DescriptorName"]))
        d.terms.append((r["TermName"], r["LexicalTag"]))
    by_name = {d.name: d for d in out.values()}
    for r in trees:
        d = out.setdefault(r["DescriptorUI"], Descriptor(r["DescriptorUI"], r["DescriptorName"]))
        d.trees.append(r["tree_location"])
        # The copy leaves out the top-level headings' own tree numbers
        # (C14 Cardiovascular Diseases); it names them beside each row.
        top = by_name.get(r["mesh1"])
        if top and r["tree1"] and r["tree1"] not in top.trees:
            top.trees.append(r["tree1"])
    return out


def rds_data_frame(path):
    """Reads a data frame saved by R's saveRDS (XDR format, versions 2 and 3):
    returns its column names and its rows as dicts."""
    data = gzip.open(path).read()
    if data[:2] != b"X\n":
        raise ValueError(f"{path}: not an XDR RDS file")
    r = _RDS(data, 2)
    version = r.int()
    r.int(), r.int()
    if version == 3:
        encoding_length = r.int()
        r.pos += encoding_length
    obj = r.item()
    names, cols = obj["names"], obj["columns"]
    return names, [dict(zip(names, row)) for row in zip(*cols)]


class _RDS:
    """Just enough of R's serialization format for data frames of strings
    and numbers."""

    def __init__(self, data, pos):
        self.data, self.pos, self.refs = data, pos, []

    def int(self):
        (v,) = struct.unpack_from(">i", self.data, self.pos)
        self.pos += 4
        return v

    def length(self):
        n = self.int()
        return (self.int() << 32) + self.int() if n == -1 else n

    def item(self):
        flags = self.int()
        kind, has_attr, has_tag = flags & 0xFF, flags & (1 << 9), flags & (1 << 10)
        if kind in (254, 253, 252, 251, 250, 242, 241):  # nil and special environments
            return None
        if kind == 255:  # reference
            return self.refs[(flags >> 8 or self.int()) - 1]
        if kind == 1:  # symbol
            v = ("symbol", self.item())
            self.refs.append(v)
            return v
        if kind in (247, 248, 249):  # persistent, package, namespace
            self.item()
            self.refs.append(None)
            return None
        if kind == 4:  # environment
            self.refs.append(None)
            self.int()
            for _ in range(4):
                self.item()
            return None
        if kind in (2, 3, 5, 6, 17, 239, 240):  # pairlists
            if has_attr:
                self.item()
            tag = self.item() if has_tag else None
            car, cdr = self.item(), self.item()
            return [(tag[1] if tag else None, car)] + (cdr if isinstance(cdr, list) else [])
        if kind == 238:  # ALTREP
            info, state = self.item(), self.item()
            self.item()
            cls = info[0][1][1] if info else None
            if cls in ("compact_intseq", "compact_realseq"):
                n, start, step = state
                return [start + k * step for k in range(int(n))]
            return state[0][1] if isinstance(state, list) else state
        if kind == 9:  # string
            n = self.int()
            if n == -1:
                return None
            v = self.data[self.pos:self.pos + n].decode("utf-8", "replace")
            self.pos += n
            return v
        if kind in (10, 13):  # logical, integer
            n = self.length()
            v = list(struct.unpack_from(f">{n}i", self.data, self.pos))
            self.pos += 4 * n
        elif kind == 14:  # double
            n = self.length()
            v = list(struct.unpack_from(f">{n}d", self.data, self.pos))
            self.pos += 8 * n
        elif kind in (16, 19, 20):  # character vector, list
            v = [self.item() for _ in range(self.length())]
        elif kind == 22:  # external pointer (data.table keeps one)
            v = None
            self.refs.append(v)
            self.item(), self.item()
        else:
            raise ValueError(f"unsupported R object type {kind} at byte {self.pos}")
        if has_attr:
            attrs = dict(self.item())
            if kind == 19 and attrs.get("names"):
                return {"names": attrs["names"], "columns": v}
        return v


# --- the crosswalk ----------------------------------------------------------

def read_crosswalk(path):
    rows = []
    with open(path, encoding="utf-8") as f:
        lines = [l for l in f if not l.startswith("#")]
    for n, row in enumerate(csv.DictReader(lines), 2):
        row["codes"] = [c for c in row["codes"].split(";") if c]
        if row["mode"] not in ("", "self", "skip-self", "fallback", "only", "skip"):
            sys.exit(f"{path}: {row['heading']}: unknown mode {row['mode']!r}")
        if row["vocabulary"] not in VOCABULARIES:
            sys.exit(f"{path}: {row['heading']}: unknown vocabulary {row['vocabulary']!r}")
        if row["mode"] not in ("skip", "skip-self") and not row["codes"]:
            sys.exit(f"{path}: {row['heading']}: no codes")
        rows.append(row)
    return rows


def read_overrides(path):
    """Term-level corrections: {(vocabulary, lower-case term): (codes, why,
    cased)}; empty codes drop the term unless it is written "=Term": then
    it stays, matched only in the case written (the country "=Turkey", not
    the bird)."""
    out = {}
    with open(path, encoding="utf-8") as f:
        lines = [l for l in f if not l.startswith("#")]
    for row in csv.DictReader(lines):
        if row["vocabulary"] not in VOCABULARIES:
            sys.exit(f"{path}: {row['term']}: unknown vocabulary {row['vocabulary']!r}")
        if not row["why"].strip():
            sys.exit(f"{path}: {row['term']}: say why")
        term = row["term"].strip()
        cased = term.startswith("=")
        out[(row["vocabulary"], term_key(term.lstrip("=")))] = (
            [c for c in row["codes"].split(";") if c], row["why"], cased)
    return out


def apply_overrides(name, terms, overrides, excluded):
    """Applies the term_overrides.csv rows of one vocabulary to its terms."""
    for (vocab, key), (codes, why, cased) in overrides.items():
        if vocab != name:
            continue
        if key not in terms:
            sys.exit(f"term_overrides.csv: {name}: {key!r} is not a term of the vocabulary")
        if cased:
            terms[key][0] = "=" + terms[key][0].lstrip("=")
        if codes:
            terms[key][1] = set(codes)
        elif not cased:
            excluded.append((name, terms[key][0], "overridden: " + why, " ".join(sorted(terms[key][2]))))
            del terms[key]


def resolve(mesh, crosswalk, vocabulary):
    """Returns {descriptor ui: sorted codes} for the descriptors the
    vocabulary's headings reach, and the set of descriptors that a heading
    without the fallback mode reaches (they name a site, a system, a
    specialty: what "fallback" stands back for)."""
    by_name = {d.name: d for d in mesh.values()}
    heading_at, self_only, skip_self = {}, {}, set()  # tree number -> row; ui -> row
    for row in crosswalk:
        if row["vocabulary"] != vocabulary:
            continue
        d = by_name.get(row["heading"])
        if d is None or not d.trees:
            sys.exit(f"mesh_crosswalk.csv: {vocabulary}: no MeSH heading {row['heading']!r} with tree numbers")
        if row["mode"] == "self":
            self_only[d.ui] = row
            continue
        if row["mode"] == "skip-self":
            skip_self.add(d.ui)
            continue
        for t in d.trees:
            heading_at[t] = row
    out, sited = {}, set()
    for d in mesh.values():
        if d.ui in self_only:
            out[d.ui] = sorted(self_only[d.ui]["codes"])
            continue
        if d.ui in skip_self:
            continue
        only, normal, fallback, blocked = set(), set(), set(), False
        for t in d.trees:
            parts = t.split(".")
            row = None
            for i in range(len(parts), 0, -1):
                row = heading_at.get(".".join(parts[:i]))
                if row:
                    break
            if not row:
                continue
            if row["mode"] == "skip":
                blocked = True  # a branch that names a site but gives no code
                continue
            {"only": only, "": normal, "fallback": fallback}[row["mode"]].update(row["codes"])
        if normal or only or blocked:
            sited.add(d.ui)
        codes = only or normal or (set() if blocked else fallback)
        if codes:
            out[d.ui] = sorted(codes)
    return out, sited

# --- terms ------------------------------------------------------------------

def display(term, tag):
    """The term as written in the vocabulary: title-case words lowered,
    acronyms and names kept."""
    if tag in ("EPO", "NAM", "TRD"):
        return term
    words = []
    for w in term.split():
        words.append(w.lower() if w[:1].isupper() and w[1:] == w[1:].lower() else w)
    return " ".join(words)


def reject(term, tag, common, english, vocabulary=""):
    """The reason to leave a term out, or None. Places are proper names:
    the common-word test does not apply to them (ambiguous ones are
    dropped by review, in term_overrides.csv)."""
    words = term.split()
    low = term.lower()
    if len(term) < 3:
        return "shorter than 3 characters"
    if len(words) > MAX_WORDS:
        return f"longer than {MAX_WORDS} words"
    if len(words) <= 2 and any(w.isdigit() for w in words):
        return "a bare number"
    if re.search(r"(^|\W)-|-(\W|$)", term):
        return "a hyphen that joins no two words"
    acronym = tag in ("ABB", "ACR") or (len(words) == 1 and term.isupper())
    if acronym and (len(term) < 4 or low in english):
        return "a short or ambiguous acronym"
    if len(words) == 1 and vocabulary != "places" and common.get(low, 10**9) <= COMMON_WORD_RANK:
        return f"a common English word (rank {common[low]})"
    return None


def plural_of_listed(key, keys):
    """Whether key is the plural of another listed term (the engine matches
    plurals by itself)."""
    for singular in (key[:-1] if key.endswith("s") else None,
                     key[:-2] if key.endswith("es") else None,
                     key[:-3] + "y" if key.endswith("ies") else None):
        if singular and singular in keys:
            return True
    return False


def collect(mesh, codes_of, name, common, english, excluded):
    """The vocabulary's terms, {key: [display, codes, source ids]}, from the
    descriptors in codes_of ({ui: codes})."""
    terms = {}
    for ui in sorted(codes_of):
        for raw, tag in mesh[ui].terms:
            if not raw or tag in ("LAB", "HIST") or any(c in raw for c in ",;()[]"):
                continue
            shown = display(raw.strip(), tag)
            for form in dict.fromkeys([shown, british(shown)]):
                why = reject(form, tag, common, english, name)
                key = term_key(form)
                if why:
                    excluded.append((name, form, why, ui))
                    continue
                entry = terms.setdefault(key, [form, set(), set()])
                entry[1].update(codes_of[ui])
                entry[2].add(ui)
    return terms


def term_key(term):
    """How the engine compares terms: lower case, a hyphen as a space, one
    kind of apostrophe, single spaces (pipeline/rules phraseKey)."""
    return " ".join(term.lower().replace("-", " ").replace("\u2019", "'").split())


# Adjectives of specialty names, derived by rule: "neurology" gives
# "neurological" and "neurologic", "paediatrics" "paediatric", "surgery"
# "surgical", "psychiatry" "psychiatric".
ADJECTIVES = [
    (re.compile(r"ology$"), ["ological", "ologic"]),
    (re.compile(r"ics$"), ["ic"]),
    (re.compile(r"surgery$"), ["surgical"]),
    (re.compile(r"iatry$"), ["iatric"]),
]


def adjectives(terms, excluded):
    """Adds the adjectives of one-word specialty names, with the codes and
    source of the name ("neurological" signals neurology)."""
    for key, (form, codes, uis) in list(terms.items()):
        if " " in key:
            continue
        for pattern, endings in ADJECTIVES:
            if not pattern.search(key):
                continue
            for ending in endings:
                adj = pattern.sub(ending, key)
                if adj not in terms:
                    terms[adj] = [adj, set(codes), set(uis)]


def drop_plurals(terms):
    for key in list(terms):
        if plural_of_listed(key, terms):
            del terms[key]


def drop_plurals_of_overridden(name, terms, excluded):
    """Leaves out the plural of a term term_overrides.csv drops
    ("suggestions" where "suggestion" is dropped for its everyday sense):
    the plural has the same everyday sense. (Terms left out only for being
    common words keep their plurals: "strokes", "infections" and "nurses"
    are the medical thing far more often than "stroke" and "nurse" alone.)"""
    gone = {term_key(form) for vocab, form, why, _ in excluded if vocab == name and why.startswith("overridden:")}
    for key in list(terms):
        if key not in gone and plural_of_listed(key, gone):
            form, _, uis = terms[key]
            excluded.append((name, form, "overridden: the plural of a term dropped", " ".join(sorted(uis))))
            del terms[key]


def build(mesh, crosswalk, overrides, common, english):
    """Returns {vocabulary: {key: [display, codes, source ids]}} and the
    excluded terms."""
    vocabs, excluded, claimed = {}, [], {}
    for name, (dimension, _) in VOCABULARIES.items():
        if name in ("cancer_sites", "nationalities"):
            continue  # derived from diseases below; from the countries file
        codes_of, sited = resolve(mesh, crosswalk, name)
        terms = collect(mesh, codes_of, name, common, english, excluded)
        if name == "specialties":
            adjectives(terms, excluded)
        apply_overrides(name, terms, overrides, excluded)
        drop_plurals_of_overridden(name, terms, excluded)
        for key in list(terms):
            form, codes, uis = terms[key]
            if len(codes) > MAX_CODES:
                excluded.append((name, form, f"signals {len(codes)} codes", " ".join(sorted(uis))))
                del terms[key]
            elif claimed.get((dimension, key)):
                del terms[key]  # an earlier vocabulary of the dimension has it
        drop_plurals(terms)
        for key in terms:
            claimed[(dimension, key)] = name
        vocabs[name] = terms
        if name == "diseases":
            vocabs["cancer_sites"] = cancer_sites(mesh, sited, common, english)
    return vocabs, excluded


def cancer_sites(mesh, sited, common, english):
    """The cancers MeSH files under an organ or system as well as under
    Neoplasms ("lung cancer", "melanoma" of the skin): rules leave these to
    the site's specialty and keep oncology for cancers with no site."""
    neoplasms = next(d for d in mesh.values() if d.name == "Neoplasms")
    roots = tuple(t + "." for t in neoplasms.trees)
    uis = {ui: ["SITED"] for ui in sited
           if any(t.startswith(roots) for t in mesh[ui].trees)}
    terms = collect(mesh, uis, "cancer_sites", common, english, [])
    drop_plurals(terms)
    return terms


# --- output -----------------------------------------------------------------

def write(out, vocabs, excluded, date, source_note):
    for name, terms in vocabs.items():
        dimension, what = VOCABULARIES[name]
        path = os.path.join(out, name + ".tsv")
        if name == "nationalities":
            write_nationalities(path, terms, date, what)
            continue
        with open(path, "w", encoding="utf-8", newline="\n") as f:
            f.write(f"# {what}\n")
            f.write("# source: Medical Subject Headings (MeSH) 2024, U.S. National Library of Medicine, "
                    "descriptors and their entry terms (desc2024, mtrees2024), https://www.nlm.nih.gov/mesh/\n")
            f.write(f"# copy: {source_note}\n")
            f.write("# licence: public domain; NLM terms and conditions "
                    "(https://www.nlm.nih.gov/databases/download/terms_and_conditions.html). "
                    "Terms are selected and British spellings added; meanings are MeSH's.\n")
            f.write(f"# date: {date}\n")
            f.write("# generator: rules/vocabulary/build.py with rules/vocabulary/mesh_crosswalk.csv and term_overrides.csv "
                    "(ambiguous terms left out are listed in excluded.txt)\n")
            f.write(f"# dimension: {dimension}\n" if dimension else f"# lists: {LISTS[name]}\n")
            f.write(f"# terms: {len(terms)}\n")
            f.write("term\tcodes\tsource_id\n")
            for key in sorted(terms):
                form, codes, uis = terms[key]
                f.write(f"{form}\t{';'.join(sorted(codes))}\t{' '.join(sorted(uis))}\n")
        print(f"{path}: {len(terms)} terms", file=sys.stderr)
    path = os.path.join(out, "excluded.txt")
    seen = set()
    with open(path, "w", encoding="utf-8", newline="\n") as f:
        f.write("# Terms build.py left out of the vocabularies as ambiguous, with the reason.\n")
        f.write(f"# date: {date}\n")
        f.write("vocabulary\tterm\treason\tsource_id\n")
        for name, form, why, ui in sorted(excluded, key=lambda e: (e[0], e[1].lower())):
            if (name, form.lower()) in seen:
                continue
            seen.add((name, form.lower()))  # noqa
            f.write(f"{name}\t{form}\t{why}\t{ui}\n")
    print(f"{path}: {len(seen)} terms", file=sys.stderr)


def write_nationalities(path, terms, date, what):
    with open(path, "w", encoding="utf-8", newline="\n") as f:
        f.write(f"# {what}\n")
        f.write("# source: world countries in JSON, CSV and XML, github.com/mledoze/countries dist/countries.json "
                "(demonyms in English and capitals of each country)\n")
        f.write("# licence: ODbL 1.0 (Open Database License); this list is a derived database under the same licence\n")
        f.write(f"# date: {date}\n")
        f.write("# generator: rules/vocabulary/build.py --countries countries.json (term_overrides.csv drops ambiguous names)\n")
        f.write("# dimension: region\n")
        f.write(f"# terms: {len(terms)}\n")
        f.write("term\tcodes\tsource_id\n")
        for key in sorted(terms):
            form, codes, ids = terms[key]
            f.write(f"{form}\t{';'.join(sorted(codes))}\t{' '.join(sorted(ids))}\n")
    print(f"{path}: {len(terms)} terms", file=sys.stderr)


def nationalities(path, overrides, excluded, places):
    """Demonyms and capitals of the countries outside the UK, from
    mledoze/countries: {key: [form, codes, ids]} signalling NON_UK. Names
    the places vocabulary has already are left to it."""
    with open(path, encoding="utf-8") as f:
        countries = json.load(f)
    terms = {}
    for c in countries:
        if c["cca3"] == "GBR":
            continue
        names = [d for d in (c.get("demonyms") or {}).get("eng", {}).values()] + list(c.get("capital") or [])
        for name in names:
            # "Antiguan, Barbudan", "Kittitian or Nevisian": two demonyms.
            for form in re.split(r",\s*|\s+or\s+", name):
                key = term_key(form)
                if not key or len(key) < 3 or key in places:
                    continue
                entry = terms.setdefault(key, [form.strip(), {"NON_UK"}, set()])
                entry[2].add(c["cca3"])
    apply_overrides("nationalities", terms, overrides, excluded)
    drop_plurals(terms)
    return terms


def read_frequencies(path):
    """Rank of each word in a "word count" frequency list, from 1."""
    ranks = {}
    if not path:
        return ranks
    with open(path, encoding="utf-8") as f:
        for n, line in enumerate(f, 1):
            word = line.split(" ", 1)[0].strip().lower()
            if word and word not in ranks:
                ranks[word] = n
    return ranks


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    src = ap.add_mutually_exclusive_group(required=True)
    src.add_argument("--mesh-xml", help="NLM descriptor file descYYYY.xml(.gz)")
    src.add_argument("--mesh-rds", help="folder with data_mesh_thesaurus.rds and data_mesh_trees.rds")
    ap.add_argument("--frequencies", required=True, help="English word frequency list (en_50k.txt)")
    ap.add_argument("--countries", required=True, help="mledoze/countries dist/countries.json")
    ap.add_argument("--source-note", default="", help="where the MeSH copy came from, for the headers")
    ap.add_argument("--date", default=datetime.date.today().isoformat())
    ap.add_argument("--out", default=HERE)
    ap.add_argument("--review", action="store_true",
                    help="also print the one-word terms that are ordinary English words, with their rank, "
                         "for an analyst to review (see term_overrides.csv)")
    args = ap.parse_args()
    mesh = read_mesh_xml(args.mesh_xml) if args.mesh_xml else read_mesh_rds(args.mesh_rds)
    note = args.source_note or (args.mesh_xml or args.mesh_rds)
    common = read_frequencies(args.frequencies)
    crosswalk = read_crosswalk(os.path.join(HERE, "mesh_crosswalk.csv"))
    overrides = read_overrides(os.path.join(HERE, "term_overrides.csv"))
    vocabs, excluded = build(mesh, crosswalk, overrides, common, set(common))
    vocabs["nationalities"] = nationalities(args.countries, overrides, excluded, vocabs["places"])
    write(args.out, vocabs, excluded, args.date, note)
    if args.review:
        words = sorted((common[k], terms[k][0], name) for name, terms in vocabs.items()
                       for k in terms if " " not in k and k in common)
        for rank, form, name in words:
            print(f"{rank}\t{form}\t{name}")


if __name__ == "__main__":
    main()
