"""The instructor's and the manager's pages through Litestar's test client (both databases):
my day and week, the walk-in queue, recording a visit's outcome, times to rebook, and the
statistics dashboard; role guards and bad input."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time, timedelta

import pytest
from page_support import book, sign_in, token_of
from sqlalchemy import func, select
from support import chain_access_log

from sotesilta.core.scheduling.domain.bookings import Referrer
from sotesilta.core.scheduling.service import sessions, walk_ins
from sotesilta.core.scheduling.tables import Booking
from sotesilta.core.visits.tables import Visit, VisitReferral

TUESDAY = "2026-03-03"  # the fixture's first session at Leppävaara, 9-12 Helsinki time


def outcome_fields(page_text: str, **changes):  # type: ignore[no-untyped-def]
    fields = {
        "_csrf_token": token_of(page_text),
        "kind": re.search(r'name="kind" value="([^"]*)"', page_text).group(1),
        "id": re.search(r'name="id" value="([^"]*)"', page_text).group(1),
        "outcome": "realised",
        "topic": "housing",
        "referral-kela": "concrete",
        "referral-employment_services": "advised",
        "shl_notification": "yes",
        "shl_notification_to": "Aikuissosiaalityö",
        "follow_up": "yes",
    }
    fields.update(changes)
    return {k: v for k, v in fields.items() if v is not None}


def visits_written(runtime) -> int:  # type: ignore[no-untyped-def]
    with runtime.uow() as uow:
        return int(uow.session.scalar(select(func.count()).select_from(Visit)) or 0)


@pytest.fixture
def instructor_client(client, scheduling):  # type: ignore[no-untyped-def]
    sign_in(client, scheduling.instructor.username)
    return client


# --- my day and week ---------------------------------------------------------


def test_an_instructor_starts_on_her_day(client, scheduling):
    response = sign_in(client, scheduling.instructor.username)
    assert response.headers["location"] == "/work"
    today = client.get("/work")
    assert today.status_code == 200
    assert "Oma päivä: maanantai 2.3.2026" in today.text
    assert 'href="/work" aria-current="page"' in today.text


def test_the_day_shows_her_session_and_a_booking_without_the_clients_name(client, scheduling):
    booking_id = book(client, scheduling)
    sign_in(client, scheduling.instructor.username)
    day = client.get(f"/work?day={TUESDAY}")
    assert day.status_code == 200
    text = day.text
    assert "tiistai 3.3.2026" in text
    assert "Vastaanotto</strong>: Leppävaaran terveysasema" in text
    assert "1/4 aikaa varattu" in text
    assert re.search(r'datetime="2026-03-03T09:00\+02:00">9\.00</time>–<time[^>]*>9\.45</time>', text)
    assert f'href="/bookings/{booking_id}"' in text and "Varattu asiakasaika" in text
    assert "Maija" not in text  # the day names nobody: opening the booking does, and is logged
    booking = client.get(f"/bookings/{booking_id}")
    assert booking.status_code == 200 and "Maija Meikäläinen" in booking.text


def test_the_day_reads_no_clients_data_and_opening_a_booking_is_logged(client, scheduling, runtime):
    from sotesilta.consent.tables import AccessLogEntry

    booking_id = book(client, scheduling)
    sign_in(client, scheduling.instructor.username)

    def entries() -> list[tuple[int, str, str, int]]:
        chain_access_log(runtime)
        with runtime.uow() as uow:
            rows = uow.session.execute(
                select(
                    AccessLogEntry.user_id,
                    AccessLogEntry.action,
                    AccessLogEntry.subject_type,
                    AccessLogEntry.subject_id,
                ).where(AccessLogEntry.user_id == scheduling.instructor.id)
            )
            return [tuple(r) for r in rows]

    client.get(f"/work?day={TUESDAY}")
    client.get(f"/work/week?start={TUESDAY}")
    assert entries() == []
    client.get(f"/bookings/{booking_id}")
    assert entries() == [(scheduling.instructor.id, "read", "booking", booking_id)]


def test_the_week_runs_monday_to_sunday_in_helsinki_time(instructor_client):
    week = instructor_client.get(f"/work/week?start={TUESDAY}")
    assert week.status_code == 200
    days = re.findall(r'<h2 id="day-(\d{4}-\d\d-\d\d)">', week.text)
    assert days == [(date(2026, 3, 2) + timedelta(days=n)).isoformat() for n in range(7)]
    assert "Oma viikko: vk 10, ma 2.3.–su 8.3.2026" in week.text  # ISO week 10 of 2026
    assert week.text.count("Leppävaaran terveysasema") == 1
    assert 'href="/work/week?start=2026-03-09"' in week.text


@pytest.mark.parametrize("day", ["tomorrow", "2026-13-01", "1999-01-01", "2026-03-03' OR 1=1"])
def test_an_unreadable_or_far_day_is_a_friendly_4xx(instructor_client, day):
    response = instructor_client.get("/work", params={"day": day})
    assert response.status_code == 422
    assert "<h1>Pyyntöä ei voitu lukea</h1>" in response.text
    assert instructor_client.get("/work/week", params={"start": day}).status_code == 422


def test_a_manager_or_a_nurse_cannot_open_the_instructors_day(client, scheduling, make_user):
    make_user("espoo.manager", ["manager"], ["049"])
    for username in ("espoo.manager", scheduling.nurse.username):
        sign_in(client, username)
        for path in ("/work", "/work/week", "/work/outcome?booking=1"):
            refused = client.get(path)
            assert refused.status_code == 403, (username, path)
            assert "Ei sallittu" in refused.text
        assert "Oma päivä" not in client.get("/login").text


def test_an_instructor_without_a_calendar_is_told_so(client, make_user):
    make_user("espoo.newcomer", ["instructor"], ["049"])
    sign_in(client, "espoo.newcomer")
    page = client.get("/work")
    assert page.status_code == 200 and "Tunnuksellasi ei vielä ole sosiaaliohjaajan kalenteria" in page.text


# --- the outcome of a visit ----------------------------------------------------


def test_a_past_visit_waits_on_the_worklist_and_its_outcome_is_recorded_in_one_form(
    client, scheduling, runtime, clock
):
    booking_id = book(client, scheduling)
    sign_in(client, scheduling.instructor.username)
    assert "Kaikilla menneillä käynneillä on tulos." in client.get("/work").text
    clock.advance(days=1, hours=2)  # Tuesday 10.00 Helsinki time: the 9.00 visit has begun
    sign_in(client, scheduling.instructor.username)  # a day later: the session has lapsed
    day = client.get(f"/work?day={TUESDAY}")
    link = f'href="/work/outcome?booking={booking_id}"'
    assert day.text.count(link) == 2  # in the agenda and on the worklist
    form = client.get(f"/work/outcome?booking={booking_id}")
    assert form.status_code == 200
    assert "tiistaina 3.3.2026 klo 9.00" in form.text and "Leppävaaran terveysasema" in form.text
    assert "Maija" not in form.text
    for label in (
        'for="outcome-realised"',
        'for="topic"',
        'for="referral-kela"',
        'for="shl-notification-to"',
    ):
        assert label in form.text
    response = client.post("/work/outcome", data=outcome_fields(form.text), follow_redirects=False)
    assert response.status_code == 303, response.text
    assert response.headers["location"] == f"/work?day={TUESDAY}&recorded=1"
    after = client.get(response.headers["location"])
    # off the worklist; the agenda now offers a correction instead
    assert "Tulos kirjattiin." in after.text and after.text.count(link) == 1
    assert f"{link}>Korjaa tulos" in after.text and "Kirjaa tulos" not in after.text
    with runtime.uow() as uow:
        visit = uow.session.scalars(select(Visit)).one()
        assert (visit.booking_id, visit.outcome, visit.topic) == (booking_id, "realised", "housing")
        sealed_to = visit.shl_notification_to  # sealed at rest
        assert uow.sealer.open(sealed_to, context="visit.shl_notification_to") == "Aikuissosiaalityö"
        assert visit.follow_up_needed
        referrals = set(uow.session.execute(select(VisitReferral.target, VisitReferral.mode)).all())
        assert referrals == {("kela", "concrete"), ("employment_services", "advised")}
        assert uow.session.get(Booking, booking_id).status == "fulfilled"
    # recorded: off the worklist; its page now offers the correction, with the history
    again = client.get(f"/work/outcome?booking={booking_id}")
    assert again.status_code == 200 and "Korjaa tulos" in again.text and "Tuloksen historia" in again.text


def test_a_no_show_is_two_clicks_and_drops_what_only_a_realised_visit_has(client, scheduling, runtime, clock):
    booking_id = book(client, scheduling)
    clock.advance(days=2)
    sign_in(client, scheduling.instructor.username)
    form = client.get(f"/work/outcome?booking={booking_id}")
    fields = outcome_fields(form.text, outcome="no_show", follow_up=None)
    assert client.post("/work/outcome", data=fields, follow_redirects=False).status_code == 303
    with runtime.uow() as uow:
        visit = uow.session.scalars(select(Visit)).one()
        assert (visit.outcome, visit.topic, visit.shl_notification_to) == ("no_show", None, None)
        assert uow.session.scalar(select(func.count()).select_from(VisitReferral)) == 0


@pytest.mark.parametrize(
    ("changes", "target", "message"),
    [
        ({"outcome": None}, "outcome", "Valitse, mitä käynnillä tapahtui."),
        ({"outcome": "maybe"}, "outcome", "Valitse, mitä käynnillä tapahtui."),
        ({"topic": ""}, "topic", "Valitse toteutuneen käynnin pääaihe."),
        ({"topic": "astrology"}, "topic", "Valitse toteutuneen käynnin pääaihe."),
        ({"referral-nowhere": "advised"}, "referrals", "Valitse jatko-ohjaukset luettelosta"),
        ({"referral-kela": "perhaps"}, "referrals", "Valitse jatko-ohjaukset luettelosta"),
        ({"shl_notification_to": ""}, "shl-notification-to", "Kerro, kenelle SHL-ilmoitus tehtiin"),
        ({"shl_notification_to": "x" * 300}, "shl-notification-to", "Kerro, kenelle SHL-ilmoitus tehtiin"),
    ],
)
def test_a_refused_outcome_comes_back_beside_its_field_and_writes_nothing(
    client, scheduling, runtime, clock, changes, target, message
):
    booking_id = book(client, scheduling)
    clock.advance(days=2)
    sign_in(client, scheduling.instructor.username)
    form = client.get(f"/work/outcome?booking={booking_id}")
    response = client.post("/work/outcome", data=outcome_fields(form.text, **changes), follow_redirects=False)
    assert response.status_code == 422, response.text
    assert "Tulosta ei kirjattu" in response.text and message in response.text
    assert f'href="#{target}"' in response.text
    assert 'value="Aikuissosiaalityö"' in response.text or "shl_notification_to" in changes
    assert visits_written(runtime) == 0


def test_a_visit_still_to_come_cannot_be_recorded(client, scheduling, runtime):
    booking_id = book(client, scheduling)
    sign_in(client, scheduling.instructor.username)
    assert client.get(f"/work/outcome?booking={booking_id}").status_code == 404
    token = token_of(client.get("/work").text)
    fields = {"_csrf_token": token, "kind": "booking", "id": str(booking_id), "outcome": "no_show"}
    response = client.post("/work/outcome", data=fields, follow_redirects=False)
    assert response.status_code == 409
    assert "Tuloksen voi kirjata, kun käynti on alkanut" in response.text
    assert visits_written(runtime) == 0


@pytest.mark.parametrize(("kind", "visit_id"), [("booking", "x1"), ("flight", "1"), ("", "")])
def test_an_unreadable_visit_is_a_4xx_page(instructor_client, runtime, kind, visit_id):
    token = token_of(instructor_client.get("/work").text)
    data = {"_csrf_token": token, "kind": kind, "id": visit_id, "outcome": "realised", "topic": "housing"}
    response = instructor_client.post("/work/outcome", data=data, follow_redirects=False)
    assert response.status_code == 422 and "Pyyntöä ei voitu lukea" in response.text
    assert visits_written(runtime) == 0


def test_another_municipalitys_visit_is_not_found(client, scheduling, runtime, clock):
    booking_id = book(client, scheduling)
    clock.advance(days=2)
    sign_in(client, scheduling.lohja_instructor.username)
    assert client.get(f"/work/outcome?booking={booking_id}").status_code == 404
    token = token_of(client.get("/work").text)
    fields = {"_csrf_token": token, "kind": "booking", "id": str(booking_id), "outcome": "no_show"}
    assert client.post("/work/outcome", data=fields, follow_redirects=False).status_code == 404
    assert visits_written(runtime) == 0


def test_the_outcome_form_needs_its_token(client, scheduling, runtime, clock):
    booking_id = book(client, scheduling)
    clock.advance(days=2)
    sign_in(client, scheduling.instructor.username)
    form = client.get(f"/work/outcome?booking={booking_id}")
    fields = outcome_fields(form.text)
    del fields["_csrf_token"]
    assert client.post("/work/outcome", data=fields, follow_redirects=False).status_code == 403
    assert visits_written(runtime) == 0


# --- walk-in -------------------------------------------------------------------


def test_the_walk_in_queue_calls_the_next_number_and_the_walk_in_waits_for_its_outcome(
    client, scheduling, runtime, principal_of, clock
):
    # Lohja: walk-in 12-14 on Monday 2 March 2026 (the clock says Monday 10.00)
    with runtime.uow() as uow:
        _, _ = sessions.create_session_rule(
            uow,
            principal=principal_of(scheduling.lohja_instructor),
            draft=sessions.SessionRuleDraft(
                worker_id=scheduling.lohja_worker_id,
                station_id=scheduling.lohja_station_id,
                weekday=0,
                start=time(12),
                end=time(15),
                first_date=date(2026, 3, 2),
                slot_minutes=60,
                walk_in=(time(12), time(14)),
                walk_in_capacity=3,
            ),
        )
        session_id = sessions.list_sessions(
            uow,
            principal=principal_of(scheduling.lohja_instructor),
            start=datetime(2026, 3, 2, tzinfo=UTC),
            end=datetime(2026, 3, 3, tzinfo=UTC),
        )[0].id
    clock.advance(hours=2, minutes=30)  # 12.30
    nurse = principal_of(scheduling.lohja_nurse)
    for _ in range(2):
        with runtime.uow() as uow:
            walk_ins.register_walk_in(uow, principal=nurse, session_id=session_id, referrer=Referrer.SELF)
    sign_in(client, scheduling.lohja_instructor.username)
    day = client.get("/work")
    assert (
        "Avovastaanoton jono" in day.text and "Odottaa: 2" in day.text and "Vapaita paikkoja: 1" in day.text
    )
    form = f'action="/work/sessions/{session_id}/call-next"'
    assert form in day.text
    called = client.post(
        f"/work/sessions/{session_id}/call-next",
        data={"_csrf_token": token_of(day.text), "day": "2026-03-02"},
        follow_redirects=False,
    )
    assert called.status_code == 303
    assert called.headers["location"] == "/work?day=2026-03-02&called=1#walk-in"
    after = client.get(called.headers["location"])
    assert "Numero 1 kutsuttu." in after.text and "Odottaa: 1" in after.text
    assert "kutsuttu klo 12.30" in after.text
    # the called walk-in waits on the worklist; its form has no "cancelled late"
    walk_in_link = re.search(r'href="/work/outcome\?walk_in=(\d+)"', after.text)
    assert walk_in_link
    form_page = client.get(f"/work/outcome?walk_in={walk_in_link.group(1)}")
    assert form_page.status_code == 200 and "late_cancellation" not in form_page.text
    token = token_of(after.text)
    client.post(f"/work/sessions/{session_id}/call-next", data={"_csrf_token": token, "day": "2026-03-02"})
    empty = client.post(
        f"/work/sessions/{session_id}/call-next",
        data={"_csrf_token": token, "day": "2026-03-02"},
        follow_redirects=False,
    )
    assert empty.headers["location"] == "/work?day=2026-03-02&queue_empty=1#walk-in"
    assert "Kukaan ei odota." in client.get(empty.headers["location"]).text


def test_calling_next_in_another_municipalitys_session_is_not_found(instructor_client):
    token = token_of(instructor_client.get("/work").text)
    response = instructor_client.post(
        "/work/sessions/999999/call-next", data={"_csrf_token": token}, follow_redirects=False
    )
    assert response.status_code == 404 and "Sivua ei löydy" in response.text


# --- times to rebook -----------------------------------------------------------


def test_a_nurse_sees_her_bookings_whose_session_was_cancelled(client, scheduling, runtime, principal_of):
    book(client, scheduling, name="Orpo Asiakas")
    sign_in(client, scheduling.nurse.username)
    assert "Ei uudelleen varattavaa." in client.get("/orphaned").text
    with runtime.uow() as uow:
        sessions.record_absence(
            uow,
            principal=principal_of(scheduling.instructor),
            worker_id=scheduling.worker_id,
            starts_at=datetime(2026, 3, 3, 6, tzinfo=UTC),
            ends_at=datetime(2026, 3, 3, 12, tzinfo=UTC),
            reason="sick",
        )
    page = client.get("/orphaned")
    assert page.status_code == 200
    assert "Orpo Asiakas" in page.text and "ti 3.3.2026 klo 9.00" in page.text
    # "book a new time" opens the booking form filled in from the cancelled booking
    assert re.search(r'href="/bookings/\d+/move"', page.text)


def test_a_manager_has_no_times_to_rebook(client, make_user):
    make_user("espoo.manager", ["manager"], ["049"])
    sign_in(client, "espoo.manager")
    assert client.get("/orphaned").status_code == 403


# --- statistics ----------------------------------------------------------------


def record_realised(client, scheduling, clock, count: int) -> None:  # type: ignore[no-untyped-def]
    """``count`` visits booked, held and recorded as realised by the instructor."""
    ids = [book(client, scheduling, name=f"Asiakas {n}") for n in range(count)]
    clock.advance(days=7, hours=6)  # both Tuesdays have passed
    sign_in(client, scheduling.instructor.username)
    for booking_id in ids:
        form = client.get(f"/work/outcome?booking={booking_id}")
        fields = outcome_fields(form.text, **{"referral-kela": None, "shl_notification": None})
        assert client.post("/work/outcome", data=fields, follow_redirects=False).status_code == 303


@pytest.fixture
def manager(make_user):  # type: ignore[no-untyped-def]
    return make_user("espoo.manager", ["manager"], ["049"])


def realised_total(text: str) -> str:
    """The "realised" figure of the visits table's total row."""
    table = text.split('id="table-visits"', 1)[1].split("</table>", 1)[0]
    total = table.split('<tr class="total">', 1)[1].split("</tr>", 1)[0]
    return re.findall(r"<td>(.*?)</td>", total)[0]


