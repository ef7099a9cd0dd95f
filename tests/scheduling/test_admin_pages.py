"""The administrator's pages through the test client (both databases): stations and plugins,
session rules and sessions, absences, users and roles; own municipalities only, role guards,
and bad input. The clock says Monday 2 March 2026."""

from __future__ import annotations

import re

import pytest
from page_support import book, sign_in, token_of
from sqlalchemy import func, select
from support import PASSWORD

from sotesilta.core.accounts.tables import UserAccount
from sotesilta.core.scheduling.tables import Absence, Booking, GuidanceSession, SessionRule


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


def test_an_admin_lands_on_the_admin_page_with_the_countys_stations_and_plugins(client, scheduling):
    landed = sign_in(client, "espoo.admin")
    assert landed.headers["location"] == "/admin"
    response = client.get("/admin")
    assert response.status_code == 200
    # the whole county's stations (Lohja is of Länsi-Uusimaa too), not another county's
    assert "Leppävaaran terveysasema" in response.text and "Lohjan" in response.text
    assert "Päijät-Hämeen sosiaalisen kuntoutuksen yksikkö" not in response.text
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
            "confirm": "1",  # as on the preview
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
    # their own account is another admin's to disable: the use case refuses it, as through the API
    own = client.post(
        f"/admin/users/{scheduling.admin.id}/disable", data={"_csrf_token": token}, follow_redirects=False
    )
    assert own.status_code == 422
    with runtime.uow() as uow:
        assert uow.session.scalar(select(UserAccount.active).where(UserAccount.id == scheduling.admin.id))


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


# --- ending or changing a session rule, part-day absences ------------------------------


def end_fields(token: str, scheduling, **changes: str | None) -> dict[str, str]:  # type: ignore[no-untyped-def]
    fields: dict[str, str | None] = {
        "_csrf_token": token,
        "from_date": "2026-03-17",
        "worker_id": str(scheduling.worker_id),
        "station_id": str(scheduling.station_id),
        "first_date": "2026-03-17",
        "start": "13:00",
        "end": "15:00",
        "interval_weeks": "1",
        "until": "",
        "slot_minutes": "60",
        "booked_slots": "yes",
        "walk_in_capacity": "0",
    }
    fields.update(changes)
    return {k: v for k, v in fields.items() if v is not None}


def rule_until(runtime, rule_id: int):  # type: ignore[no-untyped-def]
    with runtime.uow() as uow:
        return uow.session.get(SessionRule, rule_id).until_date


def test_the_rules_are_listed_and_one_is_changed_from_a_day_on(client, runtime, scheduling):
    sign_in(client, "espoo.admin")
    listing = client.get("/admin/sessions").text
    assert "Vastaanottosäännöt" in listing and f'href="/admin/rules/{scheduling.rule_id}"' in listing
    assert "9.00–12.00" in listing and "varattavat, 45 min" in listing
    page = client.get(f"/admin/rules/{scheduling.rule_id}")
    assert page.status_code == 200
    # pre-filled from the old rule, from its next day (Tuesday 3 March)
    assert 'name="from_date" type="date" value="2026-03-03"' in page.text
    assert 'name="start" type="time" value="09:00"' in page.text and 'value="45"' in page.text
    for label in ('for="end-from"', 'for="end-orphan"', 'for="rule-replace"', 'for="rule-start"'):
        assert label in page.text
    rules_before = count(runtime, SessionRule)
    changed = client.post(
        f"/admin/rules/{scheduling.rule_id}/end",
        data=end_fields(token_of(page.text), scheduling, replace="yes"),
        follow_redirects=False,
    )
    assert changed.status_code == 303, changed.text
    assert "ended=" in changed.headers["location"] and "sessions=" in changed.headers["location"]
    assert rule_until(runtime, scheduling.rule_id).isoformat() == "2026-03-16"
    assert count(runtime, SessionRule) == rules_before + 1
    shown = client.get(changed.headers["location"]).text
    assert "Sääntö päätettiin" in shown and "16.3.2026 asti" in shown
    assert "13.00–15.00" in shown  # the replacement
    assert re.search(r"17\.3\.2026 klo 13\.00", shown)  # its first session, in the next four weeks


