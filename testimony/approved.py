"""Approved text waits for its digest encrypted, and becomes plain text only when published.

A moderator's approval turns a sealed submission into a contribution: the checked, redacted
wording an editor will place in a digest, the themes it was filed under and, for a response, the
published contribution it answers. Until that digest is published all three are still facts about
unpublished testimony, so they are kept together as AES-256-GCM ciphertext under the instance's
publication key (instance/keys.json), in a `sealed_approvals` row, never in the `contributions`
columns (`text`, its theme rows, `in_reply_to_id`). A copy of the database, a `pg_dump` or a
backup therefore holds no unpublished words, and does not say what they are about.

Why a key the server holds, rather than the moderators' keys that seal submissions: scheduled
digests publish themselves (`flask jobs run-once`, the RQ worker) when no person is logged in, so
the server must be able to open the text at that time. This protects against a leaked database
or backup, not against someone who controls the running server (docs/THREAT_MODEL.md).

`publishing.publish` is the one place these are revealed (`reveal`); withdrawal forgets them.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from flask import current_app, g
from sqlalchemy import ColumnElement, and_, delete, exists, func, or_, select

from testimony import crypto, instance_keys
from testimony.db import db
from testimony.models import (
    Contribution,
    Digest,
    SealedApproval,
    Status,
    Submission,
    Theme,
    contribution_themes,
    new_public_id,
)

# Format 1 (before 2026-12): the wording alone, as UTF-8. Format 2: a JSON object with the
# wording, theme slugs and reply target. Each has its own associated data, so a format-2 row
# relabelled as format 1 does not open.
TEXT_ONLY, WITH_DETAILS = 1, 2


@dataclass(frozen=True)
class Approved:
    """What a contribution waiting for its digest holds."""

    text: str
    themes: list[str] = field(default_factory=list)  # theme slugs
    in_reply_to: str | None = None  # the public id of the contribution it answers


def _aad(contribution: Contribution, fmt: int) -> bytes:
    # Bound to the contribution's public id: ciphertext moved to another row does not open.
    if fmt == TEXT_ONLY:
        return f"testimony/approved/{contribution.public_id}".encode()
    return f"testimony/approved/v2/{contribution.public_id}".encode()


def seal_wording(
    contribution: Contribution, text: str, *, themes: list[str] | None = None, in_reply_to: str | None = None
) -> None:
    """Keep the wording, theme slugs and reply target (a public id), encrypted until publication.
    The contribution's own theme rows and `in_reply_to_id` stay empty."""
    if not contribution.public_id:
        contribution.public_id = new_public_id()
    payload = {"text": text, "themes": sorted(set(themes or [])), "in_reply_to": in_reply_to}
    plaintext = json.dumps(payload, ensure_ascii=False).encode("utf-8")
    key = instance_keys.publication_key(current_app)
    ciphertext = crypto.encrypt(key, plaintext, _aad(contribution, WITH_DETAILS))
    if contribution.sealed is None:
        contribution.sealed = SealedApproval(format=WITH_DETAILS, ciphertext=ciphertext)
    else:
        contribution.sealed.format, contribution.sealed.ciphertext = WITH_DETAILS, ciphertext
    contribution.text = ""


def approve(submission: Submission, text: str, *, themes: list[str], in_reply_to: str | None) -> Contribution:
    """The contribution a submission's approval makes: its wording, themes and the public id it
    answers, sealed until its digest is published. The caller has moved the submission's status
    (lifecycle.decide) and commits."""
    contribution = Contribution(submission_id=submission.id)
    seal_wording(contribution, text, themes=themes, in_reply_to=in_reply_to)
    submission.in_reply_to = None  # set only on items stored by older versions
    db.session.add(contribution)
    return contribution


def new_contribution(
    text: str, themes: Sequence[str] = (), *, in_reply_to: str | None = None
) -> Contribution:
    """An approved contribution in no digest yet, its wording, themes and reply target (a public
    id) sealed as the desk's approve step leaves them. Added to the session and flushed."""
    contribution = Contribution()
    seal_wording(contribution, text.strip(), themes=list(themes), in_reply_to=in_reply_to)
    db.session.add(contribution)
    db.session.flush()
    return contribution


@dataclass(frozen=True)
class Opened:
    """A contribution's wording as the desk shows it: the text, its themes, and whether it
    answers another contribution. Opened by the view, so templates never decrypt."""

    text: str
    themes: list[Theme]
    responds: bool


def opened(contributions: Iterable[Contribution]) -> dict[int, Opened]:
    """Each contribution's wording and themes, opened from its seal where it is still sealed,
    keyed by contribution id."""
    return {
        c.id: Opened(text=text_of(c), themes=themes_of(c), responds=parent_of(c) is not None)
        for c in contributions
    }


def is_sealed(contribution: Contribution) -> bool:
    return contribution.sealed is not None


