"""Attacks on the moderation desk, each against the defence that stops it.

- CSRF on every desk POST (walked from the URL map): no token, another session's token, a
  tampered token and the same browser's token from before login are all refused with 400, and
  nothing in the database (audit log included) changes.
- Session fixation: cookies from before login and from its password step are dead afterwards.
- TOTP: a code used in one session is refused in another; two logins racing with one code (or one
  recovery code) cannot both pass.
- Throttling: the per-account brake (password alone no longer enough) survives changed case,
  spaces and look-alike names, new sessions and changing addresses; code guessing by someone with
  the password is cut off per account.
- Role escalation: moderators and editors posting, with valid tokens and real ids, to other roles'
  endpoints, and hidden fields such as role=admin.
- IDOR: items without a grant, items held by someone else, ids that do not exist, contributions
  of another digest.
- Open redirects after login, in encoded and look-alike spellings.
- Security headers on every route of the URL map, with real ids; no-store on private pages.

Covered elsewhere and not repeated here: tests/desk/test_desk_guard.py (every desk view wears
role_required; anonymous and password-only users are sent to login; roles against made-up ids
with CSRF off), tests/desk/test_desk_auth.py (TOTP replay on one account, recovery codes once,
desk_token rotation, idle and absolute expiry, logout and password change everywhere,
next=https://evil.example/), tests/desk/test_desk_login_throttle.py (limits before hashing, parallel
attempts, the holder never locked out, unknown names keyed), tests/desk/test_desk_review.py (a second moderator's note is a conflict;
no reading before a grant), tests/desk/test_digests.py (taken or withdrawn contributions cannot be
added; a published digest cannot be reordered or deleted), tests/web/test_headers.py and
tests/web/test_public.py (headers on a few public paths; public pages may be cached).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote, urlsplit

import pyotp
import pytest
from flask import Flask, url_for
from flask.testing import FlaskClient
from sqlalchemy import create_engine, select, update
from werkzeug.routing import Rule

from moderation import accounts, second_factor, throttle
from moderation.views import review
from testimony import publishing
from testimony.db import db
from testimony.models import Moderator, RecoveryCode, Role, Status, Submission, utcnow
from tests.support.desk import (
    NEW_PASSWORD,
    create_account,
    enrolment_secret,
    first_login,
    login_as,
    post_form,
    totp_now,
)
from tests.support.factories import add_digest, approved
from tests.support.helpers import send_and_get_codename, token_in

COOKIE = "testimony"
CSRF_REFUSED = "The form had expired or was sent from somewhere else"
TEXT = "The rota in the Leeds office has had gaps every day this month and nobody covers nights."
# One form for every desk POST: each field some view reads, filled so that with a valid token the
# post would change something. Hidden-field escalation attempts ride along on every post.
FORM: dict[str, Any] = {
    "version": "0",
    "note": "attack note",
    "question": "attack question",
    "reason": "other",
    "draft": "attack draft",
    "theme": "workload",
    "themes_sent": "1",
    "span": "0",
    "strike_text": "rota",
    "strike_label": "ORG",
    "name": "intruder",
    "role": "admin",
    "term": "attack term",
    "title": "Attack digest",
    "intro": "attack intro",
    "when": "2099-01-01T08:00",
    "password": NEW_PASSWORD,
    "old": NEW_PASSWORD,
    "new": "another long password here",
    "again": "another long password here",
    "code": "123456",
    "active": "1",
    "moderator_id": "1",
}


# ---- helpers ---------------------------------------------------------------------------------


def token(client: FlaskClient, path: str = "/desk/") -> str:
    return token_in(client.get(path).get_data(as_text=True))


def snapshot(app: Flask) -> dict[str, list[tuple[str, ...]]]:
    """Every row of every table, audit log included. A session's last_seen_at is left out: any
    guarded request may touch it, refused or not, and it holds nothing an attacker wants."""
    tables: dict[str, list[tuple[str, ...]]] = {}
    with app.app_context():
        for table in db.metadata.sorted_tables:
            columns = [c for c in table.columns if c.name != "last_seen_at"]
            rows = db.session.execute(select(*columns)).all()
            tables[table.name] = sorted(tuple(repr(v) for v in row) for row in rows)
        db.session.remove()
    return tables


def changed_tables(
    before: dict[str, list[tuple[str, ...]]], after: dict[str, list[tuple[str, ...]]]
) -> list[str]:
    return [name for name in before if before[name] != after[name]]


def cookie(client: FlaskClient) -> str:
    found = client.get_cookie(COOKIE)
    assert found is not None, "no session cookie"
    return found.value


def with_cookie(app: Flask, value: str) -> FlaskClient:
    client = app.test_client()
    client.set_cookie(COOKIE, value)
    return client


def moderator(app: Flask, name: str) -> Moderator:
    with app.app_context():
        user = db.session.scalar(select(Moderator).where(Moderator.name == name))
        assert user is not None
        db.session.expunge(user)
        return user


def item_row(app: Flask, public_id: str) -> Submission:
    with app.app_context():
        row = db.session.scalar(select(Submission).where(Submission.public_id == public_id))
        assert row is not None
        db.session.expunge(row)
        return row


@dataclass(frozen=True)
class World:
    """An admin and a moderator logged in, one item both can read, digests in every state."""

    admin: FlaskClient
    mod: FlaskClient
    admin_token_before_login: str
    mod_id: int
    item: str
    draft: int
    draft_contribution: str
    other_draft: int
    loose: str
    published: int
    published_slug: str
    published_contribution: str

    def values(self, rule: Rule) -> dict[str, Any]:
        """Real ids for a rule's arguments: the item, the draft digest, the moderator's account."""
        known = {"public_id": self.item, "digest_id": self.draft, "user_id": self.mod_id}
        return {name: known[name] for name in rule.arguments if name in known}


@pytest.fixture
def world(app: Flask) -> World:
    admin, mod = app.test_client(), app.test_client()
    before_login = token(admin, "/desk/login")
    login_as(app, admin, "admin", "boss")
    login_as(app, mod, "moderator", "mo")
    send_and_get_codename(app.test_client(), TEXT)  # after both accounts: both can read it
    with app.app_context():
        item = db.session.scalar(select(Submission.public_id))
        in_draft, in_other = approved("Words in the draft."), approved("Words in the other draft.")
        loose, public = approved("Words in no digest yet."), approved("Words already published.")
        draft, other = add_digest("Draft digest", [in_draft]), add_digest("Other draft", [in_other])
        published = add_digest("Published digest", [public], themes=("workload",))
        publishing.publish(published, utcnow() - dt.timedelta(minutes=1))
        db.session.commit()
        return World(
            admin=admin,
            mod=mod,
            admin_token_before_login=before_login,
            mod_id=moderator(app, "mo").id,
            item=str(item),
            draft=draft.id,
            draft_contribution=in_draft.public_id,
            other_draft=other.id,
            loose=loose.public_id,
            published=published.id,
            published_slug=published.slug,
            published_contribution=public.public_id,
        )


def desk_posts(app: Flask, world: World) -> list[tuple[str, str]]:
    """(endpoint, path) for every POST rule of every desk blueprint, each review action apart."""
    posts = []
    with app.test_request_context():
        for rule in app.url_map.iter_rules():
            if not rule.endpoint.startswith("desk") or "POST" not in (rule.methods or set()):
                continue
            for action in review.ACTIONS if "action" in rule.arguments else [None]:
                extra = {"action": action} if action else {}
                posts.append((rule.endpoint, url_for(rule.endpoint, **world.values(rule), **extra)))
    return posts


def roles_of(app: Flask, endpoint: str) -> tuple[Role, ...]:
    return tuple(getattr(app.view_functions[endpoint], "required_roles", ()))


def tampered(value: str) -> str:
    # The first character is a whole base64 digit of the signed payload (a last one may carry
    # unused bits that decoding ignores, which would leave the token valid).
    return ("A" if value[0] != "A" else "B") + value[1:]


# ---- CSRF ------------------------------------------------------------------------------------


def test_every_desk_post_refuses_missing_foreign_tampered_and_stale_tokens(app: Flask, world: World) -> None:
    own, foreign = token(world.admin), token(world.mod)
    variants = {
        "missing": None,
        "another session's": foreign,
        "tampered": tampered(own),
        "this browser's, from before login": world.admin_token_before_login,
    }
    posts = desk_posts(app, world)
    assert len(posts) >= 25, posts
    before = snapshot(app)
    for endpoint, path in posts:
        for label, sent in variants.items():
            data = FORM | ({"csrf_token": sent} if sent else {})
            response = world.admin.post(path, data=data)
            refused = response.status_code == 400 and CSRF_REFUSED in response.get_data(as_text=True)
            assert refused, (endpoint, path, label, response.status_code)
        assert changed_tables(before, snapshot(app)) == [], (endpoint, path)
    # The control: the same browser, with its own token, is still logged in and can post.
    assert world.admin.get("/desk/").status_code == 200
    control = world.admin.post("/desk/admin/keep-list", data={"csrf_token": own, "term": "control"})
    assert control.status_code == 302
    assert sorted(changed_tables(before, snapshot(app))) == ["audit_chain_head", "audit_events", "keep_terms"]


# ---- session fixation ------------------------------------------------------------------------


def test_cookies_from_before_and_during_login_are_dead_after_it(app: Flask) -> None:
    one_time = create_account(app, "vera", "moderator")
    victim = app.test_client()
    victim.get("/desk/login")
    planted = cookie(victim)  # what an attacker could have handed the victim's browser
    assert post_form(victim, "/desk/login", name="vera", password=one_time)[0] == 302
    half = cookie(victim)
    code, _ = post_form(victim, "/desk/first-password", old=one_time, new=NEW_PASSWORD, again=NEW_PASSWORD)
    assert code == 302
    keyed = cookie(victim)
    secret = enrolment_secret(victim.get("/desk/enrol").get_data(as_text=True))
    assert post_form(victim, "/desk/enrol", code=pyotp.TOTP(secret).now())[0] == 200
    full = cookie(victim)
    assert len({planted, half, keyed, full}) == 4
    assert victim.get("/desk/password").status_code == 200  # the victim is in
    for old in (planted, half, keyed):
        attacker = with_cookie(app, old)
        for path in (
            "/desk/",
            "/desk/password",
            "/desk/first-password",
            "/desk/second-factor",
            "/desk/enrol",
        ):
            response = attacker.get(path)
            assert response.status_code == 302 and "/desk/login" in response.headers["Location"], path


def test_a_cookie_planted_from_the_attackers_own_half_login_is_replaced(app: Flask) -> None:
    """The attacker passes the password step of their own account and plants that cookie: the
    victim's login must start a new session, not finish the attacker's."""
    attacker_pw = create_account(app, "mallory", "moderator")
    victim_pw = create_account(app, "wendy", "moderator")
    attacker = app.test_client()
    assert post_form(attacker, "/desk/login", name="mallory", password=attacker_pw)[0] == 302
    victim = with_cookie(app, cookie(attacker))
    secret = first_login(victim, "wendy", victim_pw)
    assert post_form(victim, "/desk/enrol", code=pyotp.TOTP(secret).now())[0] == 200
    # The attacker's cookie is still only their own half-login: no desk, and not wendy.
    for path in ("/desk/", "/desk/password"):
        response = attacker.get(path)
        assert response.status_code == 302 and "/desk/login" in response.headers["Location"], path
    for path in ("/desk/enrol", "/desk/first-password"):
        assert "wendy" not in attacker.get(path, follow_redirects=True).get_data(as_text=True)


# ---- second factor ---------------------------------------------------------------------------


def test_totp_code_used_in_one_session_is_refused_in_another(app: Flask) -> None:
    name = login_as(app, app.test_client(), "moderator", "rio")
    first, second = app.test_client(), app.test_client()
    for client in (first, second):
        assert post_form(client, "/desk/login", name=name, password=NEW_PASSWORD)[0] == 302
    code = totp_now(app, name, 1)
    assert post_form(first, "/desk/second-factor", code=code)[0] == 302
    status, page = post_form(second, "/desk/second-factor", code=code)
    assert status == 401 and "each can be used once" in page
    assert second.get("/desk/").status_code == 302
    assert first.get("/desk/").status_code == 200


def _commit_elsewhere(app: Flask, statement: Any) -> None:
    """Another request's transaction: its own connection, committed at once."""
    engine = create_engine(app.config["SQLALCHEMY_DATABASE_URI"])
    with engine.begin() as conn:
        conn.execute(statement)
    engine.dispose()


