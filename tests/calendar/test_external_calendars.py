"""Busy times in: a worker's linked external calendar blocks the slots it overlaps.

A real HTTP server on 127.0.0.1 serves the calendars; the settings allow only
its origin, with a small size limit and a one-second time limit.
"""

from __future__ import annotations

import itertools
import logging
import threading
import time
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, assume, example, given, settings
from hypothesis import strategies as st
from icalendar import Timezone
from icalendar.timezone import tzp
from sqlalchemy import func, select
from support import TEST_SECRET, bearer, login

from sotesilta.calendar import external
from sotesilta.calendar.busy import merge_blocks, parse_busy
from sotesilta.calendar.settings import CalendarSettings
from sotesilta.calendar.tables import ExternalCalendar
from sotesilta.core.cli import main
from sotesilta.core.kernel.clock import HELSINKI
from sotesilta.core.kernel.errors import InputInvalid
from sotesilta.core.kernel.plugins.manager import Plugins, load_plugins
from sotesilta.core.scheduling.tables import Slot, WorkerBusy

PROBLEM = "application/problem+json"
MAX_BYTES = 100_000
TIMEOUT = 1.0


# --- a calendar server ------------------------------------------------------------------------------

Reply = Callable[[BaseHTTPRequestHandler], None]


class CalendarServer:
    """Serves fixed answers by path and remembers which paths were asked for."""

    def __init__(self) -> None:
        self.routes: dict[str, Reply] = {}
        self.requests: list[str] = []
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                path = urlsplit(self.path).path
                server.requests.append(path)
                reply = server.routes.get(path)
                try:
                    if reply is None:
                        self.send_error(404)
                    else:
                        reply(self)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client gave up, as it should

            def log_message(self, format: str, *args: object) -> None:
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.httpd.block_on_close = False  # a slow answer must not hold up the shutdown
        self.origin = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    def url(self, path: str) -> str:
        return self.origin + path

    def reset(self) -> None:
        self.routes.clear()
        self.requests.clear()

    def serve(self, path: str, body: bytes, *, status: int = 200, delay: float = 0.0) -> None:
        def reply(handler: BaseHTTPRequestHandler) -> None:
            time.sleep(delay)
            handler.send_response(status)
            handler.send_header("Content-Type", "text/calendar; charset=utf-8")
            handler.send_header("Content-Length", str(len(body)))
            handler.end_headers()
            handler.wfile.write(body)

        self.routes[path] = reply

    def stream(self, path: str, chunk: bytes, chunks: int, pause: float = 0.0) -> None:
        """A body of unknown length (no Content-Length), sent in pieces."""

        def reply(handler: BaseHTTPRequestHandler) -> None:
            handler.send_response(200)
            handler.send_header("Content-Type", "text/calendar")
            handler.end_headers()
            for _ in range(chunks):
                handler.wfile.write(chunk)
                handler.wfile.flush()
                time.sleep(pause)

        self.routes[path] = reply

    def redirect(self, path: str, location: str) -> None:
        def reply(handler: BaseHTTPRequestHandler) -> None:
            handler.send_response(302)
            handler.send_header("Location", location)
            handler.send_header("Content-Length", "0")
            handler.end_headers()

        self.routes[path] = reply


@pytest.fixture(scope="module")
def server() -> Iterator[CalendarServer]:
    calendar_server = CalendarServer()
    yield calendar_server
    calendar_server.httpd.shutdown()
    calendar_server.httpd.server_close()


@pytest.fixture(autouse=True)
def _calendar_settings(server: CalendarServer, monkeypatch: pytest.MonkeyPatch) -> None:
    """Set before the runtime is built (autouse fixtures come first): only the test server is allowed."""
    server.reset()
    monkeypatch.setenv("SOTESILTA_CALENDAR_ALLOWED_ORIGINS", server.origin)
    monkeypatch.setenv("SOTESILTA_CALENDAR_FETCH_MAX_BYTES", str(MAX_BYTES))
    monkeypatch.setenv("SOTESILTA_CALENDAR_FETCH_TIMEOUT_SECONDS", str(TIMEOUT))


@pytest.fixture
def plugins(_calendar_settings: None) -> Plugins:
    """The plugins loaded after the settings above: the calendar's section reads them at start-up."""
    return load_plugins()


# --- iCalendar text ---------------------------------------------------------------------------------


def ics(*events: str, head: str = "") -> bytes:
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        "PRODID:-//sotesilta tests//EN",
        head,
        *events,
        "END:VCALENDAR",
    ]
    return ("\r\n".join(line for line in lines if line) + "\r\n").encode()


def event(uid: str, start: str, end: str, *extra: str) -> str:
    """``start``/``end`` are property values with their parameters, e.g. ``;TZID=Europe/Helsinki:2026…``."""
    return "\r\n".join(
        [
            "BEGIN:VEVENT",
            f"UID:{uid}",
            "DTSTAMP:20260301T000000Z",
            f"DTSTART{start}",
            f"DTEND{end}",
            *extra,
            "END:VEVENT",
        ]
    )


def helsinki(day: int, hour: int, minute: int = 0, month: int = 3) -> datetime:
    return datetime(2026, month, day, hour, minute, tzinfo=HELSINKI)


# --- helpers ----------------------------------------------------------------------------------------


def stored(runtime) -> tuple[int, int]:  # type: ignore[no-untyped-def]
    """(external calendars, busy rows) in the database."""
    with runtime.uow() as uow:
        calendars = uow.session.scalar(select(func.count()).select_from(ExternalCalendar))
        busy = uow.session.scalar(select(func.count()).select_from(WorkerBusy))
    return int(calendars or 0), int(busy or 0)