def details(contribution: Contribution) -> Approved:
    """What a sealed contribution holds. Raises crypto.CryptoError if it does not open."""
    sealed = contribution.sealed
    if sealed is None:
        raise LookupError("this contribution holds nothing sealed")
    key = instance_keys.publication_key(current_app)
    plaintext = crypto.decrypt(key, sealed.ciphertext, _aad(contribution, sealed.format)).decode("utf-8")
    if sealed.format == TEXT_ONLY:
        # Themes and reply target of these are still in the clear columns until
        # `seal_leftovers` (flask init) moves them inside.
        return Approved(
            text=plaintext,
            themes=[t.slug for t in contribution.themes],
            in_reply_to=contribution.in_reply_to.public_id if contribution.in_reply_to else None,
        )
    payload = json.loads(plaintext)
    return Approved(text=payload["text"], themes=list(payload["themes"]), in_reply_to=payload["in_reply_to"])


def text_of(contribution: Contribution) -> str:
    """The wording, whether published (plain) or still waiting (sealed); "" once withdrawn."""
    return details(contribution).text if is_sealed(contribution) else contribution.text


def _themes_by_slug() -> dict[str, Theme]:
    # One query per request however many contributions a page lists (the editors' pool).
    if "approved_themes" not in g:
        g.approved_themes = {t.slug: t for t in db.session.scalars(select(Theme))}
    themes: dict[str, Theme] = g.approved_themes
    return themes


def themes_of(contribution: Contribution) -> list[Theme]:
    """Its themes, sorted by name, whether published (rows) or still waiting (sealed)."""
    if not is_sealed(contribution):
        return list(contribution.themes)
    known = _themes_by_slug()
    found = [known[slug] for slug in details(contribution).themes if slug in known]
    return sorted(found, key=lambda t: t.name)


def parent_of(contribution: Contribution) -> Contribution | None:
    """The contribution it responds to, whether published (a foreign key) or still waiting."""
    if not is_sealed(contribution):
        return contribution.in_reply_to
    target = details(contribution).in_reply_to
    if target is None:
        return None
    return db.session.scalar(select(Contribution).where(Contribution.public_id == target))


def with_theme(contributions: list[Contribution], slug: str) -> list[Contribution]:
    """Those filed under a theme. Sealed themes are opened one by one: this serves the editors'
    pool (contributions in no digest yet), not the published archive, which filters in SQL."""
    return [c for c in contributions if slug in {t.slug for t in themes_of(c)}]


def reveal(contribution: Contribution) -> None:
    """Publication: the wording becomes plain text, the themes become rows and the reply target a
    foreign key, and the sealed copy is deleted."""
    if not is_sealed(contribution):
        return
    opened = details(contribution)
    contribution.text = opened.text
    known = {t.slug: t for t in db.session.scalars(select(Theme).where(Theme.slug.in_(opened.themes)))}
    contribution.themes = sorted((known[s] for s in opened.themes if s in known), key=lambda t: t.name)
    if opened.in_reply_to is not None:
        contribution.in_reply_to_id = db.session.scalar(
            select(Contribution.id).where(Contribution.public_id == opened.in_reply_to)
        )
    contribution.sealed = None


def forget(contribution: Contribution) -> None:
    """Withdrawal: neither form of the wording is kept, nor its themes or reply target."""
    contribution.text = ""
    contribution.sealed = None
    contribution.themes = []


def seal_leftovers() -> int:
    """Seal what unpublished contributions written by older versions hold in the clear: plain
    text, wording sealed on its own (format 1), theme rows and reply targets. `flask init` runs
    this after migrating (a migration never sees the publication key). Commits, and returns how
    many were sealed."""
    published = (
        select(Contribution.id)
        .join(Digest, Contribution.digest_id == Digest.id)
        .where(Digest.published_at.is_not(None))
    )
    waiting = db.session.scalars(
        select(Contribution).where(Contribution.withdrawn.is_(False), Contribution.id.not_in(published))
    ).all()
    sealed = 0
    for contribution in waiting:
        if contribution.sealed is not None and contribution.sealed.format == WITH_DETAILS:
            continue
        if contribution.sealed is None and not contribution.text:
            continue  # nothing was ever approved into it
        opened = details(contribution) if contribution.sealed is not None else None
        text = opened.text if opened else contribution.text
        themes = opened.themes if opened else [t.slug for t in contribution.themes]
        target = (
            opened.in_reply_to
            if opened
            else (contribution.in_reply_to.public_id if contribution.in_reply_to else None)
        )
        seal_wording(contribution, text, themes=themes, in_reply_to=target)
        db.session.execute(
            delete(contribution_themes).where(contribution_themes.c.contribution_id == contribution.id)
        )
        db.session.expire(contribution, ["themes"])
        contribution.in_reply_to_id = None
        sealed += 1
    return sealed


