"""Statistics benchmark (issue 7): yearly reports and the 8-year trend over 1,000,000 visits.

    python bench/reports.py [--database sqlite|postgresql|both] [--visits 1000000]

Seeds 8 years (2018-2025) of visits for three municipalities (Espoo 049,
Lohja 444 and Lahti 398), with the bookings behind the booked ones, the
cancelled bookings beside them and the onward referrals of realised visits.
Then prints, p50 of 5 runs each: every municipality's yearly report (all its
tables: the data its charts are drawn from) through the use case, beside the
same aggregates as hand-written SQL on the same database (the ratio); and the
8-year trend (grouped by year) of all three. Closed months are read from the
monthly rollup (core/statistics/service/rollup.py), which the first report
after seeding fills: that one-off cost is printed too. Figures, not pass/fail: the
goals are printed beside them.

Seeding writes rows with foreign-key checks off (the referenced stations,
workers, users and walk-in places would only add rows no query reads).
Lahti's guidance visits are a stand-in: Päijät-Häme's own report reads
intensive rehabilitation, so the bench registers one more report that counts
Lahti's visits the way Espoo's and Lohja's do.
"""

from __future__ import annotations

import argparse
import random
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

from databases import scratch_database
from sqlalchemy import create_engine, insert

from sotesilta.core.kernel.clock import HELSINKI, SystemClock
from sotesilta.core.kernel.db import make_engine
from sotesilta.core.kernel.plugins import hookimpl
from sotesilta.core.kernel.plugins.manager import load_plugins
from sotesilta.core.kernel.sealing import Sealer, generate_key, parse_keyring
from sotesilta.core.kernel.uow import UnitOfWork
from sotesilta.core.scheduling.tables import Booking
from sotesilta.core.statistics.domain.reports import (
    COUNT_MEASURES,
    GroupBy,
    Measure,
    ReportDefinition,
    TableSpec,
    Title,
    buckets,
)
from sotesilta.core.statistics.service import reports as report_service
from sotesilta.core.statistics.service.data import read_counts
from sotesilta.core.visits.tables import Visit, VisitReferral

SOTESILTA = str(Path(sys.executable).parent / "sotesilta")
YEARS = range(2018, 2026)
SHARES = {"049": 0.5, "444": 0.3, "398": 0.2}
TOPICS = ["income", "debt", "housing", "employment", "work_capacity", "everyday_life", "relationships"]
TARGETS = ["social_services", "ngo", "parish", "employment_services", "kela", "mental_health"]
OUTCOMES = (["realised"] * 80) + (["no_show"] * 12) + (["late_cancellation"] * 8)
CHUNK = 20_000


class LahtiGuidance:
    @hookimpl
    def sotesilta_register_statistics_reports(self, register):  # type: ignore[no-untyped-def]
        measures = [
            Measure.STAFF_REFERRALS,
            Measure.CLIENTS_BY_REFERRER,
            Measure.VISITS_BY_OUTCOME,
            Measure.TOPICS,
            Measure.ONWARD_REFERRALS,
        ]
        register(
            ReportDefinition(
                key="bench-lahti-guidance",
                title=Title("Lahti", "Lahtis", "Lahti"),
                municipalities=("398",),
                tables=tuple(TableSpec(m.value, m, Title(m, m, m)) for m in measures),
            )
        )


REPORTS = {"049": "espoo-guidance", "444": "lohja-guidance", "398": "bench-lahti-guidance"}


