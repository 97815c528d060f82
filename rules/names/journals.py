#!/usr/bin/env python3
"""Rebuild rules/names/journals.txt: the titles of medical and scientific journals.

A journal is where a technology is reported, never its maker nor the
technology: "a new study in Nature Medicine" names no developer, though
"Medicine" is a word of institutions. The name extractor (pipeline/names)
takes none of these titles for a product or a developer.

Source: the NLM Catalog of the U.S. National Library of Medicine, the
journals in NLM's collection (https://www.ncbi.nlm.nih.gov/nlmcatalog/journals),
as compiled from the catalogue's XML into
ncbi/json/nlm-abbreviations.json of the public repository
citation-style-language/abbreviations (commit a79af74, file built
2021-02-22): a map from each journal's title to its abbreviation. The
catalogue is a work of the US government, in the public domain; the
compilation is under the MIT licence (Copyright (c) 2021 Serge Y.
Stroobandt).

What is written, one title per line, sorted: each title as a reader
writes it in running text: a transliteration in brackets before it
("[Rinshō ketsueki]"), the translation after " = " and the subtitle
after " : " dropped, a closing place in parentheses dropped ("Lancet
(London, England)" is "Lancet"), a full stop between parts read as a
space ("The Lancet. Digital health" is "Lancet Digital health"), and a
leading "The" dropped (the extractor drops it from names too). Titles of
one word ("Lancet", "JAMA", "Nature", and also "Genesis" or "Sensors",
which products are called) are written too, but the extractor takes one
for a journal only right before a word of what journals publish ("a
Lancet study", words.publication of cues.yaml): alone, a word like that
says nothing; after "published in" or "the journal" the cue in cues.yaml
says it is a journal whatever it is called.

Usage: journals.py NLM_ABBREVIATIONS_JSON [--date YYYY-MM-DD]
"""

import argparse
import datetime
import json
import os
import re
import sys

HERE = os.path.dirname(os.path.abspath(__file__))


def as_written(title):
    """The title as running text gives it (see the module's description)."""
    t = re.sub(r"^\[[^\]]*\]\s*", "", title)
    t = re.split(r" = | : ", t)[0]
    t = re.sub(r"\s*\([^)]*\)\s*$", "", t).strip()
    t = re.sub(r"\.\s+", " ", t).strip().rstrip(".").strip()
    t = re.sub(r"^the\s+", "", t, flags=re.I)
    return re.sub(r"\s+", " ", t)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("json", help="ncbi/json/nlm-abbreviations.json of citation-style-language/abbreviations")
    ap.add_argument("--date", default=datetime.date.today().isoformat())
    ap.add_argument("--out", default=os.path.join(HERE, "journals.txt"))
    args = ap.parse_args()

    with open(args.json, encoding="utf-8") as f:
        try:
            titles = json.load(f)["default"]["container-title"]
        except (ValueError, KeyError) as e:
            sys.exit(f"{args.json}: want {{\"default\": {{\"container-title\": {{TITLE: ABBREVIATION}}}}}}: {e}")
    keep = {}
    for title in titles:
        t = as_written(title)
        if not t:
            continue
        keep.setdefault(t.lower(), t)
    with open(args.out, "w", encoding="utf-8") as out:
        out.write("# Journal titles: where a technology is reported, never a product nor its developer.\n")
        out.write("# source: NLM Catalog, U.S. National Library of Medicine, journals in NLM's collection "
                  "(www.ncbi.nlm.nih.gov/nlmcatalog/journals), as compiled in github.com/citation-style-language/"
                  "abbreviations ncbi/json/nlm-abbreviations.json (commit a79af74, built 2021-02-22)\n")
        out.write("# licence: public domain (a work of the US government); the compilation MIT "
                  "(Copyright (c) 2021 Serge Y. Stroobandt)\n")
        out.write(f"# date: {args.date}\n")
        out.write("# generator: rules/names/journals.py NLM_ABBREVIATIONS_JSON (one-word titles count only before a word of publication)\n")
        for low in sorted(keep):
            out.write(keep[low] + "\n")
    print(f"{len(keep)} journal titles written to {args.out}", file=sys.stderr)


if __name__ == "__main__":
    main()
