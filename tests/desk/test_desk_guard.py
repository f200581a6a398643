"""Walk the whole URL map: every desk route needs a verified user of the right role."""

import re

import pytest
from flask import Flask
from flask.testing import FlaskClient

from testimony.models import Role
from tests.support.desk import NEW_PASSWORD, login_as, post_form

# The steps of logging in are the only desk pages open before login.
OPEN_ENDPOINTS = {
    "desk_auth.login",
    "desk_auth.first_password",
    "desk_auth.second_factor",
    "desk_auth.enrol",
    "desk_auth.logout",
}
SAMPLE_VALUES = {
    "public_id": "0000nothere",
    "user_id": "999999",
    "action": "note",
    "decision": "approve",
    "slug": "nothing-here",
    "digest_id": "999999",
    "contribution_id": "999999",
}


def desk_routes(app: Flask) -> list[tuple[str, str, str]]:
    routes = []
    for rule in app.url_map.iter_rules():
        if not rule.endpoint.startswith("desk") or rule.endpoint in OPEN_ENDPOINTS:
            continue
        path = re.sub(r"<(?:[a-z]+:)?([a-z_]+)>", lambda m: SAMPLE_VALUES[m.group(1)], rule.rule)
        for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}):
            routes.append((rule.endpoint, method, path))
    return routes


@pytest.fixture
def no_csrf_app(app: Flask) -> Flask:
    # CSRF would refuse anonymous POSTs before the guard runs; switch it off to test the guard itself.
    app.config["WTF_CSRF_ENABLED"] = False
    return app


def test_every_desk_view_declares_its_roles(app: Flask) -> None:
    for endpoint, _method, _path in desk_routes(app):
        view = app.view_functions[endpoint]
        assert getattr(view, "required_roles", None), f"{endpoint} is not wrapped in role_required"
    assert len(desk_routes(app)) >= 10


def test_anonymous_users_are_sent_to_login(no_csrf_app: Flask) -> None:
    client = no_csrf_app.test_client()
    for endpoint, method, path in desk_routes(no_csrf_app):
        response = client.open(path, method=method)
        assert response.status_code == 302, (endpoint, method, response.status_code)
        assert "/desk/login" in response.headers["Location"]


def test_password_without_second_factor_is_not_enough(no_csrf_app: Flask) -> None:
    app = no_csrf_app
    client = app.test_client()
    login_as(app, app.test_client(), "admin", "half")
    assert post_form(client, "/desk/login", name="half", password=NEW_PASSWORD)[0] == 302
    for endpoint, method, path in desk_routes(app):
        response = client.open(path, method=method)
        assert response.status_code == 302 and "/desk/login" in response.headers["Location"], endpoint


@pytest.mark.parametrize("role", [Role.MODERATOR, Role.EDITOR])
def test_roles_cannot_reach_other_roles_pages(no_csrf_app: Flask, role: Role) -> None:
    app = no_csrf_app
    client: FlaskClient = app.test_client()
    login_as(app, client, role.value, f"who-{role.value}")
    for endpoint, method, path in desk_routes(app):
        roles = app.view_functions[endpoint].required_roles  # type: ignore[attr-defined]
        response = client.open(path, method=method)
        if role in roles:
            assert response.status_code != 403, endpoint
        else:
            assert response.status_code == 403, (endpoint, method, response.status_code)
