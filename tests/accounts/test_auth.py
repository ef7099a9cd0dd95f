"""Login, sessions, API tokens, throttling and role guards over HTTP."""

from __future__ import annotations

import logging

import pytest
from support import PASSWORD, bearer, login

from sotesilta.core.accounts import service as accounts
from sotesilta.core.kernel.errors import AuthenticationFailed


def test_login_returns_a_token_and_sets_a_secure_cookie(client, make_user):
    make_user("nurse.one", ["health_staff"])
    response = client.post("/api/v1/auth/login", json={"username": "nurse.one", "password": PASSWORD})
    assert response.status_code == 200
    body = response.json()
    assert body["token_type"] == "Bearer" and len(body["token"]) >= 40
    cookie = response.headers["set-cookie"]
    assert "sotesilta_session=" in cookie and "HttpOnly" in cookie and "SameSite=lax" in cookie


def test_me_works_with_the_bearer_token_and_with_the_cookie(client, make_user):
    make_user("nurse.one", ["health_staff"], stations=["espoo-leppavaara"])
    token = login(client, "nurse.one")
    me = client.get("/api/v1/me", headers=bearer(token))
    assert me.status_code == 200
    assert me.json() | {"id": 0} == {
        "id": 0,
        "username": "nurse.one",
        "display_name": "Nurse.One",
        "language": "fi",
        "roles": ["health_staff"],
        "municipalities": ["049"],
        "stations": ["espoo-leppavaara"],
    }
    # the login response set the cookie on the client: no header needed
    assert client.get("/api/v1/me").status_code == 200


def test_wrong_password_is_refused_with_problem_details(client, make_user, caplog):
    make_user("nurse.one", ["health_staff"])
    with caplog.at_level(logging.WARNING, logger="sotesilta.security"):
        response = client.post(
            "/api/v1/auth/login", json={"username": "nurse.one", "password": "wrong-password-x"}
        )
    assert response.status_code == 401
    assert response.headers["content-type"].startswith("application/problem+json")
    problem = response.json()
    assert problem["status"] == 401 and problem["type"] == "/problems/authentication-failed"
    assert "set-cookie" not in response.headers
    assert any(r.message == "login failed" for r in caplog.records)
    # the typed password never reaches the log
    assert "wrong-password-x" not in caplog.text


def test_unknown_user_gets_the_same_answer_as_a_wrong_password(client, make_user):
    make_user("nurse.one", ["health_staff"])
    unknown = client.post("/api/v1/auth/login", json={"username": "nobody", "password": "whatever-123"})
    wrong = client.post("/api/v1/auth/login", json={"username": "nurse.one", "password": "whatever-123"})
    assert unknown.status_code == wrong.status_code == 401
    assert unknown.json()["detail"] == wrong.json()["detail"]


def test_repeated_failures_throttle_even_the_right_password_until_the_lockout_passes(
    client, make_user, runtime, clock
):
    make_user("nurse.one", ["health_staff"])
    limit = runtime.settings.login_max_failures
    for _ in range(limit):
        assert (
            client.post(
                "/api/v1/auth/login", json={"username": "nurse.one", "password": "nope-nope-nope"}
            ).status_code
            == 401
        )
    throttled = client.post("/api/v1/auth/login", json={"username": "nurse.one", "password": PASSWORD})
    assert throttled.status_code == 429
    assert throttled.json()["type"] == "/problems/login-throttled"
    assert 0 < int(throttled.headers["retry-after"]) <= runtime.settings.login_lockout_minutes * 60
    clock.advance(minutes=runtime.settings.login_lockout_minutes, seconds=1)
    assert (
        client.post("/api/v1/auth/login", json={"username": "nurse.one", "password": PASSWORD}).status_code
        == 200
    )


def test_a_success_resets_the_failure_count(client, make_user, runtime):
    make_user("nurse.one", ["health_staff"])
    limit = runtime.settings.login_max_failures
    for _ in range(limit - 1):
        client.post("/api/v1/auth/login", json={"username": "nurse.one", "password": "nope-nope-nope"})
    login(client, "nurse.one")
    for _ in range(limit - 1):
        client.post("/api/v1/auth/login", json={"username": "nurse.one", "password": "nope-nope-nope"})
    login(client, "nurse.one")


def test_session_expires_after_idle_timeout(client, make_user, runtime, clock):
    make_user("nurse.one", ["health_staff"])
    token = login(client, "nurse.one")
    client.cookies.clear()
    clock.advance(minutes=runtime.settings.session_idle_minutes - 1)
    assert client.get("/api/v1/me", headers=bearer(token)).status_code == 200  # activity refreshes it
    clock.advance(minutes=runtime.settings.session_idle_minutes + 1)
    expired = client.get("/api/v1/me", headers=bearer(token))
    assert expired.status_code == 401
    assert expired.json()["type"] == "/problems/authentication-required"
    assert expired.headers["www-authenticate"].startswith("Bearer")


