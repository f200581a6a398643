"""Every <int:...> route, walked from the URL map, answers 404 to integers no database column
can hold (SQLite's OverflowError above 2**63 - 1, PostgreSQL's integer above 2**31 - 1), never a
500: the app registers a bounded `int` converter (testimony/__init__.py)."""

from __future__ import annotations

import re

from flask import Flask
from werkzeug.routing import IntegerConverter, Rule

from tests.support.desk import login_as
from tests.support.helpers import token_in

HUGE = [2**31, 2**63, 10**30, int("9" * 400)]


def int_rules(app: Flask) -> list[Rule]:
    return [
        rule
        for rule in app.url_map.iter_rules()
        if any(isinstance(c, IntegerConverter) for c in (rule._converters or {}).values())
    ]


def path_for(rule: Rule, number: int) -> str:
    def fill(match: re.Match[str]) -> str:
        converter, _name = match.group(1), match.group(2)
        return str(number) if converter == "int" else "x"

    return re.sub(r"<(?:(\w+)(?:\([^)]*\))?:)?(\w+)>", fill, rule.rule)


def test_every_int_route_answers_404_to_huge_numbers(app: Flask) -> None:
    rules = int_rules(app)
    assert {r.endpoint.split(".")[0] for r in rules} >= {"desk_digests", "desk_admin", "public"}, [
        r.rule for r in rules
    ]
    client = app.test_client()
    login_as(app, client, "admin")
    page = client.get("/desk/").get_data(as_text=True)
    token = token_in(page)
    for rule in rules:
        for number in HUGE:
            path = path_for(rule, number)
            for method in sorted((rule.methods or set()) & {"GET", "POST"}):
                response = client.open(path, method=method, data={"csrf_token": token, "version": "0"})
                assert response.status_code == 404, (method, path[:80], response.status_code)


def test_ordinary_numbers_still_route(app: Flask) -> None:
    client = app.test_client()
    for number in (0, 1, 2**31 - 1):
        adapter = app.url_map.bind("localhost")
        endpoint, values = adapter.match(f"/archive/2024/{number}")
        assert endpoint == "public.archive_month" and values["month"] == number
    # The converter is the one registered as `int`: new routes get it too.
    assert app.url_map.converters["int"].__module__.startswith("testimony")
    assert client.get("/archive/2024/99999999999999999999999").status_code == 404


def test_huge_numbers_in_query_strings_are_ignored_not_500(app: Flask) -> None:
    # The audit log pages with ?before=<id>: a number no id can be is no page boundary.
    client = app.test_client()
    login_as(app, client, "admin")
    for number in HUGE:
        response = client.get(f"/desk/admin/audit?before={number}")
        assert response.status_code == 200, (number, response.status_code)
