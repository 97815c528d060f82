#!/usr/bin/env python3
"""Rebuild rules/registries/fda_ai_devices.csv from the FDA list of
AI-enabled medical devices.

Each row of the list is one marketing authorisation (510(k), De Novo or
PMA): a device name, the company, the decision date and the review panel.
Horizon needs products and their developers as a text names them, so this
script:

  * splits rows that name several devices ("Viz ANEURYSM, Viz ANX",
    "MAGNETOM Sola; MAGNETOM Altea");
  * drops version numbers, model codes and trade marks ("MammoScreen® (4)"
    is "MammoScreen", "RayStation 11B" is "RayStation");
  * names each company once ("HEARTFLOW, INC.", "HeartFlow, Inc" and
    "HeartFlow, Inc." are HeartFlow), with its trading name where the list
    gives one ("eko.ai Pte. Ltd. d/b/a Us2.ai" is Us2.ai);
  * keeps one row per product and company, with every submission number and
    the first decision date;
  * leaves out names a text would use for something else: a device name
    made only of ordinary English words ("Vital Signs", "Auto
    Positioning", "Rapid"), or a company name so made ("Medical Metrics").
    They are listed, with the reason, in fda_excluded.txt;
  * gives each product its panel's clinical-area hint (fda_panels.csv).

Sources:
  FDA, Artificial Intelligence-Enabled Medical Devices,
    https://www.fda.gov/medical-devices/software-medical-device-samd/artificial-intelligence-enabled-medical-devices
    (a U.S. Government work, public domain). The copy read is
    github.com/wang177777/fda-ai-clinical-function-annotations
    data/authorizations.csv (annotations CC BY 4.0; columns
    submission_number, device_name, company, regulatory_pathway,
    date_of_final_decision, medical_specialty, ...): any copy with these
    columns will do.
  English word frequencies (to recognise ordinary words): OpenSubtitles
    2018, github.com/hermitdave/FrequencyWords content/2018/en/en_50k.txt
    (CC BY-SA 4.0); used only to filter, not copied.

Usage:

    build.py --fda authorizations.csv --frequencies en_50k.txt
             [--source-note TEXT] [--date YYYY-MM-DD]
"""

import argparse
import collections
import csv
import datetime
import os
import re
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
COMMON_WORD_RANK = 5000

# Words of device and company names that say what a thing is, not which:
# a name made only of these and ordinary words names nothing in particular.
GENERIC = set("""
ai a.i. algorithm analysis analyzer analyser application app assessment assist assistant auto automated automatic
clinical cloud companion contour contouring data deep detection device devices diagnostic diagnostics digital dl
engine enterprise feature guidance health healthcare image imaging insight insights intelligence intelligent lab
labs learning medical module monitor monitoring network platform plus pro processing program quantification
reader recon reconstruction scan scanner segmentation series smart software solution solutions station studio
suite system systems technologies technology test tool triage ultrasound viewer vision workstation x-ray xray
""".split())

# Company suffixes, dropped from names (compared in lower case, without
# dots and trailing commas).
SUFFIXES = set("""
inc incorporated ltd limited llc l3c plc co company corp corporation gmbh ag sa sas sl bv nv ab oy pty pte pvt srl
spa aps as a/s ehf uab ad doo ulc publ llp lp
""".split())


def read_frequencies(path):
    ranks = {}
    with open(path, encoding="utf-8") as f:
        for line in f:
            parts = line.split()
            if parts and parts[0].lower() not in ranks:
                ranks[parts[0].lower()] = len(ranks) + 1
    return ranks


def read_panels(path):
    out = {}
    with open(path, encoding="utf-8") as f:
        rows = csv.DictReader(l for l in f if not l.startswith("#"))
        for row in rows:
            codes = [c for c in row["clinical_areas"].split(";") if c]
            out[row["panel"]] = (codes, float(row["weight"] or 0))
    return out