def busy_rows(runtime, source: str | None = None) -> list[tuple[datetime, datetime]]:  # type: ignore[no-untyped-def]
    query = select(WorkerBusy.starts_at, WorkerBusy.ends_at).order_by(WorkerBusy.starts_at)
    if source is not None:
        query = query.where(WorkerBusy.source == source)
    with runtime.uow() as uow:
        return [(s, e) for s, e in uow.session.execute(query)]


def free_times(client, headers, scheduling, day: date) -> list[str]:  # type: ignore[no-untyped-def]
    """The worker's free slot starts on a day, as local "HH:MM"."""
    start = datetime(day.year, day.month, day.day, tzinfo=HELSINKI)
    response = client.get(
        "/api/v1/slots/free",
        params={
            "municipality": "049",
            "station_id": scheduling.station_id,
            "worker_id": scheduling.worker_id,
            "start": start.isoformat(),
            "until": (start + timedelta(days=1)).isoformat(),
            "limit": 20,
        },
        headers=headers,
    )
    assert response.status_code == 200, response.text
    return [f"{datetime.fromisoformat(s['starts_at']).astimezone(HELSINKI):%H:%M}" for s in response.json()]


def link(client, headers, worker_id: int, **body):  # type: ignore[no-untyped-def]
    return client.post(f"/api/v1/workers/{worker_id}/external-calendars", json=body, headers=headers)


ALL_SLOTS = ["09:00", "09:45", "10:30", "11:15"]
TUESDAYS = [date(2026, 3, 3) + timedelta(weeks=n) for n in range(7)]


@pytest.fixture
def instructor(client, scheduling):  # type: ignore[no-untyped-def]
    return bearer(login(client, "espoo.instructor"))


@pytest.fixture
def nurse(client, scheduling):  # type: ignore[no-untyped-def]
    return bearer(login(client, "espoo.nurse"))


# --- linking by URL ---------------------------------------------------------------------------------

MEETINGS = ics(
    # every Tuesday 10:00-10:30 Helsinki time, twice: 24 March (UTC+2) and 31 March (UTC+3)
    event(
        "weekly",
        ";TZID=Europe/Helsinki:20260324T100000",
        ";TZID=Europe/Helsinki:20260324T103000",
        "RRULE:FREQ=WEEKLY;COUNT=2",
    ),
    event("once", ":20260303T090000Z", ":20260303T091000Z"),  # 11:00-11:10 local
)


def test_a_linked_calendar_url_blocks_exactly_the_overlapping_slots_across_the_dst_change(
    client, scheduling, instructor, nurse, server, runtime
):
    server.serve("/cal.ics", MEETINGS)
    response = link(client, instructor, scheduling.worker_id, name="Outlook", url=server.url("/cal.ics"))
    assert response.status_code == 201, response.text
    linked = response.json()
    assert linked["source"] == "url" and linked["origin"] == server.origin and linked["active"] is True
    assert linked["busy_count"] == 3 and linked["last_error"] is None
    assert linked["refreshed_at"] == "2026-03-02T08:00:00Z"
    # the repetition after the change keeps its local time: one hour earlier in UTC
    assert busy_rows(runtime) == [
        (helsinki(3, 11), helsinki(3, 11, 10)),
        (datetime(2026, 3, 24, 8, 0, tzinfo=UTC), datetime(2026, 3, 24, 8, 30, tzinfo=UTC)),
        (datetime(2026, 3, 31, 7, 0, tzinfo=UTC), datetime(2026, 3, 31, 7, 30, tzinfo=UTC)),
    ]
    assert free_times(client, nurse, scheduling, date(2026, 3, 3)) == ["09:00", "09:45", "11:15"]
    assert free_times(client, nurse, scheduling, date(2026, 3, 10)) == ALL_SLOTS
    assert free_times(client, nurse, scheduling, date(2026, 3, 24)) == ["09:00", "10:30", "11:15"]
    assert free_times(client, nurse, scheduling, date(2026, 3, 31)) == ["09:00", "10:30", "11:15"]
    assert free_times(client, nurse, scheduling, date(2026, 4, 7)) == ALL_SLOTS

    with runtime.uow() as uow:
        blocked = uow.session.scalar(
            select(Slot.id).where(
                Slot.worker_id == scheduling.worker_id,
                Slot.starts_at == helsinki(31, 9, 45).astimezone(UTC),
            )
        )
    booking = {"slot_id": blocked, "reasons": ["service_mapping"], "client": {"name": "Aino", "age": 30}}
    refused = client.post("/api/v1/bookings", json=booking, headers=nurse)
    assert refused.status_code == 422 and refused.json()["type"] == "/problems/slot-unavailable"
    assert server.requests == ["/cal.ics"]