def seed(url: str, visits: int) -> dict[str, int]:
    """Visits, their bookings, cancelled bookings and onward referrals; returns row counts."""
    rng = random.Random(7)
    engine = create_engine(url)
    first = datetime(YEARS[0], 1, 1, tzinfo=HELSINKI).astimezone(UTC)
    span = (datetime(YEARS[-1] + 1, 1, 1, tzinfo=HELSINKI).astimezone(UTC) - first).total_seconds()
    counts = {"visits": 0, "bookings": 0, "referrals": 0}
    booking_id = visit_id = 0
    with engine.begin() as connection:
        if engine.dialect.name == "sqlite":
            connection.exec_driver_sql("PRAGMA foreign_keys=OFF")
        else:
            connection.exec_driver_sql("SET session_replication_role = replica")  # no FK triggers
        for code, share in SHARES.items():
            remaining = int(visits * share)
            while remaining:
                n = min(CHUNK, remaining)
                remaining -= n
                bookings, rows, referrals = [], [], []
                for _ in range(n):
                    at = first + timedelta(seconds=rng.random() * span)
                    outcome = rng.choice(OUTCOMES)
                    self_referred = code == "444" and rng.random() < 0.45
                    visit_id += 1
                    visit = {
                        "id": visit_id,
                        "booking_id": None,
                        "walk_in_id": None,
                        "municipality_code": code,
                        "station_id": 1,
                        "worker_id": 1,
                        "occurred_at": at,
                        "referrer": "self" if self_referred else "staff",
                        "outcome": outcome,
                        "topic": rng.choice(TOPICS) if outcome == "realised" else None,
                        "network_meeting_coordinated": False,
                        "follow_up_needed": False,
                        "recorded_by": 1,
                        "recorded_at": at,
                        "revision": 1,
                    }
                    if self_referred:
                        visit["walk_in_id"] = visit_id
                    else:
                        booking_id += 1
                        visit["booking_id"] = booking_id
                        bookings.append(_booking(booking_id, code, at, rng, "fulfilled"))
                        if rng.random() < 0.12:  # and a cancelled one beside it
                            booking_id += 1
                            bookings.append(_booking(booking_id, code, at, rng, "cancelled"))
                    rows.append(visit)
                    if outcome == "realised":
                        for target in rng.sample(TARGETS, rng.choice((0, 0, 1, 1, 2))):
                            referrals.append({"visit_id": visit_id, "target": target, "mode": "advised"})
                if bookings:
                    connection.execute(insert(Booking.__table__), bookings)
                connection.execute(insert(Visit.__table__), rows)
                if referrals:
                    connection.execute(insert(VisitReferral.__table__), referrals)
                counts["visits"] += len(rows)
                counts["bookings"] += len(bookings)
                counts["referrals"] += len(referrals)
    with engine.begin() as connection:
        connection.exec_driver_sql("ANALYZE")
    engine.dispose()
    return counts


def _booking(n: int, code: str, at: datetime, rng: random.Random, status: str) -> dict[str, object]:
    booked = at - timedelta(days=rng.randint(1, 30))
    cancelled = status == "cancelled"
    return {
        "id": n,
        "reference": f"bench-{n}",
        "slot_id": n,
        "session_id": 1,
        "station_id": 1,
        "worker_id": 1,
        "municipality_code": code,
        "starts_at": at,
        "ends_at": at + timedelta(minutes=45),
        "status": status,
        "referrer": "staff",
        "booked_by": 1,
        "booked_at": booked,
        "client_name": "v1.bench",
        "client_age": 40,
        "preferred_language": "fi",
        "interpreter_needed": False,
        "existing_relationship": "unknown",
        "cancelled_at": booked + timedelta(hours=1) if cancelled else None,
        "cancelled_by": "client" if cancelled else None,
        "late_cancellation": cancelled and rng.random() < 0.2,
        "sequence": 0,
        "updated_at": booked,
    }


def p50(action: Callable[[], object], runs: int = 5) -> float:
    action()  # warm caches and plans
    timings = []
    for _ in range(runs):
        started = time.perf_counter()
        action()
        timings.append((time.perf_counter() - started) * 1000)
    return statistics.median(timings)


def hand_sql(dialect: str, code: str, year: int) -> list[str]:
    """The same aggregates as the report reads, written by hand for this database."""
    start = datetime(year, 1, 1, tzinfo=HELSINKI).astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S")
    end = datetime(year + 1, 1, 1, tzinfo=HELSINKI).astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S")
    if dialect == "sqlite":
        # Helsinki is UTC+3 at the end of March-September months and UTC+2 at the end of the others
        def month(column: str) -> str:
            return (
                f"strftime('%m', {column}, CASE WHEN CAST(strftime('%m', {column}) AS INTEGER) "
                "BETWEEN 3 AND 9 THEN '+3 hours' ELSE '+2 hours' END)"
            )

        bounds = f"'{start}' AND '{end}'"
    else:

        def month(column: str) -> str:
            return f"extract(month from {column} AT TIME ZONE 'Europe/Helsinki')"

        bounds = f"'{start}+00' AND '{end}+00'"
    where = f"municipality_code = '{code}'"
    return [
        f"SELECT {month('occurred_at')}, outcome, referrer, topic, count(*) FROM visit "
        f"WHERE {where} AND occurred_at >= {bounds.replace(' AND ', ' AND occurred_at < ')} GROUP BY 1, 2, 3, 4",
        f"SELECT {month('booked_at')}, count(*) FROM booking WHERE {where} AND booked_at >= "
        f"{bounds.replace(' AND ', ' AND booked_at < ')} AND referrer = 'staff' AND rescheduled_from IS NULL "
        "AND status <> 'entered-in-error' GROUP BY 1",
        f"SELECT {month('b.starts_at')}, b.late_cancellation, count(*) FROM booking b WHERE b.{where} "
        f"AND b.status = 'cancelled' AND b.starts_at >= {bounds.replace(' AND ', ' AND b.starts_at < ')} "
        "AND NOT EXISTS (SELECT 1 FROM booking r WHERE r.rescheduled_from = b.id) "
        "AND NOT EXISTS (SELECT 1 FROM visit v WHERE v.booking_id = b.id) GROUP BY 1, 2",
        f"SELECT {month('v.occurred_at')}, r.target, count(*) FROM visit_referral r JOIN visit v ON v.id = r.visit_id "
        f"WHERE v.{where} AND v.outcome = 'realised' AND v.occurred_at >= "
        f"{bounds.replace(' AND ', ' AND v.occurred_at < ')} GROUP BY 1, 2",
    ]


