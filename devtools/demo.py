"""`flask seed-demo`: fill a fresh database with demo digests, so a new user sees the reading
room working after `make run`, and the moderation desk's queue with items in every state (with
questions and replies) and approved contributions waiting for a digest, so a newcomer can
practise. The texts are written for this project (composites in the voice of front-line staff,
not real testimony). Also the small builders the tests use.

The queue is filled through the real domain functions (testimony/submissions.py stores and
seals, testimony/lifecycle.py moves each item, as the desk's own views do), as a demo
moderator account made for it: the items are sealed to the accounts that hold a key when it
runs, so the demo moderator can open them; its password is printed once.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import click
from flask import Flask
from flask.cli import with_appcontext
from sqlalchemy import func, select

import nlp
from moderation import accounts, item_state
from moderation.theme_tags import set_tags
from testimony import approved, digests, lifecycle, publishing, search, submissions
from testimony.db import db
from testimony.models import (
    BlobKind,
    Contribution,
    Digest,
    DigestKind,
    Moderator,
    Submission,
    today,
    utcnow,
)
from testimony.themes import sync_themes


def init_app(app: Flask) -> None:
    app.cli.add_command(seed_demo)


# ---- the demo content ------------------------------------------------------------------------
# Each digest: (title, days ago, themes, intro, [(text, themes, reply-to index or None)]).

DemoItem = tuple[str, Sequence[str], int | None]

DEMO: list[tuple[str, int, Sequence[str], str, list[DemoItem]]] = [
    (
        "The numbers nobody believes",
        290,
        ("workload", "it-systems", "management"),
        """
It has been a while since there were enough letters for a full edition, but the workload
measurement figures published to staff last month have changed that. Our inbox filled up within days.

What follows is a selection. Every contribution has been checked by a moderator and stripped of
anything that could identify the writer, their office or the people they supervise. **If you
recognise your own words, they are still yours**: you can withdraw them at any time with your
codename.
""",
        [
            (
                "The tool says I am at 128%. It counts a full risk assessment as a couple of hours. "
                "Nobody I know has ever finished one in under a day once you add the reading, the checks "
                "with police and children's services, and rewriting it after the countersign comes back. "
                "So either the tool is wrong or every one of us is slow. I know which I believe.",
                ("workload", "it-systems"),
                None,
            ),
            (
                "We were told the figures would be used to move cases from the officers who are over. "
                "They were used instead to show the office as a whole was 'within tolerance', because the "
                "vacant posts still count as capacity. Three empty desks are carrying forty cases between "
                "them on paper. In reality the rest of us are.",
                ("workload", "management"),
                None,
            ),
            (
                "I log on at seven so I can read the overnight alerts before the phones start. I am paid "
                "from nine. When I raised it in supervision I was told that was my choice. It is a choice "
                "in the same way that not looking both ways before crossing is a choice.",
                ("workload", "wellbeing"),
                None,
            ),
            (
                "The case management system logs you out after twenty minutes without a keystroke, which "
                "sounds sensible until you are in a home visit write-up and the child protection call "
                "lasts half an hour. I have lost the same record three times this month.",
                ("it-systems",),
                None,
            ),
        ],
    ),
    (
        "Nobody stays long enough to learn",
        230,
        ("pay-retention", "training"),
        """
This edition is about people leaving, and the people arriving to replace them.

Several of you wrote about trainees, and not one of those letters blamed the trainees. They blame
the gap between the course and the caseload. As one contributor puts it, *you cannot shadow someone
who has already left*.
""",
        [
            (
                "I qualified last spring. Of the eleven of us on my cohort, four are still in a "
                "community office. Two went to the prisons because the hours were more predictable, "
                "three left for councils, and two left the justice system altogether. Nobody told them "
                "they were doing a bad job. Nobody told them anything at all.",
                ("pay-retention", "training"),
                None,
            ),
            (
                "My mentor was brilliant for six weeks and then she was gone, promoted into a post two "
                "towns away. Her replacement had been qualified for nine months. He was kind and he was "
                "drowning, and so was I, and we spent supervision apologising to each other.",
                ("training", "wellbeing"),
                None,
            ),
            (
                "A senior colleague retired last month after twenty-six years. Her leaving card had forty "
                "names on it. Her cases were split across five people, two of them agency staff on "
                "twelve-week contracts. Everything she knew about those families went out of the door "
                "with her, because none of it fits in a drop-down box.",
                ("pay-retention", "workload"),
                None,
            ),
            (
                "The pay rise was announced as the biggest in a decade. After rent went up it bought me "
                "about a tank of petrol a month. I do the home visits in my own car. I do the maths every "
                "time I fill up.",
                ("pay-retention",),
                None,
            ),
        ],
    ),
    (
        "Risk, and who gets blamed for it",
        170,
        ("risk-assessment", "inspections", "bullying-culture"),
        """