def test_refresh_replaces_the_busy_times_and_a_removed_event_frees_its_slot(
    client, scheduling, instructor, nurse, server, runtime
):
    server.serve("/cal.ics", MEETINGS)
    by_url = link(client, instructor, scheduling.worker_id, name="Outlook", url=server.url("/cal.ics")).json()
    uploaded = link(
        client,
        instructor,
        scheduling.worker_id,
        name="Paper",
        ics=ics(event("p", ":20260310T070000Z", ":20260310T073000Z")).decode(),
    ).json()
    assert free_times(client, nurse, scheduling, date(2026, 3, 24)) == ["09:00", "10:30", "11:15"]

    server.serve("/cal.ics", ics(event("once", ":20260303T090000Z", ":20260303T091000Z")))
    refreshed = client.post(f"/api/v1/external-calendars/{by_url['id']}/refresh", headers=instructor)
    assert refreshed.status_code == 200, refreshed.text
    assert refreshed.json()["busy_count"] == 1
    assert free_times(client, nurse, scheduling, date(2026, 3, 24)) == ALL_SLOTS
    assert free_times(client, nurse, scheduling, date(2026, 3, 31)) == ALL_SLOTS
    # only the refreshed calendar's own rows were replaced
    assert busy_rows(runtime, f"external:{uploaded['id']}") == [(helsinki(10, 9), helsinki(10, 9, 30))]
    assert free_times(client, nurse, scheduling, date(2026, 3, 10)) == ["09:45", "10:30", "11:15"]

    # an uploaded calendar is refreshed with a new file
    url = f"/api/v1/external-calendars/{uploaded['id']}/refresh"
    assert client.post(url, headers=instructor).status_code == 422
    again = client.post(url, json={"ics": ics().decode()}, headers=instructor)
    assert again.status_code == 200 and again.json()["busy_count"] == 0
    assert free_times(client, nurse, scheduling, date(2026, 3, 10)) == ALL_SLOTS


def test_a_failed_refresh_keeps_the_old_busy_times_and_records_the_error(
    client, scheduling, instructor, server, runtime
):
    server.serve("/cal.ics", MEETINGS)
    linked = link(client, instructor, scheduling.worker_id, name="Outlook", url=server.url("/cal.ics")).json()
    before = busy_rows(runtime)
    server.serve("/cal.ics", b"gone", status=503)
    failed = client.post(f"/api/v1/external-calendars/{linked['id']}/refresh", headers=instructor)
    assert failed.status_code == 422 and failed.headers["content-type"].startswith(PROBLEM)
    assert "503" in failed.json()["detail"]
    assert busy_rows(runtime) == before
    listed = client.get(f"/api/v1/workers/{scheduling.worker_id}/external-calendars", headers=instructor)
    assert "503" in listed.json()[0]["last_error"] and listed.json()[0]["busy_count"] == 3


def test_unlinking_frees_the_slots_and_keeps_the_calendar_listed_as_inactive(
    client, scheduling, instructor, nurse, server, runtime
):
    server.serve("/cal.ics", MEETINGS)
    linked = link(client, instructor, scheduling.worker_id, name="Outlook", url=server.url("/cal.ics")).json()
    gone = client.delete(f"/api/v1/external-calendars/{linked['id']}", headers=instructor)
    assert gone.status_code == 200 and gone.json()["active"] is False
    assert stored(runtime) == (1, 0)
    assert free_times(client, nurse, scheduling, date(2026, 3, 24)) == ALL_SLOTS
    refresh = client.post(f"/api/v1/external-calendars/{linked['id']}/refresh", headers=instructor)
    assert refresh.status_code == 409
    listed = client.get(f"/api/v1/workers/{scheduling.worker_id}/external-calendars", headers=instructor)
    assert [(c["id"], c["active"]) for c in listed.json()] == [(linked["id"], False)]


# --- an uploaded Outlook export ---------------------------------------------------------------------

OUTLOOK_TZ = """BEGIN:VTIMEZONE
TZID:FLE Standard Time
BEGIN:STANDARD
DTSTART:16011028T040000
RRULE:FREQ=YEARLY;BYDAY=-1SU;BYMONTH=10
TZOFFSETFROM:+0300
TZOFFSETTO:+0200
END:STANDARD
BEGIN:DAYLIGHT
DTSTART:16010325T030000
RRULE:FREQ=YEARLY;BYDAY=-1SU;BYMONTH=3
TZOFFSETFROM:+0200
TZOFFSETTO:+0300
END:DAYLIGHT
END:VTIMEZONE"""

FLE = ';TZID="FLE Standard Time":'
SERIES_UID = "040000008200E00074C5B7101A82E00800000000D0B6F4E1F2A8DC01000000000000000010000000"
OUTLOOK_EXPORT = (
    "\r\n".join(
        [
            "BEGIN:VCALENDAR",
            "PRODID:-//Microsoft Corporation//Outlook 16.0 MIMEDIR//EN",
            "VERSION:2.0",
            "METHOD:PUBLISH",
            "X-CALSTART:20260303T073000Z",
            "X-WR-CALNAME:Kalenteri",
            OUTLOOK_TZ.replace("\n", "\r\n"),
            # every Tuesday 9:30-10:00, six times; 10 March skipped, 17 March moved to 11:00-11:30
            event(
                SERIES_UID,
                f"{FLE}20260303T093000",
                f"{FLE}20260303T100000",
                "CLASS:PUBLIC",
                "DESCRIPTION:Asiakasasioita\\, ei saa näkyä muualle\\n",
                "LOCATION:Neuvotteluhuone 2",
                "PRIORITY:5",
                "RRULE:FREQ=WEEKLY;COUNT=6;BYDAY=TU",
                f"EXDATE{FLE}20260310T093000",
                "SEQUENCE:0",
                "SUMMARY;LANGUAGE=fi-fi:Tiimipalaveri",
                "TRANSP:OPAQUE",
                "X-MICROSOFT-CDO-BUSYSTATUS:BUSY",
                "ATTENDEE;CN=Maija Meikäläinen;RSVP=TRUE:mailto:maija@example.org",
            ),
            event(
                SERIES_UID,
                f"{FLE}20260317T110000",
                f"{FLE}20260317T113000",
                f"RECURRENCE-ID{FLE}20260317T093000",
                "SUMMARY;LANGUAGE=fi-fi:Tiimipalaveri (siirretty)",
                "SEQUENCE:1",
                "X-MICROSOFT-CDO-BUSYSTATUS:BUSY",
            ),
            event(
                "koulutus",
                ";VALUE=DATE:20260324",
                ";VALUE=DATE:20260325",
                "SUMMARY:Koulutuspäivä",
                "X-MICROSOFT-CDO-ALLDAYEVENT:TRUE",
                "X-MICROSOFT-CDO-BUSYSTATUS:OOF",
            ),
            event(
                "vapaa",
                f"{FLE}20260303T111500",
                f"{FLE}20260303T120000",
                "SUMMARY:Muistutus",
                "TRANSP:TRANSPARENT",
                "X-MICROSOFT-CDO-BUSYSTATUS:FREE",
            ),
            event(
                "peruttu",
                f"{FLE}20260303T103000",
                f"{FLE}20260303T111500",
                "SUMMARY:Peruttu kokous",
                "STATUS:CANCELLED",
            ),
            "END:VCALENDAR",
        ]
    )
    + "\r\n"
)


