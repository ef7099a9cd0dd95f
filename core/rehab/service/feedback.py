"""Reading the feedback recorded on a period (``rehab_outcomes.submit_period_feedback`` writes it),
so the period's page shows which windows are done. The free text stays sealed: the read says
only whether there is one, as the submission's answer does.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlmodel import col

from sotesilta.core.kernel import access
from sotesilta.core.kernel.principals import Principal
from sotesilta.core.kernel.privacy import AccessAction
from sotesilta.core.kernel.uow import UnitOfWork
from sotesilta.core.rehab.domain import FeedbackAnswer, FeedbackKind
from sotesilta.core.rehab.service.outcomes import PeriodFeedbackView
from sotesilta.core.rehab.service.periods import period_in_scope
from sotesilta.core.rehab.tables import PeriodFeedback


def list_period_feedback(
    uow: UnitOfWork,
    *,
    principal: Principal,
    period_id: int,
) -> list[PeriodFeedbackView]:
    """The period's feedback, oldest first, for the instructors of its municipality; logged."""
    period = period_in_scope(uow, principal, period_id)
    rows = uow.session.scalars(
        select(PeriodFeedback)
        .where(col(PeriodFeedback.period_id) == period_id)
        .order_by(col(PeriodFeedback.submitted_on), col(PeriodFeedback.id))
    ).all()
    views = [
        PeriodFeedbackView(
            id=f.id or 0,
            period_id=period_id,
            kind=FeedbackKind(f.kind),
            window=f.window,
            submitted_on=f.submitted_on,
            useful=FeedbackAnswer(f.useful),
            towards_goals=FeedbackAnswer(f.towards_goals),
            has_free_text=f.free_text is not None,
        )
        for f in rows
    ]
    access.log_use(uow, principal, AccessAction.READ, "period_feedback", period_id, period.client_id)
    uow.commit()
    return views
