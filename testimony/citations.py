"""Citations of published contributions: plain text, CSL-JSON and BibTeX.

Each names the digest, its publication date, the contribution's number in the digest ("No. 3")
and its permalink. Nothing here reads the request: the caller passes the absolute addresses.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import zoneinfo
from dataclasses import dataclass

from testimony.models import Contribution

try:
    LONDON: dt.tzinfo = zoneinfo.ZoneInfo("Europe/London")
except zoneinfo.ZoneInfoNotFoundError:  # pragma: no cover
    LONDON = dt.UTC
MONTHS = [
    "January", "February", "March", "April", "May", "June",
    "July", "August", "September", "October", "November", "December",
]  # fmt: skip
PUBLISHER = "testimony"


@dataclass(frozen=True)
class Citation:
    public_id: str
    digest_title: str
    digest_url: str
    number: int
    published: dt.date  # the digest's publication day, UK time
    url: str  # the contribution's permalink

    @property
    def title(self) -> str:
        return f"No. {self.number} in “{self.digest_title}”"

    def plain(self) -> str:
        day = f"{self.published.day} {MONTHS[self.published.month - 1]} {self.published.year}"
        return (
            f"Anonymous contributor, “{self.digest_title}”, No. {self.number}. "
            f"{PUBLISHER}, published {day}. {self.url}"
        )

    def csl_json(self) -> str:
        item = {
            "id": f"testimony-{self.public_id}",
            "type": "article",
            "title": self.title,
            "container-title": self.digest_title,
            "publisher": PUBLISHER,
            "author": [{"literal": "Anonymous contributor"}],
            "issued": {"date-parts": [[self.published.year, self.published.month, self.published.day]]},
            "number": str(self.number),
            "URL": self.url,
        }
        return json.dumps([item], ensure_ascii=False, indent=2) + "\n"

    def bibtex(self) -> str:
        def field(value: str) -> str:
            # Braces keep BibTeX from recasing; stray braces and backslashes would break the entry.
            return "{" + re.sub(r"[{}\\]", "", value) + "}"

        lines = [
            f"@misc{{testimony-{self.public_id},",
            "  author = {{Anonymous contributor}},",
            f"  title = {field(self.title)},",
            f"  howpublished = {field(PUBLISHER + ', ' + self.digest_title)},",
            f"  number = {field(str(self.number))},",
            f"  year = {field(str(self.published.year))},",
            f"  month = {field(MONTHS[self.published.month - 1])},",
            f"  day = {field(str(self.published.day))},",
            f"  url = {field(self.url)},",
            "}",
        ]
        return "\n".join(lines) + "\n"


def of(contribution: Contribution, number: int, *, url: str, digest_url: str) -> Citation:
    """The citation of a published contribution (its digest must be published)."""
    digest = contribution.digest
    assert digest is not None and digest.published_at is not None  # noqa: S101 - published only
    day = digest.published_at.replace(tzinfo=dt.UTC).astimezone(LONDON).date()
    return Citation(contribution.public_id, digest.title, digest_url, number, day, url)