def test_two_logins_racing_with_one_code_cannot_both_pass(app: Flask) -> None:
    """The second request loaded the account before the first committed its use of the code."""
    with app.app_context():
        user, one_time = accounts.create_moderator("race", "moderator")
        accounts.set_first_password(user, one_time, NEW_PASSWORD)
        secret = accounts.start_enrolment(user)
        db.session.commit()
        user_id, now = user.id, 1_800_000_000.0
        code = pyotp.TOTP(secret).at(now)
        stale = db.session.get(Moderator, user_id)
        assert stale is not None and stale.totp_last_step == 0
        step = int(now // second_factor.STEP_SECONDS)
        _commit_elsewhere(app, update(Moderator).where(Moderator.id == user_id).values(totp_last_step=step))
        assert not second_factor.verify_totp(stale, code, now=now)


def test_two_logins_racing_with_one_recovery_code_cannot_both_pass(
    app: Flask, monkeypatch: pytest.MonkeyPatch
) -> None:
    with app.app_context():
        user, _ = accounts.create_moderator("race2", "moderator")
        codes = second_factor.new_recovery_codes(user)
        db.session.commit()
        real = second_factor._hasher()

        class OtherRequestWinsFirst:
            """Verifies like the real hasher, after another request has used the same code."""

            def verify(self, code_hash: str, code: str) -> bool:
                _commit_elsewhere(
                    app,
                    update(RecoveryCode).where(RecoveryCode.code_hash == code_hash).values(used_at=utcnow()),
                )
                return bool(real.verify(code_hash, code))

        monkeypatch.setattr(second_factor, "_hasher", OtherRequestWinsFirst)
        assert not second_factor.use_recovery_code(user, codes[0])


# ---- throttling ------------------------------------------------------------------------------

LOOK_ALIKES = [
    "tess",
    " tess",
    "tess ",
    "\ttess\n",
    "Tess",
    "TESS",
    "tess\u200b",
    "\uff54\uff45\uff53\uff53",
    "tess\u00a0",
]


def from_address(app: Flask, address: str) -> FlaskClient:
    client = app.test_client()
    client.environ_base.update({"REMOTE_ADDR": address, "HTTP_X_FORWARDED_FOR": address})
    return client


def test_the_brake_survives_new_spellings_sessions_and_addresses(
    app: Flask, monkeypatch: pytest.MonkeyPatch
) -> None:
    """After many failures for a name, from anywhere, the password alone opens nothing, whatever
    the spelling, session or address (moderation/throttle.py; password and code together still do,
    tests/desk/test_desk_login_throttle.py)."""
    monkeypatch.setattr(throttle, "ACCOUNT", throttle.Limit(5, dt.timedelta(hours=1)))
    login_as(app, app.test_client(), "moderator", "tess")
    for n in range(5):  # five failures, each from a new browser at a new address
        status, _ = post_form(
            from_address(app, f"203.0.113.{n}"), "/desk/login", name="tess", password="wrong"
        )
        assert status == 401
    for n, name in enumerate(LOOK_ALIKES):
        client = from_address(app, f"198.51.100.{n}")
        status, _ = post_form(client, "/desk/login", name=name, password=NEW_PASSWORD)
        assert status in (401, 429), repr(name)  # the right password, never a way in
        assert client.get("/desk/second-factor").status_code == 302, repr(name)
    status, page = post_form(
        from_address(app, "192.0.2.1"), "/desk/login", name="tess", password=NEW_PASSWORD
    )
    assert status == 401 and "password and the six-digit code" in page


def test_second_factor_guessing_across_sessions_locks_the_account(app: Flask) -> None:
    name = login_as(app, app.test_client(), "moderator", "guessed")
    for n in range(5):  # someone with the password guesses codes, a new session each time
        client = from_address(app, f"203.0.113.{n}")
        assert post_form(client, "/desk/login", name=name, password=NEW_PASSWORD)[0] == 302
        assert post_form(client, "/desk/second-factor", code="000000")[0] == 401
    client = from_address(app, "192.0.2.9")
    assert post_form(client, "/desk/login", name=name, password=NEW_PASSWORD)[0] == 302
    status, page = post_form(client, "/desk/second-factor", code=totp_now(app, name, 1))  # even a right one
    assert status == 429 and "too many wrong codes" in page
    assert client.get("/desk/").status_code == 302


# ---- role escalation -------------------------------------------------------------------------


@pytest.mark.parametrize("role", [Role.MODERATOR, Role.EDITOR])
def test_other_roles_posts_are_refused_with_valid_tokens_and_real_ids(
    app: Flask, world: World, role: Role
) -> None:
    client = app.test_client()
    login_as(app, client, role.value, f"who-{role.value}")
    valid = token(client, "/desk/password")
    forbidden = [
        (e, p) for e, p in desk_posts(app, world) if roles_of(app, e) and role not in roles_of(app, e)
    ]
    assert len(forbidden) >= 8, forbidden
    before = snapshot(app)
    for endpoint, path in forbidden:
        response = client.post(path, data=FORM | {"csrf_token": valid})
        assert response.status_code == 403, (endpoint, path, response.status_code)
    assert changed_tables(before, snapshot(app)) == []


def test_hidden_fields_do_not_change_a_role(app: Flask, world: World) -> None:
    valid = token(world.mod, "/desk/password")
    fields = {"role": "admin", "active": "1", "must_change_password": "0", "id": "1", "moderator_id": "1"}
    response = world.mod.post(
        "/desk/password",
        data={"csrf_token": valid, "old": NEW_PASSWORD, "new": "a different long password", **fields}
        | {"again": "a different long password"},
    )
    assert response.status_code == 302
    valid = token(world.mod, "/desk/password")  # a password change rotates the session
    page = world.mod.get(f"/desk/item/{world.item}").get_data(as_text=True)
    version = re.search(r'name="version" value="(\d+)"', page)
    assert version
    note = world.mod.post(
        f"/desk/item/{world.item}/note",
        data={"csrf_token": valid, "version": version.group(1), "note": "plain note", "by": "boss", **fields},
    )
    assert note.status_code == 302
    assert moderator(app, "mo").role == Role.MODERATOR
    assert world.mod.get("/desk/admin/accounts").status_code == 403
    # Only an admin releases a claim; the moderator's own claim included.
    release = world.mod.post(
        f"/desk/item/{world.item}/release",
        data={"csrf_token": valid, "version": str(item_row(app, world.item).version)},
    )
    assert release.status_code == 403
    assert item_row(app, world.item).claimed_by_id == world.mod_id


def test_account_forms_cannot_mint_or_rename_an_admin(app: Flask, world: World) -> None:
    valid = token(world.admin)
    for name, role in [("boss", "moderator"), ("mo", "admin"), ("new-one", "superuser"), ("x", "Admin")]:
        world.admin.post("/desk/admin/accounts", data={"csrf_token": valid, "name": name, "role": role})
    with app.app_context():
        roles = {m.name: m.role for m in db.session.scalars(select(Moderator))}
    assert roles == {"boss": Role.ADMIN, "mo": Role.MODERATOR}


# ---- IDOR ------------------------------------------------------------------------------------


def _act(client: FlaskClient, public_id: str, action: str, version: int, **fields: str) -> Any:
    data = FORM | {"csrf_token": token(client), "version": str(version), **fields}
    return client.post(f"/desk/item/{public_id}/{action}", data=data)


def test_moderator_without_a_grant_can_neither_claim_nor_act(app: Flask, world: World) -> None:
    late = app.test_client()
    login_as(app, late, "moderator", "late")  # after the item arrived: no key for it
    before = snapshot(app)
    response = late.get(f"/desk/item/{world.item}")
    assert response.status_code == 403 and "cannot open" in response.get_data(as_text=True)
    assert changed_tables(before, snapshot(app)) == []  # not even a claim
    version = item_row(app, world.item).version
    for action in review.ACTIONS:
        if action == "release":
            continue  # admins only, tested above
        response = _act(late, world.item, action, version)
        assert response.status_code == 403, (action, response.status_code)
    assert changed_tables(before, snapshot(app)) == []
    assert item_row(app, world.item).status == Status.RECEIVED


def test_every_write_on_an_item_held_by_another_is_refused(app: Flask, world: World) -> None:
    # The admin's first action claims it (opening it does not).
    claimed = _act(world.admin, world.item, "note", item_row(app, world.item).version, note="mine")
    assert claimed.status_code == 302
    assert item_row(app, world.item).claimed_by_id is not None
    before = snapshot(app)
    version = item_row(app, world.item).version
    for action in review.ACTIONS:
        if action == "release":
            continue
        response = _act(world.mod, world.item, action, version)
        assert response.status_code == 409 and "not saved" in response.get_data(as_text=True), action
    assert changed_tables(before, snapshot(app)) == []


def test_ids_that_do_not_exist_change_nothing(app: Flask, world: World) -> None:
    missing = {"public_id": "0000nothere", "digest_id": 999999, "user_id": 999999}
    valid = token(world.admin)
    posts = []
    with app.test_request_context():
        for rule in app.url_map.iter_rules():
            if rule.endpoint.startswith("desk") and "POST" in (rule.methods or set()) and rule.arguments:
                args = {k: missing[k] for k in rule.arguments if k in missing}
                for action in review.ACTIONS if "action" in rule.arguments else [None]:
                    posts.append(url_for(rule.endpoint, **args, **({"action": action} if action else {})))
    assert len(posts) >= 17, posts  # 8 review actions, 2 account actions, 7 digest actions
    before = snapshot(app)
    for path in posts:
        assert world.admin.post(path, data=FORM | {"csrf_token": valid}).status_code == 404, path
    assert (
        world.admin.post(
            f"/desk/item/{world.item}/delete-everything", data=FORM | {"csrf_token": valid}
        ).status_code
        == 404
    )
    remove = world.admin.post("/desk/admin/keep-list", data={"csrf_token": valid, "remove": "999999"})
    assert remove.status_code == 302
    assert changed_tables(before, snapshot(app)) == []


def test_contributions_of_another_digest_cannot_be_moved_taken_or_removed(app: Flask, world: World) -> None:
    valid = token(world.admin)
    other, foreign = f"/desk/digests/{world.other_draft}", world.draft_contribution
    before = snapshot(app)
    for form in (
        {"remove": foreign},
        {"up": foreign},
        {"down": foreign},
        {f"position-{foreign}": "1"},
    ):
        world.admin.post(f"{other}/order", data={"csrf_token": valid, **form})
    for public_id in (foreign, world.published_contribution):
        world.admin.post(f"{other}/add", data={"csrf_token": valid, "contribution": public_id})
        world.admin.post("/desk/digests/single", data={"csrf_token": valid, "single": public_id})
    after = snapshot(app)
    # Reordering the other digest's own list may touch its updated_at and audit; nothing else.
    assert set(changed_tables(before, after)) <= {"digests", "audit_events", "audit_chain_head"}
    assert before["contributions"] == after["contributions"]
    assert before["digest_themes"] == after["digest_themes"]


def test_a_published_digest_cannot_be_changed_from_the_desk(app: Flask, world: World) -> None:
    valid = token(world.admin)
    base = f"/desk/digests/{world.published}"
    before = snapshot(app)
    for action, form in [
        ("details", {"title": "Rewritten"}),
        ("add", {"contribution": world.loose}),
        ("schedule", {"when": "2099-01-01T08:00"}),
        ("unschedule", {}),
        ("publish", {}),
        ("order", {"remove": world.published_contribution}),
        ("delete", {}),
    ]:
        response = world.admin.post(f"{base}/{action}", data={"csrf_token": valid, **form})
        assert response.status_code == 400, (action, response.status_code)
    assert changed_tables(before, snapshot(app)) == []


# ---- open redirects --------------------------------------------------------------------------

HOSTILE_NEXT = [
    "//evil.example",
    "/\\evil.example",
    "\\\\evil.example",
    "%2F%2Fevil.example",
    "%252F%252Fevil.example",
    "/%2F/evil.example",
    "/%5Cevil.example",
    "https:evil.example",
    "https://evil.example/desk/",
    "javascript:alert(1)",
    "data:text/html,hi",
    "/desk/..//evil.example",
    "/desk/%2F%2Fevil.example",
    "/desk/%5C%5Cevil.example",
    "/desk/%0D%0ALocation:%20https://evil.example",
    "/desk/%09//evil.example",
    "%09//evil.example",
    " //evil.example",
    "/desk@evil.example",
    "/desk/\u3002evil.example",
]


def _login_with_next(app: Flask, client: FlaskClient, name: str, raw_next: str) -> str:
    with app.app_context():  # a fresh code each time: let this account's last step start again
        db.session.execute(update(Moderator).where(Moderator.name == name).values(totp_last_step=0))
        db.session.commit()
    response = client.post(
        f"/desk/login?next={raw_next}",
        data={"csrf_token": token(client, "/desk/login"), "name": name, "password": NEW_PASSWORD},
    )
    assert response.status_code == 302
    done = client.post(
        "/desk/second-factor",
        data={"csrf_token": token(client, "/desk/second-factor"), "code": totp_now(app, name)},
    )
    assert done.status_code == 302, raw_next
    return done.headers["Location"]


@pytest.mark.parametrize("raw_next", HOSTILE_NEXT)
def test_next_never_leaves_the_desk(app: Flask, raw_next: str) -> None:
    name = login_as(app, app.test_client(), "moderator", "abe")
    # Percent-escapes in the list are sent as written (decoded once by the server); any other
    # character that cannot stand in a query string is escaped here.
    location = _login_with_next(app, app.test_client(), name, quote(raw_next, safe="%/:@"))
    parts = urlsplit(location)
    assert not parts.scheme and not parts.netloc, location
    assert location.startswith("/desk/") and not location.startswith("//"), location
    assert "\\" not in location and "\r" not in location and "\n" not in location, location


# ---- headers on every route ------------------------------------------------------------------

PRIVATE = ("desk", "submit", "status")
CACHEABLE = ("public", "api")


def route_values(world: World, endpoint: str, argument: str, published_on: dt.date) -> Any:
    if argument == "public_id":
        return world.item if endpoint.startswith("desk") else world.published_contribution
    if argument == "slug":
        return world.published_slug if endpoint.endswith(("digest", "manifest")) else "workload"
    return {
        "digest_id": world.draft,
        "user_id": world.mod_id,
        "year": published_on.year,
        "month": published_on.month,
        "filename": "style.css",
        "_rest": "nothing-here",
        "action": "note",
        "decision": "approve",
        "fmt": "bib",  # a citation's file
    }[argument]


def every_route(app: Flask, world: World) -> Iterator[tuple[str, str, str]]:
    published_on = utcnow().date()
    with app.test_request_context():
        for rule in app.url_map.iter_rules():
            values = {a: route_values(world, rule.endpoint, a, published_on) for a in rule.arguments}
            path = url_for(rule.endpoint, **values)
            for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}):
                yield rule.endpoint, method, path


