"""Fine-tune the small model's entity recogniser for testimony: `make model`.

    .venv/bin/python -m nlp.train_ner            # writes nlp/data/ner/

The model reads names from what is around them. Trained on the two dev corpora as they are, it
would learn their names; so every annotated name, place and organisation is swapped, in each
copy of a text, for a random one from the gazetteers with the same shape (title, initials, a
lowercase word, a Welsh place), the same surface getting the same stand-in throughout the text
(mention replacement). A share of the copies are lowercased whole, and a share have only their
names lowercased (case augmentation), as staff type in threads. Keep-list mentions, contacts,
references and dates are left as they are and are not entities (the rules and the keep list own
them). Labels: PERSON; GPE for a place; ORG.

Only the NER component is trained, from the installed model's weights, with its own embedding
layer (it does not listen to tok2vec), so the pipeline's cost does not change. Everything is
seeded: the same corpora, gazetteers and package versions give the same weights. Nothing is
downloaded. The engine loads the result in nlp.model when nlp/data/ner/ exists.
"""

from __future__ import annotations

import json
import random
import re
import shutil
import sys
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CORPORA = [
    ROOT / "bench" / "corpora" / "dev" / "dev.jsonl",
    ROOT / "bench" / "corpora" / "dev" / "dev_informal.jsonl",
]
OUT = Path(__file__).parent / "data" / "ner"
SEED = 1913
COPIES = 10  # copies of each text, each with fresh stand-ins
EPOCHS = 6
DROPOUT = 0.25
BATCH = 16
LOWER_ALL = 0.3  # share of copies typed all in lowercase
LOWER_NAMES = 0.2  # share of copies with only the names in lowercase
WORDED = 0.25  # share of first names drawn from those that are also words
LABELS = {"PERSON": "PERSON", "PLACE": "GPE", "ORG": "ORG"}
MARK = re.compile(r"\[\[(PERSON|PLACE|ORG|CONTACT|ID|DATE):([^\]]+)\]\]|\{\{KEEP:([^}]+)\}\}")
TITLES = {
    "mr",
    "mrs",
    "ms",
    "miss",
    "mx",
    "dr",
    "sir",
    "dame",
    "big",
    "little",
    "young",
    "old",
    "the",
    "pc",
    "ds",
    "dc",
    "di",
}
# Words inside place and organisation names that say what kind of place it is: kept as they are.
GENERIC = {
    "hmp",
    "yoi",
    "road",
    "street",
    "lane",
    "avenue",
    "close",
    "way",
    "drive",
    "court",
    "crown",
    "magistrates",
    "mags",
    "county",
    "office",
    "centre",
    "center",
    "house",
    "hostel",
    "ap",
    "pdu",
    "team",
    "unit",
    "hub",
    "station",
    "police",
    "hospital",
    "prison",
    "park",
    "estate",
    "crc",
    "trust",
    "project",
    "charity",
    "group",
    "foundation",
    "association",
    "services",
    "service",
    "network",
    "foodbank",
    "food",
    "bank",
    "club",
    "hospice",
    "ltd",
    "the",
    "and",
    "of",
    "&",
    "reporting",
    "probation",
    "approved",
    "premises",
    "sheriff",
    "youth",
    "family",
    "iom",
    "yot",
    "cafe",
    "café",
    "pub",
    "inn",
    "arms",
    "head",
    "square",
    "gardens",
    "place",
    "north",
    "south",
    "east",
    "west",
    "upper",
    "lower",
    "st",
    "saint",
    "flat",
    "floor",
    "new",
    "old",
}


def _parse(line: str) -> tuple[str, list[tuple[int, int, str]]]:
    item = json.loads(line)
    marked = item["text"]
    out: list[str] = []
    spans: list[tuple[int, int, str]] = []
    position = last = 0
    for match in MARK.finditer(marked):
        out.append(marked[last : match.start()])
        position += match.start() - last
        surface = match.group(2) or match.group(3)
        kind = match.group(1) or "KEEP"
        spans.append((position, position + len(surface), kind))
        out.append(surface)
        position += len(surface)
        last = match.end()
    out.append(marked[last:])
    return "".join(out), spans


def _load_lists() -> tuple[list[str], list[str], list[str], list[str]]:
    from nlp import lexicon, model

    def names(file: str) -> list[str]:
        return sorted(w for w in lexicon.load_list(file) if re.fullmatch(r"[a-zà-ÿ'’-]{3,}", w))

    places = sorted(
        lexicon.load_list("places.txt") | lexicon.load_list("areas.txt") | lexicon.load_list("prisons.txt")
    )
    forenames = names("forenames.txt")
    # First names that are also English words ("Grace", "Storm", "Rich"): the model must learn
    # them from their position, so a share of stand-ins are drawn from these.
    nlp = model.get()
    worded = [w for w in forenames if lexicon.is_ordinary(nlp, w) and w not in lexicon.MONTHS_AND_DAYS]
    return forenames, names("surnames.txt"), places, worded


def _shape(template: str, word: str) -> str:
    """Give `word` the case of `template`: lower, UPPER or Title."""
    if template.islower():
        return word.lower()
    if template.isupper() and len(template) > 1:
        return word.upper()
    return " ".join(w[:1].upper() + w[1:] for w in word.split(" "))