def test_an_uploaded_outlook_export_blocks_its_busy_events_only(
    client, scheduling, instructor, nurse, runtime
):
    response = link(client, instructor, scheduling.worker_id, name="Outlook-vienti", ics=OUTLOOK_EXPORT)
    assert response.status_code == 201, response.text
    assert response.json()["source"] == "upload" and response.json()["origin"] is None
    expected = {
        date(2026, 3, 3): ["10:30", "11:15"],  # the cancelled and the free event block nothing
        date(2026, 3, 10): ALL_SLOTS,  # excluded from the series
        date(2026, 3, 17): ["09:00", "09:45"],  # moved to 11:00-11:30
        date(2026, 3, 24): [],  # a whole day of training
        date(2026, 3, 31): ["10:30", "11:15"],  # 9:30 local in summer time too
        date(2026, 4, 7): ["10:30", "11:15"],
        date(2026, 4, 14): ALL_SLOTS,  # the series had six occurrences
    }
    assert {day: free_times(client, nurse, scheduling, day) for day in expected} == expected
    assert busy_rows(runtime) == [
        (helsinki(3, 9, 30), helsinki(3, 10)),
        (helsinki(17, 11), helsinki(17, 11, 30)),
        (helsinki(24, 0), helsinki(25, 0)),
        (helsinki(31, 9, 30), helsinki(31, 10)),
        (helsinki(7, 9, 30, month=4), helsinki(7, 10, month=4)),
    ]
    with runtime.uow() as uow:
        calendar = uow.session.scalars(select(ExternalCalendar)).one()
        assert calendar.url is None and calendar.busy_count == 5


# --- bad input stores nothing -----------------------------------------------------------------------

SECONDLY = ics(event("x", ":20260303T070000Z", ":20260303T070001Z", "RRULE:FREQ=SECONDLY"))


def _prepare(server: CalendarServer, case: str) -> dict[str, str]:
    """The link body for a bad case, with the server set up to answer it."""
    if case == "malformed upload":
        return {"ics": "this is not a calendar"}
    if case == "upload without VCALENDAR":
        return {"ics": event("a", ":20260303T070000Z", ":20260303T080000Z")}
    if case == "upload with a bad date":
        return {"ics": ics(event("a", ":20261345T070000Z", ":20260303T080000Z")).decode()}
    if case == "explosive upload":
        return {"ics": SECONDLY.decode()}
    if case == "upload too large":
        return {
            "ics": ics(
                *(event(f"e{i}", ":20260303T070000Z", ":20260303T071000Z") for i in range(1500))
            ).decode()
        }
    if case == "malformed URL body":
        server.serve("/cal.ics", b"<html>Sign in</html>")
    elif case == "explosive URL body":
        server.serve("/cal.ics", SECONDLY)
    elif case == "oversized body with a length":
        server.serve("/cal.ics", b"X" * (MAX_BYTES + 1))
    elif case == "oversized body streamed":
        server.stream("/cal.ics", b"BEGIN:VCALENDAR\r\n" * 1000, chunks=20)
    elif case == "not found":
        pass
    elif case == "redirect to a disallowed host":
        server.redirect("/cal.ics", server.origin.replace("127.0.0.1", "localhost") + "/elsewhere.ics")
        server.serve("/elsewhere.ics", MEETINGS)
    elif case == "redirect chain longer than 3":
        for hop in range(4):
            server.redirect("/cal.ics" if hop == 0 else f"/hop{hop}", f"/hop{hop + 1}")
        server.serve("/hop4", MEETINGS)
    elif case == "outside the allow list":
        return {"url": "https://calendar.example.org/private/abc/basic.ics"}
    elif case == "not http":
        return {"url": "file:///etc/passwd"}
    elif case == "both url and file":
        return {"url": server.url("/cal.ics"), "ics": ics().decode()}
    elif case == "neither url nor file":
        return {}
    return {"url": server.url("/cal.ics")}


BAD_CASES = [
    "malformed upload",
    "upload without VCALENDAR",
    "upload with a bad date",
    "explosive upload",
    "upload too large",
    "malformed URL body",
    "explosive URL body",
    "oversized body with a length",
    "oversized body streamed",
    "not found",
    "redirect to a disallowed host",
    "redirect chain longer than 3",
    "outside the allow list",
    "not http",
    "both url and file",
    "neither url nor file",
]


@pytest.mark.parametrize("case", BAD_CASES)
def test_bad_calendars_are_refused_with_problem_details_and_nothing_is_stored(
    client, scheduling, instructor, server, runtime, case
):
    body = {"name": "Outlook", **_prepare(server, case)}
    response = link(client, instructor, scheduling.worker_id, **body)
    assert response.status_code == 422, response.text
    assert response.headers["content-type"].startswith(PROBLEM)
    problem = response.json()
    assert problem["type"] == "/problems/invalid-input" and problem["detail"]
    assert stored(runtime) == (0, 0)
    assert len(server.requests) <= 4