def test_a_booked_later_session_refuses_the_end_until_its_bookings_are_to_be_orphaned(
    client, runtime, scheduling
):
    booking_id = book(client, scheduling)  # Tuesday 3 March
    sign_in(client, "espoo.admin")
    token = token_of(client.get(f"/admin/rules/{scheduling.rule_id}").text)
    fields = end_fields(token, scheduling, from_date="2026-03-03", replace="yes", first_date="2026-03-03")
    refused = client.post(f"/admin/rules/{scheduling.rule_id}/end", data=fields, follow_redirects=False)
    assert refused.status_code == 409, refused.text
    assert "Varauksia säännön myöhemmissä vastaanotoissa: 1." in refused.text
    assert 'href="#end-orphan"' in refused.text
    # "move them first" names the page that moves a booking; an admin sees no people,
    # so the link to the day's bookings is only for one who also books
    assert "valikon Varaukset-sivulta" in refused.text and "/bookings?day=" not in refused.text
    assert 'value="2026-03-03"' in refused.text and 'value="13:00"' in refused.text  # input kept
    assert rule_until(runtime, scheduling.rule_id) is None
    with runtime.uow() as uow:
        assert uow.session.get(Booking, booking_id).status == "booked"
        assert set(uow.session.scalars(select(GuidanceSession.status))) == {"scheduled"}
    done = client.post(
        f"/admin/rules/{scheduling.rule_id}/end", data={**fields, "orphan": "yes"}, follow_redirects=False
    )
    assert done.status_code == 303 and "orphaned=1" in done.headers["location"]
    with runtime.uow() as uow:
        booking = uow.session.get(Booking, booking_id)
        assert booking.status == "cancelled" and booking.orphaned_at is not None


@pytest.mark.parametrize(
    ("changes", "status"),
    [
        ({"from_date": "huomenna"}, 422),
        ({"from_date": "2026-03-01"}, 422),  # yesterday
        ({"replace": "yes", "start": "15:00", "end": "13:00"}, 422),
        ({"replace": "yes", "first_date": "2026-03-10"}, 422),  # before the change
    ],
)
def test_a_bad_rule_change_keeps_the_input_and_writes_nothing(client, runtime, scheduling, changes, status):
    sign_in(client, "espoo.admin")
    token = token_of(client.get(f"/admin/rules/{scheduling.rule_id}").text)
    rules_before = count(runtime, SessionRule)
    fields = end_fields(token, scheduling, **changes)
    refused = client.post(f"/admin/rules/{scheduling.rule_id}/end", data=fields, follow_redirects=False)
    assert refused.status_code == status, refused.text
    assert 'class="error-summary"' in refused.text and f'value="{fields["from_date"]}"' in refused.text
    assert rule_until(runtime, scheduling.rule_id) is None and count(runtime, SessionRule) == rules_before
    with runtime.uow() as uow:
        assert set(uow.session.scalars(select(GuidanceSession.status))) == {"scheduled"}


def test_an_overlapping_replacement_is_a_conflict_and_writes_nothing(client, runtime, scheduling):
    sign_in(client, "espoo.admin")
    token = token_of(client.get(f"/admin/rules/{scheduling.rule_id}").text)
    rules_before = count(runtime, SessionRule)
    # Thursdays 13-15 every second week from 5 March: the replacement below would overlap them
    client.post("/admin/rules", data=rule_fields(token, scheduling), follow_redirects=False)
    fields = end_fields(
        token, scheduling, replace="yes", from_date="2026-03-05", first_date="2026-03-05", interval_weeks="2"
    )
    refused = client.post(f"/admin/rules/{scheduling.rule_id}/end", data=fields, follow_redirects=False)
    assert refused.status_code == 409, refused.text
    assert "Sääntö menee päällekkäin työntekijän tai terveysaseman toisen vastaanoton kanssa." in refused.text
    assert rule_until(runtime, scheduling.rule_id) is None and count(runtime, SessionRule) == rules_before + 1


def test_changing_a_rule_needs_the_form_token_and_an_own_municipality(
    client, runtime, scheduling, lohja_admin
):
    sign_in(client, "espoo.admin")
    fields = end_fields("", scheduling)
    del fields["_csrf_token"]
    assert (
        client.post(f"/admin/rules/{scheduling.rule_id}/end", data=fields, follow_redirects=False).status_code
        == 403
    )
    sign_in(client, "lohja.admin")
    assert client.get(f"/admin/rules/{scheduling.rule_id}").status_code == 404
    token = token_of(client.get("/admin/sessions").text)
    refused = client.post(
        f"/admin/rules/{scheduling.rule_id}/end", data=end_fields(token, scheduling), follow_redirects=False
    )
    assert refused.status_code == 404
    assert rule_until(runtime, scheduling.rule_id) is None


