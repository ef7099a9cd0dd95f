"""Calendar feeds for workers and invitations for clients, over HTTP.

The Espoo instructor has Tuesday sessions 9-12 (45-minute slots) from 3 March
2026; the clock starts on Monday 2 March 2026 at 10:00 in Helsinki.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

import icalendar
import pytest
from ical.calendar_stream import IcsCalendarStream
from sqlalchemy import select, update
from support import bearer, free_slots, identity_code, login

from sotesilta.calendar import serialise
from sotesilta.calendar.tables import FeedSubscription
from sotesilta.core.kernel.clock import HELSINKI
from sotesilta.core.scheduling.tables import GuidanceSession

NAME, PHONE, NOTE = "Aino Salainen", "+358401234567", "Velkaongelmat ja yksinäisyys"
CODE = identity_code(date(1985, 4, 12), 903)


def events_of(body: bytes) -> dict[str, icalendar.Event]:
    calendar = icalendar.Calendar.from_ical(body)
    return {str(e["uid"]): e for e in calendar.walk("VEVENT")}


def utc(value) -> datetime:  # type: ignore[no-untyped-def]
    return value.dt.astimezone(UTC)


@pytest.fixture
def espoo(client, scheduling):  # type: ignore[no-untyped-def]
    """A booked client with a name, phone, identity code, note and reasons; the instructor's tokens."""
    nurse = bearer(login(client, "espoo.nurse"))
    instructor = bearer(login(client, "espoo.instructor"))
    client.cookies.clear()
    client_id = client.post(
        "/api/v1/clients",
        json={"municipality": "049", "name": NAME, "identity_code": CODE, "phone": PHONE},
        headers=nurse,
    ).json()["id"]
    free = free_slots(client, nurse, scheduling.station_id)
    booking = client.post(
        "/api/v1/bookings",
        json={
            "slot_id": free[0]["slot_id"],
            "reasons": ["loneliness", "life_situation"],
            "client": {"name": NAME, "phone": PHONE, "age": 40},
            "client_id": client_id,
            "note": NOTE,
            "preferred_language": "sv",
        },
        headers=nurse,
    )
    assert booking.status_code == 201, booking.text
    return {"nurse": nurse, "instructor": instructor, "booking": booking.json(), "free": free}


def subscribe(client, headers, **body):  # type: ignore[no-untyped-def]
    response = client.post("/api/v1/me/feeds", json={"name": "työpuhelin", **body}, headers=headers)
    assert response.status_code == 201, response.text
    return response.json()


def fetch(client, url: str, **headers: str):  # type: ignore[no-untyped-def]
    return client.get(url.removeprefix("http://127.0.0.1:8000"), headers=headers)


def test_a_pseudonymous_feed_shows_the_appointments_with_their_true_times(client, espoo, runtime):
    issued = subscribe(client, espoo["instructor"], privacy="pseudonymous")
    assert len(issued["token"]) >= 43  # 256 random bits, URL-safe
    response = fetch(client, issued["url"], **{"User-Agent": "Outlook/16.0"})
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/calendar")
    events = events_of(response.content)
    booking = espoo["booking"]
    uid = f"sotesilta-booking-{booking['id']}@sotesilta"
    assert utc(events[uid]["dtstart"]) == datetime.fromisoformat(booking["starts_at"]).astimezone(UTC)
    assert events[uid]["dtstart"].params["TZID"] == "Europe/Helsinki"
    assert str(events[uid]["summary"]).startswith("Sosiaaliohjaus – Leppävaara")
    sessions = [e for u, e in events.items() if u.startswith("sotesilta-session-")]
    assert sessions and all(str(e["status"]) == "CONFIRMED" for e in sessions)
    calendar = icalendar.Calendar.from_ical(response.content)
    assert [str(tz["tzid"]) for tz in calendar.walk("VTIMEZONE")] == ["Europe/Helsinki"]
    for key in ("X-WR-CALNAME", "NAME", "REFRESH-INTERVAL", "X-PUBLISHED-TTL"):
        assert key in calendar
    # an independent parser reads the same events at the same instants
    other = IcsCalendarStream.calendar_from_ics(response.text)
    assert {e.uid for e in other.timeline_tz(HELSINKI)} | {e.uid for e in other.events} == set(events)
    for event in other.events:
        assert event.dtstart.astimezone(UTC) == utc(events[event.uid]["dtstart"])
    listed = client.get("/api/v1/me/feeds", headers=espoo["instructor"]).json()
    assert listed[0]["last_user_agent"] == "Outlook/16.0" and listed[0]["last_fetched_at"] is not None
    with runtime.uow() as uow:
        stored = uow.session.scalar(select(FeedSubscription.token_hash))
    assert stored != issued["token"] and issued["token"] not in stored