def test_session_ends_at_its_absolute_lifetime_despite_activity(client, make_user, runtime, clock):
    make_user("nurse.one", ["health_staff"])
    token = login(client, "nurse.one")
    client.cookies.clear()
    step = runtime.settings.session_idle_minutes - 5
    elapsed = 0
    while elapsed + step < runtime.settings.session_absolute_hours * 60:
        clock.advance(minutes=step)
        elapsed += step
        assert client.get("/api/v1/me", headers=bearer(token)).status_code == 200
    clock.advance(minutes=step)
    assert client.get("/api/v1/me", headers=bearer(token)).status_code == 401


def test_logout_revokes_the_session(client, make_user):
    make_user("nurse.one", ["health_staff"])
    token = login(client, "nurse.one")
    client.cookies.clear()
    assert client.post("/api/v1/auth/logout", headers=bearer(token)).status_code == 204
    assert client.get("/api/v1/me", headers=bearer(token)).status_code == 401


def test_role_denial_is_a_403_problem_and_is_logged(client, make_user, caplog):
    nurse = make_user("nurse.one", ["health_staff"])
    token = login(client, "nurse.one")
    with caplog.at_level(logging.WARNING, logger="sotesilta.security"):
        response = client.get("/api/v1/users", headers=bearer(token))
    assert response.status_code == 403
    assert response.headers["content-type"].startswith("application/problem+json")
    assert response.json()["type"] == "/problems/access-denied"
    refusal = [r for r in caplog.records if r.message == "access refused"]
    assert refusal and refusal[0].user_id == nurse.id and refusal[0].path == "/api/v1/users"


def test_admin_may_list_users_of_own_municipality_only(client, make_user):
    make_user("espoo.admin", ["admin"], ["049"])
    make_user("espoo.nurse", ["health_staff"], ["049"])
    make_user("lohja.nurse", ["health_staff"], ["444"])
    token = login(client, "espoo.admin")
    names = [u["username"] for u in client.get("/api/v1/users", headers=bearer(token)).json()]
    assert names == ["espoo.admin", "espoo.nurse"]


def test_admin_cannot_create_users_in_another_municipality(client, make_user):
    make_user("espoo.admin", ["admin"], ["049"])
    token = login(client, "espoo.admin")
    response = client.post(
        "/api/v1/users",
        headers=bearer(token),
        json={
            "username": "lohja.new",
            "display_name": "New",
            "password": PASSWORD,
            "roles": ["health_staff"],
            "municipalities": ["444"],
        },
    )
    assert response.status_code == 403
    assert client.get("/api/v1/users", headers=bearer(token)).json()[-1]["username"] == "espoo.admin"


def test_admin_of_another_municipality_gets_404_when_disabling(client, make_user):
    make_user("espoo.admin", ["admin"], ["049"])
    lohja = make_user("lohja.nurse", ["health_staff"], ["444"])
    token = login(client, "espoo.admin")
    assert client.post(f"/api/v1/users/{lohja.id}/disable", headers=bearer(token)).status_code == 404


def test_an_admin_cannot_disable_their_own_account(client, make_user):
    # schemathesis, signed in as an admin, disabled that admin and every call after it was 401
    admin = make_user("espoo.admin", ["admin"], ["049"])
    token = login(client, "espoo.admin")
    client.cookies.clear()
    refused = client.post(f"/api/v1/users/{admin.id}/disable", headers=bearer(token))
    assert refused.status_code == 422 and refused.json()["errors"][0]["field"] == "user_id"
    assert client.get("/api/v1/me", headers=bearer(token)).status_code == 200


def test_disabling_a_user_ends_their_sessions(client, make_user):
    make_user("espoo.admin", ["admin"], ["049"])
    nurse = make_user("espoo.nurse", ["health_staff"], ["049"])
    nurse_token = login(client, "espoo.nurse")
    admin_token = login(client, "espoo.admin")
    client.cookies.clear()
    disabled = client.post(f"/api/v1/users/{nurse.id}/disable", headers=bearer(admin_token))
    assert disabled.status_code == 200 and disabled.json()["active"] is False
    assert client.get("/api/v1/me", headers=bearer(nurse_token)).status_code == 401
    again = client.post("/api/v1/auth/login", json={"username": "espoo.nurse", "password": PASSWORD})
    assert again.status_code == 401


