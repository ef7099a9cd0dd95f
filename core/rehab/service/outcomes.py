"""3X10D measurements, client feedback on a period, and the intensity views."""

from __future__ import annotations

from collections.abc import Collection, Mapping
from datetime import date, timedelta

import msgspec
from sqlalchemy import or_, select
from sqlmodel import col

from sotesilta.core.kernel import access
from sotesilta.core.kernel.clock import HELSINKI, local_date
from sotesilta.core.kernel.errors import InputInvalid, StateConflict
from sotesilta.core.kernel.plugins.registry import MunicipalityRegistry
from sotesilta.core.kernel.principals import Principal, Role
from sotesilta.core.kernel.privacy import AccessAction
from sotesilta.core.kernel.uow import UnitOfWork
from sotesilta.core.organisations import public as organisations
from sotesilta.core.rehab.domain import (
    END_FEEDBACK_DAYS_AFTER,
    END_FEEDBACK_DAYS_BEFORE,
    ContactMoment,
    ContactStatus,
    FeedbackAnswer,
    FeedbackKind,
    MeasurementPoint,
    WeekIntensity,
    change_of_mean,
    days_without_contact,
    follow_up_due,
    item_changes,
    mean_of,
    quarter_key,
    quarter_window,
    validate_answers,
    weekly_intensity,
)
from sotesilta.core.rehab.service.periods import period_in_scope, policy_for
from sotesilta.core.rehab.tables import (
    Contact,
    IntensivePeriod,
    Measurement,
    MeasurementAnswer,
    PeriodFeedback,
)

#: the worklist shows measurements due within this many days, and overdue ones
DUE_HORIZON_DAYS = 14
#: a closed period stays on the worklist this long when its follow-up is missing
CLOSED_GRACE_DAYS = 60
END_APPROACHING_DAYS = 14
MAX_FEEDBACK_CHARS = 2000


# --- 3X10D ---------------------------------------------------------------------


class MeasurementSummary(msgspec.Struct, frozen=True, kw_only=True):
    period_id: int
    start: dict[str, int] | None
    start_on: date | None
    follow_up: dict[str, int] | None
    follow_up_on: date | None
    start_mean: float | None
    follow_up_mean: float | None
    item_changes: dict[str, int | None]
    change_of_mean: float | None  # relative, e.g. 0.25; None when undefined


def answers_by_point(
    uow: UnitOfWork, period_ids: list[int]
) -> dict[tuple[int, str], tuple[date, dict[str, int]]]:
    rows = uow.session.execute(
        select(
            col(Measurement.period_id),
            col(Measurement.point),
            col(Measurement.measured_on),
            col(MeasurementAnswer.item_key),
            col(MeasurementAnswer.value),
        )
        .join(MeasurementAnswer, col(MeasurementAnswer.measurement_id) == col(Measurement.id))
        .where(col(Measurement.period_id).in_(period_ids))
    ).all()
    found: dict[tuple[int, str], tuple[date, dict[str, int]]] = {}
    for period_id, point, on, key, value in rows:
        found.setdefault((period_id, point), (on, {}))[1][key] = value
    return found


def measurement_summary(uow: UnitOfWork, period_id: int) -> MeasurementSummary:
    found = answers_by_point(uow, [period_id])
    start_on, start = found.get((period_id, MeasurementPoint.START.value), (None, None))
    follow_on, follow = found.get((period_id, MeasurementPoint.FOLLOW_UP.value), (None, None))
    return MeasurementSummary(
        period_id=period_id,
        start=start,
        start_on=start_on,
        follow_up=follow,
        follow_up_on=follow_on,
        start_mean=mean_of(start) if start else None,
        follow_up_mean=mean_of(follow) if follow else None,
        item_changes=item_changes(start, follow),
        change_of_mean=change_of_mean(start, follow),
    )


