"""The kinds of identifying detail and the words shown in their place."""

from __future__ import annotations

KIND_NAMES: dict[str, str] = {
    "PERSON": "name",
    "PLACE": "place",
    "ORG": "organisation",
    "CONTACT": "contact",
    "ID": "reference",
    "DATE": "date",
    # A passage a moderator strikes that is not a name or a reference ("[detail]"): never found
    # by the engine, only made by nlp.detail() for the desk.
    "DETAIL": "detail",
}

# Kinds whose repeated mentions are numbered, so "[name 1]" said twice is the same person.
NUMBERED = frozenset({"PERSON", "PLACE", "ORG"})

# Pattern-found kinds win over model-found ones where they overlap: they are exact.
PRIORITY: dict[str, int] = {"CONTACT": 0, "ID": 1, "DATE": 2, "PERSON": 3, "PLACE": 4, "ORG": 5, "DETAIL": 6}
