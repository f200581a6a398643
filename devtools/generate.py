"""`flask generate`: fill a database with generated data, for capacity benchmarks.

    flask --app wsgi generate --contributions 100000 --queued 10000

Two kinds of rows, made in bulk (Core inserts in batches, explicit ids, no ORM objects):

* published contributions inside published digests, with themes (on digests and on
  contributions), a few responses to earlier contributions, and the submission each came from
  (status published, decided the day its digest appeared; its sealed original is already gone,
  as retention leaves it after RETENTION_ORIGINAL_DAYS);
* queued submissions (received, in review, waiting for the submitter): real sealed submissions.
  Each holds a bundle sealed as `testimony.sealing` seals it (AES-256-GCM under a fresh data
  key, the key wrapped to every active moderator and the recovery key), around a real
  redaction from `nlp.redact`, and a real X25519 public key. Lookup ids are random: a generated
  item has no codename, so no one could look it up anyway (deriving 10,000 of them at the
  production Argon2id cost would take most of an hour).

Texts are made from a bank of sentences in the voice of front-line staff, so search and the
theme pages see realistic words and lengths. Everything is deterministic for a given --seed,
except ids the app makes unguessable (public ids) and key material.

Meant for a bench or demo database, not a live site: ids are taken as max(id)+1 while nothing
else writes (random ones, as the app makes them, for submissions and what they hold), and the
command refuses a database holding digests it did not make (--force).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import os
import random
import secrets
import time
from collections.abc import Callable, Iterable, Sequence
from typing import Any

import click
from flask import Flask
from flask.cli import with_appcontext
from sqlalchemy import Table, func, insert, select, text

from testimony import crypto, sealing
from testimony.db import db
from testimony.models import (
    Author,
    BlobFormat,
    BlobKind,
    Contribution,
    Digest,
    DigestKind,
    SealedBlob,
    Status,
    Submission,
    Theme,
    WrappedKey,
    contribution_themes,
    digest_themes,
    new_random_id,
    utcnow,
)
from testimony.themes import sync_themes

CREATED_BY = "generator"
BATCH = 2_000
# How queued items are spread over the desk's tabs.
QUEUE_MIX = ((Status.RECEIVED, 0.8), (Status.IN_REVIEW, 0.15), (Status.WAITING, 0.05))
DISTINCT_REDACTIONS = 40

# ---- texts -----------------------------------------------------------------------------------

ROLES = ["PO", "PSO", "SPO", "case administrator", "band 3 officer", "OMU manager", "keyworker"]
SYSTEMS = ["OASys", "nDelius", "the new laptop", "the rota system", "the e-learning portal"]
NUMBERS = ["forty", "sixty", "ninety", "a hundred and ten", "three", "twelve", "eighteen"]
SENTENCES: dict[str, list[str]] = {
    "workload": [
        "My caseload has gone up to {n} and nobody will say when it will come down.",
        "The workload measurement tool says we are at 140 per cent and we are told to absorb it.",
        "I worked four hours of unpaid overtime every week this quarter just to keep the backlog from growing.",
        "Cover for the vacant posts falls on whoever is still standing, and the work that does not get done is the contact with people on licence.",
        "We are told capacity is a priority, but the duty rota has had gaps every day this month.",
    ],
    "risk-assessment": [
        "Risk assessments are copied forward because there is no time to write them again.",
        "After the last serious further offence review the actions were about paperwork, not time.",
        "MAPPA meetings are rescheduled so often that information is out of date when we finally meet.",
        "Safeguarding checks come back weeks late and we sign the assessment anyway.",
        "A recall decision waited three days because nobody senior could be found to sign it.",
    ],
    "management": [
        "Senior managers visit once a year and talk about performance targets for an hour.",
        "My {role} manager is kind but has no power to change anything that matters.",
        "Decisions about our office are made by a director who has never been to it.",
        "Targets change every quarter and the reasons are never explained to the people doing the work.",
    ],
    "pay-retention": [
        "Three experienced colleagues resigned this year and their posts are still vacant.",
        "The pay progression we were promised has not happened for {n} months.",
        "People leave for supermarkets and call centres because the pay is the same and the stress is not.",
        "Recruitment adverts go out, but the grade is too low to attract anyone with experience.",
    ],
    "training": [
        "New PQiP learners hold full caseloads before they have finished their training.",
        "The induction was two days of e-learning and then I was given {n} cases.",
        "Mentoring happens in car parks and corridors because nobody has time set aside for it.",
        "The course on domestic abuse was cancelled again, the third time this year.",
    ],
    "it-systems": [
        "{system} crashed three times today and each time I lost the notes I was writing.",
        "Logging in to {system} takes ten minutes on a good day.",
        "We enter the same information into two systems because they do not talk to each other.",
        "The software update removed the search function and nobody told us when it would come back.",
    ],
    "wellbeing": [
        "Half of my team have been off sick with stress at some point this year.",
        "The wellbeing hour is scheduled at the same time as the duty rota, so nobody can go.",
        "I have started to dread Sunday evenings, and I used to love this job.",
        "Occupational health offered six sessions of counselling and a leaflet about burnout.",
    ],
    "bullying-culture": [
        "When something goes wrong the first question is who to blame, not what happened.",
        "People are afraid to raise concerns because those who did were moved to other offices.",
        "A grievance about the way a manager spoke to us has been open for eleven months.",
        "The culture is one of fear: say nothing, keep your head down, survive to the weekend.",
    ],
    "unions": [
        "The union rep is the only person who answers our emails within a week.",
        "Our ballot turnout was high because people are angry, not because they want to strike.",
        "Facility time for reps was cut, so casework waits for evenings and weekends.",
    ],
    "structure-privatisation": [
        "Since unification the contracts with providers have changed twice and referrals get lost.",
        "Every restructure promises less bureaucracy and delivers a new layer of forms.",
        "The outsourced provider stopped running the programme without telling us.",
    ],
    "prisons": [
        "On the wing we were {n} officers short and the regime was cut to one hour out of cell.",
        "Prisoners on the landing missed education because nobody could unlock them.",
        "Segregation is used because there is nowhere else and no staff to do anything else.",
        "Lockdowns are called staff shortages now, but the effect on prisoners is the same.",
        "The custody officers are new, kind and exhausted, and many leave within a year.",
    ],
    "inspections": [
        "The inspection report said what we have been saying for years, and nothing changed.",
        "Before the inspectors arrived we spent a week updating records instead of seeing people.",
        "The rating went down and the response was another action plan with no new staff.",
    ],
}
GENERAL = [
    "I have worked here for {n} years and I have never seen it this bad.",
    "Nobody wants to let people down, but that is what is happening.",
    "I am writing this because I do not know who else to tell.",
    "The people we supervise notice it before anyone in head office does.",
    "It is not one bad week; it has been like this since the spring.",
    "Colleagues are doing their best, and their best is not enough when there are so few of them.",
]
# Asides about things, each naming one of many objects, so some words are rare (as in real
# text) and a search can match a few contributions rather than a fixed share of them.
ASIDES = [
    "Even the {thing} in our office has been broken since {month}.",
    "We were told a new {thing} would arrive in {month}; it has not.",
    "Someone put a note on the {thing} asking head office to visit.",
]
THINGS = [
    "kettle",
    "minibus",
    "photocopier",
    "lift",
    "radiator",
    "printer",
    "fridge",
    "microwave",
    "shredder",
    "projector",
    "scanner",
    "doorbell",
    "intercom",
    "turnstile",
    "boiler",
    "window blind",
    "carpet",
    "ceiling tile",
    "stairwell",
    "shower",
    "locker",
    "noticeboard",
    "whiteboard",
    "clock",
    "thermostat",
    "fan heater",
    "dehumidifier",
    "vending machine",
    "water cooler",
    "fire door",
    "alarm panel",
    "keypad",
    "swipe reader",
    "headset",
    "webcam",
    "docking station",
    "monitor",
    "keyboard",
    "phone charger",
    "extension lead",
    "router",
    "switchboard",
    "franking machine",
    "post tray",
    "filing cabinet",
    "key safe",
    "cash box",
    "pool car",
    "bicycle rack",
    "parking barrier",
    "gate",
    "serving hatch",
    "interview booth",
    "waiting room chair",
    "sofa",
    "desk lamp",
    "bookcase",
    "plant pot",
    "coat stand",
    "first aid box",
    "defibrillator",
    "eyewash station",
    "stretcher",
    "radio",
    "body camera",
    "search mirror",
    "metal detector",
    "visitor badge printer",
    "canteen till",
    "dishwasher",
    "toaster",
]
MONTHS = ["January", "March", "May", "July", "September", "November"]
TITLE_WORDS = {
    "workload": "caseloads and cover",
    "risk-assessment": "risk and reviews",
    "management": "decisions from above",
    "pay-retention": "pay and people leaving",
    "training": "learning on the job",
    "it-systems": "systems that get in the way",
    "wellbeing": "stress and sickness",
    "bullying-culture": "blame and fear",
    "unions": "the union's view",
    "structure-privatisation": "reorganisation again",
    "prisons": "life on the wings",
    "inspections": "what the inspectors found",
}


def _fill(sentence: str, rng: random.Random) -> str:
    return sentence.format(
        n=rng.choice(NUMBERS),
        role=rng.choice(ROLES),
        system=rng.choice(SYSTEMS),
        thing=rng.choice(THINGS),
        month=rng.choice(MONTHS),
    )


def testimony_text(rng: random.Random, themes: Sequence[str]) -> str:
    """One contribution: 3 to 14 sentences mostly on its themes, in paragraphs."""
    sentences: list[str] = []
    for _ in range(rng.randint(3, 14)):
        general = rng.random() < 0.2 or not themes
        pool = GENERAL if general else SENTENCES[rng.choice(list(themes))]
        sentences.append(_fill(rng.choice(pool), rng))
    if rng.random() < 0.5:
        sentences.insert(rng.randrange(len(sentences) + 1), _fill(rng.choice(ASIDES), rng))
    paragraphs, start = [], 0
    while start < len(sentences):
        size = rng.randint(2, 4)
        paragraphs.append(" ".join(sentences[start : start + size]))
        start += size
    return "\n\n".join(paragraphs)


# ---- bulk insertion --------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class Generated:
    digests: int
    contributions: int
    queued: int
    seconds: float


def _next_id(table: Table) -> int:
    return int(db.session.scalar(select(func.coalesce(func.max(table.c.id), 0))) or 0) + 1


def _bulk(table: Table, rows: list[dict[str, Any]]) -> None:
    """COPY on PostgreSQL (several times faster than INSERTs); batched executemany elsewhere."""
    if not rows:
        return
    connection = db.session.connection()
    if connection.dialect.name == "postgresql":
        columns = list(rows[0])
        raw = connection.connection.driver_connection
        with raw.cursor() as cursor:  # type: ignore[union-attr]
            statement = f"COPY {table.name} ({', '.join(columns)}) FROM STDIN"
            with cursor.copy(statement) as copy:
                for row in rows:
                    copy.write_row([row[c] for c in columns])
        return
    for start in range(0, len(rows), BATCH):
        db.session.execute(insert(table), rows[start : start + BATCH])


def _unique_public_ids(n: int, taken: set[str]) -> list[str]:
    out: list[str] = []
    while len(out) < n:
        candidate = secrets.token_hex(6)
        if candidate not in taken:
            taken.add(candidate)
            out.append(candidate)
    return out


def _after_bulk_load(tables: Iterable[Table]) -> None:
    """Move PostgreSQL's id sequences past the explicit ids; refresh the planner's statistics.
    On PostgreSQL, VACUUM as well: it leaves the tables as autovacuum keeps a live database
    (visibility map set, so index-only scans need not visit the heap, and GIN pending lists
    merged), which is what a benchmark of reading pages should measure."""
    names = [t.name for t in tables]
    if db.session.get_bind().dialect.name == "postgresql":
        # Tables keyed by random ids have no sequence to move.
        for name in (t.name for t in tables if "id" in t.c and t.c.id.autoincrement is not False):
            db.session.execute(
                text(
                    f"SELECT setval(pg_get_serial_sequence('{name}', 'id'), "  # noqa: S608 - our table names
                    f"(SELECT coalesce(max(id), 0) + 1 FROM {name}), false)"
                )
            )
        db.session.commit()
        # VACUUM cannot run inside a transaction: a connection of its own, in autocommit.
        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            for name in names:
                connection.execute(text(f"VACUUM ANALYZE {name}"))
    else:
        db.session.execute(text("ANALYZE"))
    db.session.commit()


def _refuse_real_data(force: bool) -> None:
    foreign = db.session.scalar(
        select(func.count()).select_from(Digest).where(Digest.created_by != CREATED_BY)
    )
    if foreign and not force:
        raise click.ClickException(
            f"This database has {foreign} digests made by people; generated data does not belong "
            "beside them (--force to add it anyway)."
        )


def generate(
    contributions: int,
    queued: int = 0,
    *,
    per_digest: int = 20,
    seed: int = 1,
    now: dt.datetime | None = None,
    span_days: int = 3 * 365,
    progress: Callable[[str], None] | None = None,
) -> Generated:
    """Add `contributions` published contributions (in digests of about `per_digest`) and
    `queued` sealed submissions waiting on the desk. Commits. See the module's docstring."""
    started = time.perf_counter()
    say = progress or (lambda _message: None)
    rng = random.Random(seed)  # noqa: S311 - generated text, not secrets
    now = now or utcnow()
    sync_themes()
    themes = {t.slug: t.id for t in db.session.scalars(select(Theme))}
    slugs = sorted(themes)
    taken = set(db.session.scalars(select(Submission.public_id))) | set(
        db.session.scalars(select(Contribution.public_id))
    )

    first_new = _next_id(Contribution.__table__)
    made_digests = _published(contributions, per_digest, rng, now, span_days, themes, slugs, taken)
    say(f"{made_digests} digests with {contributions} contributions")
    if queued:
        _queued(queued, rng, now, slugs, taken)
        say(f"{queued} queued submissions, sealed")
    db.session.commit()
    tables: list[Any] = [Submission.__table__, SealedBlob.__table__, WrappedKey.__table__]
    tables += [Digest.__table__, Contribution.__table__, contribution_themes, digest_themes]
    _after_bulk_load(tables)
    _index_for_sqlite_search(first_new)
    return Generated(made_digests, contributions, queued, round(time.perf_counter() - started, 2))


