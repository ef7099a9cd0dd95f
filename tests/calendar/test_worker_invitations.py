"""Workers' calendars that learn at once: each booking, move and cancellation reaches the
worker's own calendar as an iMIP invitation (RFC 6047) through the outbox and a real SMTP
server (aiosmtpd), with the UID and SEQUENCE of the worker's feed and no client identity.

The Espoo instructor has Tuesday sessions 9-12 (45-minute slots) from 3 March 2026; the clock
starts on Monday 2 March 2026 at 10:00 in Helsinki.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from email.message import EmailMessage
from typing import Any

import icalendar
import pytest
from hypothesis import given
from hypothesis import strategies as st
from smtp_support import SmtpServer, start_server
from sqlalchemy import select
from support import REPO_ROOT, bearer, free_slots, identity_code, login

from sotesilta.calendar.serialise import FeedItem
from sotesilta.calendar.worker_invitations import CANCEL_KIND, REQUEST_KIND, invitation_ics, text_part
from sotesilta.core.kernel.clock import HELSINKI
from sotesilta.core.kernel.events import DomainEvent, EventKind
from sotesilta.core.kernel.plugins import hookimpl
from sotesilta.core.kernel.plugins.manager import load_plugins
from sotesilta.core.kernel.runtime import Runtime
from sotesilta.core.messages.channels import smtp
from sotesilta.core.messages.service.delivery import WorkerPolicy, deliver_batch
from sotesilta.core.messages.service.outbox import TABLE
from sotesilta.core.scheduling.domain.bookings import ClientDetails
from sotesilta.core.scheduling.service import bookings
from sotesilta.core.scheduling.tables import Booking

NAME, PHONE, NOTE = "Aino Salainen", "+358401234567", "Velkaongelmat ja yksinäisyys"
CODE = identity_code(date(1985, 4, 12), 903)
SECRETS = (NAME, "Aino", "Salainen", CODE, PHONE, "0401234567", NOTE, "Velka", "loneliness", "life_situation")
ADDRESS = "elina.ohjaaja@hyvaks.example"
ORGANIZER = "sotesilta@localhost"
SCRIPT = REPO_ROOT / "tests" / "system" / "browser" / "ical_invitation.mjs"
MODULE = REPO_ROOT / "tests" / "system" / "browser" / "node_modules" / "ical.js"
NODE = shutil.which("node")


def read_in_ical_js(text: str) -> dict[str, Any]:
    if NODE is None or not MODULE.exists():
        if os.environ.get("CI"):
            pytest.fail("node and ical.js are needed: npm ci --prefix tests/system/browser")
        pytest.skip("node or ical.js is not installed")
    done = subprocess.run(
        [NODE, str(SCRIPT)], input=text.encode(), capture_output=True, check=True, timeout=60
    )
    return json.loads(done.stdout)  # type: ignore[no-any-return]


@pytest.fixture
def server(monkeypatch) -> Iterator[SmtpServer]:  # type: ignore[no-untyped-def]
    started = start_server()
    yield started
    smtp.close()
    started.stop()


@pytest.fixture
def deliver(server, monkeypatch, runtime):  # type: ignore[no-untyped-def]
    """Run the worker's delivery in-process, with e-mail going to the test's SMTP server."""
    monkeypatch.setenv("SOTESILTA_SMTP_HOST", "127.0.0.1")
    monkeypatch.setenv("SOTESILTA_SMTP_PORT", str(server.port))
    monkeypatch.setenv("SOTESILTA_SMTP_SECURITY", "none")
    monkeypatch.setenv("SOTESILTA_SMTP_SENDER", f"Sotesilta <{ORGANIZER}>")
    plugins = load_plugins()

    def run() -> list[EmailMessage]:
        before = len(server.recorder.received)
        while deliver_batch(runtime.uow, plugins, worker="test", policy=WorkerPolicy()).attempts:
            pass
        return server.recorder.messages()[before:]

    return run


@pytest.fixture
def espoo(client, scheduling):  # type: ignore[no-untyped-def]
    """The nurse's and the instructor's tokens, a client record and the free slots."""
    nurse = bearer(login(client, "espoo.nurse"))
    instructor = bearer(login(client, "espoo.instructor"))
    client.cookies.clear()
    client_id = client.post(
        "/api/v1/clients",
        json={"municipality": "049", "name": NAME, "identity_code": CODE, "phone": PHONE},
        headers=nurse,
    ).json()["id"]
    free = free_slots(client, nurse, scheduling.station_id)
    return {"nurse": nurse, "instructor": instructor, "client_id": client_id, "free": free}


def book(client, espoo, slot: int) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    response = client.post(
        "/api/v1/bookings",
        json={
            "slot_id": espoo["free"][slot]["slot_id"],
            "reasons": ["loneliness", "life_situation"],
            "client": {"name": NAME, "phone": PHONE, "age": 40},
            "client_id": espoo["client_id"],
            "note": NOTE,
        },
        headers=espoo["nurse"],
    )
    assert response.status_code == 201, response.text
    return response.json()  # type: ignore[no-any-return]


def turn_on(client, espoo, **body) -> Any:  # type: ignore[no-untyped-def]
    response = client.put(
        "/api/v1/me/calendar-invitations",
        json={"enabled": True, "address": ADDRESS, "privacy": "pseudonymous", "language": "fi"} | body,
        headers=espoo["instructor"],
    )
    assert response.status_code == 200, response.text
    return response.json()


def feed_events(client, espoo, privacy: str, language: str = "fi") -> dict[str, icalendar.Event]:  # type: ignore[no-untyped-def]
    issued = client.post(
        "/api/v1/me/feeds",
        json={"name": f"feed {privacy}", "privacy": privacy, "language": language},
        headers=espoo["instructor"],
    ).json()
    body = client.get(issued["url"].removeprefix("http://127.0.0.1:8000")).content
    return {str(e["uid"]): e for e in icalendar.Calendar.from_ical(body).walk("VEVENT")}


def calendar_part(mail: EmailMessage) -> tuple[str, str]:
    """(method parameter, iCalendar text) of the mail's text/calendar part."""
    [part] = [p for p in mail.walk() if p.get_content_type() == "text/calendar"]
    assert part.get_content_charset() == "utf-8"
    return str(part.get_param("method")), str(part.get_content())