def record_measurement(
    uow: UnitOfWork,
    *,
    principal: Principal,
    period_id: int,
    point: MeasurementPoint,
    measured_on: date,
    answers: Mapping[str, int],
) -> MeasurementSummary:
    now = uow.now
    period = period_in_scope(uow, principal, period_id)
    clean = validate_answers(dict(answers))
    latest = period.last_day + timedelta(days=END_FEEDBACK_DAYS_AFTER)
    if not period.starts_on - timedelta(days=DUE_HORIZON_DAYS) <= measured_on <= latest:
        raise InputInvalid(
            f"a measurement of this period is taken {period.starts_on - timedelta(days=DUE_HORIZON_DAYS)}"
            f" - {latest}",
            field="measured_on",
        )
    if measured_on > local_date(now):
        raise InputInvalid("a measurement cannot be dated in the future", field="measured_on")
    measurement = Measurement(
        period_id=period_id,
        point=point.value,
        measured_on=measured_on,
        recorded_by=principal.user_id,
        recorded_at=now,
    )
    uow.add_unique(
        measurement,
        StateConflict(f"the {point.value} measurement of period {period_id} is already recorded"),
    )
    uow.session.add_all(
        [MeasurementAnswer(measurement_id=measurement.id or 0, item_key=k, value=v) for k, v in clean.items()]
    )
    uow.session.flush()
    access.log_use(
        uow,
        principal,
        AccessAction.CREATE,
        "measurement",
        measurement.id or 0,
        period.client_id,
    )
    summary = measurement_summary(uow, period_id)
    uow.commit()
    return summary


def get_measurements(
    uow: UnitOfWork,
    *,
    principal: Principal,
    period_id: int,
) -> MeasurementSummary:
    period = period_in_scope(uow, principal, period_id)
    summary = measurement_summary(uow, period_id)
    access.log_use(uow, principal, AccessAction.READ, "measurement", period_id, period.client_id)
    uow.commit()
    return summary


class DueMeasurement(msgspec.Struct, frozen=True, kw_only=True):
    period_id: int
    client_id: int
    responsible_worker_id: int
    point: str
    due_on: date
    overdue: bool


def _scoped_periods(uow: UnitOfWork, principal: Principal, today: date) -> list[IntensivePeriod]:
    """Open periods, and recently closed ones, of the worker (or of the municipalities)."""
    access.require_role(principal, Role.INSTRUCTOR)
    query = select(IntensivePeriod).where(
        col(IntensivePeriod.municipality_code).in_(principal.municipalities),
        or_(
            col(IntensivePeriod.ended_on).is_(None),
            col(IntensivePeriod.ended_on) >= today - timedelta(days=CLOSED_GRACE_DAYS),
        ),
    )
    own = organisations.own_worker_id(uow, principal)
    if own is not None:
        query = query.where(
            or_(col(IntensivePeriod.responsible_worker_id) == own, col(IntensivePeriod.co_worker_id) == own)
        )
    return list(uow.session.scalars(query.order_by(col(IntensivePeriod.id))))


def list_due_measurements(
    uow: UnitOfWork,
    *,
    principal: Principal,
) -> list[DueMeasurement]:
    registry, now = uow.plugins.municipalities, uow.now
    today = local_date(now)
    horizon = today + timedelta(days=DUE_HORIZON_DAYS)
    periods = _scoped_periods(uow, principal, today)
    taken = answers_by_point(uow, [p.id or 0 for p in periods])
    due = [d for period in periods for d in due_of(period, set(taken), registry, today, horizon)]
    due.sort(key=lambda d: (d.due_on, d.period_id, d.point))
    return due


def due_of(
    period: IntensivePeriod,
    taken: Collection[tuple[int | None, str]],
    registry: MunicipalityRegistry,
    today: date,
    horizon: date,
) -> list[DueMeasurement]:
    """The period's measurements due by ``horizon`` and not ``taken`` (period id, point)."""
    policy = policy_for(registry, period.municipality_code)
    points = (
        (MeasurementPoint.START, period.starts_on),
        (MeasurementPoint.FOLLOW_UP, follow_up_due(period.starts_on, period.last_day, policy)),
    )
    due = []
    for point, due_on in points:
        if (period.id, point.value) in taken or due_on > horizon:
            continue
        if period.ended_on is not None and point is MeasurementPoint.START:
            continue  # a start measurement cannot be taken any more
        due.append(
            DueMeasurement(
                period_id=period.id or 0,
                client_id=period.client_id,
                responsible_worker_id=period.responsible_worker_id,
                point=point.value,
                due_on=due_on,
                overdue=due_on < today,
            )
        )
    return due


