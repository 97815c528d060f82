#!/usr/bin/env python3
"""Rebuild rules/vocabulary/world_cities.tsv: large cities outside the UK.

A city abroad named in a text places the technology outside the UK
(region NON_UK), as a country or a US state does (places.tsv, from MeSH,
holds the countries, the states and few cities): "UC San Diego Health",
"researchers in Geneva", "Pittsburgh-based".

Source: GeoNames, cities15000.txt (every city of 15,000 people or more,
with its population and country), as copied in the public repository
github.com/yeaz/kayak_weather (commit 3d5c575, 2013). Licence: CC BY
(GeoNames, www.geonames.org); this list is a derived work under the same
licence.

What is written: the name and the ASCII name of each city of at least
--min-population people outside the United Kingdom, matched as written
(capitalised: "=Nice" is the city, "nice" the word). What is left out,
and why, goes to world_cities_excluded.txt:
  - a place of the UK of the same name (names/uk_places.txt: "London",
    Ontario, is London's);
  - below a million people, a first name (names/first_names.txt: "Aurora",
    "Austin", "Charlotte") or a common English word of one word
    (names/common_words.txt: "Nice");
  - a name of fewer than four letters, or with digits, brackets or
    apostrophes (transliterations: "Xi’an"), a spaced dash, or letters
    whose lower case is longer ("İzmir" is kept as "Izmir"), or the same
    words as a name kept;
  - a name places.tsv or nationalities.tsv already has.

Usage: world_cities.py cities15000.txt [--min-population N] [--date YYYY-MM-DD]
"""

import argparse
import csv
import datetime
import os
import re
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
# A city of a million people or more is known by its name first: "Paris",
# "Houston" and "Chicago" stay although they are first names or frequent
# words in the frequency list (which counts proper names too).
BIG = 1_000_000
RULES = os.path.dirname(HERE)


def word_list(path):
    """The lower-case entries of a one-per-line list with # comments."""
    out = set()
    with open(path, encoding="utf-8") as f:
        for line in f:
            line = line.strip()
            if line and not line.startswith("#"):
                out.add(line.split("\t")[0].lower())
    return out


def vocabulary_terms(path):
    """The lower-case terms of a vocabulary file (without the case mark)."""
    out = set()
    with open(path, encoding="utf-8") as f:
        for line in f:
            if line.startswith("#") or line.startswith("term\t"):
                continue
            term = line.split("\t")[0].strip().lstrip("=")
            if term:
                out.add(term.lower())
    return out


def key(form):
    """The words of a name as the rules compare them: case and punctuation aside."""
    return " ".join(re.sub(r"[^\w]+", " ", form.lower()).split())


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("cities", help="GeoNames cities15000.txt")
    ap.add_argument("--min-population", type=int, default=250000)
    ap.add_argument("--date", default=datetime.date.today().isoformat())
    args = ap.parse_args()

    uk = word_list(os.path.join(RULES, "names", "uk_places.txt"))
    first = word_list(os.path.join(RULES, "names", "first_names.txt"))
    common = word_list(os.path.join(RULES, "names", "common_words.txt"))
    known = vocabulary_terms(os.path.join(HERE, "places.tsv")) | vocabulary_terms(os.path.join(HERE, "nationalities.tsv"))

    kept, excluded, keys = {}, {}, set()
    with open(args.cities, encoding="utf-8") as f:
        for row in csv.reader(f, delimiter="\t", quoting=csv.QUOTE_NONE):
            if len(row) < 15:
                sys.exit(f"{args.cities}: a row of {len(row)} fields, want 19: {row[:3]}")
            geoid, name, ascii_name, country, population = row[0], row[1], row[2], row[8], row[14]
            try:
                population = int(population)
            except ValueError:
                sys.exit(f"{args.cities}: city {geoid}: population {population!r} is no number")
            if country == "GB" or population < args.min_population:
                continue
            for form in dict.fromkeys([name, ascii_name]):
                low = form.lower()
                why = None
                if len(form) < 4 or re.search(r"[\d()\[\]'’]| - ", form) or len(form.lower()) != len(form):
                    why = "shorter than four letters, or with digits, brackets or apostrophes"
                elif key(form) in keys and kept.get(form) is None:
                    why = "the same words as another name kept"
                elif low in uk:
                    why = "a place of the UK"
                elif low in first and population < BIG:
                    why = "a first name"
                elif " " not in form and low in common and population < BIG:
                    why = "a common English word"
                elif low in known:
                    why = "already in places.tsv or nationalities.tsv"
                if why:
                    excluded.setdefault(form, (why, geoid))
                else:
                    kept.setdefault(form, geoid)
                    keys.add(key(form))

    path = os.path.join(HERE, "world_cities.tsv")
    with open(path, "w", encoding="utf-8", newline="\n") as f:
        f.write("# Regions signalled by large cities outside the UK (GeoNames).\n")
        f.write("# source: GeoNames, cities15000.txt (cities of 15,000 people or more), www.geonames.org\n")
        f.write("# copy: github.com/yeaz/kayak_weather cities15000.txt (commit 3d5c575, 2013)\n")
        f.write("# licence: CC BY (GeoNames); this list is a derived work under the same licence\n")
        f.write(f"# date: {args.date}\n")
        f.write(f"# generator: rules/vocabulary/world_cities.py cities15000.txt --min-population {args.min_population} "
                "(names left out are listed in world_cities_excluded.txt)\n")
        f.write("# dimension: region\n")
        f.write(f"# terms: {len(kept)}\n")
        f.write("term\tcodes\tsource_id\n")
        for form in sorted(kept, key=str.lower):
            f.write(f"={form}\tNON_UK\tgeonames:{kept[form]}\n")
    with open(os.path.join(HERE, "world_cities_excluded.txt"), "w", encoding="utf-8", newline="\n") as f:
        f.write("# Names world_cities.py left out of world_cities.tsv, with the reason.\n")
        f.write(f"# date: {args.date}\n")
        f.write("term\treason\tsource_id\n")
        for form in sorted(excluded, key=str.lower):
            why, geoid = excluded[form]
            f.write(f"{form}\t{why}\tgeonames:{geoid}\n")
    print(f"{path}: {len(kept)} terms; {len(excluded)} left out", file=sys.stderr)


if __name__ == "__main__":
    main()
