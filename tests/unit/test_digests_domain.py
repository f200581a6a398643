"""Composing a digest in the domain (testimony/digests.py, issue 14): claiming, adding, moving,
reordering and removing contributions, without the desk's pages."""

from __future__ import annotations

import pytest
from flask import Flask

from testimony import digests, publishing
from testimony.db import db
from testimony.models import DigestKind
from tests.support.factories import add_contribution, add_digest


def _order(digest) -> list[str]:  # type: ignore[no-untyped-def]
    db.session.expire(digest, ["contributions"])
    return [c.public_id for c in digest.contributions]


def test_add_move_reorder_remove(app: Flask) -> None:
    with app.app_context():
        a, b, c = (add_contribution(text) for text in ("Alpha.", "Bravo.", "Charlie."))
        digest = add_digest("Omnibus", [])
        publishing.change_draft(digest)
        assert digests.add(digest, [c.public_id, a.public_id, "nothing-here"]) == (2, 1)
        assert _order(digest) == [c.public_id, a.public_id]
        assert digests.add(digest, [b.public_id]) == (1, 0)
        assert _order(digest) == [c.public_id, a.public_id, b.public_id]
        assert digests.move(digest, b.public_id, -1)
        assert _order(digest) == [c.public_id, b.public_id, a.public_id]
        digests.reorder(digest, {a.public_id: 1, c.public_id: 3})
        assert _order(digest) == [a.public_id, b.public_id, c.public_id]
        assert [x.position for x in digest.contributions] == [1, 2, 3]
        assert digests.remove(digest, b.public_id) and not digests.remove(digest, "not-in-it")
        assert _order(digest) == [a.public_id, c.public_id]
        assert [x.position for x in digest.contributions] == [1, 2]
        assert b.digest_id is None and b.position == 0


def test_a_contribution_goes_into_one_digest_only(app: Flask) -> None:
    with app.app_context():
        one = add_contribution("Only once.")
        first, second = add_digest("First", []), add_digest("Second", [])
        assert digests.claim(one, first, 1)
        assert not digests.claim(one, second, 1)
        withdrawn = add_contribution("Gone.")
        withdrawn.withdrawn = True
        db.session.flush()
        assert not digests.claim(withdrawn, second, 1)


def test_single_posts_hold_one_contribution(app: Flask) -> None:
    with app.app_context():
        one, two = add_contribution("One."), add_contribution("Two.")
        single = digests.create_single(one, themes=[], created_by="tests")
        assert (
            single is not None and single.kind == DigestKind.SINGLE and single.title == digests.SINGLE_TITLE
        )
        with pytest.raises(digests.CompositionProblem):
            digests.add(single, [two.public_id])
        assert digests.create_single(one, themes=[], created_by="tests") is None  # taken
        with pytest.raises(digests.CompositionProblem):
            digests.add(add_digest("Empty", []), [])
