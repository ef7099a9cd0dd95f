"""The JSON API cannot be driven by another site through the session cookie.

A page on a sibling host (another port, another subdomain: "same-site", so SameSite=Lax
lets the cookie through) can send a form as ``text/plain`` without asking the server;
JSON needs a CORS preflight that this server never answers. So a call without a bearer
token must be JSON and, where the browser names its origin, same-origin — every unsafe
operation, the login included. Programs with a bearer token are not browsers' business.
"""

from __future__ import annotations

import re

import pytest
from page_support import sign_in
from sqlalchemy import func, select
from support import PASSWORD, bearer, login

from sotesilta.core.accounts.tables import UserAccount
from sotesilta.core.kernel.web.security import SESSION_COOKIE

SIBLING = {"Origin": "https://other.espoo.example", "Sec-Fetch-Site": "same-site"}
NEW_ADMIN = {"username": "mallory", "display_name": "M", "password": "x" * 16, "roles": ["admin"]}
UNSAFE = ("POST", "PUT", "PATCH", "DELETE")


def users(runtime) -> int:  # type: ignore[no-untyped-def]
    with runtime.uow() as uow:
        return int(uow.session.scalar(select(func.count()).select_from(UserAccount)) or 0)


def api_operations(app) -> list[tuple[str, str]]:  # type: ignore[no-untyped-def]
    """Every unsafe operation of the API (core's and the plugins'), its path's parameters as 1."""
    found = []
    for route in app.routes:
        if not route.path.startswith("/api/"):
            continue
        path = re.sub(r"\{[^}]+\}", "1", route.path)
        found += [(method, path) for method in sorted(getattr(route, "methods", ())) if method in UNSAFE]
    return found


@pytest.fixture
def signed_in_admin(client, scheduling):  # type: ignore[no-untyped-def]
    sign_in(client, scheduling.admin.username)
    assert client.cookies.get(SESSION_COOKIE)
    return client


def test_a_sibling_sites_form_cannot_create_an_admin_through_the_cookie(signed_in_admin, runtime):
    before = users(runtime)
    body = f'{{"username": "{NEW_ADMIN["username"]}", "display_name": "M", "password": "{"x" * 16}"}}'
    forged = signed_in_admin.post(
        "/api/v1/users", content=body, headers={"Content-Type": "text/plain", **SIBLING}
    )
    assert forged.status_code == 403, forged.text
    assert forged.headers["content-type"].startswith("application/problem+json")
    # JSON from the sibling (it would need a preflight; refused all the same)
    assert signed_in_admin.post("/api/v1/users", json=NEW_ADMIN, headers=SIBLING).status_code == 403
    # a form without origin headers (an old browser): not JSON, so refused too
    plain = signed_in_admin.post("/api/v1/users", content=body, headers={"Content-Type": "text/plain"})
    assert plain.status_code == 415, plain.text
    assert "application/json" in plain.json()["detail"]
    assert users(runtime) == before


def test_the_sites_own_json_and_a_programs_token_still_work(signed_in_admin, runtime, scheduling):
    own = signed_in_admin.post(
        "/api/v1/users",
        json=NEW_ADMIN | {"municipalities": ["049"]},
        headers={"Origin": "http://testserver", "Sec-Fetch-Site": "same-origin"},
    )
    assert own.status_code == 201, own.text
    token = login(signed_in_admin, scheduling.admin.username)
    signed_in_admin.cookies.clear()
    program = signed_in_admin.post(
        "/api/v1/users",
        json=NEW_ADMIN | {"username": "tool-made", "municipalities": ["049"]},
        headers={**bearer(token), **SIBLING},  # a token is never attached by a browser on its own
    )
    assert program.status_code == 201, program.text


def test_no_login_from_another_site_or_as_a_form(client, scheduling):
    credentials = f'{{"username": "{scheduling.admin.username}", "password": "{PASSWORD}"}}'
    as_form = client.post("/api/v1/auth/login", content=credentials, headers={"Content-Type": "text/plain"})
    assert as_form.status_code == 415 and SESSION_COOKIE not in as_form.cookies
    cross = client.post(
        "/api/v1/auth/login",
        json={"username": scheduling.admin.username, "password": PASSWORD},
        headers=SIBLING,
    )
    assert cross.status_code == 403 and SESSION_COOKIE not in cross.cookies
    assert login(client, scheduling.admin.username)  # a program's JSON login


def test_every_unsafe_operation_refuses_a_cookie_borne_form(signed_in_admin, runtime):
    operations = api_operations(signed_in_admin.app)
    assert len(operations) > 40  # the routes were found (core's and the plugins')
    before = users(runtime)
    answered = {
        (method, path): signed_in_admin.request(
            method, path, content="{}", headers={"Content-Type": "text/plain"}
        ).status_code
        for method, path in operations
    }
    assert {k: v for k, v in answered.items() if v != 415} == {}
    assert users(runtime) == before
