#!/usr/bin/env python3
"""Rebuild rules/names/first_names.txt: common first names.

The name extractor (pipeline/names) takes a person for neither a product
nor its developer: in "Elon Musk says Neuralink has implanted its first
chip", Neuralink is the developer and Elon Musk a person speaking. A name
of two or three capitalised words whose first is a first name, with no
company, institution or product word in it ("Elon Musk", "Nadia
Thalmann"), is a person; "Ada Health" and "Grace Hospital" stay names.

Source: US Social Security Administration, Beyond the Top 1000 Names,
national data (names.zip from https://www.ssa.gov/oact/babynames/limits.html):
one file per year of birth, yobYYYY.txt, rows "name,sex,count" for every
name given to at least 5 babies that year. A work of the US government:
public domain. The copy used here is the one kept in the public repository
hackerb9/ssa-baby-names (raw-data/, commit 0b1a131, SSA records as of
7 March 2021).

What is written, one name per line: every name given to at least --min
babies (default 100, both sexes together) in some year of birth from
--since (default 1930: people who are named in the news today), in
alphabetical order. Names of one letter do not occur in the source; a
name of two letters is kept only with a vowel ("Al", "Jo"; not "Mj").

Usage: first_names.py DIR_WITH_YOB_FILES [--since 1930] [--min 100] [--date YYYY-MM-DD]
"""

import argparse
import collections
import datetime
import glob
import os
import re
import sys

HERE = os.path.dirname(os.path.abspath(__file__))


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("dir", help="folder holding the SSA yobYYYY.txt files")
    ap.add_argument("--since", type=int, default=1930)
    ap.add_argument("--min", type=int, default=100)
    ap.add_argument("--date", default=datetime.date.today().isoformat())
    ap.add_argument("--out", default=os.path.join(HERE, "first_names.txt"))
    args = ap.parse_args()

    best = collections.Counter()
    files = sorted(glob.glob(os.path.join(args.dir, "yob*.txt")))
    if not files:
        sys.exit(f"{args.dir}: no yobYYYY.txt files")
    for path in files:
        year = int(re.search(r"yob(\d{4})\.txt$", path).group(1))
        if year < args.since:
            continue
        per_year = collections.Counter()
        with open(path, encoding="ascii") as f:
            for n, line in enumerate(f, 1):
                parts = line.strip().split(",")
                if len(parts) != 3 or not parts[2].isdigit():
                    sys.exit(f"{path}:{n}: want name,sex,count; got {line.strip()!r}")
                per_year[parts[0]] += int(parts[2])
        for name, count in per_year.items():
            best[name] = max(best[name], count)

    keep = sorted(n for n, c in best.items() if c >= args.min and (len(n) > 2 or re.search("[aeiouy]", n, re.I)))
    with open(args.out, "w", encoding="utf-8") as out:
        out.write("# First names: a name of two or three words starting with one is a person, not a product or a developer.\n")
        out.write("# source: US Social Security Administration, national baby names (yobYYYY.txt of names.zip, "
                  "www.ssa.gov/oact/babynames/limits.html), as kept in github.com/hackerb9/ssa-baby-names raw-data/ (commit 0b1a131)\n")
        out.write("# licence: public domain (a work of the US government)\n")
        out.write(f"# date: {args.date}\n")
        out.write(f"# generator: rules/names/first_names.py DIR --since {args.since} --min {args.min}\n")
        for n in keep:
            out.write(n + "\n")
    print(f"{len(keep)} first names written to {args.out}", file=sys.stderr)


if __name__ == "__main__":
    main()