def test_the_refusals_say_why(client, scheduling, instructor, server):
    def detail(case: str) -> str:
        server.reset()
        return str(
            link(client, instructor, scheduling.worker_id, name="x", **_prepare(server, case)).json()[
                "detail"
            ]
        )

    assert "more than 5000 events in the window" in detail("explosive upload")
    assert f"larger than {MAX_BYTES} bytes" in detail("oversized body streamed")
    assert f"larger than {MAX_BYTES} bytes" in detail("oversized body with a length")
    assert "not among the allowed calendar origins" in detail("outside the allow list")
    assert "redirects to http://localhost:" in detail("redirect to a disallowed host")
    assert server.requests == ["/cal.ics"]  # the disallowed host was never asked
    assert "more than 3 times" in detail("redirect chain longer than 3")
    assert server.requests == ["/cal.ics", "/hop1", "/hop2", "/hop3"]
    assert "404" in detail("not found")
    assert "VCALENDAR" in detail("upload without VCALENDAR")
    assert "DTSTART" in detail("upload with a bad date")


def test_a_slow_calendar_server_is_given_up_on_within_the_time_limit(
    client, scheduling, instructor, server, runtime
):
    server.serve("/slow.ics", MEETINGS, delay=3 * TIMEOUT)
    server.stream("/trickle.ics", b"BEGIN:VCALENDAR\r\n", chunks=40, pause=TIMEOUT / 4)
    # without the limit the slow server would answer in the end, and the trickle (each piece well
    # within the limit) would come whole: only the limit gives this refusal
    for path in ("/slow.ics", "/trickle.ics"):
        response = link(client, instructor, scheduling.worker_id, name="x", url=server.url(path))
        assert response.status_code == 422 and "did not answer within 1 s" in response.json()["detail"]
    assert stored(runtime) == (0, 0)


# --- who may link, and secrecy of the URL -----------------------------------------------------------


def test_only_the_worker_themself_or_their_municipalitys_admin_may_link(
    client, scheduling, instructor, nurse, runtime
):
    body = {"name": "Outlook", "ics": MEETINGS.decode()}
    assert link(client, nurse, scheduling.worker_id, **body).status_code == 403
    lohja_nurse = bearer(login(client, "lohja.nurse"))
    assert link(client, lohja_nurse, scheduling.worker_id, **body).status_code == 403
    lohja_instructor = bearer(login(client, "lohja.instructor"))
    assert link(client, lohja_instructor, scheduling.worker_id, **body).status_code == 404
    assert link(client, instructor, scheduling.lohja_worker_id, **body).status_code == 404
    assert stored(runtime) == (0, 0)

    admin = bearer(login(client, "espoo.admin"))
    linked = link(client, admin, scheduling.worker_id, **body)
    assert linked.status_code == 201
    calendar_id = linked.json()["id"]
    for headers, status in ((nurse, 403), (lohja_instructor, 404)):
        assert (
            client.get(
                f"/api/v1/workers/{scheduling.worker_id}/external-calendars", headers=headers
            ).status_code
            == status
        )
        assert (
            client.delete(f"/api/v1/external-calendars/{calendar_id}", headers=headers).status_code == status
        )
    assert client.post("/api/v1/external-calendars/999/refresh", headers=instructor).status_code == 404
    assert client.delete(f"/api/v1/external-calendars/{calendar_id}", headers=instructor).status_code == 200


def test_the_calendar_url_is_sealed_and_never_shown_or_logged(
    client, scheduling, instructor, server, runtime, caplog
):
    secret_path = "/owa/calendar/0f1e2d3c4b5a/s3cr3t-t0k3n/calendar.ics"
    server.serve(secret_path, MEETINGS)
    with caplog.at_level(logging.DEBUG):
        linked = link(client, instructor, scheduling.worker_id, name="Outlook", url=server.url(secret_path))
        listed = client.get(f"/api/v1/workers/{scheduling.worker_id}/external-calendars", headers=instructor)
        server.serve(secret_path, b"nope", status=500)
        failed = client.post(f"/api/v1/external-calendars/{linked.json()['id']}/refresh", headers=instructor)
    assert linked.status_code == 201 and listed.status_code == 200 and failed.status_code == 422
    for text in (linked.text, listed.text, failed.text, caplog.text):
        assert "s3cr3t" not in text and "0f1e2d3c4b5a" not in text
    assert listed.json()[0]["origin"] == server.origin
    with runtime.uow() as uow:
        sealed = uow.session.scalars(select(ExternalCalendar.url)).one()
    assert sealed is not None and "s3cr3t" not in sealed
    assert runtime.sealer.open(sealed, context="external_calendar.url") == server.url(secret_path)


def test_refreshes_racing_on_one_calendar_leave_exactly_one_files_busy_times(
    runtime, scheduling, principal_of
):
    limits = external.FetchLimits(allowed_origins=(), max_bytes=MAX_BYTES, timeout=TIMEOUT)
    principal = principal_of(scheduling.instructor)
    files = [
        ics(
            *(
                event(f"{n}-{k}", f":202603{10 + n}T0{k}0000Z", f":202603{10 + n}T0{k}3000Z")
                for k in range(1 + n)
            )
        )
        for n in range(4)
    ]
    with runtime.uow() as uow:
        calendar_id = external.link_external_calendar(
            uow,
            principal=principal,
            worker_id=scheduling.worker_id,
            name="paper",
            ics=files[0].decode(),
            limits=limits,
        ).id
    start = threading.Barrier(len(files))
    failures: list[BaseException] = []

    def refresh(data: bytes) -> None:
        try:
            start.wait(timeout=10)
            for _ in range(10):
                with runtime.uow() as uow:
                    external.refresh_external_calendar(
                        uow,
                        principal=principal,
                        calendar_id=calendar_id,
                        ics=data.decode(),
                        limits=limits,
                    )
        except BaseException as exc:  # reported below
            failures.append(exc)

    threads = [threading.Thread(target=refresh, args=(data,)) for data in files]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert failures == []
    rows = busy_rows(runtime, f"external:{calendar_id}")
    assert rows in [parse_busy(data, *WINDOW) for data in files]
    with runtime.uow() as uow:
        calendar = uow.session.get(ExternalCalendar, calendar_id)
        assert calendar is not None and calendar.busy_count == len(rows)