@pytest.mark.parametrize("privacy", ["busy_only", "pseudonymous"])
def test_feeds_carry_no_name_identity_code_phone_reason_or_note(client, espoo, privacy):
    issued = subscribe(client, espoo["instructor"], privacy=privacy)
    text = fetch(client, issued["url"]).text
    unfolded = text.replace("\r\n ", "")
    for secret in (
        NAME,
        "Aino",
        "Salainen",
        CODE,
        PHONE,
        "0401234567",
        NOTE,
        "Velka",
        "loneliness",
        "housing",
    ):
        assert secret not in unfolded
    if privacy == "busy_only":
        summaries = {str(e["summary"]) for e in events_of(text.encode()).values()}
        assert summaries == {"Varattu"} and "LOCATION" not in unfolded


def test_a_feed_revalidates_with_etag_and_last_modified(client, espoo, clock):
    url = subscribe(client, espoo["instructor"])["url"]
    first = fetch(client, url)
    etag, modified = first.headers["etag"], first.headers["last-modified"]
    same = fetch(client, url, **{"If-None-Match": etag})
    assert same.status_code == 304 and same.content == b"" and same.headers["etag"] == etag
    assert fetch(client, url, **{"If-Modified-Since": modified}).status_code == 304
    cancelled = client.post(
        f"/api/v1/bookings/{espoo['booking']['id']}/cancel",
        json={"reason": "asiakas perui"},
        headers=espoo["nurse"],
    )
    assert cancelled.status_code == 200
    changed = fetch(client, url, **{"If-None-Match": etag})
    assert changed.status_code == 200 and changed.headers["etag"] != etag
    event = events_of(changed.content)[f"sotesilta-booking-{espoo['booking']['id']}@sotesilta"]
    assert str(event["status"]) == "CANCELLED" and int(event["sequence"]) == 1


def test_a_cancelled_appointment_stays_as_a_tombstone_for_thirty_days(client, espoo, clock):
    url = subscribe(client, espoo["instructor"])["url"]
    uid = f"sotesilta-booking-{espoo['booking']['id']}@sotesilta"
    client.post(
        f"/api/v1/bookings/{espoo['booking']['id']}/cancel", json={"reason": "x"}, headers=espoo["nurse"]
    )
    clock.advance(days=29)
    assert str(events_of(fetch(client, url).content)[uid]["status"]) == "CANCELLED"
    clock.advance(days=2)
    assert uid not in events_of(fetch(client, url).content)


def test_revoked_and_unknown_feeds_answer_the_same_404(client, espoo):
    issued = subscribe(client, espoo["instructor"])
    revoked = client.delete(f"/api/v1/me/feeds/{issued['subscription']['id']}", headers=espoo["instructor"])
    assert revoked.status_code == 200 and revoked.json()["revoked_at"] is not None
    gone = fetch(client, issued["url"])
    unknown = client.get("/feeds/" + "A" * 43 + ".ics")
    assert gone.status_code == unknown.status_code == 404
    assert gone.json()["detail"] == unknown.json()["detail"] == "no such feed"
    other = client.delete(f"/api/v1/me/feeds/{issued['subscription']['id']}", headers=espoo["nurse"])
    assert other.status_code in (403, 404)


def test_bad_subscriptions_are_refused(client, espoo):
    for body, field in (
        ({"name": "x", "feed": "everyone"}, "feed"),
        ({"name": "x", "privacy": "full"}, "privacy"),
        ({"name": "x", "language": "de"}, "language"),
    ):
        response = client.post("/api/v1/me/feeds", json=body, headers=espoo["instructor"])
        assert response.status_code == 422 and response.json()["errors"][0]["field"] == field
    assert client.post("/api/v1/me/feeds", json={"name": "x"}, headers=espoo["nurse"]).status_code == 403


def test_the_stations_feed_shows_the_sessions_of_my_stations(client, espoo):
    url = subscribe(client, espoo["instructor"], feed="stations", privacy="pseudonymous", language="sv")[
        "url"
    ]
    events = events_of(fetch(client, url).content)
    assert events and all(u.startswith("sotesilta-session-") for u in events)
    assert all(str(e["summary"]).startswith("Socialhandledningens mottagning") for e in events.values())


