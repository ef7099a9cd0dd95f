"""Bad input gets a clear 4xx problem-details answer, never a 500, and writes nothing."""

from __future__ import annotations

from conftest import requires_postgres
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select
from support import PASSWORD, bearer, login

from sotesilta.core.accounts.tables import UserAccount

PROBLEM = "application/problem+json"


def _is_problem(response, status):  # type: ignore[no-untyped-def]
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith(PROBLEM)
    body = response.json()
    assert body["status"] == status and body["type"].startswith("/problems/") and body["title"]
    return body


def test_missing_login_field_is_named(client):
    body = _is_problem(client.post("/api/v1/auth/login", json={"username": "x"}), 422)
    assert [e["field"] for e in body["errors"]] == ["password"]


def test_a_missing_or_wrong_kind_of_body_says_what_is_expected(client):
    """Not "invalid value for: data": the body is named as the body, and what it must be."""
    for sent in ({"content": b"", "headers": {"content-type": "application/json"}}, {"json": ["a", "b"]}):
        body = _is_problem(client.post("/api/v1/auth/login", **sent), 422)
        assert [e["field"] for e in body["errors"]] == ["body"]
        assert "data" not in body["detail"] and "JSON object" in body["detail"], body


def test_malformed_json_is_a_400(client):
    response = client.post(
        "/api/v1/auth/login", content=b"{not json", headers={"content-type": "application/json"}
    )
    _is_problem(response, 400)


def test_unknown_route_and_wrong_method_are_problems(client):
    _is_problem(client.get("/api/v1/does-not-exist"), 404)
    _is_problem(client.put("/health"), 405)


def test_bad_query_value_is_named(client, make_user):
    make_user("nurse.one", ["health_staff"])
    token = login(client, "nurse.one")
    body = _is_problem(client.get("/api/v1/stations?municipality=espoo", headers=bearer(token)), 422)
    assert body["errors"][0]["field"] == "municipality"


def test_bad_path_parameter_is_a_4xx(client, make_user):
    make_user("admin.one", ["admin"])
    token = login(client, "admin.one")
    response = client.post("/api/v1/users/not-a-number/disable", headers=bearer(token))
    assert 400 <= response.status_code < 500
    assert response.headers["content-type"].startswith(PROBLEM)


def test_invalid_user_is_refused_and_nothing_is_written(client, make_user, runtime):
    make_user("admin.one", ["admin"])
    token = login(client, "admin.one")
    cases = [
        ({"password": "short"}, "password"),
        ({"roles": ["wizard"]}, "roles"),
        ({"username": "Bad Name!"}, "username"),
        ({"stations": ["lohja-keskusta"]}, "stations"),  # outside the user's municipality
        ({"municipalities": ["999"]}, "municipalities"),
        ({"language": "de"}, "language"),
    ]
    for change, field in cases:
        payload = {
            "username": "new.user",
            "display_name": "New",
            "password": PASSWORD,
            "roles": ["health_staff"],
            "municipalities": ["049"],
        } | change
        response = client.post("/api/v1/users", headers=bearer(token), json=payload)
        assert 400 <= response.status_code < 500, (change, response.text)
        assert response.headers["content-type"].startswith(PROBLEM)
        body = response.json()
        if response.status_code == 422:
            assert field in {e["field"] for e in body.get("errors", [])}, (change, body)
    with runtime.uow() as uow:
        assert uow.session.scalar(select(func.count()).select_from(UserAccount)) == 1


def test_duplicate_username_is_a_409(client, make_user):
    make_user("admin.one", ["admin"])
    token = login(client, "admin.one")
    payload = {
        "username": "admin.one",
        "display_name": "Again",
        "password": PASSWORD,
        "roles": ["admin"],
        "municipalities": ["049"],
    }
    _is_problem(client.post("/api/v1/users", headers=bearer(token), json=payload), 409)


def test_oversized_body_is_refused(client):
    response = client.post(
        "/api/v1/auth/login",
        content=b'{"username": "' + b"a" * 2_000_000 + b'", "password": "x"}',
        headers={"content-type": "application/json"},
    )
    _is_problem(response, 413)


json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=50),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=10), children, max_size=4)
    ),
    max_leaves=12,
)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    body=json_values | st.fixed_dictionaries({"username": json_values, "password": json_values}),
)
def test_any_json_sent_to_login_gets_a_4xx_never_a_500(client, body):
    response = client.post("/api/v1/auth/login", json=body)
    assert 400 <= response.status_code < 500, response.text
    assert response.headers["content-type"].startswith(PROBLEM)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(raw=st.binary(max_size=200))
def test_arbitrary_bytes_sent_to_login_get_a_4xx(client, raw):
    response = client.post("/api/v1/auth/login", content=raw, headers={"content-type": "application/json"})
    assert 400 <= response.status_code < 500, response.text


def _drop_the_servers_connections(runtime) -> None:  # type: ignore[no-untyped-def]
    """Every connection of the server's pool dies, as when PostgreSQL restarts."""
    from sqlalchemy import create_engine, text

    admin = create_engine(runtime.engine.url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(
            text(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                "WHERE datname = current_database() AND pid <> pg_backend_pid()"
            )
        )
    admin.dispose()


@requires_postgres
def test_a_connection_lost_under_a_request_is_a_503_and_the_next_request_is_served(
    client, make_user, runtime
):
    make_user("nurse.one", ["health_staff"])
    headers = bearer(login(client, "nurse.one"))
    assert client.get("/api/v1/me", headers=headers).status_code == 200
    _drop_the_servers_connections(runtime)
    lost = client.get("/api/v1/me", headers=headers)
    body = _is_problem(lost, 503)
    assert lost.headers["retry-after"] == "1" and "nothing was saved" in body["detail"]
    assert client.get("/api/v1/me", headers=headers).status_code == 200  # the pool was renewed
    _drop_the_servers_connections(runtime)
    page = client.get("/", headers=headers)  # a page answers with its own error page
    assert page.status_code == 503 and page.headers["retry-after"] == "1"
    assert "text/html" in page.headers["content-type"]


@requires_postgres
def test_a_connection_that_died_while_idle_is_replaced_before_use(client, make_user, runtime, monkeypatch):
    from sotesilta.core.kernel import db

    make_user("nurse.one", ["health_staff"])
    headers = bearer(login(client, "nurse.one"))
    assert client.get("/api/v1/me", headers=headers).status_code == 200
    monkeypatch.setattr(db, "IDLE_BEFORE_PING_S", 0.0)  # every pooled connection counts as idle
    _drop_the_servers_connections(runtime)
    assert client.get("/api/v1/me", headers=headers).status_code == 200
