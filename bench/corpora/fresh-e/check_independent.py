#!/usr/bin/env python3
"""Independence and markup checker for fresh corpus E.

1. Parses the inline markup of every text in E (prose.jsonl, threads.jsonl, forms.jsonl) and validates it:
   spans balanced and not nested, kinds known, values non-empty and without leading/trailing space,
   ids well formed and in sequence, prose 110-200 words, threads 80-170, forms 50-120.
2. Checks that no word (3+ letters, case-insensitive, also compared without accents) of any PERSON, PLACE or
   ORG surface in E occurs anywhere in the texts of /work/shared/redaction-dev/*.jsonl or
   /work/fresh-corpora/ref/*.jsonl, apart from the common English words listed in COMMON below, and that
   no CONTACT or ID value in E shares its digits (equal digit strings, or either containing the other when 5+
   digits long) or, for values
   without digits, its whole lowercased form with a CONTACT or ID value there.
3. Prints counts per file and kind, then "N texts checked; P problems".

The reference files are only loaded here, by code; they were never read by eye.
Usage: python3 check_independent.py   (run from anywhere)
       python3 check_independent.py --words W ...   (screen candidate words: FREE / USED only)
"""
import glob
import json
import os
import re
import sys
import unicodedata

HERE = os.path.dirname(os.path.abspath(__file__))
FILES = [("prose.jsonl", "FE-P", 40), ("threads.jsonl", "FE-T", 45), ("forms.jsonl", "FE-F", 35)]
REF_GLOBS = ["/work/shared/redaction-dev/*.jsonl", "/work/fresh-corpora/ref/*.jsonl"]
LIMITS = {"FE-P": (110, 200), "FE-T": (80, 170), "FE-F": (50, 120)}
KINDS = ["PERSON", "PLACE", "ORG", "CONTACT", "ID", "DATE"]

# Common English and structural words (titles, street, building and institution words, compass points) that may
# appear inside a PERSON/PLACE/ORG surface without making it identifying on their own. Kept as short as possible:
# only the words that E's surfaces share with the dev/ref texts are listed. The distinctive part of every name
# must still be unique.
COMMON = set("""
and big miss mrs
hmp court crown magistrates mags sheriff pdu probation
road street lane flat hall house bay
council district trust mash recovery housing cafe facilities
""".split())


def strip_accents(s):
    return "".join(c for c in unicodedata.normalize("NFKD", s) if not unicodedata.combining(c))


SPAN_RE = re.compile(r"\[\[([A-Z]+):(.*?)\]\]|\{\{([A-Z]+):(.*?)\}\}", re.S)
WORD_RE = re.compile(r"[^\W\d_]+")


def parse(text):
    """Return (plain, spans, errors); spans are (kind, value, start, end) in plain text."""
    errors, spans, out, pos, plain_len = [], [], [], 0, 0
    for m in SPAN_RE.finditer(text):
        out.append(text[pos:m.start()])
        plain_len += m.start() - pos
        if m.group(1) is not None:
            kind, val = m.group(1), m.group(2)
            if kind not in KINDS:
                errors.append("unknown kind [[%s:" % kind)
        else:
            kind, val = m.group(3), m.group(4)
            if kind != "KEEP":
                errors.append("unknown kind {{%s:" % kind)
        if not val.strip():
            errors.append("empty %s span" % kind)
        elif val != val.strip():
            errors.append("%s span with outer whitespace: %r" % (kind, val))
        for tok in ("[[", "]]", "{{", "}}"):
            if tok in val:
                errors.append("nested or unbalanced markup inside %s: %r" % (kind, val))
        spans.append((kind, val, plain_len, plain_len + len(val)))
        out.append(val)
        plain_len += len(val)
        pos = m.end()
    out.append(text[pos:])
    plain = "".join(out)
    for tok in ("[[", "]]", "{{", "}}"):
        if tok in plain:
            errors.append("unbalanced %s left in plain text" % tok)
    return plain, spans, errors


def digits(s):
    return re.sub(r"\D", "", s)


def ref_vocabulary():
    words = set()
    for g in REF_GLOBS:
        for path in sorted(glob.glob(g)):
            with open(path, encoding="utf-8") as fh:
                for line in fh:
                    if line.strip():
                        plain = parse(json.loads(line).get("text", ""))[0]
                        for w in WORD_RE.findall(plain.lower()):
                            words.add(w)
                            words.add(strip_accents(w))
    return words