def test_a_manager_starts_on_the_statistics_and_sees_counts_only_from_five(
    client, scheduling, clock, manager
):
    sign_in(client, manager.username)
    first = client.get("/statistics")
    assert first.status_code == 200
    assert "Sosiaaliohjaus terveysasemilla, Espoo" in first.text
    assert realised_total(first.text) == "0"
    record_realised(client, scheduling, clock, 4)
    sign_in(client, manager.username)
    few = client.get("/statistics")
    assert "&lt;5</abbr>" in realised_total(few.text)
    assert "Asiakas" not in few.text  # numbers, never people
    record_realised(client, scheduling, clock, 1)
    sign_in(client, manager.username)
    assert realised_total(client.get("/statistics").text) == "5"


def test_the_statistics_page_is_an_accessible_table_with_its_chart_and_csv(client, scheduling, manager):
    response = sign_in(client, manager.username)
    assert response.headers["location"] == "/statistics"
    page = client.get("/statistics?year=2026&compare=1")
    assert page.status_code == 200
    text = page.text
    assert "<caption>Toteutuneet ja perutut käynnit, Espoo 2026</caption>" in text
    assert '<th scope="col">Jakso</th>' in text and '<th scope="row">maaliskuu 2026</th>' in text
    assert "Yhteensä 2025" in text and '<th scope="row">Muutos</th>' in text
    assert 'id="compare" name="compare" type="checkbox" value="1" checked' in text
    charts = re.findall(r'<img src="([^"]+)" alt="([^"]+)"', text)
    assert len(charts) == 3
    src, alt = charts[1]
    assert alt.startswith("Kaavio: Toteutuneet ja perutut käynnit, Espoo, 2026.")
    src = src.replace("&amp;", "&")
    assert src.startswith("/api/v1/statistics/reports/espoo-guidance/charts/visits?")
    chart = client.get(src)  # the session cookie opens the API for the page's image
    assert chart.status_code == 200 and chart.headers["content-type"].startswith("image/svg+xml")
    csv_link = re.search(r'<a href="([^"]+format=csv[^"]*)" download>', text).group(1).replace("&amp;", "&")
    csv = client.get(csv_link)
    assert csv.status_code == 200 and csv.headers["content-type"].startswith("text/csv")
    assert "2026" in csv.text