def clean_company(raw):
    """The company as a text would name it."""
    name = raw.strip()
    m = re.search(r"\b(?:d/b/a\.?|dba)\s+([^()]+)", name, re.I)
    if m:  # the trading name
        name = m.group(1)
    name = re.sub(r"\([^)]*\)", " ", name)     # "(publ)", "(GE Medical Systems, LLC)"
    name = re.sub(r":.*$", "", name)           # "Cedars-Sinai Medical Center: AIM"
    words = name.replace(",", " ").split()
    while words and re.sub(r"[.,]", "", words[-1]).lower() in SUFFIXES:
        words.pop()
    # "Co., Ltd." leaves "Co." before it: pop again; drop trailing "-".
    while words and (re.sub(r"[.,]", "", words[-1]).lower() in SUFFIXES or words[-1] in "-&"):
        words.pop()
    name = " ".join(words).strip(" .,-")
    if name.isupper() and len(name) > 4:
        name = " ".join(w if len(w) <= 3 else w.capitalize() for w in name.split())
    return name


def company_key(name):
    return re.sub(r"[^a-z0-9]+", "", name.lower())


VERSION = re.compile(
    r"""(\s*\((?:[^()]*\d[^()]*)\))+\s*$          # "(2.0)", "(REF100)", "(Version VA40F)"
      | \s+(?:v|version\s*)?\d+(?:\.\d+)+[a-z]?\s*$  # "v2.3", "10.1", "1.7.2"
      | \s+v\d+[a-z]?\s*$                           # "V2"
      | \s+\d{4}[ab]\s*$                            # "2023B"
      | \s+\d+[a-z]\s*$                             # "11B", "12A"
    """, re.I | re.X)


def clean_product(raw):
    """The product names of one device name, as a text would give them."""
    out = []
    for part in re.split(r";|,\s+(?=[A-Z])", raw):
        name = part.replace("®", "").replace("™", "").replace("(TM)", "").replace("(R)", "")
        name = re.sub(r"TM\b", "", name) if re.search(r"[a-z]TM\b", name) else name
        name = re.split(r"\s+\((?:also known as|internal name)", name)[0]
        name = re.split(r"\s+with\s+", name)[0]        # "Aquilion ONE ... with AiCE"
        name = re.sub(r"^\s*\([^)]*\)\s*", "", name)     # "(Elements) Cranial SRS"
        name = re.sub(r"\s*\([^()]*\d[^()]*\)", "", name)  # model codes: "(TSX-306A/3)"
        for _ in range(3):
            name = VERSION.sub("", name).strip()
        name = re.sub(r"\s+", " ", name).strip(" -,/")
        # "Eko Analysis Software" is "Eko Analysis"; "Second Opinion" stays.
        words = name.split()
        while len(words) > 2 and words[-1].lower() in TRAILING:
            words.pop()
        name = " ".join(words)
        if name:
            out.append(name)
    return out


# Words a device name ends with that say only what kind of thing it is.
TRAILING = {"software", "application", "feature", "system", "module", "app", "program"}


def why_generic(name, common):
    """The reason a name names nothing in particular, or None."""
    words = re.findall(r"[A-Za-z][A-Za-z.'+-]*|\d+", name)
    if len(name) < 3 or not words:
        return "too short"
    if len(words) > 6:
        return "longer than six words: a description, not a name"
    # A made word is a name whatever its parts: "Us2.ai", "eStroke",
    # "NinesAI", "Viz.ai".
    for token in name.split():
        if (re.search(r"[a-z][A-Z]", token) or re.search(r"[A-Za-z]\d|\d[A-Za-z]", token)
                or re.search(r"\.(ai|io|com|health)$", token, re.I)):
            return None
    lows = [w.lower().strip(".") for w in words]
    plain = [w for w in lows if not w.isdigit()]
    if all(w in GENERIC or common.get(w, 10**9) <= COMMON_WORD_RANK for w in plain):
        return "only ordinary or generic words"
    return None


