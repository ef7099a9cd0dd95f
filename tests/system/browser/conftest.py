"""A real ``sotesilta serve`` on 127.0.0.1 and Debian's Chromium driven by Playwright.

Never ``playwright install``: the browser is ``/usr/bin/chromium`` (apt), and
axe-core comes from npm (``npm ci --prefix tests/system/browser``). When either is
missing the tests skip with the reason — or fail, when ``CI`` is set, so that
CI cannot go green without them.

The server under test has its own SQLite database in a temporary folder, so
these tests run once, on the SQLite pass; the pages over PostgreSQL are
covered by tests/test_web_pages.py, which runs on both.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from datetime import time as clock_time
from pathlib import Path
from typing import Any

import pytest
from browser_support import ARTIFACTS, AXE, CHROMIUM, CHROMIUM_ARGS, unavailable
from conftest import add_worker
from server_support import free_port, serving
from support import PASSWORD, TEST_SECRET


@dataclass
class Server:
    base: str
    station_key: str = "espoo-leppavaara"
    timings: dict[str, Any] = field(default_factory=dict)
    past_day: Any = (
        None  # the day of the seeded past visits (tests/system/browser/test_instructor_and_manager.py)
    )
    #: the server's data folder, for a module that seeds its own data (test_walk_in_pages.py)
    data_dir: Path | None = None


#: past visits seeded with an outcome (enough for the statistics to show the count, not "<5"),
#: and past visits left without one, for the instructor to record in the browser
PAST_REALISED = 6
PAST_OPEN = 2


def _prepare_database(data_dir: Path, plugins):  # type: ignore[no-untyped-def]
    """Espoo: a Finnish and a Swedish nurse at Leppävaara, an instructor with
    sessions there and at Tapiola on the next days (real dates: the server's
    clock is real)."""
    from sotesilta.core.accounts import service as accounts
    from sotesilta.core.kernel import migrate
    from sotesilta.core.kernel.clock import HELSINKI
    from sotesilta.core.kernel.db import make_engine
    from sotesilta.core.kernel.runtime import Runtime
    from sotesilta.core.kernel.settings import load_settings
    from sotesilta.core.organisations import service as organisations
    from sotesilta.core.organisations.tables import Station
    from sotesilta.core.scheduling.service import sessions

    settings = load_settings(data_dir=data_dir, secret_key=TEST_SECRET)
    engine = make_engine(settings.resolved_database_url)
    migrate.upgrade(engine)
    runtime = Runtime(settings=settings, engine=engine, plugins=plugins)
    now = datetime.now(UTC)
    with runtime.uow() as uow:
        organisations.sync_registry(uow)
    for username, name, roles, language in [
        ("espoo.nurse", "Eeva Hoitaja", ["health_staff"], "fi"),
        ("esbo.nurse", "Stina Sjuksköterska", ["health_staff"], "sv"),
        ("espoo.instructor", "Elina Ohjaaja", ["instructor"], "fi"),
        ("espoo.manager", "Maria Esihenkilö", ["manager"], "fi"),
    ]:
        with runtime.uow() as uow:
            accounts.add_user(
                uow,
                username=username,
                display_name=name,
                password=PASSWORD,
                roles=roles,
                municipalities=["049"],
                station_keys=["espoo-leppavaara"],
                language=language,
            )
    with runtime.uow() as uow:
        instructor = accounts.principal_of_user(uow, "espoo.instructor")
    worker_id = add_worker(runtime, instructor.user_id, "049", "Elina Ohjaaja")
    with runtime.uow() as uow:
        station_ids = {s.key: s.id for s in uow.session.query(Station).all()}
        # the instructor reaches the nurse who booked through her station's phone
        uow.session.query(Station).filter(Station.key == "espoo-leppavaara").update({"phone": "09 816 31300"})
        uow.commit()
    today = now.astimezone(HELSINKI).date()
    # three days in a row at Leppävaara and the fourth at Tapiola: a holiday cannot empty the screen
    for offset, station in [
        (1, "espoo-leppavaara"),
        (2, "espoo-leppavaara"),
        (3, "espoo-leppavaara"),
        (4, "espoo-tapiola"),
    ]:
        day = today + timedelta(days=offset)
        with runtime.uow() as uow:
            sessions.create_session_rule(
                uow,
                principal=accounts.principal_of_user(uow, "espoo.instructor"),
                draft=sessions.SessionRuleDraft(
                    worker_id=worker_id,
                    station_id=int(station_ids[station] or 0),
                    weekday=day.weekday(),
                    start=clock_time(9),
                    end=clock_time(12),
                    first_date=day,
                    until=day,
                    slot_minutes=45,
                ),
            )
    past_day = _seed_past_visits(runtime, plugins, worker_id, int(station_ids["espoo-leppavaara"] or 0), now)
    _seed_rehab_and_admin(runtime, plugins, now)
    engine.dispose()
    return past_day


def _seed_rehab_and_admin(runtime, plugins, now: datetime) -> None:  # type: ignore[no-untyped-def]
    """Lahti: an instructor with an intensive period begun a week ago; Espoo's administrator."""
    from datetime import date

    from support import identity_code

    from sotesilta.core.accounts import service as accounts
    from sotesilta.core.clients import service as clients
    from sotesilta.core.kernel.clock import HELSINKI
    from sotesilta.core.rehab.service import periods as rehab_periods

    for username, name, roles, code in [
        ("lahti.instructor", "Paula Ohjaaja", ["instructor"], "398"),
        ("espoo.admin", "Aino Ylläpitäjä", ["admin"], "049"),
    ]:
        with runtime.uow() as uow:
            accounts.add_user(
                uow,
                username=username,
                display_name=name,
                password=PASSWORD,
                roles=roles,
                municipalities=[code],
            )
    with runtime.uow() as uow:
        principal = accounts.principal_of_user(uow, "lahti.instructor")
    worker_id = add_worker(runtime, principal.user_id, "398", "Paula Ohjaaja", "fi")
    today = now.astimezone(HELSINKI).date()
    with runtime.uow() as uow:
        client_id = clients.create_client(
            uow,
            principal=principal,
            municipality="398",
            name="Nuori Asiakas",
            identity_code=identity_code(date(today.year - 24, 5, 15)),
            phone=None,
            language="fi",
            index_key=runtime.index_key,
        ).id
    with runtime.uow() as uow:
        decision = rehab_periods.create_service_decision(
            uow,
            principal=principal,
            client_id=client_id,
            decided_on=today - timedelta(days=10),
            valid_from=today - timedelta(days=8),
            valid_until=today + timedelta(days=200),
            decision_maker="Asiakasohjaus",
        )
    with runtime.uow() as uow:
        rehab_periods.open_intensive_period(
            uow,
            principal=principal,
            draft=rehab_periods.PeriodDraft(
                decision_id=decision.id,
                starts_on=today - timedelta(days=7),
                planned_end=today + timedelta(days=150),
                responsible_worker_id=worker_id,
                goals=(rehab_periods.GoalDraft("Arjen rytmi"),),
            ),
        )
    # a second client with a decision and no period yet: the worker opens it in the browser
    with runtime.uow() as uow:
        waiting = clients.create_client(
            uow,
            principal=principal,
            municipality="398",
            name="Odottava Asiakas",
            identity_code=identity_code(date(today.year - 21, 9, 9), 902),
            phone=None,
            language="fi",
            index_key=runtime.index_key,
        ).id
    with runtime.uow() as uow:
        rehab_periods.create_service_decision(
            uow,
            principal=principal,
            client_id=waiting,
            decided_on=today - timedelta(days=2),
            valid_from=today,
            valid_until=today + timedelta(days=365),
            decision_maker="Asiakasohjaus / Lahden tiimi",
        )