def invitation(mail: EmailMessage) -> tuple[str, icalendar.Event, dict[str, Any]]:
    """The mail's method, its one event as icalendar reads it, and what ical.js reads."""
    method, text = calendar_part(mail)
    calendar = icalendar.Calendar.from_ical(text)
    assert str(calendar["method"]) == method
    [event] = calendar.walk("VEVENT")
    return method, event, read_in_ical_js(text)


def whole_text(mail: EmailMessage) -> str:
    return "\n".join(
        str(p.get_content()).replace("\r\n ", "") for p in mail.walk() if p.get_content_maintype() == "text"
    ) + "".join(f"{k}: {v}\n" for k, v in mail.items())


def test_a_booking_a_move_and_a_cancellation_reach_the_workers_calendar(client, espoo, deliver):
    assert turn_on(client, espoo)["address"] == ADDRESS
    booked = book(client, espoo, 0)
    [request] = deliver()
    method, event, by_ical_js = invitation(request)
    uid = f"sotesilta-booking-{booked['id']}@sotesilta"
    feed = feed_events(client, espoo, "pseudonymous")[uid]
    assert method == "REQUEST" and by_ical_js["method"] == "REQUEST"
    assert request["To"] == ADDRESS and request["Subject"].startswith("Kalenteriisi: 3.3.2026 klo 9.00")
    # the feed's event, as the feed has it: UID, SEQUENCE, times, summary, place
    for key in ("uid", "sequence", "summary", "location", "status"):
        assert str(event[key]) == str(feed[key]), key
    assert event["dtstart"].dt == feed["dtstart"].dt and event["dtend"].dt == feed["dtend"].dt
    [js] = by_ical_js["events"]
    assert (js["uid"], js["sequence"], js["status"]) == (uid, 0, "CONFIRMED")
    starts = datetime.fromisoformat(booked["starts_at"]).astimezone(UTC)
    assert datetime.fromtimestamp(js["start"], UTC) == starts
    assert js["organizer"] == f"mailto:{ORGANIZER}" and js["attendees"] == [f"mailto:{ADDRESS}"]
    assert event["attendee"].params["RSVP"] == "FALSE"

    moved = client.post(
        f"/api/v1/bookings/{booked['id']}/reschedule",
        json={"slot_id": espoo["free"][2]["slot_id"]},
        headers=espoo["nurse"],
    ).json()
    cancel_old, request_new = deliver()
    feed_now = feed_events(client, espoo, "pseudonymous")
    method, event, by_ical_js = invitation(cancel_old)
    assert method == "CANCEL" and by_ical_js["method"] == "CANCEL"
    assert str(event["uid"]) == uid and str(event["status"]) == "CANCELLED"
    assert int(event["sequence"]) == int(feed_now[uid]["sequence"]) == 1
    assert by_ical_js["events"][0]["sequence"] == 1
    assert cancel_old["Subject"].startswith("Peruttu: 3.3.2026 klo 9.00")
    method, event, by_ical_js = invitation(request_new)
    new_uid = f"sotesilta-booking-{moved['id']}@sotesilta"
    assert method == "REQUEST" and str(event["uid"]) == new_uid
    assert int(event["sequence"]) == int(feed_now[new_uid]["sequence"]) == 0
    assert str(event["summary"]) == str(feed_now[new_uid]["summary"])  # the same pseudonym
    assert datetime.fromtimestamp(by_ical_js["events"][0]["start"], UTC) == datetime.fromisoformat(
        moved["starts_at"]
    ).astimezone(UTC)

    cancelled = client.post(
        f"/api/v1/bookings/{moved['id']}/cancel", json={"reason": NOTE}, headers=espoo["nurse"]
    )
    assert cancelled.status_code == 200
    [cancel] = deliver()
    method, event, by_ical_js = invitation(cancel)
    feed_last = feed_events(client, espoo, "pseudonymous")[new_uid]
    assert method == "CANCEL" and str(event["uid"]) == new_uid
    assert int(event["sequence"]) == int(feed_last["sequence"]) == by_ical_js["events"][0]["sequence"] == 1
    assert by_ical_js["events"][0]["status"] == "CANCELLED"
    for mail in (request, cancel_old, request_new, cancel):
        text = whole_text(mail)
        for secret in SECRETS:
            assert secret not in text, secret
        assert mail["Auto-Submitted"] == "auto-generated"
    assert len(deliver()) == 0  # each change once


