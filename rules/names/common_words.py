#!/usr/bin/env python3
"""Rebuild rules/names/common_words.txt: the most frequent English words.

The name extractor (pipeline/names) reads a capitalised word at the start of
a sentence, or in a headline in title case, as a name only when it is not
one of these words ("Researchers have developed", "New Tool Helps") or the
document also writes it as a name elsewhere.

Source: OpenSubtitles 2018 word frequencies, github.com/hermitdave/FrequencyWords
content/2018/en/en_50k.txt (CC BY-SA 4.0). The list written is a derived
work under the same licence.

Usage: common_words.py en_50k.txt [--top 3000] [--date YYYY-MM-DD]
"""

import argparse
import datetime
import os
import re

HERE = os.path.dirname(os.path.abspath(__file__))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("frequencies", help="en_50k.txt: one 'word count' per line, most frequent first")
    ap.add_argument("--top", type=int, default=3000)
    ap.add_argument("--date", default=datetime.date.today().isoformat())
    ap.add_argument("--note", default="", help="where the copy came from (commit), for the header")
    args = ap.parse_args()
    words = []
    with open(args.frequencies, encoding="utf-8") as f:
        for line in f:
            parts = line.split()
            if not parts:
                continue
            w = parts[0].lower()
            # Letters only, two or more: no contractions, no numbers.
            if re.fullmatch(r"[a-z]{2,}", w) and w not in words:
                words.append(w)
            if len(words) == args.top:
                break
    out = os.path.join(HERE, "common_words.txt")
    with open(out, "w", encoding="utf-8", newline="\n") as f:
        f.write("# The most frequent English words: a capitalised one opening a sentence is not read as a name.\n")
        f.write("# source: OpenSubtitles 2018 word frequencies, github.com/hermitdave/FrequencyWords content/2018/en/en_50k.txt"
                + (f" ({args.note})" if args.note else "") + "\n")
        f.write("# licence: CC BY-SA 4.0 (this list is a derived work under the same licence)\n")
        f.write(f"# date: {args.date}\n")
        f.write(f"# generator: rules/names/common_words.py en_50k.txt --top {args.top}\n")
        for w in sorted(words):
            f.write(w + "\n")
    print(f"{out}: {len(words)} words")


if __name__ == "__main__":
    main()