def test_the_statistics_in_swedish_name_the_periods_in_swedish(client, manager):
    sign_in(client, manager.username)
    token = token_of(client.get("/statistics").text)
    client.post("/me/language", data={"language": "sv", "_csrf_token": token, "next_path": "/statistics"})
    page = client.get("/statistics?year=2026")
    assert '<html lang="sv">' in page.text and "mars 2026" in page.text
    assert "language=sv" in page.text and "Ladda ner siffrorna för Excel (CSV)" in page.text


@pytest.mark.parametrize(
    ("query", "status"),
    [
        ("year=20x6", 422),
        ("year=1999", 422),
        ("year=99999", 422),
        ("report=nonexistent", 404),
        ("municipality=444", 404),
        ("municipality=0490", 404),
    ],
)
def test_bad_statistics_input_is_a_friendly_4xx(client, manager, query, status):
    sign_in(client, manager.username)
    response = client.get(f"/statistics?{query}")
    assert response.status_code == status
    assert "<h1>" in response.text and "Traceback" not in response.text


def test_a_nurse_cannot_open_the_statistics(client, scheduling):
    sign_in(client, scheduling.nurse.username)
    refused = client.get("/statistics")
    assert refused.status_code == 403 and "Ei sallittu" in refused.text
    assert 'href="/statistics"' not in client.get("/book").text