def build(rows, panels, common):
    companies = collections.defaultdict(collections.Counter)  # key -> spellings
    products = {}  # (product key, company key) -> entry
    excluded = []
    for row in rows:
        company = clean_company(row["company"])
        if not company:
            excluded.append(("company", row["company"], "no name left", row["submission_number"]))
            continue
        ckey = company_key(company)
        companies[ckey][company] += 1
        panel = row["medical_specialty"].strip()
        if panel not in panels:
            sys.exit(f"fda_panels.csv: panel {panel!r} ({row['submission_number']}) has no row")
        for name in clean_product(row["device_name"]):
            why = why_generic(name, common)
            if why:
                excluded.append(("product", name, why, row["submission_number"]))
                continue
            key = (re.sub(r"[^a-z0-9]+", " ", name.lower()).strip(), ckey)
            entry = products.setdefault(key, {"names": collections.Counter(), "subs": [], "dates": [],
                                              "panels": collections.Counter()})
            entry["names"][name] += 1
            entry["subs"].append(row["submission_number"].strip())
            entry["dates"].append(row["date_of_final_decision"].strip())
            entry["panels"][panel] += 1
    display = {k: spellings.most_common(1)[0][0] for k, spellings in companies.items()}
    for ckey, name in sorted(display.items()):
        why = why_generic(name, common)
        if why:
            excluded.append(("company", name, why, ""))
    out = []
    for (pkey, ckey), e in products.items():
        panel = e["panels"].most_common(1)[0][0]
        codes, weight = panels[panel]
        vendor = display[ckey]
        out.append({
            "product": e["names"].most_common(1)[0][0],
            "vendor": vendor,
            "vendor_known": why_generic(vendor, common) is None,
            "submissions": ";".join(sorted(set(e["subs"]))),
            "first_decision": min(e["dates"]),
            "panel": panel,
            "clinical_areas": ";".join(codes) if weight > 0 else "",
            "area_weight": f"{weight:g}" if weight > 0 and codes else "",
        })
    out.sort(key=lambda r: (r["product"].lower(), r["vendor"].lower()))
    return out, excluded


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--fda", required=True, help="authorizations.csv (see the header of this script)")
    ap.add_argument("--frequencies", required=True, help="English word frequency list (en_50k.txt)")
    ap.add_argument("--source-note", default="github.com/wang177777/fda-ai-clinical-function-annotations "
                                             "data/authorizations.csv at commit 9f65220")
    ap.add_argument("--date", default=datetime.date.today().isoformat())
    args = ap.parse_args()
    common = read_frequencies(args.frequencies)
    panels = read_panels(os.path.join(HERE, "fda_panels.csv"))
    with open(args.fda, encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    products, excluded = build(rows, panels, common)
    path = os.path.join(HERE, "fda_ai_devices.csv")
    with open(path, "w", encoding="utf-8", newline="") as f:
        f.write("# Products and their developers from the FDA list of AI-enabled medical devices: one row per\n")
        f.write("# product and company, with every submission number, the first decision and the review panel's\n")
        f.write("# clinical-area hint (fda_panels.csv). vendor_known is false where the company's name is only\n")
        f.write("# ordinary words: the product still names it, the text alone does not.\n")
        f.write("# source: U.S. Food and Drug Administration, Artificial Intelligence-Enabled Medical Devices, "
                "https://www.fda.gov/medical-devices/software-medical-device-samd/artificial-intelligence-enabled-medical-devices\n")
        f.write(f"# copy: {args.source_note}\n")
        f.write("# licence: public domain (a U.S. Government work); the copy's annotations CC BY 4.0\n")
        f.write(f"# date: {args.date}\n")
        f.write("# generator: rules/registries/build.py --fda authorizations.csv --frequencies en_50k.txt\n")
        w = csv.DictWriter(f, fieldnames=["product", "vendor", "vendor_known", "submissions", "first_decision",
                                          "panel", "clinical_areas", "area_weight"], lineterminator="\n")
        w.writeheader()
        for r in products:
            w.writerow({**r, "vendor_known": "yes" if r["vendor_known"] else "no"})
    xpath = os.path.join(HERE, "fda_excluded.txt")
    with open(xpath, "w", encoding="utf-8", newline="\n") as f:
        f.write("# Names of the FDA list left out of fda_ai_devices.csv, and why (build.py).\n")
        f.write("kind\tname\twhy\tsubmission\n")
        for kind, name, why, sub in sorted(set(excluded)):
            f.write(f"{kind}\t{name}\t{why}\t{sub}\n")
    print(f"{path}: {len(products)} products of {len({r['vendor'] for r in products})} companies; "
          f"{len(set(excluded))} names left out ({xpath})", file=sys.stderr)


if __name__ == "__main__":
    main()