def test_the_rule_page_renders_in_swedish(client, scheduling):
    sign_in(client, "espoo.admin")
    token = token_of(client.get("/admin/sessions").text)
    client.post("/me/language", data={"language": "sv", "_csrf_token": token, "next_path": "/admin/sessions"})
    listing = client.get("/admin/sessions").text
    assert (
        '<html lang="sv">' in listing
        and "Mottagningsregler" in listing
        and "Från kl. (frivilligt)" in listing
    )
    page = client.get(f"/admin/rules/{scheduling.rule_id}").text
    assert "Avsluta eller ändra en mottagningsregel" in page and "tisdag" in page.lower()


def absence_fields(token: str, scheduling, **changes: str) -> dict[str, str]:  # type: ignore[no-untyped-def]
    """The absence form as confirmed on its preview."""
    return {
        "_csrf_token": token,
        "confirm": "1",
        "worker_id": str(scheduling.worker_id),
        "first_day": "2026-03-03",
        "last_day": "",
        "from_time": "11:00",
        "to_time": "12:00",
        "reason": "Lääkäri",
        **changes,
    }


def test_a_part_day_absence_keeps_the_rest_of_the_session(client, runtime, scheduling):
    early = book(client, scheduling, index=0)  # 9.00
    late = book(client, scheduling, name="Toinen", index=2)  # 11.15: the third of the free ones left
    sign_in(client, "espoo.admin")
    token = token_of(client.get("/admin/sessions").text)
    recorded = client.post("/admin/absences", data=absence_fields(token, scheduling), follow_redirects=False)
    assert recorded.status_code == 303, recorded.text
    assert "cancelled=0" in recorded.headers["location"] and "orphaned=1" in recorded.headers["location"]
    assert (
        "1 vastaanotto jää voimaan ilman poissaolon aikoja" in client.get(recorded.headers["location"]).text
    )
    with runtime.uow() as uow:
        absence = uow.session.scalars(select(Absence)).one()
        assert (absence.starts_at.hour, absence.ends_at.hour) == (9, 10)  # 11-12 in winter time is UTC+2
        assert uow.session.get(Booking, early).status == "booked"
        assert uow.session.get(Booking, late).status == "cancelled"


@pytest.mark.parametrize(
    ("day", "start", "stop", "utc"),
    [
        ("2026-03-31", "09:00", "10:00", (6, 7)),  # summer time: UTC+3
        ("2026-10-25", "02:00", "05:00", (23, 3)),  # autumn change day: 2.00 is still UTC+3, 5.00 is UTC+2
    ],
)
def test_a_part_day_absence_is_wall_clock_time_across_daylight_saving(
    client, runtime, scheduling, day, start, stop, utc
):
    sign_in(client, "espoo.admin")
    token = token_of(client.get("/admin/sessions").text)
    fields = absence_fields(token, scheduling, first_day=day, from_time=start, to_time=stop)
    assert client.post("/admin/absences", data=fields, follow_redirects=False).status_code == 303
    with runtime.uow() as uow:
        absence = uow.session.scalars(select(Absence)).one()
        assert (absence.starts_at.hour, absence.ends_at.hour) == utc


@pytest.mark.parametrize(
    "changes",
    [
        {"first_day": "2026-03-29", "from_time": "03:30", "to_time": "05:00"},  # the clocks skip 3.00-4.00
        {"from_time": "12:00", "to_time": "11:00"},
        {"from_time": "11"},
    ],
)
def test_a_bad_part_day_absence_keeps_the_input_and_writes_nothing(client, runtime, scheduling, changes):
    sign_in(client, "espoo.admin")
    token = token_of(client.get("/admin/sessions").text)
    refused = client.post(
        "/admin/absences", data=absence_fields(token, scheduling, **changes), follow_redirects=False
    )
    assert refused.status_code == 422, refused.text
    assert "Anna kellonajat tunteina ja minuutteina" in refused.text
    assert f'value="{changes.get("to_time", "12:00")}"' in refused.text
    assert count(runtime, Absence) == 0