# --- the refresh command ----------------------------------------------------------------------------


def test_the_refresh_command_refreshes_every_url_calendar_and_fails_when_one_fails(
    runtime, scheduling, principal_of, server, database_url, tmp_path, monkeypatch
):
    soon = datetime.now(UTC).replace(microsecond=0) + timedelta(days=2)  # the command runs on the real clock
    stamp = f":{soon:%Y%m%dT%H%M%SZ}"
    end = f":{soon + timedelta(hours=1):%Y%m%dT%H%M%SZ}"
    server.serve("/a.ics", ics(event("a", stamp, end)))
    server.serve("/b.ics", ics())
    limits = external.FetchLimits(
        allowed_origins=runtime.plugins.settings(CalendarSettings).allowed_origins,
        max_bytes=MAX_BYTES,
        timeout=TIMEOUT,
    )
    ids = []
    for path in ("/a.ics", "/b.ics"):
        with runtime.uow() as uow:
            view = external.link_external_calendar(
                uow,
                principal=principal_of(scheduling.instructor),
                worker_id=scheduling.worker_id,
                name=path,
                url=server.url(path),
                limits=limits,
            )
        ids.append(view.id)
    with runtime.uow() as uow:  # an uploaded calendar is not fetched
        external.link_external_calendar(
            uow,
            principal=principal_of(scheduling.instructor),
            worker_id=scheduling.worker_id,
            name="upload",
            ics=ics().decode(),
            limits=limits,
        )
    server.routes.pop("/b.ics")  # now 404
    server.requests.clear()
    monkeypatch.setenv("SOTESILTA_DATA_DIR", str(tmp_path))  # the runtime's data keys
    monkeypatch.setenv("SOTESILTA_DATABASE_URL", database_url)
    monkeypatch.setenv("SOTESILTA_SECRET_KEY", TEST_SECRET)

    result = CliRunner().invoke(main, ["calendars", "refresh"], catch_exceptions=False)
    assert result.exit_code == 1, result.output
    assert "1 refreshed (1 busy times), 1 failed" in result.stdout
    assert f"calendar {ids[1]}: " in result.stderr and "404" in result.stderr
    assert sorted(server.requests) == ["/a.ics", "/b.ics"]
    assert busy_rows(runtime, f"external:{ids[0]}") == [(soon, soon + timedelta(hours=1))]
    with runtime.uow() as uow:
        failed = uow.session.get(ExternalCalendar, ids[1])
        assert failed is not None and "404" in (failed.last_error or "")

    server.serve("/b.ics", ics())
    result = CliRunner().invoke(main, ["calendars", "refresh"], catch_exceptions=False)
    assert result.exit_code == 0 and "2 refreshed (1 busy times), 0 failed" in result.stdout


# --- parsing: limits and properties -----------------------------------------------------------------

WINDOW = (datetime(2026, 3, 1, tzinfo=UTC), datetime(2026, 11, 30, tzinfo=UTC))


def test_thousands_of_overrides_and_dates_are_expanded_quickly_up_to_the_event_limit():
    def stamp(moment: datetime) -> str:
        return f"{moment:%Y%m%dT%H%M%SZ}"

    first = datetime(2026, 3, 1, 8, tzinfo=UTC)
    every_two_hours = [first + timedelta(hours=2 * n) for n in range(3000)]
    moved = [
        event("series", f":{stamp(t + QUARTER)}", f":{stamp(t + 5 * QUARTER)}", f"RECURRENCE-ID:{stamp(t)}")
        for t in every_two_hours
    ]
    series = event(
        "series",
        f":{stamp(first)}",
        f":{stamp(first + 4 * QUARTER)}",
        "RRULE:FREQ=HOURLY;INTERVAL=2;COUNT=3000",
    )
    # the limits under test are the event counts: the time budget (a guard against hostile
    # rules, tested below) is lifted so a busy machine cannot fail this test
    unhurried = {"time_budget": 3600.0}
    busy = parse_busy(ics(series, *moved), *WINDOW, **unhurried)
    assert busy[:2] == [(first + QUARTER, first + 5 * QUARTER), (first + 9 * QUARTER, first + 13 * QUARTER)]
    assert len(busy) == 3000
    with pytest.raises(InputInvalid, match="more than 2000 events in the window"):
        parse_busy(ics(series, *moved), *WINDOW, max_events=2000, **unhurried)
    dates = ",".join(stamp(first + timedelta(minutes=40 * n)) for n in range(6000))
    with pytest.raises(InputInvalid, match="more than 5000 events in the window"):
        parse_busy(
            ics(event("r", f":{stamp(first)}", f":{stamp(first + QUARTER)}", f"RDATE:{dates}")),
            *WINDOW,
            **unhurried,
        )


