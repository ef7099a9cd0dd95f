"""A believable history of intensive rehabilitation for the demo, made through the use cases.

Fictional clients (temporary identity codes 900-999) with decisions, periods
over the past year and a half, two or three contacts a week, 3X10D
measurements and feedback, so the outcome report has something to show.
Deterministic (seeded), and skipped when the municipality already has periods.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import cast

from sqlalchemy import func, select
from sqlmodel import col

from sotesilta.core.accounts import service as accounts
from sotesilta.core.clients import service as clients
from sotesilta.core.clients.domain import identity_code_for
from sotesilta.core.kernel.clock import HELSINKI, local_to_utc
from sotesilta.core.kernel.plugins.manager import Plugins
from sotesilta.core.kernel.plugins.registry import MunicipalityRegistry
from sotesilta.core.kernel.principals import Principal
from sotesilta.core.kernel.sealing import Sealer
from sotesilta.core.kernel.uow import UnitOfWork
from sotesilta.core.organisations.tables import WorkerMunicipality
from sotesilta.core.rehab.domain import (
    MEASUREMENT_ITEMS,
    ContactKind,
    ContactStatus,
    EndReason,
    FeedbackAnswer,
    FeedbackKind,
    MeasurementPoint,
    add_months,
    quarter_window,
)
from sotesilta.core.rehab.service import contacts
from sotesilta.core.rehab.service import outcomes as rehab_outcomes
from sotesilta.core.rehab.service import periods as rehab_periods
from sotesilta.core.rehab.tables import IntensivePeriod

_EARLY_REASONS = (
    EndReason.CLIENT_WITHDREW,
    EndReason.NO_ENGAGEMENT,
    EndReason.OTHER_SERVICE,
    EndReason.MOVED_AWAY,
)
_KINDS = (
    (ContactKind.INDIVIDUAL_MEETING, 60, 0.45),
    (ContactKind.PHONE_CALL, 15, 0.25),
    (ContactKind.VIDEO_CALL, 30, 0.15),
    (ContactKind.NETWORK_MEETING, 90, 0.15),
)


@dataclass
class RehabHistory:
    uow_factory: Callable[[], UnitOfWork]
    registry: MunicipalityRegistry
    plugins: Plugins
    sealer: Sealer
    index_key: bytes
    now: datetime

    def load(self, *, username: str, municipality: str, clients_count: int = 30, seed: int = 9) -> int:
        """Returns the number of periods made (0 when the history was there already)."""
        with self.uow_factory() as uow:
            existing = uow.session.scalar(
                select(func.count()).where(col(IntensivePeriod.municipality_code) == municipality)
            )
            found = uow.session.scalars(
                select(col(WorkerMunicipality.worker_id))
                .where(col(WorkerMunicipality.municipality_code) == municipality)
                .order_by(col(WorkerMunicipality.worker_id))
            )
            workers = cast("list[int]", list(found))  # primary keys read back are never None
            principal = accounts.principal_of_user(uow, username)
        if existing or not workers:
            return 0
        rng = random.Random(seed)
        today = self.now.astimezone(HELSINKI).date()
        busy: set[tuple[int, date, int]] = set()
        for n in range(clients_count):
            self._one_client(rng, principal, municipality, workers, today, n, busy)
        return clients_count

    def _one_client(
        self,
        rng: random.Random,
        principal: Principal,
        municipality: str,
        workers: list[int],
        today: date,
        n: int,
        busy: set[tuple[int, date, int]],
    ) -> None:
        birth = date(today.year - rng.randint(19, 28), rng.randint(1, 12), rng.randint(1, 28))
        starts_on = today - timedelta(days=rng.randint(20, 540))
        starts_on -= timedelta(days=starts_on.weekday())  # periods start on a Monday
        # 18-29 on the first day, however long ago that was
        birth = birth.replace(year=min(birth.year, starts_on.year - 19))
        planned_end = min(
            add_months(starts_on, 6) - timedelta(days=rng.randint(0, 20)), add_months(starts_on, 6)
        )
        with self.uow_factory() as uow:
            client = clients.create_client(
                uow,
                principal=principal,
                municipality=municipality,
                name=f"Demo Asiakas {n + 1:02d}",
                identity_code=identity_code_for(birth, 900 + n),
                phone=None,
                language="fi",
                index_key=self.index_key,
            )
        with self.uow_factory() as uow:
            decision = rehab_periods.create_service_decision(
                uow,
                principal=principal,
                client_id=client.id,
                decided_on=starts_on - timedelta(days=rng.randint(3, 20)),
                valid_from=starts_on,
                valid_until=add_months(starts_on, 6),
                decision_maker="Asiakasohjaus (demo)",
            )
        worker, co_worker = rng.sample(workers, 2)
        with self.uow_factory() as uow:
            period = rehab_periods.open_intensive_period(
                uow,
                principal=principal,
                draft=rehab_periods.PeriodDraft(
                    decision_id=decision.id,
                    starts_on=starts_on,
                    planned_end=planned_end,
                    responsible_worker_id=worker,
                    co_worker_id=co_worker if rng.random() < 0.5 else None,
                    goals=(
                        rehab_periods.GoalDraft(
                            "Arjen rytmi (demo)", ("Säännöllinen herääminen", "Kauppa-asiointi")
                        ),
                        rehab_periods.GoalDraft("Opiskelu- tai työpolku (demo)", ("Tutustumiskäynti",)),
                    ),
                ),
            )
        ends_early = rng.random() < 0.15
        last_day = planned_end
        if ends_early:
            last_day = starts_on + timedelta(
                days=rng.randint(20, max(21, (planned_end - starts_on).days - 10))
            )
        last_day = min(last_day, today)
        self._contacts(rng, principal, period.id, worker, starts_on, planned_end, last_day, today, busy)
        start_answers = {k: rng.choice((2, 3, 3, 4, 4, 5, 5, 6)) for k in MEASUREMENT_ITEMS}
        self._measure(principal, period.id, MeasurementPoint.START, starts_on, start_answers)
        self._quarterly_feedback(rng, principal, period.id, starts_on, last_day)
        if last_day < planned_end and not ends_early:
            return  # still running
        with self.uow_factory() as uow:
            rehab_periods.close_intensive_period(
                uow,
                principal=principal,
                period_id=period.id,
                ended_on=last_day,
                reason=rng.choice(_EARLY_REASONS) if ends_early else EndReason.COMPLETED,
            )
        gain = rng.gauss(0.24, 0.12)
        follow = {
            k: max(0, min(10, round(v * (1 + gain) + rng.choice((-1, 0, 0, 1)))))
            for k, v in start_answers.items()
        }
        self._measure(principal, period.id, MeasurementPoint.FOLLOW_UP, last_day, follow)
        self._feedback(rng, principal, period.id, FeedbackKind.END, last_day)

    def _contacts(
        self,
        rng: random.Random,
        principal: Principal,
        period_id: int,
        worker: int,
        first: date,
        planned_end: date,
        last_day: date,
        today: date,
        busy: set[tuple[int, date, int]],
    ) -> None:
        day = first
        while day <= planned_end:
            for _ in range(rng.choice((2, 2, 3, 3, 4))):
                for _attempt in range(6):  # a free hour of the worker on a weekday
                    when = day + timedelta(days=rng.randint(0, 4))
                    hour = rng.randint(8, 15)
                    hours = {(worker, when, hour), (worker, when, hour + 1)}  # the longest contact is 90 min
                    if not hours & busy:
                        break
                if when > planned_end or hours & busy or (when > last_day and last_day < today):
                    continue  # no free time, or the period ended before this day
                busy.update(hours)
                kind, minutes, _ = rng.choices(_KINDS, weights=[k[2] for k in _KINDS])[0]
                starts_at = local_to_utc(when, time(hour))
                with self.uow_factory() as uow:
                    contact = contacts.plan_contact(
                        uow,
                        principal=principal,
                        period_id=period_id,
                        draft=contacts.ContactDraft(
                            kind=kind,
                            starts_at=starts_at,
                            minutes=minutes,
                            place="Sosiaalisen kuntoutuksen yksikkö"
                            if kind is not ContactKind.VIDEO_CALL
                            else None,
                            video_link="https://video.example.invalid/demo"
                            if kind is ContactKind.VIDEO_CALL
                            else None,
                        ),
                    )
                if starts_at + timedelta(minutes=minutes) < self.now:
                    status = rng.choices(
                        (ContactStatus.FULFILLED, ContactStatus.NOSHOW, ContactStatus.CANCELLED),
                        weights=(85, 8, 7),
                    )[0]
                    with self.uow_factory() as uow:
                        contacts.record_contact_outcome(
                            uow,
                            principal=principal,
                            contact_id=contact.id,
                            status=status,
                            note=None,
                        )
            day += timedelta(days=7)

    def _measure(
        self, principal: Principal, period_id: int, point: MeasurementPoint, on: date, answers: dict[str, int]
    ) -> None:
        with self.uow_factory() as uow:
            rehab_outcomes.record_measurement(
                uow,
                principal=principal,
                period_id=period_id,
                point=point,
                measured_on=on,
                answers=answers,
            )

    def _feedback(
        self, rng: random.Random, principal: Principal, period_id: int, kind: FeedbackKind, on: date
    ) -> None:
        def answer(yes: float) -> FeedbackAnswer:
            roll = rng.random()
            return (
                FeedbackAnswer.YES
                if roll < yes
                else FeedbackAnswer.PARTLY
                if roll < 0.99
                else FeedbackAnswer.NO
            )

        with self.uow_factory() as uow:
            rehab_outcomes.submit_period_feedback(
                uow,
                principal=principal,
                period_id=period_id,
                kind=kind,
                submitted_on=on,
                useful=answer(0.97),
                towards_goals=answer(0.9),
                free_text=None,
            )

    def _quarterly_feedback(
        self, rng: random.Random, principal: Principal, period_id: int, first: date, last: date
    ) -> None:
        day = first
        while day <= last:
            if quarter_window(day) is not None and rng.random() < 0.6:
                self._feedback(rng, principal, period_id, FeedbackKind.QUARTERLY, day)
                day = date(day.year + (day.month > 9), (day.month + 2) % 12 + 1, 1)  # next quarter
                continue
            day += timedelta(days=1)
