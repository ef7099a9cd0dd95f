"""Lohja's walk-in in a real browser: a nurse registers an arrival from the booking page; the
instructor sees the queue's length, calls the next and puts the client who did not answer
back in the line; a Swedish-speaking nurse registers an arrival in Swedish. Every page is
scanned by axe-core; times are recorded, never asserted.

The shared server seeds Espoo; this module seeds Lohja into the same database, with a
walk-in open now (the server's clock is real)."""

from __future__ import annotations

import re
import time
from datetime import UTC, datetime, timedelta
from datetime import time as clock_time
from typing import Any

import pytest
from browser_support import assert_accessible, screenshot
from conftest import add_worker
from support import PASSWORD, TEST_SECRET

pytestmark = pytest.mark.slow

QUEUE = re.compile(r".*/walk-ins/(\d+)(\?.*)?(#.*)?$")


@pytest.fixture(scope="module")
def walk_in(server, plugins) -> int:  # type: ignore[no-untyped-def]
    """Lohja: a Finnish and a Swedish nurse and an instructor at the central station, and a
    session today whose walk-in began up to an hour ago and goes on for hours more."""
    from sotesilta.core.accounts import service as accounts
    from sotesilta.core.kernel.clock import HELSINKI
    from sotesilta.core.kernel.db import make_engine
    from sotesilta.core.kernel.runtime import Runtime
    from sotesilta.core.kernel.settings import load_settings
    from sotesilta.core.organisations.tables import Station
    from sotesilta.core.scheduling.service import sessions

    settings = load_settings(data_dir=server.data_dir, secret_key=TEST_SECRET)
    engine = make_engine(settings.resolved_database_url)
    runtime = Runtime(settings=settings, engine=engine, plugins=plugins)
    now = datetime.now(HELSINKI)
    opens = max(
        now.replace(minute=0, second=0, microsecond=0) - timedelta(hours=1), now.replace(hour=0, minute=0)
    )
    closes = min(opens + timedelta(hours=5), now.replace(hour=23, minute=45, second=0, microsecond=0))
    if closes - now < timedelta(minutes=20):
        pytest.skip("too near midnight for a walk-in open today")
    for username, name, roles, language in [
        ("lohja.nurse", "Hanna Hoitaja", ["health_staff"], "fi"),
        ("lojo.nurse", "Sara Sjuksköterska", ["health_staff"], "sv"),
        ("lohja.instructor", "Laura Ohjaaja", ["instructor"], "fi"),
    ]:
        with runtime.uow() as uow:
            accounts.add_user(
                uow,
                username=username,
                display_name=name,
                password=PASSWORD,
                roles=roles,
                municipalities=["444"],
                station_keys=["lohja-keskusta"],
                language=language,
            )
    with runtime.uow() as uow:
        instructor = accounts.principal_of_user(uow, "lohja.instructor")
        station_id = next(s.id for s in uow.session.query(Station).all() if s.key == "lohja-keskusta")
    worker_id = add_worker(runtime, instructor.user_id, "444", "Laura Ohjaaja", "fi")
    midnight = now.replace(hour=0, minute=0, second=0, microsecond=0).astimezone(UTC)
    with runtime.uow(now=midnight) as uow:  # created in the morning, before it began
        _, generated = sessions.create_session_rule(
            uow,
            principal=accounts.principal_of_user(uow, "lohja.instructor"),
            draft=sessions.SessionRuleDraft(
                worker_id=worker_id,
                station_id=int(station_id or 0),
                weekday=now.weekday(),
                start=clock_time(opens.hour, opens.minute),
                end=clock_time(closes.hour, closes.minute),
                first_date=now.date(),
                until=now.date(),
                slot_minutes=60,
                booked_slots=False,
                walk_in=(clock_time(opens.hour, opens.minute), clock_time(closes.hour, closes.minute)),
                walk_in_capacity=10,
            ),
        )
    if not generated:
        engine.dispose()
        pytest.skip("today is a closing day in Lohja: no session")
    with runtime.uow() as uow:
        found = sessions.list_sessions(
            uow,
            principal=accounts.principal_of_user(uow, "lohja.instructor"),
            start=midnight,
            end=midnight + timedelta(days=1),
        )
    engine.dispose()
    return found[0].id


def sign_in(page, username: str, landing: str, *, swedish: bool = False) -> None:  # type: ignore[no-untyped-def]
    page.goto("/login")
    if swedish:
        with page.expect_navigation():
            page.get_by_role("button", name="Svenska").click()
    page.locator("#username").fill(username)
    page.locator("#password").fill(PASSWORD)
    page.locator("#password").press("Enter")
    page.wait_for_url(f"**{landing}")


def queue_length(page: Any) -> str:
    return str(page.inner_text("#queue-length"))