def test_a_moved_booking_without_a_client_record_keeps_its_pseudonym(client, espoo):
    """The code stands for the client; with no client record, for the first booking of the
    chain that each move continues (moved twice here)."""
    free = espoo["free"]
    booked = client.post(
        "/api/v1/bookings",
        json={"slot_id": free[3]["slot_id"], "reasons": ["loneliness"], "client": {"name": NAME, "age": 40}},
        headers=espoo["nurse"],
    ).json()
    url = subscribe(client, espoo["instructor"], privacy="pseudonymous")["url"]

    def summary_of(booking_id: int) -> str:
        return str(
            events_of(fetch(client, url).content)[f"sotesilta-booking-{booking_id}@sotesilta"]["summary"]
        )

    before = summary_of(booked["id"])
    moved = booked
    for slot in (free[4], free[5]):
        moved = client.post(
            f"/api/v1/bookings/{moved['id']}/reschedule",
            json={"slot_id": slot["slot_id"]},
            headers=espoo["nurse"],
        ).json()
        assert moved["id"] != booked["id"] and summary_of(moved["id"]) == before
    # another client's booking reads another code
    assert summary_of(espoo["booking"]["id"]) != before


@pytest.mark.parametrize("stamped", [True, False])
def test_a_never_changed_session_says_when_it_was_made(client, espoo, clock, runtime, stamped):
    """LAST-MODIFIED and DTSTAMP of a session nobody changed are its making, not year 1999;
    sessions made before they were stamped read their rule's making."""
    if not stamped:
        with runtime.uow() as uow:
            uow.session.execute(update(GuidanceSession).values(updated_at=None))
            uow.commit()
    url = subscribe(client, espoo["instructor"])["url"]
    sessions = [
        e for u, e in events_of(fetch(client, url).content).items() if u.startswith("sotesilta-session-")
    ]
    assert sessions
    made_by = clock.now().astimezone(UTC)
    for event in sessions:
        for key in ("last-modified", "dtstamp"):
            assert made_by - timedelta(days=7) <= event[key].dt <= made_by, (key, event[key].dt)


def test_the_client_invitation_follows_moves_and_cancellation(client, espoo):
    booking = espoo["booking"]
    url = f"/api/v1/bookings/{booking['id']}/invitation.ics"
    first = client.get(url, headers=espoo["nurse"])
    assert first.status_code == 200 and first.headers["content-type"] == "text/calendar; charset=utf-8"
    # an event to add, not an iTIP message (PUBLISH would need an ORGANIZER, RFC 5546)
    assert "METHOD:" not in first.text
    (event,) = events_of(first.content).values()
    assert (
        str(event["summary"]).startswith("Socialhandledarens") or "handled" in str(event["summary"]).lower()
    )
    for secret in (NAME, PHONE, NOTE, "loneliness", CODE):
        assert secret not in first.text.replace("\r\n ", "")
    assert "Leppävaara" in first.text.replace("\r\n ", "") or "Alberga" in first.text.replace("\r\n ", "")
    moved = client.post(
        f"/api/v1/bookings/{booking['id']}/reschedule",
        json={"slot_id": espoo["free"][2]["slot_id"]},
        headers=espoo["nurse"],
    ).json()
    (after_move,) = events_of(
        client.get(f"/api/v1/bookings/{moved['id']}/invitation.ics", headers=espoo["nurse"]).content
    ).values()
    assert str(after_move["uid"]) == str(event["uid"])
    assert int(after_move["sequence"]) > int(event["sequence"])
    assert utc(after_move["dtstart"]) == datetime.fromisoformat(moved["starts_at"]).astimezone(UTC)
    client.post(f"/api/v1/bookings/{moved['id']}/cancel", json={"reason": "x"}, headers=espoo["nurse"])
    (cancelled,) = events_of(
        client.get(f"/api/v1/bookings/{moved['id']}/invitation.ics", headers=espoo["nurse"]).content
    ).values()
    assert str(cancelled["status"]) == "CANCELLED" and str(cancelled["uid"]) == str(event["uid"])
    assert int(cancelled["sequence"]) > int(after_move["sequence"])
    assert client.get(url, headers=bearer(login(client, "lohja.nurse"))).status_code == 404


@pytest.mark.parametrize(
    "local_start",
    [
        datetime(2026, 3, 29, 1, 30),  # before the spring change (03:00 -> 04:00)
        datetime(2026, 3, 29, 4, 30),  # after it
        datetime(2026, 3, 28, 23, 0),
        datetime(2026, 10, 25, 2, 30),  # the autumn change: 04:00 -> 03:00; the first 03:30
        datetime(2026, 10, 25, 5, 0),
        datetime(2026, 10, 24, 23, 30),
    ],
)
def test_events_on_daylight_saving_change_days_keep_their_instants(local_start):
    start = local_start.replace(tzinfo=HELSINKI).astimezone(UTC)
    item = serialise.FeedItem(
        uid="x@sotesilta",
        sequence=0,
        cancelled=False,
        starts_at=start,
        ends_at=start + timedelta(hours=2),  # across the change itself for some
        stamp=datetime(2026, 3, 1, tzinfo=UTC),
        summary="s",
    )
    body = serialise.assemble("t", [item])
    (event,) = events_of(body).values()
    assert (utc(event["dtstart"]), utc(event["dtend"])) == (item.starts_at, item.ends_at)
    other = IcsCalendarStream.calendar_from_ics(body.decode())
    (parsed,) = other.events
    assert parsed.dtstart.astimezone(UTC) == item.starts_at and parsed.dtend.astimezone(UTC) == item.ends_at


