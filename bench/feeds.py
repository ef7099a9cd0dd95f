"""Calendar feed benchmark (issue 6): a worker with 2,000 appointments.

    python bench/feeds.py [--appointments 2000] [--rounds 200]

Prints, for the feed served by ``calendar.feeds.serve_feed`` on SQLite:
a cold build (nothing cached), the full build right after one appointment
changed (p50, p99), the 304 answer to a poll that changed nothing (p50, p99),
and the same events written by a hand-written string template (the ratio).
Then, busy times in: an imported calendar with a series of 3,000 occurrences, each one moved
(a RECURRENCE-ID apiece), expanded into busy blocks by ``calendar.busy.parse_busy`` (median of
five). Figures, not pass/fail: the goals are printed beside them.
"""

from __future__ import annotations

import argparse
import gc
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import select, update

from sotesilta.calendar import busy, feed_content, feeds, serialise, subscriptions
from sotesilta.core.accounts.tables import UserAccount
from sotesilta.core.kernel import migrate
from sotesilta.core.kernel.clock import HELSINKI
from sotesilta.core.kernel.db import make_engine
from sotesilta.core.kernel.plugins.manager import load_plugins
from sotesilta.core.kernel.uow import UnitOfWork
from sotesilta.core.organisations import service as organisations
from sotesilta.core.organisations.tables import Station, Worker
from sotesilta.core.scheduling.tables import GuidanceSession

NOW = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)
SECRET = b"bench-secret-" + b"x" * 40


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def seed(uow: UnitOfWork, count: int) -> tuple[str, list[int]]:
    """One worker with ``count`` one-hour sessions over the feed's window, and a subscription."""
    session = uow.session
    station = session.scalar(select(Station).where(Station.key == "espoo-leppavaara"))
    assert station is not None
    user = UserAccount(username="bench", display_name="Bench", password_hash="x", created_at=NOW)
    session.add(user)
    session.flush()
    worker = Worker(
        user_id=user.id,
        display_name="Bench",
        title="social_instructor",
        languages="fi",
        municipality_code="049",
    )
    session.add(worker)
    session.flush()
    day = NOW.astimezone(HELSINKI).replace(hour=7, minute=0, second=0, microsecond=0) - timedelta(days=20)
    rows = []
    for n in range(count):
        start = day + timedelta(days=n // 10, hours=n % 10)
        rows.append(
            GuidanceSession(
                worker_id=worker.id or 0,
                station_id=station.id or 0,
                local_date=start.date(),
                starts_at=start.astimezone(UTC),
                ends_at=(start + timedelta(minutes=55)).astimezone(UTC),
                mode="on_site",
                status="scheduled",
                updated_at=NOW,
            )
        )
    session.add_all(rows)
    session.flush()
    ids = [r.id or 0 for r in rows]
    principal_user = user.id or 0
    uow.commit()
    from sotesilta.calendar.tables import FeedSubscription

    token = "bench-token-" + "x" * 40
    session.add(
        FeedSubscription(
            user_id=principal_user,
            name="bench",
            token_hash=subscriptions.token_hash(token),
            feed="mine",
            privacy="pseudonymous",
            language="fi",
            created_at=NOW,
        )
    )
    uow.commit()
    return token, ids


def serve(engine, token: str, etag: str | None = None) -> feeds.FeedAnswer:  # type: ignore[no-untyped-def]
    with UnitOfWork(engine, now=NOW) as uow:
        return feeds.serve_feed(
            uow,
            token=token,
            secret=SECRET,
            past_days=30,
            future_days=180,
            tombstone_days=30,
            user_agent="bench",
            if_none_match=etag,
        )


def template(items: list[serialise.FeedItem]) -> bytes:
    """The same events from a hand-written string template: the yardstick, not the product."""
    out = ["BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//bench//EN\r\n"]
    for i in items:
        start = i.starts_at.astimezone(HELSINKI).strftime("%Y%m%dT%H%M%S")
        end = i.ends_at.astimezone(HELSINKI).strftime("%Y%m%dT%H%M%S")
        out.append(
            f"BEGIN:VEVENT\r\nUID:{i.uid}\r\nDTSTAMP:{i.stamp:%Y%m%dT%H%M%SZ}\r\nSEQUENCE:{i.sequence}\r\n"
            f"DTSTART;TZID=Europe/Helsinki:{start}\r\nDTEND;TZID=Europe/Helsinki:{end}\r\n"
            f"SUMMARY:{i.summary}\r\nLOCATION:{i.location or ''}\r\nSTATUS:CONFIRMED\r\nEND:VEVENT\r\n"
        )
    out.append("END:VCALENDAR\r\n")
    return "".join(out).encode()


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--appointments", type=int, default=2000)
    parser.add_argument("--rounds", type=int, default=200)
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="sotesilta-feed-bench-"))
    engine = make_engine(f"sqlite:///{folder / 'bench.sqlite3'}")
    migrate.upgrade(engine)
    with UnitOfWork(engine, plugins=load_plugins()) as uow:
        organisations.sync_registry(uow)
    with UnitOfWork(engine) as uow:
        token, ids = seed(uow, args.appointments)

    gc.collect()
    gc.freeze()  # as a server process does once its app is built (core.api.app.freeze_startup_objects)
    began = time.perf_counter()
    first = serve(engine, token)
    cold = (time.perf_counter() - began) * 1000
    events = first.body.count(b"BEGIN:VEVENT")

    full: list[float] = []
    for n in range(args.rounds):
        with UnitOfWork(engine) as uow:  # one appointment changes between polls
            uow.session.execute(
                update(GuidanceSession)
                .where(GuidanceSession.id == ids[n % len(ids)])
                .values(sequence=GuidanceSession.sequence + 1, updated_at=NOW)
            )
            uow.commit()
        began = time.perf_counter()
        answer = serve(engine, token)
        full.append((time.perf_counter() - began) * 1000)
    not_modified: list[float] = []
    for _ in range(args.rounds * 5):
        began = time.perf_counter()
        same = serve(engine, token, answer.etag)
        not_modified.append((time.perf_counter() - began) * 1000)
    assert same.status == 304

    render = feed_content._Render("fi", False, SECRET)
    with UnitOfWork(engine) as uow:
        scope = feeds._scope(uow, feeds._subscription(uow, token))
        items = feed_content.collect(uow, scope, feed_content.window_for(NOW, 30, 180, 30), render)
    hand: list[float] = []
    for _ in range(20):
        began = time.perf_counter()
        template(items)
        hand.append((time.perf_counter() - began) * 1000)
    fresh: list[float] = []
    for _ in range(5):
        began = time.perf_counter()
        for item in items:
            serialise.event_bytes(item)
        fresh.append((time.perf_counter() - began) * 1000)

    p50, p99 = statistics.median(full), percentile(full, 0.99)
    print(f"events in the feed: {events} (appointments seeded: {args.appointments})")
    print(f"cold build (nothing cached):          {cold:8.1f} ms")
    print(f"icalendar serialisation of all events: {statistics.median(fresh):8.1f} ms (no cache)")
    print(f"full feed after one change:  p50 {p50:6.1f} ms  p99 {p99:6.1f} ms   goal < 50 ms")
    print(
        f"304 (nothing changed):       p50 {statistics.median(not_modified):6.2f} ms  "
        f"p99 {percentile(not_modified, 0.99):6.2f} ms   goal < 2 ms"
    )
    print(
        f"string template, same events: p50 {statistics.median(hand):6.1f} ms   ratio {p50 / statistics.median(hand):.1f}x"
    )
    print(f"busy times from 3,000 moved occurrences: {busy_expansion_ms():6.1f} ms")
    sys.stdout.flush()