def test_a_county_manager_reads_a_report_county_wide_or_for_one_municipality(client, runtime, make_user):
    codes = sorted(p.code for p in runtime.plugins.municipalities.all() if p.county.code == "09")
    make_user("paijat.manager", ["manager"], codes)
    sign_in(client, "paijat.manager")
    page = client.get("/statistics")
    assert page.status_code == 200
    # a report kept county-wide opens on the county
    assert '<option value="county-09" selected>Päijät-Hämeen hyvinvointialue</option>' in page.text
    county = client.get("/statistics?area=county-09&year=2026")
    assert county.status_code == 200
    assert "selected>Päijät-Hämeen hyvinvointialue</option>" in county.text
    src = re.search(r'<img src="([^"]+)"', county.text).group(1).replace("&amp;", "&")
    assert "county=09" in src and "municipality=" not in src
    assert client.get(src).status_code == 200
    lahti = client.get("/statistics?area=398&year=2026")
    assert lahti.status_code == 200 and "municipality=398" in lahti.text
    assert client.get("/statistics?area=county-03").status_code == 404


def test_the_county_report_page_shows_each_municipality_on_the_same_columns(client, make_user):
    make_user("west.manager", ["manager"], ["049", "444"])
    sign_in(client, "west.manager")
    page = client.get("/statistics?report=lansi-uusimaa-guidance&year=2026")
    assert page.status_code == 200
    assert '<option value="county-03" selected>Länsi-Uudenmaan hyvinvointialue</option>' in page.text
    assert page.text.count("kunnittain 2026</caption>") == 5  # every count table
    assert '<th scope="row">Espoo</th>' in page.text and '<th scope="row">Lohja</th>' in page.text
    one = client.get("/statistics?report=lansi-uusimaa-guidance&area=444&year=2026")
    assert one.status_code == 200 and "kunnittain" not in one.text