# --- feedback ------------------------------------------------------------------


class PeriodFeedbackView(msgspec.Struct, frozen=True, kw_only=True):
    id: int
    period_id: int
    kind: FeedbackKind
    window: str
    submitted_on: date
    useful: FeedbackAnswer
    towards_goals: FeedbackAnswer
    has_free_text: bool


def submit_period_feedback(
    uow: UnitOfWork,
    *,
    principal: Principal,
    period_id: int,
    kind: FeedbackKind,
    submitted_on: date,
    useful: FeedbackAnswer,
    towards_goals: FeedbackAnswer,
    free_text: str | None,
) -> PeriodFeedbackView:
    """The client's written feedback, entered by the worker: at the end, or in a quarter's window."""
    sealer, now = uow.sealer, uow.now
    period = period_in_scope(uow, principal, period_id)
    if submitted_on > local_date(now):
        raise InputInvalid("feedback cannot be dated in the future", field="submitted_on")
    end = period.last_day
    if kind is FeedbackKind.END:
        first = period.planned_end - timedelta(days=END_FEEDBACK_DAYS_BEFORE)
        if period.ended_on is not None:
            first = min(first, period.ended_on)
        last = end + timedelta(days=END_FEEDBACK_DAYS_AFTER)
        if not first <= submitted_on <= last:
            raise InputInvalid(f"end-of-period feedback is collected {first} - {last}", field="submitted_on")
        window = "end"
    else:
        if quarter_window(submitted_on) is None:
            raise InputInvalid(
                "quarterly feedback is collected in the first two weeks of a quarter", field="submitted_on"
            )
        if not period.starts_on <= submitted_on <= end:
            raise InputInvalid("quarterly feedback is collected during the period", field="submitted_on")
        window = quarter_key(submitted_on)
    text = free_text.strip() if free_text and free_text.strip() else None
    if text is not None and len(text) > MAX_FEEDBACK_CHARS:
        raise InputInvalid(f"free text is at most {MAX_FEEDBACK_CHARS} characters", field="free_text")
    feedback = PeriodFeedback(
        period_id=period_id,
        kind=kind.value,
        window=window,
        submitted_on=submitted_on,
        useful=useful.value,
        towards_goals=towards_goals.value,
        free_text=sealer.seal_optional(text, context="period_feedback.free_text"),
        recorded_by=principal.user_id,
        recorded_at=now,
    )
    uow.add_unique(
        feedback,
        StateConflict(f"feedback for window {window} of period {period_id} is already recorded"),
    )
    access.log_use(
        uow,
        principal,
        AccessAction.CREATE,
        "period_feedback",
        feedback.id or 0,
        period.client_id,
    )
    uow.commit()
    return PeriodFeedbackView(
        id=feedback.id or 0,
        period_id=period_id,
        kind=kind,
        window=window,
        submitted_on=submitted_on,
        useful=useful,
        towards_goals=towards_goals,
        has_free_text=text is not None,
    )


# --- intensity -----------------------------------------------------------------


class PeriodIntensity(msgspec.Struct, frozen=True, kw_only=True):
    period_id: int
    client_id: int
    starts_on: date
    ends_on: date
    closed: bool
    weekly_target: int
    weeks: tuple[WeekIntensity, ...]
    planned: int
    realised: int
    weeks_below_target: int
    days_to_end: int
    end_approaching: bool
    days_without_contact: int
    no_contact_alert: bool


def _moments(uow: UnitOfWork, period_ids: list[int]) -> dict[int, list[ContactMoment]]:
    found: dict[int, list[ContactMoment]] = {p: [] for p in period_ids}
    rows = uow.session.execute(
        select(col(Contact.period_id), col(Contact.starts_at), col(Contact.status)).where(
            col(Contact.period_id).in_(period_ids)
        )
    ).all()
    for period_id, starts_at, status in rows:
        found[period_id].append(ContactMoment(starts_at, ContactStatus(status)))
    return found