def run(kind: str, args: argparse.Namespace) -> None:
    with scratch_database(kind, "sotesilta-stats-bench-") as (url, _work, env):
        sa_url = url.replace("postgresql://", "postgresql+psycopg://")
        subprocess.run([SOTESILTA, "db", "upgrade"], env=env, check=True, capture_output=True)
        started = time.perf_counter()
        counts = seed(sa_url, args.visits)
        print(
            f"\n== {kind}: seeded {counts['visits']:,} visits, {counts['bookings']:,} bookings and "
            f"{counts['referrals']:,} onward referrals in {time.perf_counter() - started:.0f} s"
        )
        plugins = load_plugins(extra=[("bench-lahti", LahtiGuidance())])
        engine = make_engine(url)
        operator = report_service.operator_principal(plugins)
        sealer = Sealer(parse_keyring(f"bench:{generate_key()}"))

        def report(
            code: str, year: int, through: int | None = None, group_by: GroupBy = GroupBy.MONTH
        ) -> None:
            with UnitOfWork(engine, plugins=plugins, sealer=sealer, clock=SystemClock()) as uow:
                report_service.get_report(
                    uow,
                    principal=operator,
                    key=REPORTS[code],
                    year=year,
                    through_year=through,
                    group_by=group_by,
                    municipality=code,
                )

        def count_from_rows(code: str, year: int) -> None:
            with UnitOfWork(engine) as uow:
                read_counts(uow, [code], buckets(year, year, GroupBy.MONTH), set(COUNT_MEASURES))

        def by_hand(code: str, year: int) -> None:
            with engine.connect() as connection:
                for sql in hand_sql(engine.dialect.name, code, year):
                    connection.exec_driver_sql(sql).all()

        year = YEARS[-1]
        started = time.perf_counter()
        for code in SHARES:
            report(code, YEARS[0], YEARS[-1], GroupBy.YEAR)
        print(
            f"first report after seeding (counts all {len(YEARS) * 12} closed months of the three into the "
            f"rollup): {time.perf_counter() - started:.1f} s"
        )
        for code in SHARES:
            ours = p50(lambda code=code: report(code, year))
            theirs = p50(lambda code=code: by_hand(code, year))
            raw = p50(lambda code=code: count_from_rows(code, year))
            verdict = "OK" if ours < 100 and ours <= 2 * theirs else "MISSED"
            print(
                f"yearly report {REPORTS[code]} {year} by month: p50 {ours:.1f} ms; hand-written SQL "
                f"{theirs:.1f} ms; ratio {ours / theirs:.2f} (goal: < 100 ms, within 2x) {verdict}; "
                f"its counts straight from the rows, without the rollup: {raw:.1f} ms ({raw / theirs:.2f}x)"
            )
        trend = p50(lambda: [report(code, YEARS[0], YEARS[-1], GroupBy.YEAR) for code in SHARES])
        print(
            f"8-year trend ({YEARS[0]}-{YEARS[-1]}, by year) of all three: p50 {trend:.0f} ms "
            f"(goal: < 1 s) {'OK' if trend < 1000 else 'MISSED'}"
        )
        monthly = p50(lambda: [report(code, YEARS[0], YEARS[-1], GroupBy.MONTH) for code in SHARES])
        print(f"8-year trend by month (96 buckets) of all three: p50 {monthly:.0f} ms")
        engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database", choices=["sqlite", "postgresql", "both"], default="both")
    parser.add_argument("--visits", type=int, default=1_000_000)
    args = parser.parse_args()
    for kind in ("sqlite", "postgresql") if args.database == "both" else (args.database,):
        run(kind, args)


if __name__ == "__main__":
    main()
