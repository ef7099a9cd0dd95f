"""Fixed-term service decisions and intensive periods (Päijät-Häme model).

Client guidance records the decision; an instructor or psychiatric nurse
opens an intensive period under it, within the municipality's policy (its
maximum length and age groups, set by its plugin). Every use of a client's
period is access-logged.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import date, datetime, timedelta

import msgspec
from sqlalchemy import func, select, update
from sqlmodel import col

from sotesilta.core.clients import public as clients
from sotesilta.core.clients.public import ClientRecord, parse_identity_code
from sotesilta.core.kernel import access
from sotesilta.core.kernel.clock import local_date, local_to_utc
from sotesilta.core.kernel.errors import (
    AgeNotEligible,
    InputInvalid,
    PeriodActive,
    RecordNotFound,
    ServiceNotOffered,
)
from sotesilta.core.kernel.plugins.registry import MunicipalityRegistry
from sotesilta.core.kernel.principals import Principal, Role
from sotesilta.core.kernel.privacy import AccessAction
from sotesilta.core.kernel.sealing import Sealer
from sotesilta.core.kernel.uow import UnitOfWork
from sotesilta.core.organisations import public as organisations
from sotesilta.core.rehab.domain import (
    SOCIAL_REHABILITATION,
    ContactStatus,
    EndReason,
    RehabPolicy,
    age_on,
    check_period_dates,
)
from sotesilta.core.rehab.tables import Contact, IntensivePeriod, PeriodGoal, ServiceDecision

log = logging.getLogger("sotesilta.rehab")

MAX_GOALS, MAX_SUB_GOALS, MAX_GOAL_CHARS = 10, 10, 500


class GoalDraft(msgspec.Struct, frozen=True):
    text: str
    sub_goals: tuple[str, ...] = ()


class PeriodDraft(msgspec.Struct, frozen=True):
    decision_id: int
    starts_on: date
    planned_end: date
    responsible_worker_id: int
    co_worker_id: int | None = None
    goals: tuple[GoalDraft, ...] = ()
    weekly_target: int | None = None  # the municipality's default when None
    age_exception_reason: str | None = None


#: a decision names the official who made it: sealed free text (personal data at rest)
DECISION_MAKER = "service_decision.decision_maker"


class DecisionView(msgspec.Struct, frozen=True, kw_only=True):
    id: int
    client_id: int
    municipality_code: str
    service: str
    decided_on: date
    valid_from: date
    valid_until: date
    decision_maker: str


class GoalView(msgspec.Struct, frozen=True, kw_only=True):
    id: int
    text: str
    sub_goals: tuple[tuple[int, str], ...]


class PeriodView(msgspec.Struct, frozen=True, kw_only=True):
    id: int
    decision_id: int
    client_id: int
    municipality_code: str
    service: str
    starts_on: date
    planned_end: date
    max_end: date
    ended_on: date | None
    end_reason: str | None
    responsible_worker_id: int
    co_worker_id: int | None
    weekly_target: int
    age_exception: bool
    goals: tuple[GoalView, ...]


def policy_for(registry: MunicipalityRegistry, municipality: str) -> RehabPolicy:
    profile = registry.get(municipality)
    if profile is None or profile.rehab is None:
        raise ServiceNotOffered(f"municipality {municipality} does not offer intensive rehabilitation")
    return profile.rehab


def closing_days_of(registry: MunicipalityRegistry, municipality: str) -> Callable[[date], bool]:
    """Whether the municipality's units are closed on a day: public holidays, as for guidance
    sessions (the municipality's plugin decides on Midsummer Eve and Christmas Eve)."""
    profile = registry.get(municipality)
    if profile is None:
        raise ServiceNotOffered(f"no municipality {municipality}")
    return profile.closing_days.is_closed


def period_in_scope(uow: UnitOfWork, principal: Principal, period_id: int) -> IntensivePeriod:
    """Instructors (incl. psychiatric nurses) of the client's municipality; others are told nothing."""
    access.require_role(principal, Role.INSTRUCTOR)
    period = uow.session.get(IntensivePeriod, period_id)
    if period is None or period.municipality_code not in principal.municipalities:
        raise RecordNotFound(f"no intensive period {period_id}")
    return period


def _text(value: str, field: str, limit: int = MAX_GOAL_CHARS) -> str:
    cleaned = value.strip()
    if not 1 <= len(cleaned) <= limit:
        raise InputInvalid(f"{field} must be 1-{limit} characters", field=field)
    return cleaned


def create_service_decision(
    uow: UnitOfWork,
    *,
    principal: Principal,
    client_id: int,
    decided_on: date,
    valid_from: date,
    valid_until: date,
    decision_maker: str,
    service: str = SOCIAL_REHABILITATION,
) -> DecisionView:
    registry, now = uow.plugins.municipalities, uow.now
    access.require_role(principal, Role.INSTRUCTOR)
    client = clients.client_access(uow, principal, client_id).client
    policy_for(registry, client.municipality_code)
    if service != SOCIAL_REHABILITATION:
        raise ServiceNotOffered(f"unknown service {service!r}", field="service")
    if valid_until < valid_from:
        raise InputInvalid("a decision is valid from a day until a later day", field="valid_until")
    if decided_on > local_date(now):
        raise InputInvalid("the decision date cannot be in the future", field="decided_on")
    decision = ServiceDecision(
        client_id=client_id,
        municipality_code=client.municipality_code,
        service=service,
        decided_on=decided_on,
        valid_from=valid_from,
        valid_until=valid_until,
        decision_maker=uow.sealer.seal(_text(decision_maker, "decision_maker", 200), context=DECISION_MAKER),
        created_by=principal.user_id,
        created_at=now,
    )
    uow.session.add(decision)
    uow.session.flush()
    access.log_use(uow, principal, AccessAction.CREATE, "service_decision", decision.id or 0, client_id)
    view = decision_view(decision, uow.sealer)
    uow.commit()
    return view


def decision_view(decision: ServiceDecision, sealer: Sealer) -> DecisionView:
    """The decision as shown, its decision maker opened."""
    view = msgspec.convert(decision, DecisionView, from_attributes=True)
    maker = sealer.open(decision.decision_maker, context=DECISION_MAKER)
    return msgspec.structs.replace(view, decision_maker=maker)


def _birth_date(client: ClientRecord, sealer: Sealer) -> date | None:
    code = sealer.open_optional(client.identity_code, context="client_record.identity_code")
    return parse_identity_code(code).birth_date if code else None


def _check_age(
    client: ClientRecord, policy: RehabPolicy, starts_on: date, reason: str | None, sealer: Sealer
) -> str | None:
    """The reason to keep when an exception is allowed and given; refuses otherwise."""
    birth = _birth_date(client, sealer)
    if birth is None:
        raise InputInvalid("the client's identity code is needed to check the age group", field="client_id")
    age = age_on(birth, starts_on)
    if policy.accepts_age(age):
        return None
    groups = ", ".join(f"{g.minimum}-{g.maximum}" for g in policy.age_groups)
    if not policy.age_exception_allowed:
        raise AgeNotEligible(f"intensive rehabilitation here serves ages {groups}", field="client_id")
    if reason is None or not reason.strip():
        raise AgeNotEligible(
            f"intensive rehabilitation here serves ages {groups}; an exception needs a recorded reason",
            field="age_exception_reason",
        )
    return _text(reason, "age_exception_reason")


def _workers(uow: UnitOfWork, municipality: str, *ids: int | None) -> None:
    for worker_id in ids:
        if worker_id is None:
            continue
        # a unit's worker serves the municipalities the unit covers, not only their own
        organisations.worker_serving(uow, worker_id, municipality)


def open_intensive_period(
    uow: UnitOfWork,
    *,
    principal: Principal,
    draft: PeriodDraft,
) -> PeriodView:
    period = add_intensive_period(uow, principal, draft)
    view = period_view(uow, period)
    uow.commit()
    log.info("intensive period opened", extra={"period_id": view.id, "by": principal.user_id})
    return view


def add_intensive_period(uow: UnitOfWork, principal: Principal, draft: PeriodDraft) -> IntensivePeriod:
    """Check and add a period under its decision, without committing (a plan of contacts may
    follow in the same transaction)."""
    sealer, registry, now = uow.sealer, uow.plugins.municipalities, uow.now
    access.require_role(principal, Role.INSTRUCTOR)
    decision = uow.session.get(ServiceDecision, draft.decision_id)
    if decision is None or decision.municipality_code not in principal.municipalities:
        raise RecordNotFound(f"no service decision {draft.decision_id}", field="decision_id")
    client = clients.client_access(uow, principal, decision.client_id).client
    policy = policy_for(registry, decision.municipality_code)
    max_end = check_period_dates(draft.starts_on, draft.planned_end, policy)
    max_end = min(max_end, decision.valid_until)
    if not decision.valid_from <= draft.starts_on <= decision.valid_until:
        raise InputInvalid(
            f"the decision is valid {decision.valid_from} - {decision.valid_until}", field="starts_on"
        )
    if draft.planned_end > max_end:
        raise InputInvalid(f"the decision ends on {decision.valid_until}", field="planned_end")
    if draft.co_worker_id is not None and draft.co_worker_id == draft.responsible_worker_id:
        raise InputInvalid("the co-worker must be another worker", field="co_worker_id")
    _workers(uow, decision.municipality_code, draft.responsible_worker_id, draft.co_worker_id)
    target = draft.weekly_target if draft.weekly_target is not None else policy.weekly_contact_target
    if not 1 <= target <= 14:
        raise InputInvalid("the weekly contact target must be 1-14", field="weekly_target")
    reason = _check_age(client, policy, draft.starts_on, draft.age_exception_reason, sealer)
    if len(draft.goals) > MAX_GOALS or any(len(g.sub_goals) > MAX_SUB_GOALS for g in draft.goals):
        raise InputInvalid(f"at most {MAX_GOALS} goals of {MAX_SUB_GOALS} sub-goals each", field="goals")
    period = IntensivePeriod(
        decision_id=decision.id or 0,
        client_id=client.id or 0,
        municipality_code=decision.municipality_code,
        service=decision.service,
        starts_on=draft.starts_on,
        planned_end=draft.planned_end,
        max_end=max_end,
        responsible_worker_id=draft.responsible_worker_id,
        co_worker_id=draft.co_worker_id,
        weekly_target=target,
        age_exception_reason=sealer.seal_optional(reason, context="intensive_period.age_exception_reason"),
        created_by=principal.user_id,
        created_at=now,
    )
    uow.add_unique(
        period,
        PeriodActive(
            "the client already has an active intensive period: close it first", field="decision_id"
        ),
    )
    _add_goals(uow, period.id or 0, draft.goals)
    access.log_use(uow, principal, AccessAction.CREATE, "intensive_period", period.id or 0, client.id or 0)
    return period


def _add_goals(uow: UnitOfWork, period_id: int, goals: tuple[GoalDraft, ...]) -> None:
    sealer = uow.sealer

    def seal(text: str, field: str) -> str:
        return sealer.seal(_text(text, field), context="period_goal.text")

    for position, goal in enumerate(goals):
        parent = PeriodGoal(period_id=period_id, position=position, text=seal(goal.text, "goals.text"))
        uow.session.add(parent)
        uow.session.flush()
        for sub_position, sub in enumerate(goal.sub_goals):
            uow.session.add(
                PeriodGoal(
                    period_id=period_id,
                    parent_id=parent.id,
                    position=sub_position,
                    text=seal(sub, "goals.sub_goals"),
                )
            )
    uow.session.flush()


def period_view(uow: UnitOfWork, period: IntensivePeriod) -> PeriodView:
    sealer = uow.sealer
    rows = uow.session.scalars(
        select(PeriodGoal)
        .where(col(PeriodGoal.period_id) == period.id)
        .order_by(col(PeriodGoal.position), col(PeriodGoal.id))
    ).all()

    def text(goal: PeriodGoal) -> str:
        return sealer.open(goal.text, context="period_goal.text")

    goals = tuple(
        GoalView(
            id=goal.id or 0,
            text=text(goal),
            sub_goals=tuple((sub.id or 0, text(sub)) for sub in rows if sub.parent_id == goal.id),
        )
        for goal in rows
        if goal.parent_id is None
    )
    return PeriodView(
        id=period.id or 0,
        decision_id=period.decision_id,
        client_id=period.client_id,
        municipality_code=period.municipality_code,
        service=period.service,
        starts_on=period.starts_on,
        planned_end=period.planned_end,
        max_end=period.max_end,
        ended_on=period.ended_on,
        end_reason=period.end_reason,
        responsible_worker_id=period.responsible_worker_id,
        co_worker_id=period.co_worker_id,
        weekly_target=period.weekly_target,
        age_exception=period.age_exception_reason is not None,
        goals=goals,
    )


def get_intensive_period(
    uow: UnitOfWork,
    *,
    principal: Principal,
    period_id: int,
) -> PeriodView:
    period = period_in_scope(uow, principal, period_id)
    view = period_view(uow, period)
    access.log_use(uow, principal, AccessAction.READ, "intensive_period", view.id, period.client_id)
    uow.commit()
    return view


def close_intensive_period(
    uow: UnitOfWork,
    *,
    principal: Principal,
    period_id: int,
    ended_on: date,
    reason: EndReason,
) -> PeriodView:
    """End the period; planned contacts after the end are cancelled, so none falls outside it."""
    now = uow.now
    period = period_in_scope(uow, principal, period_id)
    if period.ended_on is not None:
        raise PeriodActive(f"intensive period {period_id} ended on {period.ended_on}", field="period_id")
    if not period.starts_on <= ended_on <= period.max_end:
        raise InputInvalid(
            f"the period can end between {period.starts_on} and {period.max_end}", field="ended_on"
        )
    if ended_on > local_date(now):
        raise InputInvalid("a period is closed on or after its last day", field="ended_on")
    last_recorded = uow.session.scalar(
        select(func.max(col(Contact.ends_at))).where(
            col(Contact.period_id) == period.id,
            col(Contact.status).in_([ContactStatus.FULFILLED.value, ContactStatus.NOSHOW.value]),
        )
    )
    last_day = local_date(last_recorded - timedelta(microseconds=1)) if last_recorded else None
    if last_day is not None and last_day > ended_on:
        # a realised contact must stay inside its period: the end cannot come before it
        raise InputInvalid(
            f"the period has recorded contacts until {last_day}: end it then or later",
            field="ended_on",
        )
    period.ended_on = ended_on
    period.end_reason = reason.value
    period.closed_by = principal.user_id
    period.closed_at = now
    after = local_to_utc(date.fromordinal(ended_on.toordinal() + 1), datetime.min.time())
    uow.session.execute(
        update(Contact)
        .where(
            col(Contact.period_id) == period.id,
            col(Contact.starts_at) >= after,
            col(Contact.status) == ContactStatus.BOOKED.value,
        )
        .values(status=ContactStatus.CANCELLED.value, sequence=col(Contact.sequence) + 1, updated_at=now)
    )
    uow.session.flush()
    access.log_use(uow, principal, AccessAction.UPDATE, "intensive_period", period_id, period.client_id)
    view = period_view(uow, period)
    uow.commit()
    return view
