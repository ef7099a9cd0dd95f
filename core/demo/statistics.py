"""Fictional monthly figures from before the system, for the demo's statistics.

They stand in for what a municipality would import with ``sotesilta
stats-import`` (Espoo has kept figures since 2017), so a demo manager sees
years to compare. Drawn from a seeded generator: the same call writes the
same figures. Skipped when the municipality already has imported figures.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Sequence
from datetime import date, datetime

from sqlalchemy import exists, select
from sqlmodel import col

from sotesilta.core.kernel.plugins.registry import CodeListRegistry
from sotesilta.core.kernel.uow import UnitOfWork
from sotesilta.core.statistics.domain.reports import Measure
from sotesilta.core.statistics.tables import StatisticHistory

SOURCE = "demo"
#: a quiet July and December, as at any health station
SEASON = (1.0, 1.05, 1.1, 1.0, 0.95, 0.85, 0.45, 0.8, 1.05, 1.1, 1.05, 0.7)
OUTCOME_SHARES = {"realised": 0.78, "no_show": 0.07, "late_cancellation": 0.04, "cancelled": 0.11}


def _split(total: int, weights: Sequence[float], rng: random.Random) -> list[int]:
    """``total`` spread over ``weights`` at random, summing exactly to ``total``."""
    if total <= 0 or not weights:
        return [0] * len(weights)
    picks = rng.choices(range(len(weights)), weights=weights, k=total)
    return [picks.count(i) for i in range(len(weights))]


def write_demo_history(
    uow_factory: Callable[[], UnitOfWork],
    code_lists: CodeListRegistry,
    *,
    municipality: str,
    first_year: int,
    last_year: int,
    monthly_clients: int,
    measures: Sequence[Measure],
    self_referred_share: float,
    now: datetime,
    seed: int,
) -> int:
    with uow_factory() as uow:
        if uow.session.scalar(
            select(exists().where(col(StatisticHistory.municipality_code) == municipality))
        ):
            return 0
        rng = random.Random(seed)
        topics = [e.code for e in code_lists.entries("topic", municipality)]
        targets = [e.code for e in code_lists.entries("referral_target", municipality)]
        topic_weights = [rng.uniform(0.3, 3.0) for _ in topics]
        target_weights = [rng.uniform(0.2, 2.0) for _ in targets]
        rows: list[StatisticHistory] = []

        def add(month: date, measure: Measure, category: str, value: int) -> None:
            if measure in measures and value > 0:
                rows.append(
                    StatisticHistory(
                        municipality_code=municipality,
                        month=month,
                        measure=measure.value,
                        category=category,
                        value=value,
                        source=SOURCE,
                        imported_at=now,
                    )
                )

        for year in range(first_year, last_year + 1):
            growth = 1.08 ** (year - first_year)  # the service grows as it becomes known
            for month_number in range(1, 13):
                month = date(year, month_number, 1)
                volume = max(0, round(rng.gauss(monthly_clients * growth * SEASON[month_number - 1], 3)))
                outcomes = _split(volume, list(OUTCOME_SHARES.values()), rng)
                for category, value in zip(OUTCOME_SHARES, outcomes, strict=True):
                    add(month, Measure.VISITS_BY_OUTCOME, category, value)
                realised = outcomes[0]
                self_referred, staff_referred = _split(
                    realised, [self_referred_share, 1 - self_referred_share], rng
                )
                add(month, Measure.CLIENTS_BY_REFERRER, "self", self_referred)
                add(month, Measure.CLIENTS_BY_REFERRER, "staff", staff_referred)
                add(month, Measure.STAFF_REFERRALS, "staff", round(volume * (1 - self_referred_share)))
                for code, value in zip(topics, _split(realised, topic_weights, rng), strict=True):
                    add(month, Measure.TOPICS, code, value)
                onward = round(realised * rng.uniform(0.5, 0.8))
                for code, value in zip(targets, _split(onward, target_weights, rng), strict=True):
                    add(month, Measure.ONWARD_REFERRALS, code, value)
        uow.session.add_all(rows)
        uow.commit()
        return len(rows)
