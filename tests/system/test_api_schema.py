"""Schemathesis against the JSON API's own OpenAPI document, in-process over WSGI.

Every operation is exercised with schema-valid requests (positive), with schema-violating ones
(negative, where the schema leaves room for any), and with the ids of real published items, on
a database holding published digests, a reply and a withdrawn contribution. Whatever comes in:
no 5xx, every status documented, JSON where JSON is promised, bodies matching the schemas, and
the API sets no cookie and keeps the site's security headers.

(Schemathesis's pytest plugin does not yet run under pytest 9, so the operations' hypothesis
strategies are driven directly.)
"""

from __future__ import annotations

import contextlib
import datetime as dt
from collections import Counter
from typing import Any

import pytest
import schemathesis
from flask import Flask
from hypothesis import HealthCheck, given, settings
from hypothesis import errors as hypothesis_errors
from schemathesis import checks

from testimony import publishing, submissions
from testimony.db import db
from testimony.models import Contribution, Submission
from testimony.models import utcnow as now
from tests.support.factories import add_contribution, add_digest

# Fail on any of these. (positive_data_acceptance is not among them: the schema types `theme`
# and `cursor` as any string, and the API rightly answers an unknown theme or a forged cursor
# with a documented 400.)
CHECKS = [
    checks.not_a_server_error,
    checks.status_code_conformance,
    checks.content_type_conformance,
    checks.response_schema_conformance,
    checks.response_headers_conformance,
]
EXAMPLES = {schemathesis.GenerationMode.POSITIVE: 30, schemathesis.GenerationMode.NEGATIVE: 20}
WITH_REAL_IDS = 8


def _seed(app: Flask) -> dict[str, list[str]]:
    """Published digests (one with a reply, one with a withdrawn contribution) and a draft."""
    with app.app_context():
        first = [
            add_contribution("The caseload tool counts a risk assessment as two hours.", ["workload"]),
            add_contribution("Three empty desks carry forty cases between them on paper.", ["management"]),
        ]
        digest_a = add_digest("Numbers nobody believes", first, intro="*Read* [more](https://example.org)")
        publishing.publish(digest_a, now() - dt.timedelta(hours=2))
        reply = add_contribution(
            "Same here: our office counts vacancies as capacity.", ["workload"], in_reply_to=first[1]
        )
        gone = add_contribution("This one will be withdrawn by its author.", ["pay-retention"])
        digest_b = add_digest("Replies and more", [reply, gone], themes=["workload"])
        publishing.publish(digest_b, now() - dt.timedelta(hours=1))
        add_digest("A draft nobody may see", [add_contribution("Unpublished words.", ["workload"])])
        db.session.flush()
        # Withdraw through the real path: a submission tombstone owns the contribution.
        owner = Submission(lookup_id="0" * 64, submitter_public_key=b"\x00" * 32, status="published")
        db.session.add(owner)
        db.session.flush()
        gone.submission_id = owner.id
        submissions.withdraw(owner)
        db.session.commit()
        ids = {
            "digests": [digest_a.slug, digest_b.slug, "a-draft-nobody-may-see"],
            "contributions": [
                c.public_id for c in db.session.scalars(db.select(Contribution).order_by(Contribution.id))
            ],
        }
    return ids


def _own_checks(response: Any) -> None:
    raw = response.headers
    # Flask's response headers, or schemathesis's (lower-case names, lists of values).
    headers = {k.lower(): (v[-1] if isinstance(v, list) else v) for k, v in raw.items()}
    assert "set-cookie" not in headers, "the API must not set cookies"
    assert headers.get("x-content-type-options") == "nosniff"
    assert headers.get("referrer-policy") == "no-referrer"
    assert "default-src 'none'" in headers.get("content-security-policy", "")
    if response.status_code != 304:
        # JSON, but for the research dataset's two files (schemathesis's content_type_conformance
        # holds each operation to the media type its document names).
        assert headers.get("content-type", "").startswith(
            ("application/json", "application/x-ndjson", "text/csv")
        )


def _documented_statuses(schema: Any, label: str) -> set[str]:
    method, path = label.split(" ", 1)
    return set(schema.raw_schema["paths"][path][method.lower()]["responses"])


def test_api_holds_against_its_openapi_document(app: Flask) -> None:
    ids = _seed(app)
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)
    operations = [result.ok() for result in schema.get_all_operations()]
    assert {op.label for op in operations} >= {
        "GET /digests",
        "GET /digests/{id}",
        "GET /contributions",
        "GET /contributions/{id}",
        "GET /themes",
    }
    statuses: Counter[tuple[str, int]] = Counter()
    undocumented_304: set[str] = set()

    def exercise(op: Any, strategy: Any, examples: int) -> None:
        # Known documentation gap (reported): some operations answer a matching If-None-Match
        # with 304 but do not list 304. Tolerated here only for those operations; anything else
        # undocumented fails.
        tolerate_304 = "304" not in _documented_statuses(schema, op.label)

        @settings(
            max_examples=examples,
            deadline=None,
            database=None,
            suppress_health_check=list(HealthCheck),
        )
        @given(case=strategy)
        def run(case: Any) -> None:
            response = case.call()
            statuses[(op.label, response.status_code)] += 1
            assert response.status_code < 500, (case.path, case.query, response.status_code)
            _own_checks(response)
            if response.status_code == 304 and tolerate_304:
                undocumented_304.add(op.label)
                return
            case.validate_response(response, checks=CHECKS)

        # No negative case exists for an operation whose only inputs are free strings.
        with contextlib.suppress(hypothesis_errors.Unsatisfiable):
            run()

    for op in operations:
        for mode, examples in EXAMPLES.items():
            exercise(op, op.as_strategy(generation_mode=mode), examples)
        kind = op.path.split("/")[1]
        if "{id}" in op.path:
            for real in ids[kind]:
                exercise(op, op.as_strategy(path_parameters={"id": real}), WITH_REAL_IDS)

    total = sum(statuses.values())
    print(f"\nschemathesis: {total} cases; statuses {sorted(statuses.items())}")
    if undocumented_304:
        print(f"documentation gap: 304 not documented on {sorted(undocumented_304)}")
    # The real ids were reached: published items answer 200, the withdrawn one 410, the draft 404.
    assert statuses[("GET /digests/{id}", 200)] > 0
    assert statuses[("GET /contributions/{id}", 200)] > 0
    assert statuses[("GET /contributions/{id}", 410)] > 0
    assert statuses[("GET /digests", 200)] > 0 and statuses[("GET /contributions", 200)] > 0
    assert total >= 200


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/digests/%00",
        "/api/v1/contributions/%00%ff",
        "/api/v1/digests/" + "a" * 5000,
        "/api/v1/contributions?cursor=" + "A" * 5000,
        "/api/v1/contributions?q=" + "%22" * 300,
        "/api/v1/contributions?q=%00&theme=%00",
        "/api/v1/digests?limit=99999999999999999999999",
        "/api/v1/digests?limit=-0",
        "/api/v1/digests?cursor=WyIyMDI2LTAxLTAxVDAwOjAwOjAwIiwxXQ&cursor=x",
        "/api/v1/contributions?cursor=WyIiLDEsMSwiIl0",
        "/api/v1/%ff%fe",
    ],
)
def test_hostile_api_addresses_get_a_clear_4xx(app: Flask, path: str) -> None:
    response = app.test_client().get(path)
    assert 200 <= response.status_code < 500 and response.status_code not in (401, 403), response.status_code
    _own_checks(response)
    if response.status_code >= 400:
        assert response.get_json()["error"]["status"] == response.status_code