When something goes badly wrong in the community, there is a review. Contributors to this edition
describe what those reviews feel like from the inside, and what they do to the way risk is
assessed afterwards.

> Nobody here is arguing that serious harm should go unexamined.

They are arguing about who is examined, and what is left out.
""",
        [
            (
                "After the review, the message we got was that every medium risk case should be looked "
                "at again 'with fresh eyes'. Nobody gave us any fresh hours to do it in. So people did "
                "what people do when they are frightened: they raised the risk levels. Now the high risk "
                "list is so long that it no longer tells you anything.",
                ("risk-assessment", "workload"),
                None,
            ),
            (
                "I have been told, more than once and never in writing, that a case 'doesn't look high "
                "to me' by a manager who had never read the file. The pressure to lower a level is as "
                "real as the pressure to raise it. It just depends which target is red that week.",
                ("risk-assessment", "management"),
                None,
            ),
            (
                "The inspectors were fair to us. They wrote down what we had been saying for two years. "
                "What happened next was a new action plan, a new spreadsheet and a weekly call about the "
                "spreadsheet. The staffing they identified as the root cause is not on the plan.",
                ("inspections", "management"),
                None,
            ),
            (
                "In the room after a serious case, the first question was which officer held it. The "
                "second question was whether their notes were up to date. Nobody asked how many other "
                "cases that officer held, or why there had been three officers in six months.",
                ("risk-assessment", "bullying-culture"),
                None,
            ),
        ],
    ),
    (
        "Behind the gate",
        120,
        ("prisons", "structure-privatisation"),
        """
A prisons edition, prompted by letters from staff working in the offender management units inside
establishments. The job is different there; the shortage is the same.
""",
        [
            (
                "There were five of us in the unit at the start of the year. There are two now, and each "
                "of us holds more than eighty people, most of them assessed as high risk. We see most of "
                "them for the first time when the release paperwork is already late.",
                ("prisons", "workload"),
                None,
            ),
            (
                "Lockdown on the wing for staff shortages means I cannot see the man I am meant to be "
                "preparing for release. So I write his plan from the file, he reads it for the first "
                "time at the gate, and in six weeks someone will ask why he did not engage.",
                ("prisons", "risk-assessment"),
                None,
            ),
            (
                "Every reorganisation promised that prison and community would finally talk to each "
                "other. We now have a shared system that neither side can search properly, and a phone "
                "number for the community office that goes to a voicemail nobody checks.",
                ("structure-privatisation", "it-systems", "prisons"),
                None,
            ),
        ],
    ),
    (
        "Replies, and a few things that work",
        75,
        ("wellbeing", "management", "unions"),
        """
Not everything in the inbox is bleak. This edition gathers replies to earlier contributions, and
some accounts of teams that are holding together, and why.

Replies are threaded under the contribution they answer, so you can read them in either place.
""",
        [
            (
                "Reading the account of the retired colleague's leaving card, I recognised my own office. "
                "What saved us was a manager who insisted on a proper handover week, paid, with the "
                "retiring officer introducing each person on her caseload to whoever was taking over. "
                "It cost a week. It saved months.",
                ("management", "pay-retention"),
                6,
            ),
            (
                "To the officer logging on at seven: I did that for two years and it ended in six months "
                "off sick. Please don't wait for the choice to be made for you.",
                ("wellbeing",),
                2,
            ),
            (
                "Our team meets every Friday for half an hour with no agenda and no laptops. It started "
                "as a wellbeing initiative everyone rolled their eyes at. It is now the only meeting where "
                "anyone says what is actually happening.",
                ("wellbeing", "management"),
                None,
            ),
            (
                "Our union rep took the workload figures for the whole office to the regional meeting, "
                "case by case, with the hours each task really takes. It did not fix anything. But it was "
                "the first time anyone above our manager saw the real numbers.",
                ("unions", "workload"),
                None,
            ),
        ],
    ),
    (
        "Systems that eat the day",
        40,
        ("it-systems", "workload"),
        """
