"""Messages to a client who agreed at booking (issue 21 item 6): the confirmation, the
reminder when the clock reaches 24 h before, the notice of a cancelled or moved time and the
feedback link, in the client's language, through a real SMTP server; never the reasons, the
note, the instructor or their field; nothing for a client who did not agree."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st
from smtp_support import SmtpServer, start_server
from sqlalchemy import select
from support import bearer, login

from sotesilta.core.kernel.plugins.manager import load_plugins
from sotesilta.core.messages.channels import smtp
from sotesilta.core.messages.domain import after_quiet_hours
from sotesilta.core.messages.service.delivery import WorkerPolicy, deliver_batch
from sotesilta.core.messages.service.outbox import TABLE
from sotesilta.core.scheduling.domain.bookings import reminder_due

EMAIL = "maija.meikalainen@example.org"
#: Tuesday 10 March 2026, 09:00 in Helsinki: a week after the first session (the clock says
#: Monday 2 March 10:00), so its reminder is due on Monday 9 March at 09:00
NEXT_WEEK = datetime(2026, 3, 10, 7, 0, tzinfo=UTC)
#: what no message may carry: the reasons' labels, the note, the instructor and her field
FORBIDDEN = (
    "Yksinäisyys",
    "Huoli asumisesta",
    "Ensamhet",
    "Oro för boende",
    "soittoa",
    "Elina",
    "Ohjaaja",
    "sosiaaliohja",
    "socialhandled",
)


@pytest.fixture
def server(monkeypatch) -> Iterator[SmtpServer]:  # type: ignore[no-untyped-def]
    found = start_server()
    monkeypatch.setenv("SOTESILTA_SMTP_HOST", "127.0.0.1")
    monkeypatch.setenv("SOTESILTA_SMTP_PORT", str(found.port))
    monkeypatch.setenv("SOTESILTA_SMTP_SECURITY", "none")
    monkeypatch.setenv("SOTESILTA_SMTP_SENDER", "no-reply@lansi-uusimaa.example")
    yield found
    smtp.close()
    found.stop()


def deliver(runtime) -> int:  # type: ignore[no-untyped-def]
    """One worker's pass, with the SMTP settings of the environment."""
    return deliver_batch(runtime.uow, load_plugins(), worker="test", policy=WorkerPolicy(batch=50)).delivered


def outbox(runtime) -> list[tuple[str, str, datetime]]:  # type: ignore[no-untyped-def]
    with runtime.uow() as uow:
        rows = uow.connection.execute(
            select(TABLE.c.kind, TABLE.c.status, TABLE.c.due_at).order_by(TABLE.c.id)
        ).all()
    return [tuple(r) for r in rows]  # type: ignore[misc]


def book(client, scheduling, *, language: str = "fi", messages: str | None = "email", **client_fields):  # type: ignore[no-untyped-def]
    nurse = bearer(login(client, "espoo.nurse"))
    free = client.get(
        "/api/v1/slots/free",
        params={"municipality": "049", "station_id": scheduling.station_id, "limit": 20},
        headers=nurse,
    ).json()
    slot = next(s for s in free if s["starts_at"] == NEXT_WEEK.isoformat().replace("+00:00", "Z"))
    body = {
        "slot_id": slot["slot_id"],
        "reasons": ["life_situation", "loneliness"],
        "client": {"name": "Maija Meikäläinen", "age": 40, "email": EMAIL} | client_fields,
        "preferred_language": language,
        "note": "Toivoo soittoa ennen käyntiä",
    }
    if messages is not None:
        body["messages"] = messages
    answer = client.post("/api/v1/bookings", json=body, headers=nurse)
    return answer, nurse, free