def busy_expansion_ms() -> float:
    """A two-hourly series of 3,000 whose every occurrence was moved by a quarter."""
    quarter = timedelta(minutes=15)

    def stamp(moment: datetime) -> str:
        return f"{moment:%Y%m%dT%H%M%SZ}"

    def event(start: datetime, end: datetime, extra: str) -> str:
        return f"BEGIN:VEVENT\r\nUID:series\r\nDTSTART:{stamp(start)}\r\nDTEND:{stamp(end)}\r\n{extra}\r\nEND:VEVENT"

    first = datetime(2026, 3, 1, 8, tzinfo=UTC)
    events = [event(first, first + 4 * quarter, "RRULE:FREQ=HOURLY;INTERVAL=2;COUNT=3000")]
    for n in range(3000):
        moment = first + timedelta(hours=2 * n)
        events.append(event(moment + quarter, moment + 5 * quarter, f"RECURRENCE-ID:{stamp(moment)}"))
    text = "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//bench//EN\r\n" + "\r\n".join(events)
    ics = (text + "\r\nEND:VCALENDAR\r\n").encode()
    window = (datetime(2026, 2, 1, tzinfo=UTC), datetime(2027, 2, 1, tzinfo=UTC))
    runs = []
    for _ in range(5):
        began = time.perf_counter()
        found = busy.parse_busy(ics, *window)
        runs.append((time.perf_counter() - began) * 1000)
    assert len(found) == 3000
    return statistics.median(runs)


if __name__ == "__main__":
    main()
