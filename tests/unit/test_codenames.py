import os

import pytest

from testimony import codenames

FAST = codenames.CodenameSecrets(lookup_salt=b"L" * 16, keypair_salt=b"K" * 16, time_cost=1, memory_kib=64)


def test_generated_codename_is_seven_known_words() -> None:
    words = codenames.generate().split(" ")
    assert len(words) == 7
    assert all(w in codenames.wordlist() for w in words)
    assert len(codenames.wordlist()) == 7772
    assert all(w.isalpha() for w in codenames.wordlist())


def test_codenames_are_random() -> None:
    assert len({codenames.generate() for _ in range(1000)}) == 1000


@pytest.mark.parametrize(
    "typed",
    ["  Apple  banana\tcherry\n", "APPLE-banana-cherry", "apple.banana.cherry", "apple  banana cherry"],
)
def test_normalise_forgives_spacing_case_and_separators(typed: str) -> None:
    assert codenames.normalise(typed) == "apple banana cherry"


def test_derivation_is_deterministic_and_tolerant_of_typing() -> None:
    name = codenames.generate()
    typed = "  " + name.upper().replace(" ", "  -  ") + "\n"
    assert codenames.derive(name, FAST) == codenames.derive(typed, FAST)


def test_lookup_and_key_use_separate_salts() -> None:
    name = codenames.generate()
    derived = codenames.derive(name, FAST)
    assert derived.lookup_id != derived.keypair.private.hex()
    other = codenames.CodenameSecrets(b"X" * 16, FAST.keypair_salt, 1, 64)
    changed = codenames.derive(name, other)
    assert changed.lookup_id != derived.lookup_id
    assert changed.keypair == derived.keypair


def test_no_lookup_collisions_in_a_large_sample() -> None:
    # 20,000 codenames (about 4e8 pairs); a collision of 256-bit ids would mean a broken KDF.
    settings = codenames.CodenameSecrets(os.urandom(16), os.urandom(16), 1, 8)
    names = {codenames.generate() for _ in range(20_000)}
    lookups = {codenames.derive(n, settings).lookup_id for n in names}
    assert len(lookups) == len(names)


def test_well_formed() -> None:
    assert codenames.is_well_formed(codenames.generate())
    assert not codenames.is_well_formed("not a codename at all you know")
    assert not codenames.is_well_formed(" ".join(codenames.generate().split()[:6]))