# ---- the source's OK (issue 15) ------------------------------------------------------------
#
# Wording a moderator changed from what the source sent waits in status AWAITING_SOURCE: the
# source accepts it (APPROVED), asks for more changes (back into review, the proposal dropped)
# or withdraws. If they say nothing for SOURCE_APPROVAL_DAYS days from the day it was approved
# (`Contribution.approved_on`), it may be published as approved: both pages the source sees
# before and after sending say so. Days, like every date a submitter's actions leave.


def needs_source_ok(sent: str, final: str) -> bool:
    """Whether approving `final` changes what the source sent (`sent`, the struck-out text they
    previewed and sent). Only spacing is ignored: a restored name, a struck phrase or a changed
    word all count."""
    return " ".join(sent.split()) != " ".join(final.split())


def source_approval_days() -> int:
    return max(0, int(current_app.config["SOURCE_APPROVAL_DAYS"]))


def wait_ends(approved_on: dt.date) -> dt.date:
    """The first day wording approved on `approved_on` may be published without its source's OK."""
    return approved_on + dt.timedelta(days=source_approval_days())


def _latest_approval_for(on: dt.date) -> dt.date:
    return on - dt.timedelta(days=source_approval_days())


def source_wait_ended(on: dt.date) -> ColumnElement[bool]:
    """A condition on Submission: its contribution was approved long enough before `on` that
    the period for its source's OK has passed (true or not, whatever the status)."""
    return exists().where(
        Contribution.submission_id == Submission.id,
        Contribution.approved_on <= _latest_approval_for(on),
    )


def may_be_published(on: dt.date) -> ColumnElement[bool]:
    """A condition on a query joining Contribution to its Submission (outer join: contributions
    with no submission behind them are ready): the source has no say left to wait for."""
    return or_(
        Submission.id.is_(None),
        Submission.status == Status.APPROVED,
        and_(
            Submission.status == Status.AWAITING_SOURCE,
            Contribution.approved_on <= _latest_approval_for(on),
        ),
    )


def awaiting_source(submission_ids: Iterable[int]) -> dict[int, dt.date]:
    """Of these submissions, those whose approved wording still waits for the source's OK, each
    with the first day it may be published without it (a day past: the period is over and the
    source has not answered). For the desk's "waiting for the source's OK" badges."""
    ids = sorted(set(submission_ids))
    if not ids:
        return {}
    return _wait_ends(Submission.id.in_(ids))


def _wait_ends(*where: Any) -> dict[int, dt.date]:
    """Submission id -> the first day its wording may be published without the source's OK, for
    the submissions (matching `where`) whose wording waits for that OK."""
    rows = db.session.execute(
        select(Submission.id, Contribution.approved_on)
        .join(Contribution, Contribution.submission_id == Submission.id)
        .where(Submission.status == Status.AWAITING_SOURCE, *where)
    )
    return {row.id: wait_ends(row.approved_on) for row in rows}


def source_wait_of(contribution: Contribution) -> dt.date | None:
    """For one contribution (the desk's marker): the first day it may be published without its
    source's OK, while it is still waiting for that OK; None when nothing waits for the source.
    One query per request however many contributions a page marks: what waits is read once
    (few rows: only wording still waiting for its source)."""
    if contribution.submission_id is None:
        return None
    if "awaiting_source" not in g:
        g.awaiting_source = _wait_ends()
    waiting: dict[int, dt.date] = g.awaiting_source
    return waiting.get(contribution.submission_id)


def still_waiting_count(on: dt.date) -> int:
    """How many approved contributions wait for their source's OK and may not be published yet
    (so are not among the editors' available ones)."""
    return int(
        db.session.scalar(
            select(func.count())
            .select_from(Submission)
            .join(Contribution, Contribution.submission_id == Submission.id)
            .where(
                Submission.status == Status.AWAITING_SOURCE,
                Contribution.approved_on > _latest_approval_for(on),
            )
        )
        or 0
    )


def proposal_for(submission: Submission) -> Contribution | None:
    """The contribution a submission's approval made (sealed until publication), if any."""
    return db.session.scalar(select(Contribution).where(Contribution.submission_id == submission.id))


def drop_proposal(submission: Submission) -> None:
    """The source asked for more changes: the approved wording goes (its sealed row too), so
    the next approval makes a new contribution. Only for wording no digest has published.

    Wording in no digest is deleted. Wording an editor already put in a draft digest (possible
    once the stated period has passed) stays there as a withdrawn, empty, detached row: editors
    see it withdrawn by its author and remove it, and a publication of that digest under way is
    refused (publishing.publish checks for withdrawn contributions, in its last statement too)
    rather than quietly publishing the rest of a digest that is no longer what the editor saw."""
    contribution = proposal_for(submission)
    if contribution is None:
        return
    if contribution.digest is not None and contribution.digest.published_at is not None:
        raise ValueError("published wording is not dropped; it is withdrawn")
    if contribution.digest_id is None:
        db.session.delete(contribution)
    else:
        forget(contribution)
        contribution.withdrawn = True
        contribution.submission_id = None
    db.session.flush()