def test_intensive_contacts_appear_pseudonymously_and_a_group_meeting_once(
    client, runtime, make_user, principal_of
):
    from conftest import add_worker

    from sotesilta.core.clients import service as clients
    from sotesilta.core.rehab.service import contacts
    from sotesilta.core.rehab.service import periods as rehab_periods

    instructor = make_user("ph.feed", ["instructor"], ["398"])
    worker = add_worker(runtime, instructor.id, "398", "Paula")
    principal = principal_of(instructor)
    periods = []
    for n, name in enumerate(("Onni Salainen", "Helmi Piilossa")):
        with runtime.uow() as uow:
            client_id = clients.create_client(
                uow,
                principal=principal,
                municipality="398",
                name=name,
                identity_code=identity_code(date(2001, 2, 3 + n), 930 + n),
                phone=PHONE,
                language="fi",
                index_key=runtime.index_key,
            ).id
        with runtime.uow() as uow:
            decision = rehab_periods.create_service_decision(
                uow,
                principal=principal,
                client_id=client_id,
                decided_on=date(2026, 3, 1),
                valid_from=date(2026, 3, 2),
                valid_until=date(2026, 8, 31),
                decision_maker="X",
            )
        with runtime.uow() as uow:
            periods.append(
                rehab_periods.open_intensive_period(
                    uow,
                    principal=principal,
                    draft=rehab_periods.PeriodDraft(decision.id, date(2026, 3, 2), date(2026, 6, 1), worker),
                ).id
            )
    with runtime.uow() as uow:
        contacts.plan_contact(
            uow,
            principal=principal,
            period_id=periods[0],
            draft=contacts.ContactDraft(
                kind=contacts.ContactKind.PHONE_CALL,
                starts_at=datetime(2026, 3, 3, 10, tzinfo=UTC),
                minutes=15,
                note="Onni kertoi päihteistä",
            ),
        )
    with runtime.uow() as uow:
        contacts.create_group(
            uow,
            principal=principal,
            draft=contacts.GroupDraft(
                "398",
                "Torstairyhmä",
                (worker,),
                tuple(periods),
                3,
                time(13),
                90,
                date(2026, 3, 2),
                2,
                "Ryhmätila",
            ),
        )
    headers = bearer(login(client, "ph.feed"))
    url = subscribe(client, headers, privacy="pseudonymous")["url"]
    text = fetch(client, url).text.replace("\r\n ", "")
    for secret in ("Onni", "Helmi", "Salainen", "Piilossa", "päihteistä", PHONE):
        assert secret not in text
    events = events_of(text.encode())
    summaries = sorted(str(e["summary"]) for e in events.values())
    assert summaries[0].startswith("Intensiivinen tuki: puhelu – asiakas ")
    groups = [s for s in summaries if "ryhmätapaaminen – Torstairyhmä" in s]
    assert len(groups) == 2  # two meetings, each once although two members attend


def test_a_feed_keeps_its_own_caching_under_the_servers_defaults(client, espoo):
    # the server adds "no-store" only where a handler named no caching of its own
    feed = fetch(client, subscribe(client, espoo["instructor"])["url"])
    assert feed.status_code == 200
    assert feed.headers["cache-control"] == "private, no-cache"
    assert feed.headers["x-content-type-options"] == "nosniff"


def test_a_feed_names_its_charset_once_answers_a_weak_tag_and_a_head(client, espoo):
    url = subscribe(client, espoo["instructor"])["url"]
    feed = fetch(client, url)
    assert feed.headers["content-type"] == "text/calendar; charset=utf-8"
    etag = feed.headers["etag"]
    assert fetch(client, url, **{"If-None-Match": f"W/{etag}"}).status_code == 304  # as a proxy may send it
    assert fetch(client, url, **{"If-None-Match": f'"other", W/{etag}'}).status_code == 304
    head = client.head(url.removeprefix("http://127.0.0.1:8000"))
    assert head.status_code == 200 and head.content == b""
    assert head.headers["etag"] == etag and head.headers["content-type"] == "text/calendar; charset=utf-8"
    assert client.head("/feeds/" + "A" * 43 + ".ics").status_code == 404
