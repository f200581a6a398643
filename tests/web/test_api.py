"""The JSON API: shapes, stable ids, keyset pagination while items arrive, ETags, OpenAPI."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from flask import Flask
from flask.testing import FlaskClient

from testimony.models import utcnow
from testimony.web.api import encode_cursor
from tests.support.factories import make_digest


def get(client: FlaskClient, path: str, status: int = 200) -> Any:
    response = client.get(path)
    assert response.status_code == status, (path, response.status_code, response.data[:200])
    assert response.mimetype == "application/json"
    return response.get_json()


def walk(client: FlaskClient, path: str, between=None) -> list[str]:
    """Follow `links.next` to the end; `between(page_number)` runs after each page."""
    ids: list[str] = []
    n = 0
    while path:
        body = get(client, path)
        ids += [item["id"] for item in body["data"]]
        assert body["meta"]["count"] == len(body["data"])
        path = body["links"].get("next", "").replace("http://localhost", "")
        assert bool(path) == bool(body["meta"]["next_cursor"])
        n += 1
        if between:
            between(n)
    return ids


def test_digests_list_and_detail(app: Flask, client: FlaskClient) -> None:
    slug, pids = make_digest(app, ["First.", "Second."], title="API digest")
    make_digest(app, ["Draft."], title="Draft", publish=False)
    body = get(client, "/api/v1/digests")
    assert [d["id"] for d in body["data"]] == [slug]
    item = body["data"][0]
    assert item["title"] == "API digest" and item["contribution_count"] == 2
    assert item["published_at"].endswith("Z") and item["url"].endswith(f"/d/{slug}")
    assert "<em>emphasis</em>" in item["intro_html"]
    assert item["themes"][0]["slug"] == "workload"
    detail = get(client, f"/api/v1/digests/{slug}")["data"]
    assert [c["id"] for c in detail["contributions"]] == pids
    assert detail["contributions"][0]["text"] == "First."
    assert detail["contributions"][0]["respond_url"].endswith(f"/submit?in_reply_to={pids[0]}")
    get(client, "/api/v1/digests/nope", 404)


def test_contributions_filter_by_theme_and_query(app: Flask, client: FlaskClient) -> None:
    make_digest(app, ["Caseloads keep climbing in our office."], themes=("workload",))
    make_digest(app, ["Pay has not kept up with rents."], themes=("pay-retention",), title="Pay")
    assert len(get(client, "/api/v1/contributions")["data"]) == 2
    pay = get(client, "/api/v1/contributions?theme=pay-retention")["data"]
    assert [c["text"] for c in pay] == ["Pay has not kept up with rents."]
    found = get(client, "/api/v1/contributions?q=caseloads")["data"]
    assert [c["text"] for c in found] == ["Caseloads keep climbing in our office."]
    assert get(client, "/api/v1/contributions?q=caseloads&theme=pay-retention")["data"] == []
    assert get(client, "/api/v1/contributions?q=%21%21%21")["data"] == []
    assert get(client, "/api/v1/contributions?theme=nope", 400)["error"]["status"] == 400


def test_pagination_is_stable_while_new_items_arrive(app: Flask, client: FlaskClient) -> None:
    base = utcnow() - dt.timedelta(days=10)
    for day in range(5):
        make_digest(
            app,
            [f"Day {day} item {n}." for n in range(3)],
            title=f"Day {day}",
            when=base + dt.timedelta(days=day),
        )
    # Two digests at the very same moment: the order must still be total.
    make_digest(app, ["Twin A1.", "Twin A2."], title="Twin A", when=base + dt.timedelta(days=6))
    make_digest(app, ["Twin B1."], title="Twin B", when=base + dt.timedelta(days=6))
    expected = walk(client, "/api/v1/contributions?limit=100")
    assert len(expected) == 18 and len(set(expected)) == 18

    arrived: list[str] = []

    def publish_more(page: int) -> None:
        if page in (1, 3):
            arrived.extend(
                make_digest(app, [f"Late news {page}a.", f"Late news {page}b."], title=f"Late {page}")[1]
            )

    seen = walk(client, "/api/v1/contributions?limit=4", between=publish_more)
    assert seen == expected  # nothing repeated, nothing skipped, same order
    assert not set(arrived) & set(seen)
    now_first = get(client, "/api/v1/contributions?limit=4")["data"]
    assert {c["id"] for c in now_first} == set(arrived)

    digest_ids = walk(client, "/api/v1/digests?limit=2")
    assert len(digest_ids) == len(set(digest_ids)) == 9


def test_bad_parameters_are_refused_plainly(app: Flask, client: FlaskClient) -> None:
    for path in [
        "/api/v1/contributions?cursor=garbage",
        "/api/v1/contributions?limit=0",
        "/api/v1/contributions?limit=1000",
        "/api/v1/digests?cursor=WyJ4Il0",
        "/api/v1/contributions?limit=x",
    ]:
        assert get(client, path, 400)["error"]["message"]
    assert get(client, "/api/v1/nothing/here", 404)["error"]["status"] == 404
    # NUL bytes (which PostgreSQL refuses) and junk in ids, themes and cursors: plain answers.
    assert get(client, "/api/v1/contributions?theme=work%00load", 400)["error"]
    assert get(client, "/api/v1/digests/a%00b", 404)["error"]
    assert get(client, "/api/v1/contributions/a%00b", 404)["error"]
    assert get(client, "/api/v1/contributions?q=a%00b")["data"] == []
    for values in (
        ["2026-01-01T00:00:00", 1, 1, "x\u0000"],
        ["2026-01-01T00:00:00", 2**40, 1, "x"],
        [1, 2, 3, 4],
    ):
        assert get(client, f"/api/v1/contributions?cursor={encode_cursor(values)}", 400)["error"]


def test_etag_and_if_none_match(app: Flask, client: FlaskClient) -> None:
    make_digest(app, ["Cached."])
    first = client.get("/api/v1/contributions")
    etag = first.headers["ETag"]
    assert etag
    again = client.get("/api/v1/contributions", headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.data == b""
    make_digest(app, ["Something new."], title="New")
    changed = client.get("/api/v1/contributions", headers={"If-None-Match": etag})
    assert changed.status_code == 200 and changed.headers["ETag"] != etag


def test_openapi_document(client: FlaskClient) -> None:
    doc = get(client, "/api/v1/openapi.json")
    assert doc["openapi"].startswith("3.")
    assert {"/digests", "/digests/{id}", "/contributions", "/contributions/{id}", "/themes"} <= set(
        doc["paths"]
    )
    params = {p["name"] for p in doc["paths"]["/contributions"]["get"]["parameters"]}
    assert {"theme", "q", "cursor", "limit"} <= params
    index = get(client, "/api/v1/")
    assert index["openapi"].endswith("/api/v1/openapi.json")


def test_themes_with_counts(app: Flask, client: FlaskClient) -> None:
    make_digest(app, ["One.", "Two."], themes=("workload", "wellbeing"))
    themes = {t["slug"]: t for t in get(client, "/api/v1/themes")["data"]}
    assert len(themes) == 12
    assert themes["workload"]["contribution_count"] == 2 and themes["unions"]["contribution_count"] == 0
    assert themes["workload"]["feed"].endswith("/themes/workload/feed.atom")


def test_the_api_is_read_only_and_says_so(client: FlaskClient) -> None:
    for method in ("POST", "PUT", "PATCH", "DELETE", "TRACE"):
        response = client.open("/api/v1/contributions", method=method)
        assert response.status_code == 405, method
        assert response.headers["Allow"] == "GET" and response.get_json()["error"]["status"] == 405
    assert client.post("/api/v1/nothing").status_code == 404
    assert client.options("/api/v1/themes").headers["Allow"] == "GET, HEAD, OPTIONS"


def test_overlong_query_is_refused(client: FlaskClient) -> None:
    assert get(client, "/api/v1/contributions?q=" + "a" * 201, 400)["error"]["message"]


def test_openapi_file_is_served_as_written_and_describes_every_route(app: Flask, client: FlaskClient) -> None:
    from pathlib import Path

    from testimony import search
    from testimony.web import api

    served = client.get("/api/v1/openapi.json")
    on_disk = Path(app.static_folder or "", api.OPENAPI_FILE).read_bytes()
    assert served.status_code == 200 and served.data == on_disk
    assert served.mimetype == "application/json"
    doc = json.loads(on_disk)
    # Every data route of the blueprint is documented (the index, the document and the JSON
    # fallback for unknown addresses are not operations).
    routes = {
        rule.rule.removeprefix("/api/v1").replace("<slug>", "{id}").replace("<public_id>", "{id}")
        for rule in app.url_map.iter_rules()
        if rule.endpoint.startswith("api.")
        and rule.endpoint not in ("api.index", "api.openapi", "api.fallback")
    }
    assert routes == set(doc["paths"])
    # The limits written in the file are the ones the code enforces.
    params = {p["name"]: p for p in doc["paths"]["/contributions"]["get"]["parameters"]}
    assert params["limit"]["schema"]["maximum"] == api.MAX_LIMIT
    assert params["limit"]["schema"]["default"] == api.DEFAULT_LIMIT
    assert params["q"]["schema"]["maxLength"] == search.MAX_QUERY