A short edition on the tools, prompted by the latest round of updates to the case management and
assessment systems.
""",
        [
            (
                "The new version of the assessment asks the same question about accommodation in four "
                "different sections. If you answer them differently the record will not save, and the "
                "error message does not say which section is wrong.",
                ("it-systems",),
                None,
            ),
            (
                "I timed myself last week. Of thirty-seven contracted hours, just under eleven were spent "
                "with people. The rest was recording, re-recording, chasing and waiting for pages to load.",
                ("it-systems", "workload"),
                None,
            ),
            (
                "Since the laptops arrived, the working day has no edges. I answer messages on the sofa. "
                "My partner has stopped asking when I will be finished.",
                ("wellbeing", "it-systems"),
                None,
            ),
        ],
    ),
    (
        "In case you missed it",
        12,
        ("bullying-culture",),
        "",
        [
            (
                "I raised a concern about a case through the proper channel, in writing, twice. The third "
                "time I raised it, I was told I was 'not a team player'. The case is now part of a review. "
                "My emails are in the file. I am the one being asked to explain myself.",
                ("bullying-culture", "risk-assessment"),
                None,
            ),
        ],
    ),
    (
        "Training on top of everything",
        4,
        ("training", "management"),
        """
More on training, after many of you responded to the earlier edition about new staff. This time
the focus is on the *mandatory* modules everyone else is asked to complete.
""",
        [
            (
                "We were given three new online modules to complete by the end of the quarter, in our own "
                "time if necessary. One of them was about managing stress.",
                ("training", "wellbeing"),
                None,
            ),
            (
                "The best training I ever had was sitting in on interviews with an officer who had been "
                "doing this for twenty years, then talking about them afterwards over a cup of tea. "
                "There is no module for that, and no time for it either.",
                ("training",),
                5,
            ),
        ],
    ),
    (
        "Coming up: the view from the night shift",
        -1,
        ("prisons", "wellbeing"),
        """