def _seed_past_visits(runtime, plugins, worker_id: int, station_id: int, now: datetime):  # type: ignore[no-untyped-def]
    """A session a week or more ago at Leppävaara, booked by the nurse back then: some visits
    with their outcome recorded, some still waiting for one. The server's clock is real and
    an outcome can only be recorded once its visit has begun, so the past is written here,
    through the same use cases, with the clock they are given set back."""
    from sotesilta.core.accounts import service as accounts
    from sotesilta.core.kernel.clock import HELSINKI
    from sotesilta.core.scheduling.domain.bookings import ClientDetails, VisitOutcome
    from sotesilta.core.scheduling.service import bookings, sessions, slots
    from sotesilta.core.scheduling.service.bookings import BookingRequest
    from sotesilta.core.visits.service import outcomes as visits

    today = now.astimezone(HELSINKI).date()
    then = now - timedelta(days=21)
    topic = plugins.code_lists.entries("topic", "049")[0].code
    for back in range(7, 20):  # the first working day a week or more ago with a session
        day = today - timedelta(days=back)
        with runtime.uow(now=then) as uow:
            _, generated = sessions.create_session_rule(
                uow,
                principal=accounts.principal_of_user(uow, "espoo.instructor"),
                draft=sessions.SessionRuleDraft(
                    worker_id=worker_id,
                    station_id=station_id,
                    weekday=day.weekday(),
                    start=clock_time(8),
                    end=clock_time(15),
                    first_date=day,
                    until=day,
                    slot_minutes=45,
                ),
            )
        if generated:
            break
    else:
        raise AssertionError("no past day took a session")
    with runtime.uow(now=then) as uow:
        nurse = accounts.principal_of_user(uow, "espoo.nurse")
        free = slots.find_free_slots(
            uow,
            principal=nurse,
            municipality="049",
            station_id=station_id,
            until=datetime.combine(day + timedelta(days=1), clock_time(0), tzinfo=HELSINKI),
            limit=PAST_REALISED + PAST_OPEN,
        )
    assert len(free) == PAST_REALISED + PAST_OPEN, free
    booked = []
    for n, slot in enumerate(free):
        with runtime.uow(now=then) as uow:
            view = bookings.create_booking(
                uow,
                principal=accounts.principal_of_user(uow, "espoo.nurse"),
                request=BookingRequest(
                    slot_id=slot.slot_id,
                    client=ClientDetails(name=f"Menneen Asiakas {n}", phone=None, age=40),
                    reasons=("loneliness",),
                ),
            )
            booked.append(view.booking.id)
    for booking_id in booked[PAST_OPEN:]:
        with runtime.uow() as uow:
            visits.record_visit_outcome(
                uow,
                principal=accounts.principal_of_user(uow, "espoo.instructor"),
                record=visits.OutcomeRecord(VisitOutcome.REALISED, topic=topic),
                booking_id=booking_id,
            )
    return day


