"""Input no database can take is a 4xx with a problem body on every operation, never a 500,
and writes nothing: ids past the integer range (in the path, the query or the body), NUL
characters in text, JSON nested past any body of ours.

Every operation of the API (core's and the plugins'), each signed in as an admin and as a
nurse, gets values hypothesis draws from those kinds; on SQLite and on PostgreSQL.
"""

from __future__ import annotations

import json
import re
from urllib.parse import quote

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select
from support import bearer, login

from sotesilta.core.accounts.tables import UserAccount
from sotesilta.core.scheduling.tables import Booking

METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE")
#: past PostgreSQL's integer, past SQLite's 64 bits
BIG = st.one_of(st.integers(2**31, 2**70), st.integers(-(2**70), -(2**31)))
NUL_TEXT = st.tuples(st.text(max_size=5), st.text(max_size=5)).map(lambda t: f"{t[0]}\x00{t[1]}")


def operations(app) -> list[tuple[str, str]]:  # type: ignore[no-untyped-def]
    found = []
    for route in app.routes:
        if route.path.startswith("/api/") and "schema" not in route.path:
            found += [(m, route.path) for m in sorted(getattr(route, "methods", ())) if m in METHODS]
    return found


def deep(depth: int) -> str:
    return "[" * depth + "]" * depth


def counts(runtime) -> tuple[int, int]:  # type: ignore[no-untyped-def]
    with runtime.uow() as uow:
        return (
            int(uow.session.scalar(select(func.count()).select_from(UserAccount)) or 0),
            int(uow.session.scalar(select(func.count()).select_from(Booking)) or 0),
        )


@pytest.fixture
def tokens(client, scheduling):  # type: ignore[no-untyped-def]
    return [login(client, scheduling.admin.username), login(client, scheduling.nurse.username)]


def test_the_operations_are_found(client):
    assert len(operations(client.app)) > 60


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_no_unusable_value_gets_a_server_error_or_writes(client, runtime, tokens, data):
    method, template = data.draw(st.sampled_from(operations(client.app)))
    where = data.draw(st.sampled_from(["path", "query", "body", "deep"]))
    value = data.draw(st.one_of(BIG, NUL_TEXT))
    # every path parameter gets an unusable value when the path is tested, else a fine one
    unusable = quote(str(value), safe="")
    path = re.sub(r"\{[^}]+\}", lambda m: unusable if where == "path" else "1", template)
    params = {"municipality": value, "id": value} if where == "query" else None
    if where == "deep":
        body = deep(data.draw(st.integers(33, 3000)))
    else:
        body = (
            json.dumps({"id": value, "slot_id": value, "name": value, "reason": value})
            if where == "body"
            else None
        )
    before = counts(runtime)
    answer = client.request(
        method,
        path,
        params=params,
        content=body,
        headers={**bearer(data.draw(st.sampled_from(tokens))), "Content-Type": "application/json"},
    )
    assert answer.status_code < 500, (method, path, where, answer.text[:300])
    if answer.status_code >= 400:
        assert answer.headers["content-type"].startswith("application/problem+json")
    if where != "path" or method == "GET":
        assert counts(runtime) == before or answer.status_code < 300, (method, path, where)


@pytest.mark.parametrize("depth", [33, 1000, 100_000])
def test_json_nested_too_deep_is_malformed_even_for_the_login(client, depth):
    answer = client.post(
        "/api/v1/auth/login", content=deep(depth), headers={"Content-Type": "application/json"}
    )
    assert answer.status_code == 400 and "nested deeper" in answer.json()["detail"]


def test_a_nul_in_a_forms_field_is_dropped_not_stored(client, scheduling, runtime):
    from page_support import booking_form, sign_in

    sign_in(client, scheduling.nurse.username)
    _, fields = booking_form(client, client_name="Maija\x00 Meikäläinen")
    booked = client.post("/book", data=fields, follow_redirects=False)
    assert booked.status_code == 303, booked.text
    with runtime.uow() as uow:
        assert uow.session.scalar(select(func.count()).select_from(Booking)) == 1


@pytest.mark.parametrize(
    "changes",
    [
        {"starts_at": 0},  # read as 1 January 1970 it would cancel every session since
        {"starts_at": 1.5e9},
        {"starts_at": "0001-01-01T00:00:00+02:00"},
        {"ends_at": "9999-12-31T00:00:00+02:00"},
    ],
)
def test_an_absurd_absence_is_refused_and_cancels_nothing(client, scheduling, runtime, changes):
    from sotesilta.core.scheduling.tables import GuidanceSession

    def scheduled() -> int:
        with runtime.uow() as uow:
            query = (
                select(func.count()).select_from(GuidanceSession).where(GuidanceSession.status == "scheduled")
            )
            return int(uow.session.scalar(query) or 0)

    before = scheduled()
    absence = {
        "worker_id": scheduling.worker_id,
        "starts_at": "2026-03-09T00:00:00+02:00",
        "ends_at": "2026-03-10T00:00:00+02:00",
    }
    answer = client.post(
        "/api/v1/absences", json=absence | changes, headers=bearer(login(client, scheduling.admin.username))
    )
    assert answer.status_code == 422, answer.text
    assert answer.json()["errors"][0]["field"] == next(iter(changes))
    assert scheduled() == before


@pytest.mark.parametrize(
    ("field", "value"), [("start", 12345), ("until", "9999-12-31"), ("first_date", "0001-01-01")]
)
def test_a_session_rule_with_an_absurd_time_is_refused(client, scheduling, field, value):
    rule = {
        "worker_id": scheduling.worker_id,
        "station_id": scheduling.station_id,
        "weekday": 1,
        "start": "09:00:00",
        "end": "12:00:00",
        "first_date": "2026-03-03",
    }
    answer = client.post(
        "/api/v1/session-rules",
        json=rule | {field: value},
        headers=bearer(login(client, scheduling.admin.username)),
    )
    assert answer.status_code == 422 and answer.json()["errors"][0]["field"] == field, answer.text