def test_a_client_who_agreed_gets_a_confirmation_then_a_reminder_when_the_clock_comes(
    client, runtime, scheduling, clock, server
):
    booked, _nurse, _free = book(client, scheduling)
    assert booked.status_code == 201, booked.text
    assert booked.json()["messages"] == "email" and booked.json()["client"]["email"] == EMAIL
    assert [(kind, status) for kind, status, _ in outbox(runtime)] == [
        ("booking-confirmation", "pending"),
        ("booking-reminder", "pending"),
        ("feedback-request", "pending"),
    ]
    assert deliver(runtime) == 1
    [confirmation] = server.recorder.messages()
    assert confirmation["To"] == EMAIL and confirmation["Subject"] == "Varattu aikasi"
    text = confirmation.get_content()
    assert "Aika: tiistaina 10.3.2026 klo 9.00–9.45" in text
    assert "Paikka: Leppävaaran terveysasema" in text
    assert "Ohjeet: http://127.0.0.1:8000/c/" in text
    assert not [word for word in FORBIDDEN if word in text]
    assert confirmation["Message-ID"].endswith("@lansi-uusimaa.example>")

    # the reminder comes when the clock reaches 24 h before, not a minute earlier
    clock._now = NEXT_WEEK - timedelta(hours=24, minutes=1)
    assert deliver(runtime) == 0
    clock.advance(minutes=1)
    assert deliver(runtime) == 1
    reminder = server.recorder.messages()[1]
    assert reminder.get_content().startswith("Muistutus varatusta ajastasi.\r\nAika: tiistaina 10.3.2026")
    assert not [word for word in FORBIDDEN if word in reminder.get_content()]

    # after the visit, the feedback link
    clock._now = NEXT_WEEK + timedelta(minutes=45 + 60)
    assert deliver(runtime) == 1
    assert "/feedback/" in server.recorder.messages()[2].get_content()


def test_messages_are_in_the_clients_language(client, runtime, scheduling, server):
    booked, _nurse, _free = book(client, scheduling, language="sv")
    assert booked.status_code == 201, booked.text
    deliver(runtime)
    [confirmation] = server.recorder.messages()
    assert confirmation["Subject"] == "Din bokade tid" and confirmation["Content-Language"] == "sv"
    text = confirmation.get_content()
    assert "Tid: tisdag 10.3.2026 kl. 9.00–9.45" in text and "Plats: Alberga hälsostation" in text
    assert not [word for word in FORBIDDEN if word in text]


def test_a_client_who_did_not_agree_gets_nothing(client, runtime, scheduling, server):
    booked, _nurse, _free = book(client, scheduling, messages=None)
    assert booked.status_code == 201 and booked.json()["messages"] is None
    assert outbox(runtime) == []


def test_a_channel_needs_its_address(client, runtime, scheduling):
    refused, _nurse, _free = book(client, scheduling, messages="sms")  # no phone given
    assert refused.status_code == 422
    assert refused.json()["errors"][0]["field"] == "client.phone"
    refused, _nurse, _free = book(client, scheduling, messages="email", email="not-an-address")
    assert refused.status_code == 422 and refused.json()["errors"][0]["field"] == "client.email"
    assert outbox(runtime) == []


def test_a_cancelled_time_withdraws_the_reminder_and_tells_the_client(client, runtime, scheduling, server):
    booked, nurse, _free = book(client, scheduling)
    cancelled = client.post(
        f"/api/v1/bookings/{booked.json()['id']}/cancel", json={"reason": "Asiakas soitti"}, headers=nurse
    )
    assert cancelled.status_code == 200, cancelled.text
    assert [(kind, status) for kind, status, _ in outbox(runtime)] == [
        ("booking-confirmation", "pending"),
        ("booking-reminder", "withdrawn"),
        ("feedback-request", "withdrawn"),
        ("booking-cancelled", "pending"),
    ]
    assert deliver(runtime) == 2
    notice = server.recorder.messages()[1]
    assert notice["Subject"] == "Aikasi on peruttu"
    assert (
        "Varattu aikasi on peruttu." in notice.get_content() and "Asiakas soitti" not in notice.get_content()
    )


def test_a_moved_time_sends_the_new_time_and_reminds_of_it_not_of_the_old(
    client, runtime, scheduling, server
):
    booked, nurse, free = book(client, scheduling)
    later = next(s for s in free if s["starts_at"] == "2026-03-10T07:45:00Z")
    moved = client.post(
        f"/api/v1/bookings/{booked.json()['id']}/reschedule",
        json={"slot_id": later["slot_id"]},
        headers=nurse,
    )
    assert moved.status_code == 201, moved.text
    assert moved.json()["messages"] == "email"  # the consent moves with the booking
    assert [(kind, status) for kind, status, _ in outbox(runtime)] == [
        ("booking-confirmation", "pending"),
        ("booking-reminder", "withdrawn"),
        ("feedback-request", "withdrawn"),
        ("booking-moved", "pending"),
        ("booking-reminder", "pending"),
        ("feedback-request", "pending"),
    ]
    assert outbox(runtime)[4][2] == datetime(2026, 3, 9, 7, 45, tzinfo=UTC)  # 24 h before 9.45
    deliver(runtime)
    notice = server.recorder.messages()[1]
    assert notice["Subject"] == "Aikasi on siirretty"
    assert "Aika: tiistaina 10.3.2026 klo 9.45–10.30" in notice.get_content()


