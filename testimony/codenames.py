"""Codenames: seven words from the EFF long list, the submitter's only credential.

A codename is shown once and never stored. Two values are derived from it, each with Argon2id
under its own secret instance salt:

* the lookup id, stored on the submission so the codename can find it again;
* the seed of the submitter's X25519 key pair, of which only the public half is stored, so
  moderators' messages are encrypted to the submitter and open only with the codename.

With separate salts, knowing one derived value says nothing about the other.
"""

from __future__ import annotations

import functools
import re
import secrets
import unicodedata
from dataclasses import dataclass

from xkcdpass import xkcd_password

from testimony import crypto

WORDS_IN_CODENAME = 7


class InvalidCodename(ValueError):
    """The text cannot be a codename (wrong word count or a word not in the list)."""


@dataclass(frozen=True)
class CodenameSecrets:
    lookup_salt: bytes
    keypair_salt: bytes
    time_cost: int
    memory_kib: int


@dataclass(frozen=True)
class Derived:
    lookup_id: str
    keypair: crypto.KeyPair


@functools.cache
def wordlist() -> tuple[str, ...]:
    path = xkcd_password.locate_wordfile("eff-long")
    with open(path, encoding="utf-8") as handle:
        words = tuple(sorted({line.strip().lower() for line in handle if line.strip()}))
    # Four words have hyphens (t-shirt, yo-yo, ...). People type hyphens and spaces
    # interchangeably, and normalise() treats hyphens as spaces, so leave those four out:
    # 7,772 words, and 7 of them still give about 90 bits.
    words = tuple(w for w in words if w.isalpha())
    if len(words) < 7000:
        raise RuntimeError("the EFF long word list is missing or truncated")
    return words


@functools.cache
def _word_set() -> frozenset[str]:
    return frozenset(wordlist())


def generate() -> str:
    words = wordlist()
    return " ".join(secrets.choice(words) for _ in range(WORDS_IN_CODENAME))


def normalise(text: str) -> str:
    """Forgive case, extra spaces, line breaks, hyphens and dots people type between words."""
    folded = unicodedata.normalize("NFKC", text).lower()
    return " ".join(w for w in re.split(r"[\s\-_.,;:/]+", folded) if w)


def is_well_formed(normalised: str) -> bool:
    words = normalised.split(" ")
    known = _word_set()
    return len(words) == WORDS_IN_CODENAME and all(w in known for w in words)


def derive(codename: str, settings: CodenameSecrets) -> Derived:
    """Derive the lookup id and key pair. Always does the full work, even for a bad codename,
    so a wrong codename takes as long to refuse as a right one takes to accept."""
    text = normalise(codename).encode("utf-8")
    lookup = crypto.password_key(
        text, settings.lookup_salt, time_cost=settings.time_cost, memory_kib=settings.memory_kib
    )
    seed = crypto.password_key(
        text, settings.keypair_salt, time_cost=settings.time_cost, memory_kib=settings.memory_kib
    )
    return Derived(lookup_id=lookup.hex(), keypair=crypto.keypair_from_seed(seed))
