"""Web workers are stateless: two gunicorn instances on different loopback ports, sharing one
PostgreSQL database (a throwaway one) and one Redis (db 13, flushed), behave as one site.

- a desk login made on one instance works on the other, with the same cookie;
- a submission sent through one is found by its codename on the other;
- rate limits are counted across both (the daily secret and the counters live in Redis).

Skipped, with the reason, when PostgreSQL or Redis does not answer.
"""

from __future__ import annotations

import os
import re
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass

import pyotp
import pytest
import redis
import requests

from tests.support.helpers import tokens_in
from tests.support.servers import (
    BIN,
    CHEAP_ARGON2_ENV,
    ROOT,
    enrolment_secret,
    flask_init,
    free_port,
    postgres_or_skip,
    redis_or_skip,
    throwaway_database,
    wait_until_answering,
)

REDIS_URL = os.environ.get("TEST_TWO_INSTANCES_REDIS_URL", "redis://127.0.0.1:6379/13")
PER_ADDRESS = 3
NEW_PASSWORD = "correct horse battery staple"


@dataclass(frozen=True)
class Site:
    a: str
    b: str
    admin: str
    one_time_password: str
    redis: redis.Redis


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    postgres_or_skip()
    client = redis_or_skip(REDIS_URL)
    client.flushdb()
    tmp = tmp_path_factory.mktemp("two-instances")
    with throwaway_database(prefix="testimony_two") as url:
        env = {
            **os.environ,
            **CHEAP_ARGON2_ENV,
            "DATABASE_URL": url,
            "REDIS_URL": REDIS_URL,
            # One instance folder: both instances are the same site, with the same keys.
            "TESTIMONY_INSTANCE_PATH": str(tmp / "instance"),
            "TESTIMONY_WORKERS": "1",
            "TESTIMONY_THREADS": "2",
            # Only A ever redacts (one send); it loads the model on that send rather than both masters at start.
            "TESTIMONY_WARM_MODEL": "0",
            "FLASK_RATELIMIT_PER_ADDRESS": f"{PER_ADDRESS} per hour",
        }
        procs: list[subprocess.Popen[bytes]] = []
        try:
            password = flask_init(env)
            bases = []
            for label in ("a", "b"):
                port = free_port()
                log = tmp / f"{label}.log"
                procs.append(
                    subprocess.Popen(
                        [str(BIN / "gunicorn"), "-c", "gunicorn.conf.py", "wsgi:app"],
                        cwd=ROOT,
                        env={
                            **env,
                            "TESTIMONY_BIND": f"127.0.0.1:{port}",
                            "TESTIMONY_ACCESS_LOG": str(log),
                            "TESTIMONY_ERROR_LOG": str(log),
                        },
                    )
                )
                bases.append(f"http://127.0.0.1:{port}")
            deadline = time.monotonic() + 45
            for base, proc in zip(bases, procs, strict=True):
                wait_until_answering(base, proc, deadline)
            yield Site(bases[0], bases[1], "admin", password, client)
        finally:
            for proc in procs:
                proc.terminate()
            for proc in procs:
                proc.wait(timeout=30)
            client.flushdb()


def _post(
    session: requests.Session, form_base: str, post_base: str, path: str, form: str = "", **fields: str
) -> requests.Response:
    """Fetch the form (and its CSRF token) from one instance, post it to another."""
    tokens = tokens_in(session.get(form_base + (form or path), timeout=10).text)  # CSRF (and send) token
    return session.post(post_base + path, data={**tokens, **fields}, allow_redirects=False, timeout=30)


def _forget_rate_limits(site: Site) -> None:
    for key in site.redis.scan_iter("*testimony-rl*"):
        site.redis.delete(key)


def test_desk_login_on_one_instance_works_on_the_other(site: Site) -> None:
    s = requests.Session()
    response = _post(s, site.a, site.a, "/desk/login", name=site.admin, password=site.one_time_password)
    assert response.status_code == 302
    # Each step of the first login on the other instance than the step before, with the cookie
    # the other set: the holder's own password on B, enrolment on A (secret read on B).
    response = _post(
        s,
        site.b,
        site.b,
        "/desk/first-password",
        old=site.one_time_password,
        new=NEW_PASSWORD,
        again=NEW_PASSWORD,
    )
    assert response.status_code == 302
    totp = pyotp.TOTP(enrolment_secret(s.get(site.b + "/desk/enrol", timeout=10).text))
    response = _post(s, site.a, site.a, "/desk/enrol", code=totp.now())
    assert response.status_code == 200 and "recovery codes" in response.text
    cookie = "; ".join(f"{c.name}={c.value}" for c in s.cookies)
    for base in (site.b, site.a):
        page = requests.get(base + "/desk/", headers={"Cookie": cookie}, allow_redirects=False, timeout=10)
        assert page.status_code == 200 and "<h1>Queue</h1>" in page.text, base
    # Logged out on B: the session is gone for A too.
    assert _post(s, site.b, site.b, "/desk/logout", form="/desk/").status_code == 302
    page = requests.get(site.a + "/desk/", headers={"Cookie": cookie}, allow_redirects=False, timeout=10)
    assert page.status_code == 302 and "/desk/login" in page.headers["Location"]


def test_submission_sent_through_one_is_found_by_codename_on_the_other(site: Site) -> None:
    _forget_rate_limits(site)
    s = requests.Session()
    sent = _post(
        s,
        site.a,
        site.a,
        "/submit",
        body="The rota in our office has had gaps every day this month.",
        send="1",
    )
    assert sent.status_code == 200, sent.text[:500]
    match = re.search(r'<p class="codename"[^>]*><code>([a-z ]+)</code>', sent.text)
    assert match, "no codename on the sent page"
    status = _post(requests.Session(), site.b, site.b, "/status", codename=match.group(1))
    assert status.status_code == 200
    assert "Received. A moderator has not read it yet." in status.text


def test_rate_limits_are_counted_across_both_instances(site: Site) -> None:
    _forget_rate_limits(site)
    s = requests.Session()
    # Posts without a button are refused by the view (400) but still count against the limit.
    codes = [_post(s, site.a, base, "/submit", body="x").status_code for base in (site.a, site.b, site.a)]
    assert 429 not in codes and len(codes) == PER_ADDRESS
    assert _post(s, site.a, site.b, "/submit", body="x").status_code == 429
    assert _post(s, site.a, site.a, "/submit", body="x").status_code == 429