def test_switching_to_a_report_not_kept_for_the_chosen_municipality_shows_its_own(client, make_user):
    make_user("west.manager", ["manager"], ["049", "444"])
    sign_in(client, "west.manager")
    page = client.get("/statistics?report=lohja-guidance&area=049&year=2026")
    assert page.status_code == 200
    assert 'name="area" value="444"' in page.text and "municipality=444" in page.text


# --- correcting a recorded outcome --------------------------------------------------


def recorded_visit(client, scheduling, clock) -> int:  # type: ignore[no-untyped-def]
    """A booking whose outcome the instructor recorded through the page (realised, housing)."""
    booking_id = book(client, scheduling)
    clock.advance(days=1, hours=2)
    sign_in(client, scheduling.instructor.username)
    form = client.get(f"/work/outcome?booking={booking_id}")
    assert (
        client.post("/work/outcome", data=outcome_fields(form.text), follow_redirects=False).status_code
        == 303
    )
    return booking_id


def test_a_recorded_outcome_is_corrected_and_its_history_shown(client, scheduling, runtime, clock):
    booking_id = recorded_visit(client, scheduling, clock)
    page = client.get(f"/work/outcome?booking={booking_id}")
    assert page.status_code == 200 and "Korjaa tulos" in page.text
    # the form holds what was recorded
    assert 'id="outcome-realised" value="realised" checked' in page.text
    assert '<option value="housing" selected' in page.text and 'value="Aikuissosiaalityö"' in page.text
    assert 'name="revision" value="1"' in page.text
    clock.advance(minutes=10)
    fields = outcome_fields(page.text, outcome="no_show", follow_up=None)
    fields["revision"] = "1"
    corrected = client.post("/work/outcome", data=fields, follow_redirects=False)
    assert corrected.status_code == 303, corrected.text
    assert corrected.headers["location"] == f"/work/outcome?booking={booking_id}&corrected=1"
    shown = client.get(corrected.headers["location"]).text
    assert "Korjaus tallennettiin" in shown and 'id="outcome-no_show" value="no_show" checked' in shown
    history = shown[shown.index('id="history"') :]
    assert history.index("Asiakas ei tullut") < history.index("Asiakas tuli")  # the current one first
    assert "SHL-ilmoitus: Aikuissosiaalityö" in history and "Espoo.Instructor" in history
    with runtime.uow() as uow:
        visit = uow.session.scalars(select(Visit)).one()
        assert (visit.revision, visit.outcome) == (2, "no_show")
        assert uow.session.get(Booking, booking_id).status == "noshow"


