"""Reading the feedback recorded on a period (``rehab_outcomes.submit_period_feedback`` writes it),
so the period's page shows which windows are done. The free text stays sealed: the read says
only whether there is one, as the submission's answer does.
"""

from __future__ import annotations

from sqlalchemy import select

from sotesilta.core.kernel import access
from sotesilta.core.kernel.principals import Principal
from sotesilta.core.kernel.privacy import AccessAction
from sotesilta.core.kernel.uow import UnitOfWork
from sotesilta.core.rehab.service.outcomes import FeedbackView
from sotesilta.core.rehab.service.periods import period_in_scope
from sotesilta.core.rehab.tables import PeriodFeedback


def list_period_feedback(
    uow: UnitOfWork,
    *,
    principal: Principal,
    period_id: int,
) -> list[FeedbackView]:
    """The period's feedback, oldest first, for the instructors of its municipality; logged."""
    period = period_in_scope(uow, principal, period_id)
    rows = uow.session.scalars(
        select(PeriodFeedback)
        .where(PeriodFeedback.period_id == period_id)
        .order_by(PeriodFeedback.submitted_on, PeriodFeedback.id)
    ).all()
    views = [
        FeedbackView(
            f.id or 0,
            period_id,
            f.kind,
            f.window,
            f.submitted_on,
            f.useful,
            f.towards_goals,
            f.free_text is not None,
        )
        for f in rows
    ]
    access.log_use(uow, principal, AccessAction.READ, "period_feedback", period_id, period.client_id)
    uow.commit()
    return views