def test_a_busy_only_invitation_says_busy_as_the_busy_only_feed(client, espoo, deliver):
    turn_on(client, espoo, privacy="busy_only", language="en")
    booked = book(client, espoo, 1)
    [mail] = deliver()
    _method, event, _js = invitation(mail)
    uid = f"sotesilta-booking-{booked['id']}@sotesilta"
    feed = feed_events(client, espoo, "busy_only", "en")[uid]
    assert str(event["summary"]) == str(feed["summary"]) == "Busy"
    assert "location" not in event and "Leppävaara" not in whole_text(mail)
    assert mail["Subject"].startswith("In your calendar: 3.3.2026 at 9:45")


@pytest.mark.parametrize("setting", ["never", "turned-off"])
def test_a_worker_who_has_not_turned_it_on_gets_nothing(client, espoo, deliver, runtime, setting):
    if setting == "turned-off":
        turn_on(client, espoo)
        off = client.put(
            "/api/v1/me/calendar-invitations", json={"enabled": False}, headers=espoo["instructor"]
        )
        assert off.status_code == 200 and off.json()["enabled"] is False
    booked = book(client, espoo, 0)
    client.post(f"/api/v1/bookings/{booked['id']}/cancel", json={"reason": "x"}, headers=espoo["nurse"])
    assert deliver() == []
    with runtime.uow() as uow:
        kinds = uow.connection.execute(select(TABLE.c.kind)).scalars().all()
    assert REQUEST_KIND not in kinds and CANCEL_KIND not in kinds