Staff on the night shift wrote to us after the last prisons edition. Nights are quieter on paper
than they are in practice.
""",
        [
            (
                "Nights in the approved premises are two staff for twenty-odd residents. When one of us "
                "is on the phone to the police, the other is everywhere else at once.",
                ("prisons", "workload"),
                None,
            ),
        ],
    ),
]
# The contribution (by its place in the order above) whose author withdrew it, to show the note.
WITHDRAWN_INDEX = 14


@click.command("seed-demo")
@click.option("--force", is_flag=True, help="Add the demo digests even if digests exist already.")
@with_appcontext
def seed_demo(force: bool) -> None:
    """Fill the database with demo digests and contributions (for trying the site out)."""
    existing = db.session.scalar(select(func.count()).select_from(Digest)) or 0
    if existing and not force:
        raise click.ClickException(
            f"There are {existing} digests already; seed-demo fills a fresh database only (--force to add anyway)."
        )
    sync_themes()
    made = seed(utcnow())
    click.echo(f"Added {made['digests']} digests with {made['contributions']} contributions.")
    click.echo("One is scheduled for tomorrow: `flask digests publish-due` publishes it when its time comes.")
    if db.session.scalar(select(Moderator.id).where(Moderator.name == DEMO_MODERATOR)) is not None:
        click.echo(f"The queue was not filled: an account named {DEMO_MODERATOR!r} exists already.")
        return
    password = generate_password()
    queued = seed_queue(password)
    click.echo(
        f"Filled the desk's queue with {queued['items']} demo items in every state, "
        f"{queued['approved']} of them approved and waiting for a digest."
    )
    click.echo(f"\nDemo moderator account {DEMO_MODERATOR!r} (it can open the demo items):")
    click.echo(f"  Password: {password}")
    click.echo("  Log in at /desk/login; you will set up an authenticator app on the first login.")


def seed(now: dt.datetime) -> dict[str, int]:
    digest_count = contributions = 0
    made: list[Contribution] = []
    for title, days_ago, themes, intro, items in DEMO:
        batch = []
        for text, item_themes, reply_to in items:
            batch.append(
                approved.new_contribution(
                    text, item_themes, in_reply_to=made[reply_to].public_id if reply_to is not None else None
                )
            )
        made.extend(batch)
        kind = DigestKind.SINGLE if title == "In case you missed it" else DigestKind.DIGEST
        digest = digests.create_draft(title, batch, intro=intro, themes=themes, kind=kind, created_by="demo")
        when = now - dt.timedelta(days=days_ago)
        if days_ago < 0:
            publishing.schedule(digest, when)
        else:
            publishing.publish(digest, when)
        digest_count += 1
        contributions += len(batch)
    db.session.flush()
    withdrawn = made[WITHDRAWN_INDEX]
    withdrawn.withdrawn, withdrawn.themes = True, []
    approved.forget(withdrawn)
    search.rebuild()
    db.session.commit()
    return {"digests": digest_count, "contributions": contributions}


# ---- the desk's queue ----------------------------------------------------------------------

DEMO_MODERATOR = "demo-moderator"
CLAIM_FOR = dt.timedelta(minutes=15)


def generate_password() -> str:
    return accounts.generate_password() + "-demo"


@dataclass(frozen=True)
class QueueItem:
    """One demo item: what the source sent, and what happened on the desk. `steps` are done in
    order: ("edit", wording) saves a draft, ("note", text), ("ask", question), ("reply", text)
    from the source, ("approve", themes), ("propose", themes) (approved with changes, waiting for
    the source's OK), ("decline", reason), ("withdraw",)."""

    text: str
    days_ago: int
    steps: tuple[tuple[str, ...], ...] = ()


QUEUE: list[QueueItem] = [
    QueueItem(
        "I am a band 4 probation officer in the Cardiff office and have been for eleven years. Our "
        "senior manager, Delyth Morgan, told the team on Monday that the new allocation tool means "
        "nobody can refuse a case, whatever their caseload. Three of us are over 130%.",
        days_ago=9,
    ),
    QueueItem(
        "The approved premises I work nights in has two staff for twenty-three residents. Last "
        "week one resident was taken to hospital and I was alone for four hours. I reported it to "
        "the area manager, Paul Hendry, and heard nothing.",
        days_ago=2,
    ),
    QueueItem(
        "In the offender management unit at HMP Brackenfield the case administrators have been "
        "cut from four to one. Release paperwork now arrives at the gate on the morning of release.",
        days_ago=0,
    ),
    QueueItem(
        "Our team in Hull was told in supervision that sickness absence would count against "
        "promotion. I have been off twice this year with stress. My manager, Karen Lowe, put it in "
        "my file.",
        days_ago=5,
        steps=(("note", "Check whether the sickness policy wording is public before deciding."),),
    ),
    QueueItem(
        "I trained as a PQiP in 2023 in the Leeds office. Of my cohort of twelve, five have left "
        "already. Exit interviews are done by the same manager people are leaving because of.",
        days_ago=100,
        steps=(
            (
                "edit",
                "I trained recently. Of my cohort of twelve, five have left already. Exit "
                "interviews are done by the same manager people are leaving because of.",
            ),
        ),
    ),
    QueueItem(
        "Since the new case management system went live at the Newport office we have lost whole "
        "assessments twice a week. IT support closes the tickets without fixing anything.",
        days_ago=4,
        steps=(("ask", "Thank you. Is this still happening? We would like to say how recent it is."),),
    ),
    QueueItem(
        "The risk review after the serious incident named me before anyone had read my notes. I am "
        "a senior probation officer with twenty years' service and the only one in my team.",
        days_ago=6,
        steps=(
            ("ask", "Could you say whether the review has finished? We will not publish the outcome."),
            ("reply", "It finished last month. I would rather the outcome was not mentioned at all."),
        ),
    ),
    QueueItem(
        "Our office heating has been broken since October and we are told to wear coats to "
        "supervision. Two colleagues have gone off sick this month.",
        days_ago=9,
        steps=(
            (
                "edit",
                "The office heating has been broken for weeks and staff are told to wear coats to "
                "supervision. Colleagues have gone off sick.",
            ),
            ("propose", "management", "wellbeing"),
        ),
    ),
    QueueItem(
        "Mandatory training modules are now due in our own time. One of them is on managing stress.",
        days_ago=12,
        steps=(("approve", "training", "wellbeing"),),
    ),
    QueueItem(
        "Agency staff on twelve-week contracts hold some of our highest-risk cases because nobody "
        "permanent is left to take them. When the contract ends, the case moves again.",
        days_ago=15,
        steps=(("approve", "workload", "pay-retention"),),
    ),
    QueueItem(
        "Home visits are done in our own cars and the mileage rate has not changed in years. I now "
        "book visits by the cost of the petrol, not by the risk.",
        days_ago=20,
        steps=(
            ("ask", "Could we say which region this is? Only if you are comfortable."),
            ("reply", "Please do not name the region."),
            ("approve", "pay-retention", "risk-assessment"),
        ),
    ),
    QueueItem(
        "We are told to book annual leave a year ahead so the rota can be planned, then told it "
        "cannot be approved until the rota is planned.",
        days_ago=30,
        steps=(("approve", "management", "wellbeing"), ("publish",)),
    ),
    QueueItem(
        "This is a test, please ignore it.",
        days_ago=3,
        steps=(("decline", "out_of_scope"),),
    ),
    QueueItem(
        "I sent something earlier about my office and have changed my mind about sending it.",
        days_ago=1,
        steps=(("withdraw",),),
    ),
]
DECLINE_TEXT = {"out_of_scope": "It is not about working in the service."}


def seed_queue(password: str) -> dict[str, int]:
    """The demo moderator account and the queue's items, each committed as the desk commits it."""
    moderator, one_time = accounts.create_moderator(DEMO_MODERATOR, "moderator")
    private_key = accounts.set_first_password(moderator, one_time, password)
    db.session.commit()
    approved_count = 0
    redactions = nlp.redact_many([item.text for item in QUEUE])
    for item, redaction in zip(QUEUE, redactions, strict=True):
        submission, _codename = submissions.store(redaction)  # commits, as the submit page does
        submission.received_on = today() - dt.timedelta(days=item.days_ago)
        db.session.commit()
        for step in item.steps:
            _do(submission, step, moderator, private_key)
            db.session.commit()
            approved_count += step[0] == "approve"
            approved_count -= step[0] == "publish"
    search.rebuild()
    return {"items": len(QUEUE), "approved": approved_count}


def _do(submission: Submission, step: tuple[str, ...], moderator: Moderator, key: bytes) -> None:
    kind, args = step[0], step[1:]
    until = utcnow() + CLAIM_FOR
    who: dict[str, Any] = {"moderator_id": moderator.id, "actor": moderator.name}
    if kind == "reply":
        submissions.add_submitter_reply(submission, args[0])
    elif kind == "withdraw":
        submissions.withdraw(submission)
    elif kind == "note":
        lifecycle.edit(submission, "note", seen_version=submission.version, claim_until=until, **who)
        submissions.add_moderator_blob(
            submission,
            kind=BlobKind.NOTE,
            payload={"text": args[0], "by": moderator.name},
            moderator_id=moderator.id,
            to_submitter=False,
        )
    elif kind == "edit":
        state = item_state.load(submission, moderator.id, key)
        state.draft, state.edited = args[0], True
        lifecycle.edit(submission, "draft_edited", seen_version=submission.version, claim_until=until, **who)
        item_state.save_draft(submission, state, moderator.id)
    elif kind == "ask":
        lifecycle.decide(
            submission, lifecycle.Action.ASK, seen_version=submission.version, claim_until=until, **who
        )
        submissions.add_moderator_blob(
            submission,
            kind=BlobKind.MESSAGE,
            payload={"text": args[0]},
            moderator_id=moderator.id,
            to_submitter=True,
        )
    elif kind == "decline":
        lifecycle.decide(
            submission, lifecycle.Action.DECLINE, seen_version=submission.version, detail=args[0], **who
        )
        submissions.add_moderator_blob(
            submission,
            kind=BlobKind.MESSAGE,
            payload={"text": DECLINE_TEXT[args[0]], "decline": args[0]},
            moderator_id=moderator.id,
            to_submitter=True,
        )
    elif kind in ("approve", "propose"):
        # "propose": approved with changes, waiting for the source's OK (issue 15).
        state = item_state.load(submission, moderator.id, key)
        themes = list(args)
        action = lifecycle.Action.PROPOSE if kind == "propose" else lifecycle.Action.APPROVE
        lifecycle.decide(submission, action, seen_version=submission.version, **who)
        set_tags(submission, themes)
        approved.approve(submission, state.draft, themes=themes, in_reply_to=state.in_reply_to)
    elif kind == "publish":
        # Its own "In case you missed it" digest, published as an editor would publish it.
        approved_one = db.session.scalars(
            select(Contribution).where(Contribution.submission_id == submission.id)
        ).one()
        digest = digests.create_draft(
            "In case you missed it: leave and the rota",
            [approved_one],
            themes=("management",),
            kind=DigestKind.SINGLE,
            created_by="demo",
        )
        publishing.publish(digest, utcnow())
    else:
        raise ValueError(f"unknown demo step {kind!r}")