def test_a_correction_from_a_stale_page_is_refused_and_keeps_the_input(client, scheduling, runtime, clock):
    booking_id = recorded_visit(client, scheduling, clock)
    stale = client.get(f"/work/outcome?booking={booking_id}").text
    meanwhile = outcome_fields(stale, outcome="no_show", follow_up=None)
    meanwhile["revision"] = "1"
    assert client.post("/work/outcome", data=meanwhile, follow_redirects=False).status_code == 303
    fields = outcome_fields(stale, shl_notification_to="Sosiaalipäivystys")
    fields["revision"] = "1"
    refused = client.post("/work/outcome", data=fields, follow_redirects=False)
    assert refused.status_code == 409, refused.text
    assert "Joku muutti tulosta sillä välin" in refused.text
    assert 'value="Sosiaalipäivystys"' in refused.text and 'name="revision" value="2"' in refused.text
    with runtime.uow() as uow:
        visit = uow.session.scalars(select(Visit)).one()
        assert (visit.revision, visit.outcome) == (2, "no_show")


def test_a_bad_correction_keeps_the_input_and_writes_nothing(client, scheduling, runtime, clock):
    booking_id = recorded_visit(client, scheduling, clock)
    page = client.get(f"/work/outcome?booking={booking_id}").text
    fields = outcome_fields(page, topic="", shl_notification_to="Kela-yhteys")
    fields["revision"] = "1"
    refused = client.post("/work/outcome", data=fields, follow_redirects=False)
    assert refused.status_code == 422 and "Valitse toteutuneen käynnin pääaihe." in refused.text
    assert 'value="Kela-yhteys"' in refused.text and "Korjaa tulos" in refused.text
    del fields["_csrf_token"]
    fields["topic"] = "housing"
    assert client.post("/work/outcome", data=fields, follow_redirects=False).status_code == 403
    with runtime.uow() as uow:
        visit = uow.session.scalars(select(Visit)).one()
        assert visit.revision == 1
        assert (
            uow.sealer.open(visit.shl_notification_to, context="visit.shl_notification_to")
            == "Aikuissosiaalityö"
        )