def test_api_token_works_until_revoked(client, make_user):
    make_user("manager.one", ["manager"])
    session_token = login(client, "manager.one")
    client.cookies.clear()
    created = client.post("/api/v1/me/tokens", headers=bearer(session_token), json={"name": "reporting"})
    assert created.status_code == 201
    api_token, token_id = created.json()["token"], created.json()["id"]
    assert client.get("/api/v1/me", headers=bearer(api_token)).status_code == 200
    listed = client.get("/api/v1/me/tokens", headers=bearer(session_token)).json()
    assert [t["name"] for t in listed] == ["reporting"] and "token" not in listed[0]
    assert client.delete(f"/api/v1/me/tokens/{token_id}", headers=bearer(session_token)).status_code == 204
    revoked = client.get("/api/v1/me", headers=bearer(api_token))
    assert revoked.status_code == 401
    assert client.get("/api/v1/me/tokens", headers=bearer(session_token)).json() == []


def test_nobody_can_revoke_another_users_token(client, make_user):
    make_user("manager.one", ["manager"])
    make_user("manager.two", ["manager"])
    one = login(client, "manager.one")
    two = login(client, "manager.two")
    client.cookies.clear()
    token_id = client.post("/api/v1/me/tokens", headers=bearer(one), json={"name": "x"}).json()["id"]
    assert client.delete(f"/api/v1/me/tokens/{token_id}", headers=bearer(two)).status_code == 404


def test_api_token_expires_after_its_validity(client, make_user, clock):
    make_user("manager.one", ["manager"])
    session_token = login(client, "manager.one")
    client.cookies.clear()
    api_token = client.post(
        "/api/v1/me/tokens", headers=bearer(session_token), json={"name": "short", "valid_days": 1}
    ).json()["token"]
    clock.advance(hours=23)
    assert client.get("/api/v1/me", headers=bearer(api_token)).status_code == 200
    clock.advance(hours=2)
    assert client.get("/api/v1/me", headers=bearer(api_token)).status_code == 401


def test_requests_without_credentials_or_with_a_foreign_scheme_get_401(client):
    assert client.get("/api/v1/me").status_code == 401
    basic = client.get("/api/v1/me", headers={"Authorization": "Basic Zm9vOmJhcg=="})
    assert basic.status_code == 401 and basic.json()["status"] == 401
    assert client.get("/api/v1/me", headers=bearer("not-a-real-token")).status_code == 401


def test_tokens_are_stored_only_as_hashes(client, make_user, runtime):
    from sqlalchemy import select

    from sotesilta.core.accounts.tables import AuthToken

    make_user("nurse.one", ["health_staff"])
    token = login(client, "nurse.one")
    with runtime.uow() as uow:
        stored = list(uow.session.scalars(select(AuthToken.token_hash)))
    assert stored and token not in stored


def test_the_common_case_opens_no_orm_session_yet_sees_disabling_at_once(client, make_user, runtime, clock):
    from sqlalchemy import event
    from sqlalchemy.orm import Session

    make_user("espoo.admin", ["admin"], ["049"])
    nurse = make_user("espoo.nurse", ["health_staff"], ["049"])
    token = login(client, "espoo.nurse")
    client.cookies.clear()
    policy = runtime.settings.session_policy
    sessions: list[object] = []

    def count(session, *_):  # type: ignore[no-untyped-def]
        sessions.append(session)

    def authenticate(profiles):  # type: ignore[no-untyped-def]
        """(the principal, whether an ORM session was opened for it)"""
        sessions.clear()
        with runtime.uow() as uow:
            principal = accounts.authenticate(uow, token=token, policy=policy, profiles=profiles)
        return principal, bool(sessions)

    event.listen(Session, "after_begin", count)
    try:
        principal, opened = authenticate(accounts.ProfileCache())
        assert principal.user_id == nurse.id and opened  # who the user is: read with the ORM...
        assert client.get("/api/v1/me", headers=bearer(token)).status_code == 200  # ...and cached
        principal, opened = authenticate(runtime.profiles)
        assert principal.username == "espoo.nurse" and not opened
        clock.advance(seconds=accounts.TOKEN_TOUCH_INTERVAL.total_seconds())
        before = _last_used(runtime, principal.token_id)
        principal, _ = authenticate(runtime.profiles)  # the touch is due (and the cached profile stale)
        assert _last_used(runtime, principal.token_id) == clock.now() != before

        admin_token = login(client, "espoo.admin")
        client.cookies.clear()
        assert (
            client.post(f"/api/v1/users/{nurse.id}/disable", headers=bearer(admin_token)).status_code == 200
        )
        with pytest.raises(AuthenticationFailed):
            authenticate(runtime.profiles)  # the profile is still cached, the user's state is not
    finally:
        event.remove(Session, "after_begin", count)
    assert client.get("/api/v1/me", headers=bearer(token)).status_code == 401


def _last_used(runtime, token_id):  # type: ignore[no-untyped-def]
    from sqlalchemy import select

    from sotesilta.core.accounts.tables import AuthToken

    with runtime.engine.connect() as connection:
        return connection.scalar(select(AuthToken.last_used_at).where(AuthToken.id == token_id))