def check_headers(endpoint: str, response: Any) -> None:
    headers = response.headers
    csp = headers.get("Content-Security-Policy", "")
    assert "default-src 'none'" in csp and "frame-ancestors 'none'" in csp, endpoint
    assert headers.get("Referrer-Policy") == "no-referrer", endpoint
    assert headers.get("X-Content-Type-Options") == "nosniff", endpoint
    cache = headers.get("Cache-Control", "")
    blueprint = endpoint.split(".")[0]
    if blueprint.startswith(PRIVATE):
        assert "no-store" in cache, (endpoint, cache)
    elif blueprint in CACHEABLE and response.request.method == "GET" and response.status_code == 200:
        assert "no-store" not in cache, (endpoint, cache)


def test_every_route_sends_the_security_headers(app: Flask, world: World) -> None:
    routes = list(every_route(app, world))
    assert len({endpoint for endpoint, _, _ in routes}) >= 45, routes
    valid = token(world.admin)
    for endpoint, method, path in routes:
        if method == "GET":
            response = world.admin.get(path)
            expected_ok = endpoint != "api.fallback"
            assert (response.status_code < 400) == expected_ok, (endpoint, path, response.status_code)
        else:  # without a token (refused), and with one where that is harmless
            response = world.admin.open(path, method=method)
            check_headers(endpoint, response)
            response = world.admin.open(path, method=method, data={"csrf_token": valid})
        check_headers(endpoint, response)


def test_a_status_page_showing_messages_is_never_cached(app: Flask, world: World) -> None:
    codename = send_and_get_codename(app.test_client(), "Another account of the rota, with more gaps.")
    client = app.test_client()
    response = client.post("/status", data={"csrf_token": token(client, "/status"), "codename": codename})
    assert response.status_code == 200 and "Received" in response.get_data(as_text=True)
    check_headers("status.post", response)