def test_the_correction_page_renders_in_swedish_and_only_for_her_visits(client, scheduling, runtime, clock):
    booking_id = recorded_visit(client, scheduling, clock)
    token = token_of(client.get("/work").text)
    client.post("/me/language", data={"language": "sv", "_csrf_token": token, "next_path": "/work"})
    page = client.get(f"/work/outcome?booking={booking_id}").text
    assert '<html lang="sv">' in page and "Korrigera resultatet" in page and "Resultatets historik" in page
    sign_in(client, scheduling.lohja_instructor.username)
    assert client.get(f"/work/outcome?booking={booking_id}").status_code == 404


def test_recorded_outcomes_are_listed_for_correction(client, scheduling, runtime, clock, make_user):
    booking_id = recorded_visit(client, scheduling, clock)
    listing = client.get("/work/outcomes")
    assert listing.status_code == 200 and "Kirjatut tulokset" in listing.text
    assert f'href="/work/outcome?booking={booking_id}"' in listing.text and "Asiakas tuli" in listing.text
    assert "Maija" not in listing.text  # outcomes only, nobody named
    assert 'href="/work/outcomes"' in client.get(f"/work/outcome?booking={booking_id}").text
    sign_in(client, scheduling.lohja_instructor.username)
    assert f"booking={booking_id}" not in client.get("/work/outcomes").text
    sign_in(client, scheduling.nurse.username)
    assert client.get("/work/outcomes").status_code == 403