def _digest_sizes(total: int, per_digest: int, rng: random.Random) -> list[int]:
    sizes: list[int] = []
    left = total
    while left > 0:
        # One in ten is a single post ("In case you missed it"); the rest are omnibus digests.
        size = 1 if rng.random() < 0.1 else rng.randint(max(2, per_digest // 2), per_digest * 3 // 2)
        size = min(size, left)
        sizes.append(size)
        left -= size
    return sizes


def _published(
    total: int,
    per_digest: int,
    rng: random.Random,
    now: dt.datetime,
    span_days: int,
    themes: dict[str, int],
    slugs: list[str],
    taken: set[str],
) -> int:
    if total <= 0:
        return 0
    sizes = _digest_sizes(total, per_digest, rng)
    digest_id = _next_id(Digest.__table__)
    contribution_id = _next_id(Contribution.__table__)
    contribution_ids = _unique_public_ids(total, taken)
    submission_ids = _unique_public_ids(total, taken)
    step = dt.timedelta(days=span_days) / max(1, len(sizes))
    first = now - dt.timedelta(days=span_days)
    digests: list[dict[str, Any]] = []
    d_themes: list[dict[str, Any]] = []
    contribs: list[dict[str, Any]] = []
    c_themes: list[dict[str, Any]] = []
    submissions: list[dict[str, Any]] = []
    earlier: list[int] = []  # ids of contributions already published, for responses
    n = 0
    for k, size in enumerate(sizes):
        published_at = (first + step * (k + 1) - dt.timedelta(minutes=rng.randint(0, 59))).replace(
            microsecond=0
        )
        digest_themes_here = rng.sample(slugs, rng.randint(1, 3))
        kind = DigestKind.SINGLE if size == 1 else DigestKind.DIGEST
        title = f"{published_at:%B %Y}: {TITLE_WORDS[digest_themes_here[0]]}"
        digests.append(
            {
                "id": digest_id,
                "slug": f"{published_at:%Y-%m}-{TITLE_WORDS[digest_themes_here[0]].replace(' ', '-')}-{digest_id}"[
                    :120
                ],
                "title": title,
                "intro_markdown": (
                    f"This {'post' if size == 1 else 'digest'} brings together what staff told us about "
                    f"*{TITLE_WORDS[digest_themes_here[0]]}*. Every contribution was checked by a "
                    "moderator and details that could identify anyone were removed."
                ),
                "kind": kind,
                "scheduled_for": None,
                "published_at": published_at,
                "created_by": CREATED_BY,
                "updated_at": published_at,
            }
        )
        d_themes.extend({"digest_id": digest_id, "theme_id": themes[s]} for s in digest_themes_here)
        batch_ids: list[int] = []
        for position in range(1, size + 1):
            own = {rng.choice(digest_themes_here)}
            if rng.random() < 0.3:
                own.add(rng.choice(slugs))
            reply_to = rng.choice(earlier) if earlier and rng.random() < 0.03 else None
            decided = published_at.date()
            submission_id = new_random_id()
            submissions.append(
                {
                    "id": submission_id,
                    "public_id": submission_ids[n],
                    "lookup_id": secrets.token_hex(32),
                    "submitter_public_key": os.urandom(32),
                    "status": Status.PUBLISHED.value,
                    "version": 5,
                    "received_on": decided - dt.timedelta(days=rng.randint(3, 40)),
                    "decided_on": decided,
                    "warning_count": rng.randint(0, 2),
                    "claimed_by_id": None,
                    "claimed_until": None,
                    "in_reply_to": None,
                }
            )
            contribs.append(
                {
                    "id": contribution_id,
                    "public_id": contribution_ids[n],
                    "submission_id": submission_id,
                    "text": testimony_text(rng, sorted(own)),
                    "digest_id": digest_id,
                    "position": position,
                    "in_reply_to_id": reply_to,
                    "withdrawn": False,
                    "approved_on": decided - dt.timedelta(days=rng.randint(0, 3)),
                }
            )
            c_themes.extend({"contribution_id": contribution_id, "theme_id": themes[s]} for s in own)
            batch_ids.append(contribution_id)
            contribution_id += 1
            n += 1
        earlier.extend(batch_ids)
        digest_id += 1
    _bulk(Digest.__table__, digests)
    _bulk(digest_themes, d_themes)
    _bulk(Submission.__table__, submissions)
    _bulk(Contribution.__table__, contribs)
    _bulk(contribution_themes, c_themes)
    return len(sizes)


def _queued(total: int, rng: random.Random, now: dt.datetime, slugs: list[str], taken: set[str]) -> None:
    import nlp  # the model loads only when queued items are asked for

    texts = [testimony_text(rng, rng.sample(slugs, rng.randint(1, 2))) for _ in range(DISTINCT_REDACTIONS)]
    # Names, places and a phone number, so the bundles hold spans and warnings like real ones.
    texts = [
        f"My manager Sarah Collins at the Leeds office said to ring 07700 900{100 + i:03d}. {t}"
        for i, t in enumerate(texts)
    ]
    redactions = [r.to_dict() for r in nlp.redact_many(texts)]
    readers = sealing.staff_readers()
    statuses = [s for s, _ in QUEUE_MIX]
    weights = [w for _, w in QUEUE_MIX]
    public_ids = _unique_public_ids(total, taken)
    submissions: list[dict[str, Any]] = []
    blobs: list[dict[str, Any]] = []
    keys: list[dict[str, Any]] = []
    for i in range(total):
        redaction = redactions[i % len(redactions)]
        received = (now - dt.timedelta(days=rng.randint(0, 60))).date()
        stub = Submission(public_id=public_ids[i])
        submission_id = new_random_id()
        bundle = SealedBlob(
            id=new_random_id(), seq=1, format=BlobFormat.BOUND, kind=BlobKind.BUNDLE, author=Author.SUBMITTER
        )
        data_key = crypto.random_key()
        payload = {"redaction": redaction, "in_reply_to": None}
        plaintext = json.dumps(payload, ensure_ascii=False).encode("utf-8")
        submissions.append(
            {
                "id": submission_id,
                "public_id": public_ids[i],
                "lookup_id": secrets.token_hex(32),
                "submitter_public_key": crypto.generate_keypair().public,
                "status": rng.choices(statuses, weights)[0].value,
                "version": 1,
                "received_on": received,
                "decided_on": None,
                "warning_count": len(redaction["warnings"]),
                "claimed_by_id": None,
                "claimed_until": None,
                "in_reply_to": None,
            }
        )
        blobs.append(
            {
                "id": bundle.id,
                "submission_id": submission_id,
                "seq": bundle.seq,
                "format": bundle.format,
                "kind": BlobKind.BUNDLE.value,
                "author": Author.SUBMITTER.value,
                "moderator_id": None,
                "created_on": received,
                "ciphertext": crypto.encrypt(data_key, plaintext, sealing.blob_aad(stub, bundle)),
            }
        )
        for reader in readers:
            keys.append(
                {
                    "id": new_random_id(),
                    "blob_id": bundle.id,
                    "recipient": reader.recipient.value,
                    "moderator_id": reader.moderator_id,
                    "wrapped": crypto.wrap(reader.public_key, data_key, sealing.key_aad(stub)),
                }
            )
    _bulk(Submission.__table__, submissions)
    _bulk(SealedBlob.__table__, blobs)
    _bulk(WrappedKey.__table__, keys)


def _index_for_sqlite_search(first_id: int) -> None:
    """On SQLite, put the new contributions in the FTS5 table (PostgreSQL needs nothing)."""
    from testimony import search

    if db.session.get_bind().dialect.name != "sqlite":
        return
    table = search.FTS_TABLE
    db.session.execute(
        text(
            f"INSERT INTO {table} (rowid, text) SELECT id, text FROM contributions "  # noqa: S608 - constant
            "WHERE id >= :first AND withdrawn = 0 AND text != ''"
        ),
        {"first": first_id},
    )
    db.session.execute(text(f"INSERT INTO {table} ({table}) VALUES ('optimize')"))  # noqa: S608
    db.session.commit()


# ---- command ---------------------------------------------------------------------------------


@click.command("generate")
@click.option("--contributions", type=click.IntRange(0), default=1_000, show_default=True)
@click.option("--queued", type=click.IntRange(0), default=0, show_default=True)
@click.option("--per-digest", type=click.IntRange(1), default=20, show_default=True)
@click.option("--seed", type=int, default=1, show_default=True)
@click.option("--force", is_flag=True, help="Add to a database that holds real digests.")
@with_appcontext
def generate_command(contributions: int, queued: int, per_digest: int, seed: int, force: bool) -> None:
    """Fill the database with generated published contributions and queued submissions (benchmarks)."""
    _refuse_real_data(force)
    made = generate(contributions, queued, per_digest=per_digest, seed=seed, progress=click.echo)
    click.echo(
        f"Generated {made.contributions} contributions in {made.digests} digests and "
        f"{made.queued} queued submissions in {made.seconds} s."
    )


def init_app(app: Flask) -> None:
    app.cli.add_command(generate_command)