class Replacer:
    def __init__(
        self,
        rng: random.Random,
        forenames: list[str],
        surnames: list[str],
        places: list[str],
        worded: list[str],
    ):
        self.rng, self.forenames, self.surnames, self.places = rng, forenames, surnames, places
        self.worded = worded
        self.done: dict[tuple[str, str], str] = {}

    def __call__(self, surface: str, kind: str) -> str:
        key = (kind, surface.lower())
        if key not in self.done:
            self.done[key] = self._new(surface, kind)
        return self.done[key]

    def _initials(self, token: str) -> str:
        letters = "ABCDEFGHJKLMNPRSTW"
        return "".join(self.rng.choice(letters) if ch.isalpha() else ch for ch in token)

    def _new(self, surface: str, kind: str) -> str:
        tokens = re.split(r"(\s+|,\s*)", surface)
        out: list[str] = []
        first_word = True
        for token in tokens:
            bare = token.strip(".,'’")
            if not bare or not any(ch.isalpha() for ch in bare) or token.isspace() or token.strip() == ",":
                out.append(token)
                continue
            lowered = bare.lower()
            if lowered in TITLES or lowered in GENERIC:
                out.append(token)
                continue
            if re.fullmatch(r"(?:[A-Z]\.?){1,3}", bare):
                out.append(self._initials(token))
                first_word = False
                continue
            if kind == "PERSON":
                pool = self.forenames if first_word else self.surnames
                if first_word and self.rng.random() < WORDED:
                    pool = self.worded
            else:
                pool = self.places if self.rng.random() < 0.7 else self.surnames
            word = self.rng.choice(pool)
            out.append(_shape(bare, word) + token[len(token.rstrip(".,'’")) :])
            first_word = False
        return "".join(out)


def _copies(
    text: str, spans: list[tuple[int, int, str]], rng: random.Random, lists: tuple[list[str], ...]
) -> Iterator[tuple[str, list[tuple[int, int, str]]]]:
    forenames, surnames, places, worded = lists
    for copy in range(COPIES):
        replace = Replacer(rng, forenames, surnames, places, worded)
        case = rng.random()
        pieces: list[str] = []
        entities: list[tuple[int, int, str]] = []
        last = 0
        length = 0
        for start, end, kind in spans:
            between = text[last:start]
            pieces.append(between)
            length += len(between)
            surface = text[start:end]
            if kind in LABELS:
                # The first copy keeps the original names: the model sees real shapes too.
                new = surface if copy == 0 else replace(surface, kind)
                if LOWER_ALL <= case < LOWER_ALL + LOWER_NAMES:
                    new = new.lower()
                entities.append((length, length + len(new), LABELS[kind]))
            else:
                new = surface
            pieces.append(new)
            length += len(new)
            last = end
        pieces.append(text[last:])
        out = "".join(pieces)
        if case < LOWER_ALL and copy > 0:
            out = out.lower()
        yield out, entities


def examples() -> list[tuple[str, list[tuple[int, int, str]]]]:
    rng = random.Random(SEED)  # noqa: S311 - seeded augmentation, not a secret
    lists = _load_lists()
    found: list[tuple[str, list[tuple[int, int, str]]]] = []
    for path in CORPORA:
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.strip():
                text, spans = _parse(line)
                found.extend(_copies(text, spans, rng, lists))
    return found


def train(
    out: Path = OUT, *, checkpoints: bool = False, epochs: int = EPOCHS, limit: int | None = None
) -> None:
    """Train and write the recogniser to `out`. `epochs` and `limit` (the first N training texts)
    exist for the tests, which check on a few texts that two runs give the same weights."""
    import spacy
    from spacy.training import Example
    from spacy.util import fix_random_seed, minibatch

    from nlp import model

    fix_random_seed(SEED)
    nlp = spacy.load(model.base_model_name(), exclude=["parser", "attribute_ruler", "lemmatizer", "senter"])
    data = examples()[:limit]
    rng = random.Random(SEED)  # noqa: S311 - seeded shuffling, not a secret
    batches: list[Example] = []
    for text, entities in data:
        doc = nlp.make_doc(text)
        spans = [doc.char_span(s, e, label=label, alignment_mode="expand") for s, e, label in entities]
        ents = [(s.start_char, s.end_char, s.label_) for s in spans if s is not None]
        ents = _no_overlaps(ents)
        batches.append(Example.from_dict(doc, {"entities": ents}))
    print(f"{len(batches)} training texts", file=sys.stderr)
    with nlp.select_pipes(enable=["ner"]):
        optimizer = nlp.resume_training()
        for epoch in range(epochs):
            rng.shuffle(batches)
            losses: dict[str, float] = {}
            for batch in minibatch(batches, size=BATCH):
                nlp.update(batch, drop=DROPOUT, sgd=optimizer, losses=losses)
            print(f"epoch {epoch + 1}/{epochs}: loss {losses.get('ner', 0.0):.1f}", file=sys.stderr)
            if checkpoints:
                nlp.get_pipe("ner").to_disk(out.parent / f"{out.name}-epoch{epoch + 1}")  # type: ignore[attr-defined]
    if out.exists():
        shutil.rmtree(out)
    nlp.get_pipe("ner").to_disk(out)  # type: ignore[attr-defined]
    print(f"wrote {out}", file=sys.stderr)


def _no_overlaps(ents: list[tuple[int, int, str]]) -> list[tuple[int, int, str]]:
    kept: list[tuple[int, int, str]] = []
    for ent in sorted(ents):
        if not kept or ent[0] >= kept[-1][1]:
            kept.append(ent)
    return kept


if __name__ == "__main__":
    # A second argument "--checkpoints" also writes each epoch's weights beside the output.
    train(Path(sys.argv[1]) if len(sys.argv) > 1 else OUT, checkpoints="--checkpoints" in sys.argv)
