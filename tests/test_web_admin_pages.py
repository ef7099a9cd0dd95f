"""The administrator's pages through the test client (both databases): stations and plugins,
session rules and sessions, absences, users and roles; own municipalities only, role guards,
and bad input. The clock says Monday 2 March 2026."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select
from support import PASSWORD
from test_web_work_pages import book, sign_in, token_of

from sotesilta.core.persistence.scheduling import Absence, Booking, GuidanceSession, SessionRule
from sotesilta.core.persistence.tables import UserAccount


def count(runtime, model) -> int:  # type: ignore[no-untyped-def]
    with runtime.uow() as uow:
        return int(uow.session.scalar(select(func.count()).select_from(model)) or 0)


@pytest.fixture
def lohja_admin(make_user):  # type: ignore[no-untyped-def]
    return make_user("lohja.admin", ["admin"], ["444"])


def rule_fields(token: str, scheduling, **changes: str) -> dict[str, str]:  # type: ignore[no-untyped-def]
    fields = {
        "_csrf_token": token,
        "worker_id": str(scheduling.worker_id),
        "station_id": str(scheduling.station_id),
        "first_date": "2026-03-05",  # a Thursday
        "start": "13:00",
        "end": "15:00",
        "interval_weeks": "2",
        "until": "",
        "slot_minutes": "60",
        "booked_slots": "yes",
        "walk_in_start": "",
        "walk_in_end": "",
        "walk_in_capacity": "0",
    }
    fields.update(changes)
    return fields


def test_an_admin_lands_on_the_admin_page_with_stations_and_plugins(client, scheduling):
    landed = sign_in(client, "espoo.admin")
    assert landed.headers["location"] == "/admin"
    response = client.get("/admin")
    assert response.status_code == 200
    assert "espoo-leppavaara" in response.text and "lohja-keskusta" not in response.text
    assert "paijat_hame" in response.text or "Lahti" in response.text  # the installed plugins


def test_an_admin_creates_a_session_rule_and_sees_its_sessions(client, runtime, scheduling):
    sign_in(client, "espoo.admin")
    page_text = client.get("/admin/sessions").text
    rules_before, sessions_before = count(runtime, SessionRule), count(runtime, GuidanceSession)
    saved = client.post(
        "/admin/rules", data=rule_fields(token_of(page_text), scheduling), follow_redirects=False
    )
    assert saved.status_code == 303, saved.text
    assert count(runtime, SessionRule) == rules_before + 1
    assert count(runtime, GuidanceSession) > sessions_before
    shown = client.get(saved.headers["location"]).text
    assert re.search(r"to 5\.3\.2026|5\.3\.2026", shown)  # Thursday's new session is listed


@pytest.mark.parametrize(
    ("changes", "status"),
    [
        ({"first_date": "5.3.2026"}, 422),
        ({"start": "15:00", "end": "13:00"}, 422),
        ({"slot_minutes": "0"}, 422),
        ({"interval_weeks": "x"}, 422),
        ({"first_date": "2026-03-03", "start": "10:00", "end": "11:00"}, 409),  # overlaps Tuesday's rule
    ],
)
def test_a_bad_session_rule_shows_the_form_again_and_writes_nothing(
    client, runtime, scheduling, changes, status
):
    sign_in(client, "espoo.admin")
    token = token_of(client.get("/admin/sessions").text)
    rules_before = count(runtime, SessionRule)
    refused = client.post(
        "/admin/rules", data=rule_fields(token, scheduling, **changes), follow_redirects=False
    )
    assert refused.status_code == status, refused.text
    assert 'class="error-summary"' in refused.text
    assert count(runtime, SessionRule) == rules_before


def test_an_absence_cancels_the_sessions_and_orphans_their_bookings(client, runtime, scheduling):
    book(client, scheduling)  # Tuesday 3 March at Leppävaara
    sign_in(client, "espoo.admin")
    token = token_of(client.get("/admin/sessions").text)
    recorded = client.post(
        "/admin/absences",
        data={
            "_csrf_token": token,
            "worker_id": str(scheduling.worker_id),
            "first_day": "2026-03-03",
            "last_day": "2026-03-03",
            "reason": "Koulutus",
        },
        follow_redirects=False,
    )
    assert recorded.status_code == 303, recorded.text
    assert "cancelled=1" in recorded.headers["location"] and "orphaned=1" in recorded.headers["location"]
    with runtime.uow() as uow:
        assert uow.session.scalar(select(Booking.status)) == "cancelled"


def test_a_bad_absence_writes_nothing(client, runtime, scheduling):
    sign_in(client, "espoo.admin")
    token = token_of(client.get("/admin/sessions").text)
    for changes in ({"last_day": "2026-03-01"}, {"reason": ""}, {"first_day": "huomenna"}):
        fields = {
            "_csrf_token": token,
            "worker_id": str(scheduling.worker_id),
            "first_day": "2026-03-03",
            "last_day": "2026-03-04",
            "reason": "Loma",
            **changes,
        }
        refused = client.post("/admin/absences", data=fields, follow_redirects=False)
        assert refused.status_code == 422, changes
    assert count(runtime, Absence) == 0


def test_an_admin_of_lohja_cannot_touch_espoo(client, runtime, scheduling, lohja_admin):
    sign_in(client, "lohja.admin")
    page_text = client.get("/admin/sessions").text
    assert "Elina Ohjaaja" not in page_text
    token = token_of(page_text)
    rules_before = count(runtime, SessionRule)
    rule = client.post("/admin/rules", data=rule_fields(token, scheduling), follow_redirects=False)
    assert rule.status_code == 404
    absence = client.post(
        "/admin/absences",
        data={
            "_csrf_token": token,
            "worker_id": str(scheduling.worker_id),
            "first_day": "2026-03-03",
            "reason": "x",
        },
        follow_redirects=False,
    )
    assert absence.status_code == 404
    added = client.post(
        "/admin/users",
        data={
            "_csrf_token": token,
            "username": "espoo.intruder",
            "display_name": "Intruder",
            "roles": "admin",
            "municipalities": "049",
            "language": "fi",
        },
        follow_redirects=False,
    )
    assert added.status_code == 403
    disabled = client.post(
        f"/admin/users/{scheduling.nurse.id}/disable", data={"_csrf_token": token}, follow_redirects=False
    )
    assert disabled.status_code == 404
    users = client.get("/admin/users").text
    assert "espoo.nurse" not in users and "lohja.nurse" in users
    assert count(runtime, SessionRule) == rules_before and count(runtime, Absence) == 0
    with runtime.uow() as uow:
        assert uow.session.scalar(select(func.count()).where(UserAccount.username == "espoo.intruder")) == 0
        assert uow.session.scalar(select(UserAccount.active).where(UserAccount.id == scheduling.nurse.id))


def test_an_admin_adds_a_user_with_a_password_shown_once_and_disables_one(client, runtime, scheduling):
    sign_in(client, "espoo.admin")
    token = token_of(client.get("/admin/users").text)
    added = client.post(
        "/admin/users",
        data={
            "_csrf_token": token,
            "username": "espoo.nurse2",
            "display_name": "Hoitaja Kaksi",
            "roles": "health_staff",
            "municipalities": "049",
            "language": "sv",
        },
        follow_redirects=False,
    )
    assert added.status_code == 201, added.text
    password = re.search(r'<code class="secret">([^<]+)</code>', added.text).group(1)
    assert len(password) >= 12
    assert password not in client.get("/admin/users").text  # shown once
    client.cookies.clear()
    sign_in_token = token_of(client.get("/login").text)
    signed_in = client.post(
        "/login",
        data={
            "username": "espoo.nurse2",
            "password": password,
            "_csrf_token": sign_in_token,
            "next_path": "/",
        },
        follow_redirects=False,
    )
    assert signed_in.status_code == 303
    sign_in(client, "espoo.admin")
    token = token_of(client.get("/admin/users").text)
    disabled = client.post(
        f"/admin/users/{scheduling.nurse.id}/disable", data={"_csrf_token": token}, follow_redirects=False
    )
    assert disabled.status_code == 303
    with runtime.uow() as uow:
        assert not uow.session.scalar(select(UserAccount.active).where(UserAccount.id == scheduling.nurse.id))


@pytest.mark.parametrize(
    "changes",
    [
        {"username": "A B"},
        {"display_name": ""},
        {"roles": None},
        {"roles": "superuser"},
        {"municipalities": None},
        {"password": "short"},
        {"language": "de"},
        {"username": "espoo.nurse"},  # in use: 409
    ],
)
def test_a_bad_new_user_writes_nothing(client, runtime, scheduling, changes):
    sign_in(client, "espoo.admin")
    token = token_of(client.get("/admin/users").text)
    fields = {
        "_csrf_token": token,
        "username": "espoo.new",
        "display_name": "Uusi",
        "roles": "instructor",
        "municipalities": "049",
        "language": "fi",
        "password": "",
        **changes,
    }
    users_before = count(runtime, UserAccount)
    refused = client.post(
        "/admin/users", data={k: v for k, v in fields.items() if v is not None}, follow_redirects=False
    )
    assert refused.status_code in (409, 422), refused.text
    assert 'class="error-summary"' in refused.text
    assert PASSWORD not in refused.text
    assert count(runtime, UserAccount) == users_before


@pytest.mark.parametrize("username", ["espoo.nurse", "espoo.instructor"])
def test_only_admins_open_the_admin_pages(client, runtime, scheduling, make_user, username):
    sign_in(client, username)
    for path in ("/admin", "/admin/sessions", "/admin/users"):
        assert client.get(path).status_code == 403, path
    token = token_of(client.get("/book").text)
    refused = client.post("/admin/rules", data=rule_fields(token, scheduling), follow_redirects=False)
    assert refused.status_code == 403


def test_a_manager_cannot_open_the_admin_pages(client, scheduling, make_user):
    make_user("espoo.boss", ["manager"], ["049"])
    sign_in(client, "espoo.boss")
    assert client.get("/admin/users").status_code == 403