def candidates(args):
    """--words W ...: say which candidate words are free (not in dev/ref texts); prints nothing else."""
    vocab = ref_vocabulary()
    free, used = [], []
    for a in args:
        ws = [w for w in WORD_RE.findall(a.lower()) if len(w) >= 3 and w not in COMMON]
        (used if any(w in vocab or strip_accents(w) in vocab for w in ws) else free).append(a)
    print("FREE:", " ".join(free))
    print("USED:", " ".join(used))


def main():
    if len(sys.argv) > 1 and sys.argv[1] == "--words":
        candidates(sys.argv[2:])
        return 0
    problems = []
    # ---- reference material (loaded by code only) ----
    ref_words, ref_vals_digits, ref_vals_plain, ref_texts = set(), set(), set(), 0
    for g in REF_GLOBS:
        for path in sorted(glob.glob(g)):
            with open(path, encoding="utf-8") as fh:
                for line in fh:
                    if not line.strip():
                        continue
                    t = json.loads(line).get("text", "")
                    ref_texts += 1
                    plain, spans, _ = parse(t)
                    for w in WORD_RE.findall(plain.lower()):
                        ref_words.add(w)
                        ref_words.add(strip_accents(w))
                    for kind, val, _, _ in spans:
                        if kind in ("CONTACT", "ID"):
                            d = digits(val)
                            if d:
                                ref_vals_digits.add(d)
                            else:
                                ref_vals_plain.add(val.lower())
    if ref_texts == 0:
        problems.append("no reference texts found")

    # ---- corpus E ----
    counts, total_texts, seen_ids = {}, 0, set()
    for fname, prefix, expected in FILES:
        path = os.path.join(HERE, fname)
        c = {k: 0 for k in KINDS + ["KEEP"]}
        c["texts"], c["words"] = 0, 0
        with open(path, encoding="utf-8") as fh:
            lines = [l for l in fh if l.strip()]
        for n, line in enumerate(lines, 1):
            try:
                obj = json.loads(line)
            except ValueError as e:
                problems.append("%s line %d: bad JSON (%s)" % (fname, n, e))
                continue
            if set(obj) != {"id", "text"}:
                problems.append("%s line %d: keys %s" % (fname, n, sorted(obj)))
            tid, text = obj.get("id"), obj.get("text", "")
            want = "%s%03d" % (prefix, n)
            if tid != want:
                problems.append("%s line %d: id %r, expected %r" % (fname, n, tid, want))
            if tid in seen_ids:
                problems.append("duplicate id %s" % tid)
            seen_ids.add(tid)
            plain, spans, errors = parse(text)
            for e in errors:
                problems.append("%s: %s" % (tid, e))
            nwords = len(plain.split())
            c["texts"] += 1
            c["words"] += nwords
            lo, hi = LIMITS[prefix]
            if not (lo <= nwords <= hi):
                problems.append("%s: %d words (want %d-%d)" % (tid, nwords, lo, hi))
            for kind, val, s, e in spans:
                c[kind] = c.get(kind, 0) + 1
                if kind in ("PERSON", "PLACE", "ORG"):
                    for w in WORD_RE.findall(val.lower()):
                        if len(w) < 3 or w in COMMON or strip_accents(w) in COMMON:
                            continue
                        if w in ref_words or strip_accents(w) in ref_words:
                            problems.append("%s: %s %r: word %r occurs in dev/ref texts" % (tid, kind, val, w))
                elif kind in ("CONTACT", "ID"):
                    d = digits(val)
                    if d:
                        for rd in ref_vals_digits:
                            if d == rd or (len(d) >= 5 and d in rd) or (len(rd) >= 5 and rd in d):
                                problems.append("%s: %s %r shares digits with a dev/ref value (%s)" % (tid, kind, val, rd))
                                break
                    elif val.lower() in ref_vals_plain:
                        problems.append("%s: %s %r occurs in dev/ref values" % (tid, kind, val))
        if c["texts"] != expected:
            problems.append("%s: %d texts, expected %d" % (fname, c["texts"], expected))
        counts[fname] = c
        total_texts += c["texts"]

    cols = ["texts", "words"] + KINDS + ["KEEP"]
    print("%-14s" % "file" + "".join("%9s" % k for k in cols) + "%12s" % "identifying")
    tot = {k: 0 for k in cols}
    for fname, c in counts.items():
        ident = sum(c[k] for k in KINDS)
        print("%-14s" % fname + "".join("%9d" % c[k] for k in cols) + "%12d" % ident)
        for k in cols:
            tot[k] += c[k]
    print("%-14s" % "total" + "".join("%9d" % tot[k] for k in cols) + "%12d" % sum(tot[k] for k in KINDS))
    for p in problems:
        print("PROBLEM:", p)
    print("%d texts checked against %d reference texts; %d problems" % (total_texts, ref_texts, len(problems)))
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