def test_a_reminder_never_comes_in_the_night_nor_after_the_time():
    monday_nine = datetime(2026, 3, 9, 7, 0, tzinfo=UTC)  # 09:00 Helsinki
    now = datetime(2026, 3, 1, tzinfo=UTC)
    assert reminder_due(monday_nine, 24, now) == monday_nine - timedelta(hours=24)
    # 2 h before 09:00 is 07:00, in the night: it waits until 08:00 (the outbox moves it)
    assert reminder_due(monday_nine, 2, now) == monday_nine - timedelta(hours=2)
    # 1 h before 08:30 is 07:30: the morning would bring it only at 08:00... still before 08:30
    half_past_eight = datetime(2026, 3, 9, 6, 30, tzinfo=UTC)
    assert reminder_due(half_past_eight, 1, now) is not None
    # 1 h before 08:00: moved out of the night it would come at the time itself: none
    eight = datetime(2026, 3, 9, 6, 0, tzinfo=UTC)
    assert reminder_due(eight, 1, now) is None
    # booked at short notice: the moment has passed, the confirmation says it all
    assert reminder_due(monday_nine, 24, monday_nine - timedelta(hours=3)) is None


def test_the_municipality_decides_how_long_before_the_reminder_comes():
    from sotesilta.core import plugin_api as api
    from sotesilta.core.kernel.errors import InputInvalid

    county = api.CountyProfile("03", "Länsi-Uudenmaan hyvinvointialue", "Västra Nylands välfärdsområde")
    assert (
        api.MunicipalityProfile("710", "Raasepori", "Raseborg", county, reminder_hours=48).reminder_hours
        == 48
    )
    with pytest.raises(InputInvalid, match="reminder_hours"):
        api.MunicipalityProfile("710", "Raasepori", "Raseborg", county, reminder_hours=0)


def test_the_booking_form_records_the_consent_and_refuses_it_without_an_address(client, runtime, scheduling):
    from page_support import booking_form, sign_in

    sign_in(client, "espoo.nurse")
    screen, fields = booking_form(client, messages="email", client_email="")
    assert 'name="messages"' in screen.text and 'id="client-email"' in screen.text
    refused = client.post("/book", data=fields, follow_redirects=False)
    assert refused.status_code == 422
    assert 'aria-invalid="true"' in refused.text.split('id="client-email"')[1].split(">")[0]
    assert outbox(runtime) == []
    _, fields = booking_form(client, messages="sms")  # the phone is on the form
    booked = client.post("/book", data=fields, follow_redirects=False)
    assert booked.status_code == 303, booked.text
    with runtime.uow() as uow:
        row = uow.connection.execute(select(TABLE.c.channel, TABLE.c.kind, TABLE.c.language)).first()
    assert tuple(row) == ("sms", "booking-confirmation", "sv")  # the form's client speaks Swedish


def test_no_feedback_link_after_a_no_show(client, runtime, scheduling, clock):
    booked, _nurse, _free = book(client, scheduling)
    clock._now = NEXT_WEEK + timedelta(minutes=50)
    instructor = bearer(login(client, "espoo.instructor"))
    recorded = client.post(
        "/api/v1/visits", json={"booking_id": booked.json()["id"], "outcome": "no_show"}, headers=instructor
    )
    assert recorded.status_code == 200, recorded.text
    assert [(kind, status) for kind, status, _ in outbox(runtime)][2] == ("feedback-request", "withdrawn")


@given(
    st.datetimes(min_value=datetime(2025, 1, 1), max_value=datetime(2030, 1, 1), timezones=st.just(UTC)),
    st.integers(min_value=1, max_value=168),
    st.integers(min_value=0, max_value=400 * 60),
)
def test_a_reminder_is_hours_before_the_time_after_now_and_reaches_the_client_before_it(start, hours, lead):
    now = start - timedelta(minutes=lead)
    due = reminder_due(start, hours, now)
    if due is not None:
        assert due == start - timedelta(hours=hours) and now < due
        assert after_quiet_hours(due) < start
    else:
        assert (
            start - timedelta(hours=hours) <= now
            or after_quiet_hours(start - timedelta(hours=hours)) >= start
        )