def test_a_series_reaching_far_back_is_refused_before_it_is_expanded():
    hourly = ics(event("h", ":19600101T000000Z", ":19600101T001000Z", "RRULE:FREQ=HOURLY;INTERVAL=2"))
    with pytest.raises(InputInvalid, match="too many repetitions"):
        parse_busy(hourly, *WINDOW)
    daily = ics(event("d", ":20000103T070000Z", ":20000103T080000Z", "RRULE:FREQ=DAILY;BYDAY=MO,TU,WE,TH,FR"))
    assert len(parse_busy(daily, *WINDOW)) > 180


def test_expansion_stops_at_its_time_budget():
    # each of these rules never matches, so dateutil searches up to the year 9999 for it
    never = [
        event(f"n{n}", ":20260302T080000Z", ":20260302T090000Z", "RRULE:FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=30")
        for n in range(8)
    ]
    # the refusal names the budget: only the budget's check gives it (without it, dateutil
    # would search on for years; the run's timeout is the guard against a hang)
    with pytest.raises(InputInvalid, match=r"too complex to expand within 0\.1 s"):
        parse_busy(ics(*never), *WINDOW, time_budget=0.1)


def test_a_hostile_time_zone_definition_is_neither_used_nor_remembered():
    # Outlook names a zone it cannot name otherwise "Customized Time Zone"; this one changes every
    # second since 1601, which would hang whoever asked it for an offset
    custom = ";TZID=Customized Time Zone:"
    zone = "\r\n".join(
        [
            "BEGIN:VTIMEZONE",
            "TZID:Customized Time Zone",
            "BEGIN:STANDARD",
            "DTSTART:16010101T000000",
            "RRULE:FREQ=SECONDLY",
            "TZOFFSETFROM:+0500",
            "TZOFFSETTO:+0500",
            "END:STANDARD",
            "END:VTIMEZONE",
        ]
    )
    busy = parse_busy(
        ics(event("a", f"{custom}20260303T080000", f"{custom}20260303T090000"), head=zone), *WINDOW
    )
    assert busy == [(helsinki(3, 8), helsinki(3, 9))]  # an unusable zone reads as Helsinki time
    assert tzp.timezone("Customized Time Zone") is None  # icalendar's process-wide cache is untouched


#: Outlook's own words for Central European time under a name no library knows (its export)
OUTLOOK_CUSTOM_ZONE = "\r\n".join(
    [
        "BEGIN:VTIMEZONE",
        "TZID:Customized Time Zone 1",
        "BEGIN:STANDARD",
        "DTSTART:16010101T030000",
        "TZOFFSETFROM:+0200",
        "TZOFFSETTO:+0100",
        "RRULE:FREQ=YEARLY;INTERVAL=1;BYDAY=-1SU;BYMONTH=10",
        "END:STANDARD",
        "BEGIN:DAYLIGHT",
        "DTSTART:16010101T020000",
        "TZOFFSETFROM:+0100",
        "TZOFFSETTO:+0200",
        "RRULE:FREQ=YEARLY;INTERVAL=1;BYDAY=-1SU;BYMONTH=3",
        "END:DAYLIGHT",
        "END:VTIMEZONE",
    ]
)


def test_outlooks_customized_time_zone_is_read_from_the_file_across_the_spring_change():
    """A weekly 9-10 in the file's own zone stays 9-10 there: 10-11 in Helsinki both sides of the
    change (both zones move on the same night), where Helsinki time would have read 9-10."""
    custom = ";TZID=Customized Time Zone 1:"
    weekly = event(
        "w",
        f"{custom}20260317T090000",
        f"{custom}20260317T100000",
        "RRULE:FREQ=WEEKLY;COUNT=4",
        f"EXDATE{custom}20260407T090000",
    )
    busy = parse_busy(ics(weekly, head=OUTLOOK_CUSTOM_ZONE), *WINDOW)
    berlin = ZoneInfo("Europe/Berlin")
    expected = [
        (datetime(2026, 3, day, 9, tzinfo=berlin), datetime(2026, 3, day, 10, tzinfo=berlin))
        for day in (17, 24, 31)
    ]
    assert busy == [(a.astimezone(UTC), b.astimezone(UTC)) for a, b in expected]
    assert [b[0].astimezone(HELSINKI).hour for b in busy] == [10, 10, 10]
    assert tzp.timezone("Customized Time Zone 1") is None  # read for this file only


def test_a_file_cannot_redefine_a_zone_it_names_by_a_known_name():
    fake = OUTLOOK_CUSTOM_ZONE.replace("TZID:Customized Time Zone 1", "TZID:Europe/Helsinki")
    helsinki_time = ";TZID=Europe/Helsinki:"
    busy = parse_busy(
        ics(event("a", f"{helsinki_time}20260303T090000", f"{helsinki_time}20260303T100000"), head=fake),
        *WINDOW,
    )
    assert busy == [(helsinki(3, 9), helsinki(3, 10))]


ZONES = [
    "Europe/Helsinki",
    "Europe/Berlin",
    "America/New_York",
    "Australia/Sydney",
    "Asia/Kolkata",
    "Europe/London",
]


