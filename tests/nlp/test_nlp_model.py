"""The fine-tuned entity recogniser (nlp/data/ner, built by `make model` from nlp.train_ner): it
is what the engine loads, TESTIMONY_NER=base switches it off, its training data swaps every
annotated name for a stand-in of the same shape, and training is reproducible. Names in the
tests are invented and absent from the dev and fresh corpora."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from nlp import model, train_ner


def test_the_engine_loads_the_committed_tuned_recogniser(monkeypatch: pytest.MonkeyPatch) -> None:
    assert (model.TUNED_NER / "model").exists()
    tuned = model.get()
    monkeypatch.setenv("TESTIMONY_NER", "base")
    base = model.get()
    assert tuned is not base
    assert tuned.get_pipe("ner").model.to_bytes() != base.get_pipe("ner").model.to_bytes()  # type: ignore[attr-defined]


def test_tuned_recogniser_reads_lowercase_names_the_base_model_misses(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    text = "went to see drusilla pennock at the tregaron office yesterday"
    tuned = {e.text for e in model.get()(text).ents if e.label_ == "PERSON"}
    monkeypatch.setenv("TESTIMONY_NER", "base")
    base = {e.text for e in model.get()(text).ents if e.label_ == "PERSON"}
    assert "drusilla pennock" in tuned and "drusilla pennock" not in base


def test_training_copies_swap_names_for_stand_ins_of_the_same_shape() -> None:
    copies = train_ner.examples()
    assert copies == train_ner.examples()  # seeded: the same every time
    assert len(copies) == train_ner.COPIES * 160
    originals = {text[s:e] for text, ents in copies[:: train_ner.COPIES] for s, e, _ in ents}
    swapped = [(text, s, e, label) for text, ents in copies for s, e, label in ents]
    assert {label for *_, label in swapped} == {"PERSON", "GPE", "ORG"}
    # Most stand-ins are new names; lowercase copies exist for case augmentation.
    new = [text[s:e] for text, s, e, _ in swapped if text[s:e] not in originals]
    assert len(new) > 0.6 * len(swapped)
    assert sum(text.islower() for text, _ in copies) > 0.2 * len(copies)


def test_replacer_keeps_titles_initials_and_case() -> None:
    import random

    replace = train_ner.Replacer(random.Random(1), ["ottoline"], ["quennell"], ["mirfield"], ["dunnock"])
    assert re.fullmatch(r"Mrs [A-Z]", replace("Mrs K", "PERSON"))
    assert replace("mrs k", "PERSON") == replace("Mrs K", "PERSON")  # one person, one stand-in
    assert replace("big Tel", "PERSON").startswith("big ")
    assert replace("wystan hollinrake", "PERSON").islower()
    assert replace("HMP Tregaron", "PLACE").startswith("HMP ")


def test_training_is_reproducible(tmp_path: Path) -> None:
    first, second = tmp_path / "a", tmp_path / "b"
    train_ner.train(first, epochs=1, limit=8)
    train_ner.train(second, epochs=1, limit=8)
    assert (first / "model").read_bytes() == (second / "model").read_bytes()