# module scope, not session: Playwright's sync API keeps an event loop running in
# this thread while it is open, and later tests call asyncio.run()
@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory, plugins) -> Iterator[Server]:  # type: ignore[no-untyped-def]
    if os.environ.get("SOTESILTA_TEST_DATABASE_URL"):
        pytest.skip("the server under test runs on its own SQLite file: browser tests run on the SQLite pass")
    data_dir = tmp_path_factory.mktemp("browser") / "data"
    past_day = _prepare_database(data_dir, plugins)
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    env = {k: v for k, v in os.environ.items() if not k.startswith("SOTESILTA_")}
    env |= {
        "SOTESILTA_DATA_DIR": str(data_dir),
        "SOTESILTA_SECRET_KEY": TEST_SECRET,
        "SOTESILTA_PUBLIC_BASE_URL": base,
    }
    log_path = tmp_path_factory.mktemp("browser-log") / "server.log"
    with serving(env, log_path, "--no-access-log", port=port):
        found = Server(base, past_day=past_day, data_dir=data_dir)
        yield found
    if found.timings:
        # each module has its own server: merge, so one module's times do not erase another's
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        path = ARTIFACTS / "timings.json"
        try:
            recorded = json.loads(path.read_text())
        except (OSError, ValueError):
            recorded = {}
        recorded.update(found.timings)
        path.write_text(json.dumps(recorded, indent=2, sort_keys=True) + "\n")


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    if not CHROMIUM.exists():
        unavailable(f"{CHROMIUM} is missing: apt-get install chromium")
    if not AXE.exists():
        unavailable(f"{AXE} is missing: npm ci --prefix tests/system/browser")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        unavailable("playwright is not installed: pip install -e '.[test]'")
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield launched
        launched.close()


@pytest.fixture
def page(browser, server):  # type: ignore[no-untyped-def]
    """A fresh browser profile with the Content-Security-Policy enforced."""
    context = browser.new_context(base_url=server.base, locale="fi-FI")
    opened = context.new_page()
    opened.csp_violations = []  # type: ignore[attr-defined]
    opened.on(
        "console",
        lambda message: (
            opened.csp_violations.append(message.text)  # type: ignore[attr-defined]
            if "Content Security Policy" in message.text
            else None
        ),
    )
    yield opened
    context.close()


@pytest.fixture
def scan_page(browser, server):  # type: ignore[no-untyped-def]
    """A browser profile for axe: its script is injected, which the CSP would block."""
    context = browser.new_context(base_url=server.base, locale="fi-FI", bypass_csp=True)
    yield context.new_page()
    context.close()