def intensity_of(
    period: IntensivePeriod, moments: list[ContactMoment], alert_days: int, today: date
) -> PeriodIntensity:
    end = period.last_day
    weeks = tuple(weekly_intensity(moments, period.starts_on, end, period.weekly_target, today))
    realised_days = [
        m.starts_at.astimezone(HELSINKI).date() for m in moments if m.status is ContactStatus.FULFILLED
    ]
    silent = days_without_contact(realised_days, period.starts_on, today, end)
    to_end = (end - today).days
    return PeriodIntensity(
        period_id=period.id or 0,
        client_id=period.client_id,
        starts_on=period.starts_on,
        ends_on=end,
        closed=period.ended_on is not None,
        weekly_target=period.weekly_target,
        weeks=weeks,
        planned=sum(w.planned for w in weeks),
        realised=sum(w.realised for w in weeks),
        weeks_below_target=sum(w.below_target for w in weeks),
        days_to_end=to_end,
        end_approaching=period.ended_on is None and 0 <= to_end <= END_APPROACHING_DAYS,
        days_without_contact=silent,
        no_contact_alert=period.ended_on is None and today >= period.starts_on and silent >= alert_days,
    )


def get_period_intensity(
    uow: UnitOfWork,
    *,
    principal: Principal,
    period_id: int,
) -> PeriodIntensity:
    registry, now = uow.plugins.municipalities, uow.now
    period = period_in_scope(uow, principal, period_id)
    policy = policy_for(registry, period.municipality_code)
    view = intensity_of(
        period, _moments(uow, [period_id])[period_id], policy.days_without_contact_alert, local_date(now)
    )
    access.log_use(uow, principal, AccessAction.READ, "intensive_period", period_id, period.client_id)
    uow.commit()
    return view


class WorkerIntensity(msgspec.Struct, frozen=True, kw_only=True):
    worker_id: int
    periods: tuple[PeriodIntensity, ...]
    #: (ISO week, planned, realised) over all the worker's periods
    weeks: tuple[tuple[str, int, int], ...]


def get_worker_intensity(
    uow: UnitOfWork,
    *,
    principal: Principal,
    worker_id: int,
) -> WorkerIntensity:
    """The worker's open periods (responsible or co-worker), each week by week."""
    registry, now = uow.plugins.municipalities, uow.now
    access.require_role(principal, Role.INSTRUCTOR)
    worker = organisations.worker_in_scope(uow, principal, worker_id)
    periods = list(
        uow.session.scalars(
            select(IntensivePeriod)
            .where(
                col(IntensivePeriod.ended_on).is_(None),
                col(IntensivePeriod.municipality_code).in_(principal.municipalities),
                or_(
                    col(IntensivePeriod.responsible_worker_id) == worker.id,
                    col(IntensivePeriod.co_worker_id) == worker.id,
                ),
            )
            .order_by(col(IntensivePeriod.starts_on), col(IntensivePeriod.id))
        )
    )
    moments = _moments(uow, [p.id or 0 for p in periods])
    today = local_date(now)
    views = tuple(
        intensity_of(
            p, moments[p.id or 0], policy_for(registry, p.municipality_code).days_without_contact_alert, today
        )
        for p in periods
    )
    totals: dict[str, list[int]] = {}
    for view in views:
        for week in view.weeks:
            cell = totals.setdefault(week.week, [0, 0])
            cell[0] += week.planned
            cell[1] += week.realised
    for period in periods:
        access.log_use(
            uow,
            principal,
            AccessAction.READ,
            "intensive_period",
            period.id or 0,
            period.client_id,
        )
    uow.commit()
    return WorkerIntensity(
        worker_id=worker_id,
        periods=views,
        weeks=tuple((w, p, r) for w, (p, r) in sorted(totals.items())),
    )


class Intensity(msgspec.Struct, frozen=True, kw_only=True):
    """One period's intensity, or a worker's: the other is null."""

    period: PeriodIntensity | None = None
    worker: WorkerIntensity | None = None
