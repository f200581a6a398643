"""Properties of codenames (hypothesis): generation, and the forgiving normalisation of what a
person types back, which must lead to the same lookup id and key pair and to nothing else."""

from __future__ import annotations

from hypothesis import assume, given, settings
from hypothesis import strategies as st

from testimony import codenames

FAST = codenames.CodenameSecrets(lookup_salt=b"l" * 16, keypair_salt=b"k" * 16, time_cost=1, memory_kib=64)
PROPS = settings(max_examples=200, deadline=None)

words = st.sampled_from(codenames.wordlist())
codename_words = st.lists(words, min_size=codenames.WORDS_IN_CODENAME, max_size=codenames.WORDS_IN_CODENAME)
# What people put between words: spaces, tabs, line breaks, hyphens, dots, and the wider spaces
# a phone keyboard or a copy from a PDF brings (no-break, ideographic, em space).
separators = st.lists(
    st.sampled_from(
        [
            " ",
            "  ",
            "\t",
            "\n",
            "\r\n",
            "-",
            " - ",
            "_",
            ".",
            ", ",
            ";",
            ":",
            "/",
            "\u00a0",
            "\u3000",
            "\u2003",
        ]
    ),
    min_size=1,
    max_size=3,
).map("".join)
edges = st.sampled_from(["", " ", "\n", "\t ", "\u00a0", " ."])


def fullwidth(text: str) -> str:
    """What an East Asian input method types for ASCII letters (NFKC folds it back)."""
    return "".join(chr(ord(ch) - 0x20 + 0xFF00) if "!" <= ch <= "~" else ch for ch in text)


@st.composite
def typed_back(draw: st.DrawFn, chosen: list[str]) -> str:
    """The codename as someone might type it from paper: any case, any separators, padding."""
    out = [draw(edges)]
    for i, word in enumerate(chosen):
        cased = "".join(ch.upper() if draw(st.booleans()) else ch for ch in word)
        if draw(st.integers(0, 9)) == 0:
            cased = fullwidth(cased)
        out.append(cased)
        if i < len(chosen) - 1:
            out.append(draw(separators))
    out.append(draw(edges))
    return "".join(out)


@settings(max_examples=300, deadline=None)
@given(st.integers(0, 2**32))
def test_generated_codenames_are_seven_listed_words_already_normal(_n: int) -> None:
    name = codenames.generate()
    assert codenames.normalise(name) == name
    assert codenames.is_well_formed(name)
    assert name.count(" ") == codenames.WORDS_IN_CODENAME - 1
    assert all(w in codenames.wordlist() and w.isascii() and w.isalpha() for w in name.split(" "))


@PROPS
@given(chosen=codename_words, data=st.data())
def test_any_typing_of_a_codename_normalises_to_it(chosen: list[str], data: st.DataObject) -> None:
    canonical = " ".join(chosen)
    typed = data.draw(typed_back(chosen), label="typed")
    assert codenames.normalise(typed) == canonical
    assert codenames.is_well_formed(codenames.normalise(typed))


@settings(max_examples=60, deadline=None)
@given(chosen=codename_words, data=st.data())
def test_any_typing_derives_the_same_lookup_id_and_key_pair(chosen: list[str], data: st.DataObject) -> None:
    canonical = " ".join(chosen)
    typed = data.draw(typed_back(chosen), label="typed")
    assert codenames.derive(typed, FAST) == codenames.derive(canonical, FAST)


@settings(max_examples=60, deadline=None)
@given(chosen=codename_words, index=st.integers(0, codenames.WORDS_IN_CODENAME - 1), other=words)
def test_one_different_word_is_a_different_lookup_id_and_key(
    chosen: list[str], index: int, other: str
) -> None:
    assume(chosen[index] != other)
    changed = list(chosen)
    changed[index] = other
    a, b = codenames.derive(" ".join(chosen), FAST), codenames.derive(" ".join(changed), FAST)
    assert a.lookup_id != b.lookup_id
    assert a.keypair.public != b.keypair.public


@PROPS
@given(chosen=codename_words, index=st.integers(0, codenames.WORDS_IN_CODENAME - 1))
def test_word_order_matters(chosen: list[str], index: int) -> None:
    swapped = list(chosen)
    j = (index + 1) % len(swapped)
    assume(swapped[index] != swapped[j])
    swapped[index], swapped[j] = swapped[j], swapped[index]
    assert codenames.normalise(" ".join(swapped)) != " ".join(chosen)


@PROPS
@given(chosen=st.lists(words, min_size=0, max_size=12))
def test_only_exactly_seven_listed_words_are_well_formed(chosen: list[str]) -> None:
    assert codenames.is_well_formed(" ".join(chosen)) == (len(chosen) == codenames.WORDS_IN_CODENAME)


@PROPS
@given(chosen=codename_words, index=st.integers(0, codenames.WORDS_IN_CODENAME - 1), data=st.data())
def test_lookalike_letters_are_not_forgiven(chosen: list[str], index: int, data: st.DataObject) -> None:
    # Cyrillic and Greek lookalikes are different letters: such a text is not the codename.
    lookalikes = {"a": "\u0430", "e": "\u0435", "o": "\u043e", "p": "\u0440", "c": "\u0441", "i": "\u0456"}
    word = chosen[index]
    assume(any(ch in lookalikes for ch in word))
    position = data.draw(st.sampled_from([i for i, ch in enumerate(word) if ch in lookalikes]))
    forged = list(chosen)
    forged[index] = word[:position] + lookalikes[word[position]] + word[position + 1 :]
    text = codenames.normalise(" ".join(forged))
    assert text != " ".join(chosen)
    assert not codenames.is_well_formed(text)


@settings(max_examples=500, deadline=None)
@given(text=st.text(max_size=300))
def test_normalise_of_anything_is_tidy_and_stable(text: str) -> None:
    once = codenames.normalise(text)
    assert once == once.strip()
    assert "  " not in once
    assert not any(ch.isspace() and ch != " " for ch in once)
    assert not any(ch in "-_.,;:/" for ch in once)
    # Stable: normalising again changes nothing, so a codename carried back in a hidden field
    # (the status page does that) derives exactly what the first visit derived.
    assert codenames.normalise(once) == once


@settings(max_examples=300, deadline=None)
@given(text=st.text(max_size=300))
def test_is_well_formed_never_raises_and_implies_seven_listed_words(text: str) -> None:
    normalised = codenames.normalise(text)
    if codenames.is_well_formed(normalised):
        assert all(w in codenames.wordlist() for w in normalised.split(" "))
