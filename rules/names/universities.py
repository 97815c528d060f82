#!/usr/bin/env python3
"""Rebuild rules/names/universities.txt: the names of universities and colleges.

Much of what is announced is built at a university, and a university's
name is written in ways that the capitalised-run reading of names cuts
short: at the start of a sentence ("University of Utah researchers have
developed", where "University" could be any capitalised word), or with
a small word inside ("Tokyo Medical and Dental University", "Massachusetts
Institute of Technology"). The name extractor (pipeline/names) reads each
of these names whole, wherever it is written with its capitals. Being
listed is no evidence of a developer: only the words around a name say
that ("researchers at", "developed by").

Source: Hipo, University Domains and Names Data List,
github.com/Hipo/university-domains-list, world_universities_and_domains.json:
the name, country and web domains of about 10,000 universities and
colleges of the world. Licence: MIT (Copyright (c) 2014-2025 Hipo).

What is written, one name per line, sorted: each name as running text
writes it: cut at a comma, a dash between spaces or an opening
parenthesis ("Johns Hopkins University, SAIS Bologna Center" is "Johns
Hopkins University"), without a leading "The". A campus of a university
of many ("University of California, Irvine", "University of Maryland,
Baltimore") is written whole as well: news names the campus that way,
and the name cut at its comma names another institution. A name is left out when
it is one word (alone, a word like that says nothing of the span it
should hold) or has no capitalised word after its first (a sentence, not
a name), or when it is longer than the extractor takes a name to be
(8 words, 80 characters).

Usage: universities.py world_universities_and_domains.json [--date YYYY-MM-DD] [--note TEXT]
"""

import argparse
import datetime
import json
import os
import re
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
MAX_WORDS, MAX_CHARS = 8, 80


def as_written(name):
    """The name as running text writes it (see the module's description)."""
    n = re.split(r",| [-\u2013\u2014] |\s*\(", name)[0]
    n = re.sub(r"\s+", " ", n).strip()
    return re.sub(r"^the\s+", "", n, flags=re.I)


def campus(name):
    """The whole name of a campus ("University of California, Irvine"), or
    "": one comma after a name of its own, then one to three capitalised
    words (no "of", "and": "University of California, Office of the
    President" is no campus)."""
    n = re.sub(r"\s+", " ", name).strip()
    n = re.sub(r"^the\s+", "", n, flags=re.I)
    parts = n.split(", ")
    if len(parts) != 2 or re.search(r" [-\u2013\u2014] |\(", n):
        return ""
    after = parts[1].split()
    if not 1 <= len(after) <= 3 or not all(w[:1].isupper() for w in after):
        return ""
    return n


def kept(name):
    """Whether the name is one the extractor can read whole."""
    words = name.split()
    if len(words) < 2 or len(words) > MAX_WORDS or len(name) > MAX_CHARS:
        return False
    return any(w[:1].isupper() for w in words[1:]) and words[0][:1].isupper()


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("json", help="world_universities_and_domains.json of Hipo/university-domains-list")
    ap.add_argument("--date", default=datetime.date.today().isoformat())
    ap.add_argument("--note", default="", help="where the file was taken from (commit, date), for the header")
    ap.add_argument("--out", default=os.path.join(HERE, "universities.txt"))
    args = ap.parse_args()

    with open(args.json, encoding="utf-8") as f:
        try:
            rows = json.load(f)
            names = [r["name"] for r in rows]
        except (ValueError, KeyError, TypeError) as e:
            sys.exit(f"{args.json}: want a list of {{\"name\": NAME, ...}}: {e}")
    keep = {}
    for name in names:
        for n in (as_written(str(name)), campus(str(name))):
            if n and kept(n):
                keep.setdefault(n.lower(), n)
    with open(args.out, "w", encoding="utf-8") as out:
        out.write("# Universities and colleges: the name extractor reads each name whole; being listed says nothing of "
                  "who developed a technology.\n")
        note = f" ({args.note})" if args.note else ""
        out.write("# source: Hipo, University Domains and Names Data List, github.com/Hipo/university-domains-list "
                  f"world_universities_and_domains.json{note}\n")
        out.write("# licence: MIT (Copyright (c) 2014-2025 Hipo)\n")
        out.write(f"# date: {args.date}\n")
        out.write("# generator: rules/names/universities.py world_universities_and_domains.json "
                  "(names of one word, or longer than 8 words or 80 characters, left out; campuses whole too)\n")
        for k in sorted(keep):
            out.write(keep[k] + "\n")
    print(f"{args.out}: {len(keep)} names", file=sys.stderr)


if __name__ == "__main__":
    main()