def test_a_nurse_registers_arrivals_and_the_instructor_puts_back_one_who_did_not_answer(
    page, scan_page, server, walk_in
):
    sign_in(page, "lohja.nurse", "/book")
    started = time.monotonic()
    page.get_by_role("link", name=re.compile("^Kirjaa saapuminen")).click()
    page.wait_for_url(QUEUE)
    page.locator("#referrer-staff").check()
    page.locator("input[name=reasons]").first.check()
    page.locator("#arrival-language").select_option("fi")
    with page.expect_navigation():
        page.get_by_role("button", name="Tallenna saapuminen").click()
    elapsed = time.monotonic() - started
    assert "Saapuminen kirjattu: numero 1. Paikka jonossa: 1." in page.inner_text("#confirmation")
    assert "Jonossa on 1 asiakas." in queue_length(page)
    server.timings["walk_in_register_from_book"] = {"seconds": round(elapsed, 2)}
    # a second arrival from the queue page itself: she came on her own
    page.locator("#referrer-self").check()
    with page.expect_navigation():
        page.get_by_role("button", name="Tallenna saapuminen").click()
    assert "numero 2. Paikka jonossa: 2." in page.inner_text("#confirmation")
    assert "Jonossa on 2 asiakasta." in queue_length(page)
    assert page.get_by_role("button", name="Kutsu seuraava asiakas").count() == 0  # the nurse does not call
    screenshot(page, "walk-in-1-registered")

    sign_in(page, "lohja.instructor", "/work")
    page.get_by_role("link", name=re.compile("^Avaa jono")).click()
    page.wait_for_url(QUEUE)
    assert "Jonossa on 2 asiakasta." in queue_length(page)
    started = time.monotonic()
    with page.expect_navigation():
        page.get_by_role("button", name="Kutsu seuraava asiakas").click()
    assert "Numero 1 kutsuttu." in page.inner_text("main")
    assert "Jonossa on 1 asiakas." in queue_length(page)
    with page.expect_navigation():
        page.get_by_role("button", name=re.compile("^Ei vastannut: takaisin jonoon")).click()
    elapsed = time.monotonic() - started
    assert "Numero 1 on taas jonossa." in page.inner_text("main")
    assert "Jonossa on 2 asiakasta." in queue_length(page)
    waiting = page.locator("ol.queue > li").all_inner_texts()
    assert [w.split(":")[0] for w in waiting] == ["Numero 2", "Numero 1"], waiting
    server.timings["walk_in_call_and_no_answer"] = {"seconds": round(elapsed, 2)}
    screenshot(page, "walk-in-2-back-in-queue")

    # the page refreshes itself, without JavaScript, and says so
    response = page.goto(f"/walk-ins/{walk_in}")
    assert response.headers["refresh"] == f"30; url=/walk-ins/{walk_in}"
    assert page.get_by_role("link", name="Päivitä").get_attribute("href") == f"/walk-ins/{walk_in}"

    # axe on the instructor's queue page, signed in in the scanning profile
    sign_in(scan_page, "lohja.instructor", "/work")
    scan_page.goto(f"/walk-ins/{walk_in}")
    assert_accessible(scan_page, "walk-in-queue-instructor")
    sign_in(scan_page, "lohja.nurse", "/book")
    assert_accessible(scan_page, "walk-in-book-lohja")
    scan_page.goto(f"/walk-ins/{walk_in}")
    scan_page.locator("input[name=reasons]").first.check()
    with scan_page.expect_navigation():
        scan_page.get_by_role("button", name="Tallenna saapuminen").click()
    assert_accessible(scan_page, "walk-in-queue-nurse-registered")
    # the arrival's queue ticket, with the feedback link and its QR code (issue 23, item 4)
    with scan_page.expect_navigation():
        scan_page.get_by_role("link", name=re.compile("^Jonotuslappu palautelinkkeineen")).click()
    assert scan_page.locator("svg.qr").count() == 1
    assert re.search(r"/feedback/w\d+\.", scan_page.inner_text("section.ticket"))
    assert_accessible(scan_page, "walk-in-ticket")


def test_a_swedish_speaking_nurse_registers_an_arrival(page, scan_page, server, walk_in):
    sign_in(page, "lojo.nurse", "/book", swedish=True)
    started = time.monotonic()
    page.get_by_role("link", name=re.compile("^Registrera en ankomst")).click()
    page.wait_for_url(QUEUE)
    assert page.get_by_role("heading", level=1).inner_text().startswith("Kö till öppen mottagning")
    page.locator("#referrer-self").check()
    page.locator("#arrival-language").select_option("sv")
    with page.expect_navigation():
        page.get_by_role("button", name="Registrera ankomsten").click()
    elapsed = time.monotonic() - started
    confirmation = page.inner_text("#confirmation")
    assert re.search(r"Ankomsten registrerad: nummer \d+\. Plats i kön: \d+\.", confirmation), confirmation
    assert "klienter väntar." in queue_length(page) or "klient väntar." in queue_length(page)
    assert "Svenska" in page.inner_text("ol.queue")
    server.timings["walk_in_register_swedish"] = {"seconds": round(elapsed, 2)}
    screenshot(page, "walk-in-3-swedish")
    sign_in(scan_page, "lojo.nurse", "/book", swedish=True)
    scan_page.goto(f"/walk-ins/{walk_in}")
    assert_accessible(scan_page, "walk-in-queue-swedish")
