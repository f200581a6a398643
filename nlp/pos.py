"""Part-of-speech tags, only where the rules need them.

Tags decide a few hard cases: whether "lily" in a lowercase text is a name (NNP) or "will" a
modal (MD), and whether an unknown capitalised word is followed by a verb. Tagging every token
costs the shared tok2vec and the tagger, about 40% of the model's time, for the handful of
tokens that need it. So the pipeline runs only the NER (which has its own embedding layer), and
tok2vec + tagger run afterwards on short windows around the tokens that need a tag.

The window is exact, not an approximation: the small model's tok2vec is a CNN that sees four
tokens either side (depth 4, window 1), and the tagger reads one token's vector. A token with
MARGIN tokens of real context on each side gets the tag it would get in the whole text. Windows
from one text are joined into one Doc with PAD filler tokens between them, so a text costs one
forward pass.
"""

from __future__ import annotations

from collections.abc import Sequence

from spacy.language import Language
from spacy.tokens import Doc, Token

from nlp import gazetteer, lexicon
from nlp.cues import PERSON_VERBS

# Receptive field of tok2vec (4) plus one: context each side of a token that needs a tag.
MARGIN = 5
PAD = ["."] * MARGIN


def needed(doc: Doc, nlp: Language) -> set[int]:
    """Indices of tokens whose tag a rule may read (see gazetteer._name_like, cues):
    - a first name that is also a word, typed in lowercase ("will", "grace") anywhere, or
      capitalised where the capital says nothing: opening a sentence, or after a verb or "is";
    - a capitalised word in no list followed by a lowercase word, and that word (a verb?)."""
    wanted: set[int] = set()
    first, last, places = gazetteer.forenames(), gazetteer.surnames(), gazetteer.place_names()
    for token in doc:
        text = token.text
        if len(text) < 3 or not token.is_alpha:
            continue
        lowered = token.lower_
        if lowered in first:
            if lowered in lexicon.MONTHS_AND_DAYS or not lexicon.is_ordinary(nlp, text):
                continue
            if text.islower() or gazetteer.starts_sentence(token) or _after_verb(token):
                wanted.add(token.i)
        elif (
            text.istitle()
            and token.i + 1 < len(doc)
            and doc[token.i + 1].is_lower
            and lowered not in last
            and lowered not in places
            and not lexicon.is_ordinary(nlp, text)
        ):
            wanted.update((token.i, token.i + 1))
    return wanted


def _after_verb(token: Token) -> bool:
    return token.i > 0 and token.doc[token.i - 1].lower_ in AFTER


# Words after which cues.py reads a first name's tag ("shadowed chase", "the duty PO is joy").
AFTER = PERSON_VERBS | {"is", "was"}


def _windows(wanted: set[int], length: int) -> list[tuple[int, int]]:
    spans: list[tuple[int, int]] = []
    for i in sorted(wanted):
        start, end = max(0, i - MARGIN), min(length, i + MARGIN + 1)
        if spans and start <= spans[-1][1]:
            spans[-1] = (spans[-1][0], max(spans[-1][1], end))
        else:
            spans.append((start, end))
    return spans


def tag(docs: Sequence[Doc], nlp: Language) -> None:
    """Set token.tag_ on the tokens of each doc that `needed` picks (others stay untagged)."""
    if "tagger" in nlp.pipe_names:
        return  # a pipeline that tags everything already (a larger model, or a test)
    plans: list[tuple[Doc, list[int]]] = []
    joined: list[Doc] = []
    for doc in docs:
        wanted = needed(doc, nlp)
        if not wanted:
            continue
        spans = _windows(wanted, len(doc))
        if sum(end - start for start, end in spans) > len(doc) // 2:
            spans = [(0, len(doc))]  # dense: one pass over the whole text is cheaper
        words: list[str] = []
        spaces: list[bool] = []
        origin: list[int] = []  # index in `doc` of each word of the joined window doc, or -1
        for start, end in spans:
            if words:
                words += PAD
                spaces += [True] * MARGIN
                origin += [-1] * MARGIN
            for token in doc[start:end]:
                words.append(token.text)
                spaces.append(bool(token.whitespace_))
                origin.append(token.i)
        plans.append((doc, origin))
        joined.append(Doc(nlp.vocab, words=words, spaces=spaces))
    if not joined:
        return
    tok2vec, tagger = nlp.get_pipe("tok2vec"), nlp.get_pipe("tagger")
    tagged = tagger.pipe(tok2vec.pipe(joined))  # type: ignore[attr-defined]
    for (doc, origin), window in zip(plans, tagged, strict=True):
        for k, i in enumerate(origin):
            if i >= 0:
                doc[i].tag_ = window[k].tag_
