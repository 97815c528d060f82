#!/usr/bin/env python3
"""Rebuild rules/names/uk_places.txt: the places of the UK, by name.

The name extractor (pipeline/names) takes no place for the name of a
product or of its developer: "An NHS trust in Kent is using an AI model"
names a place, not a developer called Kent.

Source: mySociety, UK Local Authority Names and Codes,
github.com/mysociety/uk_local_authority_names_and_codes,
data/packages/uk_la_future/uk_local_authorities_future.csv (CC BY 4.0;
built from ONS, OS and government registers, Open Government Licence).
Every local authority of the UK, current and former, with its short name
and the other names it goes by, its nation and its region.

What is written, one place per line:
  - each authority's short name ("Kent", "Glasgow City") and the other
    names it goes by that are written with capitals ("Sir Ynys Môn");
  - the same without "City" or "City of" ("Glasgow", "Edinburgh"), and
    split at "and" and commas ("Brighton and Hove": "Brighton", "Hove");
  - a county's name without the compass point before it ("North
    Yorkshire": "Yorkshire", "West Sussex": "Sussex");
  - the regions and the nations.
A name is dropped only when it is a bare point of the compass ("Mid" of
"Mid and East Antrim").

Usage: uk_places.py uk_local_authorities_future.csv [--date YYYY-MM-DD] [--note TEXT]
"""

import argparse
import csv
import datetime
import os
import re

HERE = os.path.dirname(os.path.abspath(__file__))
COMPASS = re.compile(r"^(?:North East|North West|South East|South West|North|South|East|West|Mid|Central) (.+)$")


def variants(name):
    """The name and the shorter names it stands for."""
    out = {name}
    for n in list(out):
        n2 = re.sub(r"^City of ", "", n)
        n2 = re.sub(r" City$", "", n2)
        out.add(n2)
    for n in list(out):
        for part in re.split(r",\s*|\s+and\s+|\s+&\s+", n):
            out.add(part.strip())
    for n in list(out):
        n2 = re.sub(r" City$", "", n)
        out.add(n2)
        m = COMPASS.match(n2)
        if m:
            out.add(m.group(1))
    return {v for v in out if v}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("authorities", help="uk_local_authorities_future.csv")
    ap.add_argument("--date", default=datetime.date.today().isoformat())
    ap.add_argument("--note", default="", help="where the copy came from (commit), for the header")
    args = ap.parse_args()
    places = set()
    with open(args.authorities, encoding="utf-8") as f:
        for row in csv.DictReader(f):
            names = [row["nice-name"]]
            names += [a.strip() for a in row["alt-names"].split(",") if a.strip() != a.strip().lower()]
            for n in names:
                if re.search(r"\b(?:Council|Borough|District|UA|Boro|County)\b", n):
                    continue
                places |= variants(n.strip())
            for col in ("region", "nation"):
                if row[col]:
                    places.add(row[col])
    places.update(["United Kingdom", "Great Britain", "Britain"])
    compass = {"North", "South", "East", "West", "Mid", "Central", "North East", "North West", "South East", "South West"}
    keep = sorted(p for p in places
                  if len(p) >= 3 and p not in compass and re.search(r"[A-Z]", p))
    out = os.path.join(HERE, "uk_places.txt")
    with open(out, "w", encoding="utf-8") as f:
        f.write("# Places of the UK: the name extractor takes none of them for a product or a developer.\n")
        f.write("# source: mySociety, UK Local Authority Names and Codes, github.com/mysociety/uk_local_authority_names_and_codes"
                " data/packages/uk_la_future/uk_local_authorities_future.csv" + (f" ({args.note})" if args.note else "") + "\n")
        f.write("# licence: CC BY 4.0 (mySociety; contains public sector information licensed under the Open Government Licence v3.0)\n")
        f.write(f"# date: {args.date}\n")
        f.write("# generator: rules/names/uk_places.py uk_local_authorities_future.csv\n")
        for p in keep:
            f.write(p + "\n")
    print(f"{out}: {len(keep)} places")


if __name__ == "__main__":
    main()
