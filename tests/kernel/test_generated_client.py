"""A client generated from the served OpenAPI document works: the document is what clients trust.

openapi-python-client generates a package from ``/api/schema/openapi.json`` into the test's
folder (offline: no post-hooks, see ``openapi_client.yaml``); the test imports it and signs
in, books, cancels, downloads a feed, an invitation, charts and CSV, and reads a wrong
password as a typed 401 — through the generated code's own parsing, against the app.
"""

from __future__ import annotations

import importlib
import subprocess
import sys
from collections.abc import Iterator
from http import HTTPStatus
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from litestar.testing import transport as litestar_transport
from support import PASSWORD

#: generating and importing a client of ninety operations takes seconds
pytestmark = pytest.mark.slow
CONFIG = Path(__file__).with_name("openapi_client.yaml")
PACKAGE = "sotesilta_client"


@pytest.fixture
def generated(client, tmp_path: Path) -> Iterator[ModuleType]:  # type: ignore[no-untyped-def]
    """The client package generated from the document the app serves, importable."""
    document = tmp_path / "openapi.json"
    document.write_bytes(client.get("/api/schema/openapi.json").content)
    generator = Path(sys.executable).with_name("openapi-python-client")
    run = subprocess.run(
        [
            str(generator),
            "generate",
            f"--path={document}",
            f"--config={CONFIG}",
            "--meta=none",
            f"--output-path={tmp_path / PACKAGE}",
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert run.returncode == 0, run.stdout + run.stderr
    # a warning means a part of the document the generator could not read, and left out
    assert "Warning" not in run.stdout + run.stderr, run.stdout + run.stderr
    sys.path.insert(0, str(tmp_path))
    try:
        yield importlib.import_module(PACKAGE)
    finally:
        sys.path.remove(str(tmp_path))
        for name in [name for name in sys.modules if name == PACKAGE or name.startswith(f"{PACKAGE}.")]:
            del sys.modules[name]


def _api(operation: str) -> Any:
    """A generated operation's module, e.g. ``booking.create_booking``."""
    return importlib.import_module(f"{PACKAGE}.api.{operation}")


def _models() -> Any:
    return importlib.import_module(f"{PACKAGE}.models")


def test_a_generated_client_signs_in_books_cancels_and_downloads(generated, client, scheduling):
    models = _models()
    transport = {
        "transport": litestar_transport.TestClientTransport(client=client, raise_server_exceptions=False)
    }
    base = str(client.base_url)
    anonymous = generated.Client(base_url=base, httpx_args=transport, raise_on_unexpected_status=True)

    def sign_in(username: str) -> Any:
        answer = _api("auth.login").sync(
            client=anonymous, body=models.LoginRequest(username=username, password=PASSWORD)
        )
        assert isinstance(answer, models.LoginResult)
        return generated.AuthenticatedClient(
            base_url=base, token=answer.token, httpx_args=transport, raise_on_unexpected_status=True
        )

    # a wrong password: a typed problem with its status, not an exception from parsing
    wrong = _api("auth.login").sync_detailed(
        client=anonymous, body=models.LoginRequest(username="espoo.nurse", password="wrong")
    )
    assert wrong.status_code == HTTPStatus.UNAUTHORIZED
    assert isinstance(wrong.parsed, models.Problem) and wrong.parsed.status == 401

    nurse = sign_in("espoo.nurse")
    free = _api("booking.list_free_slots").sync(
        client=nurse, municipality="049", station_id=scheduling.station_id
    )
    assert free and isinstance(free[0], models.FreeSlot)
    booked = _api("booking.create_booking").sync(
        client=nurse,
        body=models.BookingIn(
            slot_id=free[0].slot_id,
            reasons=["loneliness"],
            client=models.BookingClientIn(name="Testi Asiakas", age=40),
        ),
    )
    assert isinstance(booked, models.BookingView) and booked.status == models.AppointmentStatus.BOOKED
    invitation = _api("calendar.get_booking_invitation").sync(booking_id=booked.id, client=nurse)
    assert isinstance(invitation, str) and invitation.startswith("BEGIN:VCALENDAR")

    instructor = sign_in("espoo.instructor")
    issued = _api("calendar.create_feed_subscription").sync(
        client=instructor, body=models.FeedSubscriptionIn(name="työpuhelin")
    )
    assert isinstance(issued, models.IssuedSubscription)
    feed = _api("calendar.get_feed").sync(token=f"{issued.token}.ics", client=anonymous)
    assert isinstance(feed, str) and feed.startswith("BEGIN:VCALENDAR") and "BEGIN:VEVENT" in feed

    cancelled = _api("booking.cancel_booking").sync(
        booking_id=booked.id, client=nurse, body=models.CancelIn(reason="the client asked")
    )
    assert (
        isinstance(cancelled, models.BookingView) and cancelled.status == models.AppointmentStatus.CANCELLED
    )

    report = {"key": "espoo-guidance", "year": 2026, "municipality": "049"}
    svg = _api("statistics.get_statistics_chart").sync(table="visits", client=instructor, **report)
    png = _api("statistics.get_statistics_chart").sync(
        table="visits", client=instructor, format_=models.ChartFormat.PNG, **report
    )
    assert b"<svg" in svg.payload.read() and png.payload.read().startswith(b"\x89PNG")
    csv = _api("statistics.get_statistics_report_csv").sync(
        client=instructor, format_=models.CsvFormat.CSV_SEMICOLON, **report
    )
    assert isinstance(csv, str) and ";" in csv.splitlines()[0]
    as_json = _api("statistics.get_statistics_report").sync(client=instructor, **report)
    assert isinstance(as_json, models.Report) and as_json.key == "espoo-guidance"

    _api("auth.logout").sync_detailed(client=nurse)
    after = _api("auth.get_me").sync_detailed(client=nurse)
    assert after.status_code == HTTPStatus.UNAUTHORIZED and isinstance(after.parsed, models.Problem)