@settings(max_examples=60, deadline=None)
@given(
    name=st.sampled_from(ZONES),
    local=st.datetimes(min_value=datetime(2026, 3, 3), max_value=datetime(2026, 11, 25)),
    minutes=st.integers(min_value=5, max_value=600),
)
def test_a_zone_defined_in_the_file_reads_as_the_zone_it_defines(name, local, minutes):
    """icalendar writes an IANA zone's transitions as a VTIMEZONE (RDATEs, an independent path)
    under a name nobody knows; the file's events then block what the same events in the IANA
    zone block."""
    zone = ZoneInfo(name)
    local = local.replace(second=0, microsecond=0)
    end = local + timedelta(minutes=minutes)
    for moment in (local, end):  # a wall time that does not exist or occurs twice is another matter
        aware = moment.replace(tzinfo=zone)
        assume(aware.astimezone(UTC).astimezone(zone).replace(tzinfo=None) == moment)
        assume(aware.utcoffset() == aware.replace(fold=1).utcoffset())
    definition = Timezone.from_tzinfo(
        zone, tzid="Custom 7", first_date=date(2025, 1, 1), last_date=date(2028, 1, 1)
    )
    stamp = "%Y%m%dT%H%M%S"
    as_custom = event("a", f";TZID=Custom 7:{local:{stamp}}", f";TZID=Custom 7:{end:{stamp}}")
    as_named = event("a", f";TZID={name}:{local:{stamp}}", f";TZID={name}:{end:{stamp}}")
    head = definition.to_ical().decode().strip().replace("\n", "\r\n").replace("\r\r\n", "\r\n")
    assert parse_busy(ics(as_custom, head=head), *WINDOW) == parse_busy(ics(as_named), *WINDOW)


def test_merging_joins_overlapping_and_touching_blocks_and_clips_to_the_window():
    start, end = WINDOW
    hour = timedelta(hours=1)
    blocks = [
        (start + 5 * hour, start + 6 * hour),
        (start - hour, start + hour),
        (start + hour, start + 2 * hour),
        (start + 3 * hour, start + 5 * hour),
        (end - hour, end + hour),
    ]
    assert merge_blocks(blocks, start, end) == [
        (start, start + 2 * hour),
        (start + 3 * hour, start + 6 * hour),
        (end - hour, end),
    ]


QUARTER = timedelta(minutes=15)


@st.composite
def calendar_events(draw):  # type: ignore[no-untyped-def]
    kind = draw(st.sampled_from(["zoned", "utc", "floating", "all_day"]))
    day = date(2026, 2, 20) + timedelta(days=draw(st.integers(0, 290)))
    repeat = draw(st.one_of(st.none(), st.integers(1, 10)))
    skip = draw(st.sampled_from([None, None, None, "TRANSP:TRANSPARENT", "STATUS:CANCELLED"]))
    if kind == "all_day":
        return kind, day, timedelta(days=draw(st.integers(1, 3))), repeat, skip
    start = datetime(day.year, day.month, day.day) + draw(st.integers(0, 95)) * QUARTER
    return kind, start, draw(st.integers(1, 16)) * QUARTER, repeat, skip


def _ical(kind: str, value: date | datetime) -> str:
    if kind == "all_day":
        return f";VALUE=DATE:{value:%Y%m%d}"
    return {"zoned": ";TZID=Europe/Helsinki:", "utc": ":", "floating": ":"}[kind] + (
        f"{value:%Y%m%dT%H%M%S}" + ("Z" if kind == "utc" else "")
    )


def _brute_force(kind: str, start, length, repeat: int | None) -> list[tuple[datetime, datetime]]:  # type: ignore[no-untyped-def]
    """Every occurrence by hand: weekly steps in wall-clock time, then zoneinfo to UTC."""
    blocks = []
    for week in range(repeat or 1):
        begin, finish = start + timedelta(weeks=week), start + length + timedelta(weeks=week)
        if kind == "all_day":
            begin, finish = (datetime(d.year, d.month, d.day, tzinfo=HELSINKI) for d in (begin, finish))
        elif kind == "utc":
            begin, finish = begin.replace(tzinfo=UTC), finish.replace(tzinfo=UTC)
        else:  # Helsinki wall-clock time, also for floating times
            begin, finish = begin.replace(tzinfo=HELSINKI), finish.replace(tzinfo=HELSINKI)
        blocks.append((begin.astimezone(UTC), finish.astimezone(UTC)))
    return blocks


def _quarters(blocks, window) -> set[datetime]:  # type: ignore[no-untyped-def]
    """The quarter hours of the window that some block covers."""
    covered = set()
    for begin, finish in blocks:
        moment = max(begin, window[0])
        while moment < min(finish, window[1]):
            covered.add(moment)
            moment += QUARTER
    return covered


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(calendar_events(), max_size=12))
# the hour that does not exist (29 March 03:00-04:00) and the one that comes twice (25 October)
@example([("zoned", datetime(2026, 3, 29, 3, 30), 4 * QUARTER, 2, None)])
@example([("floating", datetime(2026, 3, 29, 2, 45), 6 * QUARTER, None, None)])
@example([("zoned", datetime(2026, 10, 25, 3, 30), 2 * QUARTER, None, None)])
@example([("zoned", datetime(2026, 10, 18, 3, 15), QUARTER, 3, None)])
@example([("all_day", date(2026, 3, 28), timedelta(days=2), 2, None)])
def test_parsed_busy_times_equal_a_brute_force_expansion(events):  # type: ignore[no-untyped-def]
    texts, expected = [], []
    for n, (kind, start, length, repeat, skip) in enumerate(events):
        extra = [f"RRULE:FREQ=WEEKLY;COUNT={repeat}"] if repeat else []
        texts.append(
            event(f"e{n}", _ical(kind, start), _ical(kind, start + length), *extra, *filter(None, [skip]))
        )
        if skip is None:
            expected.extend(_brute_force(kind, start, length, repeat))
    busy = parse_busy(ics(*texts), *WINDOW)
    assert _quarters(busy, WINDOW) == _quarters(expected, WINDOW)
    for begin, finish in busy:
        assert WINDOW[0] <= begin < finish <= WINDOW[1] and begin.tzinfo is UTC
    assert all(earlier[1] < later[0] for earlier, later in itertools.pairwise(busy))