def test_the_setting_is_the_instructors_own_and_its_address_sealed(client, espoo, runtime):
    blank = client.get("/api/v1/me/calendar-invitations", headers=espoo["instructor"])
    assert blank.status_code == 200 and blank.json()["enabled"] is False and blank.json()["address"] is None
    turn_on(client, espoo)
    with runtime.uow() as uow:
        stored = (
            uow.session.execute(select(TABLE.c.id)).all(),
            uow.connection.exec_driver_sql("SELECT address FROM calendar_invitation_setting").scalar_one(),
        )
    assert ADDRESS not in stored[1] and stored[1].startswith("v1.")
    for body, field in (
        ({"enabled": True}, "address"),
        ({"enabled": True, "address": "not an address"}, "address"),
        ({"enabled": True, "address": "a@b.example, c@d.example"}, "address"),
        ({"enabled": False, "address": "a@b.example", "language": "de"}, "language"),
    ):
        refused = client.put("/api/v1/me/calendar-invitations", json=body, headers=espoo["instructor"])
        assert refused.status_code == 422, (body, refused.text)
        assert field in refused.text
    nurse = client.put("/api/v1/me/calendar-invitations", json={"enabled": False}, headers=espoo["nurse"])
    assert nurse.status_code == 403


def test_the_page_turns_invitations_on_and_off(client, espoo, runtime):
    login(client, "espoo.instructor")
    page = client.get("/work/feeds")
    assert page.status_code == 200 and 'name="invitation_address"' in page.text
    token = page.text.split('name="_csrf_token" value="')[1].split('"')[0]
    form = {
        "_csrf_token": token,
        "invitation_enabled": "on",
        "invitation_address": ADDRESS,
        "invitation_privacy": "busy_only",
        "invitation_language": "sv",
    }
    saved = client.post("/work/feeds/invitations", data=form, follow_redirects=True)
    assert saved.status_code == 200 and ADDRESS in saved.text
    got = client.get("/api/v1/me/calendar-invitations", headers=espoo["instructor"]).json()
    assert (got["enabled"], got["address"], got["privacy"], got["language"]) == (
        True,
        ADDRESS,
        "busy_only",
        "sv",
    )
    refused = client.post("/work/feeds/invitations", data=form | {"invitation_address": "x"})
    assert refused.status_code == 422 and 'aria-invalid="true"' in refused.text
    off = client.post("/work/feeds/invitations", data={"_csrf_token": token}, follow_redirects=True)
    assert off.status_code == 200
    assert (
        client.get("/api/v1/me/calendar-invitations", headers=espoo["instructor"]).json()["enabled"] is False
    )


# --- the hook -----------------------------------------------------------------------------


class Listener:
    def __init__(self, fail: bool = False) -> None:
        self.heard: list[tuple[EventKind, int, bool]] = []
        self.fail = fail

    @hookimpl
    def sotesilta_event_in_transaction(self, uow: Any, event: DomainEvent) -> None:
        # what it sees is the change itself, not yet committed
        status = uow.connection.execute(
            select(Booking.status).where(Booking.id == event.subject_id)  # type: ignore[arg-type]
        ).scalar_one()
        self.heard.append((event.kind, event.subject_id, uow.connection.in_transaction()))
        assert status in ("booked", "cancelled")
        if self.fail:
            raise RuntimeError("the plugin failed")


def test_hook_sotesilta_event_in_transaction(runtime, scheduling, principal_of, clock):
    listener = Listener()
    with_listener = Runtime(
        settings=runtime.settings,
        engine=runtime.engine,
        plugins=load_plugins(extra=[("listener", listener)]),
        clock=clock,
        outbox=runtime.outbox,
    )
    nurse = principal_of(scheduling.nurse)
    with with_listener.uow() as uow:
        slots = [
            s.slot_id
            for s in bookings.find_free_slots(
                uow, principal=nurse, municipality="049", station_id=scheduling.station_id, limit=3
            )
        ]
    request = bookings.BookingRequest(
        slot_id=slots[0], reasons=("loneliness",), client=ClientDetails(name=NAME, phone=None, age=30)
    )
    with with_listener.uow() as uow:
        made = bookings.create_booking(uow, principal=nurse, request=request).booking
    with with_listener.uow() as uow:
        moved = bookings.reschedule_booking(
            uow, principal=nurse, booking_id=made.id, slot_id=slots[1], hold_id=None
        ).booking
    with with_listener.uow() as uow:
        bookings.cancel_booking(uow, principal=nurse, booking_id=moved.id, reason="x")
    assert listener.heard == [
        (EventKind.BOOKING_CREATED, made.id, True),
        (EventKind.BOOKING_RESCHEDULED, moved.id, True),
        (EventKind.BOOKING_CANCELLED, moved.id, True),
    ]
    # an exception undoes the change: the message and the booking stand or fall together
    failing = Listener(fail=True)
    with_failing = Runtime(
        settings=runtime.settings,
        engine=runtime.engine,
        plugins=load_plugins(extra=[("failing", failing)]),
        clock=clock,
        outbox=runtime.outbox,
    )
    with with_failing.uow() as uow, pytest.raises(RuntimeError):
        bookings.create_booking(
            uow,
            principal=nurse,
            request=bookings.BookingRequest(
                slot_id=slots[2], reasons=("loneliness",), client=ClientDetails(name=NAME, phone=None, age=30)
            ),
        )
    with runtime.uow() as uow:
        taken = uow.connection.execute(select(Booking.id).where(Booking.slot_id == slots[2])).all()  # type: ignore[arg-type]
    assert taken == []


# --- the invitation itself ------------------------------------------------------------------

_instants = st.datetimes(
    min_value=datetime(2026, 1, 1), max_value=datetime(2030, 12, 31), timezones=st.just(UTC)
).map(lambda d: d.replace(second=0, microsecond=0))


@given(
    start=_instants,
    minutes=st.integers(min_value=15, max_value=240),
    sequence=st.integers(min_value=0, max_value=50),
    method=st.sampled_from(["REQUEST", "CANCEL"]),
    summary=st.text(min_size=1, max_size=60).filter(lambda s: s.strip() == s and s.isprintable()),
    language=st.sampled_from(["fi", "sv", "en"]),
)
def test_an_invitation_reads_back_as_its_event_with_its_method(
    start, minutes, sequence, method, summary, language
):
    item = FeedItem(
        uid="sotesilta-booking-7@sotesilta",
        sequence=sequence,
        cancelled=method == "CANCEL",
        starts_at=start,
        ends_at=start + timedelta(minutes=minutes),
        stamp=start,
        summary=summary,
    )
    text = invitation_ics(item, method, organizer=ORGANIZER, attendee=ADDRESS, now=start)
    assert smtp.calendar_method(text) == method
    calendar = icalendar.Calendar.from_ical(text)
    [event] = calendar.walk("VEVENT")
    assert str(calendar["method"]) == method
    assert (str(event["uid"]), int(event["sequence"]), str(event["summary"])) == (item.uid, sequence, summary)
    assert event["dtstart"].dt.astimezone(UTC) == start and event["dtend"].dt.astimezone(UTC) == item.ends_at
    assert str(event["status"]) == ("CANCELLED" if method == "CANCEL" else "CONFIRMED")
    assert str(event["organizer"]) == f"mailto:{ORGANIZER}" and str(event["attendee"]) == f"mailto:{ADDRESS}"
    subject, body = text_part(item, method, language)
    local = start.astimezone(HELSINKI)
    mark = ":" if language == "en" else "."
    assert f"{local.day}.{local.month}.{local.year}" in subject and summary in body
    assert f" {local.hour}{mark}{local.minute:02d}–" in subject  # 0.30, never .30
