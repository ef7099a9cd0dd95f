"""The consent policy: is there a consent that covers this use, right now?"""

from __future__ import annotations

from sqlalchemy import or_, select
from sqlalchemy.orm import Session
from sqlmodel import col

from sotesilta.consent.tables import Consent
from sotesilta.core.plugin_api import ConsentDecision, ConsentQuery


def decide(session: Session, query: ConsentQuery) -> ConsentDecision:
    """Allowed only under a consent of the scope, to the recipient, valid and
    not withdrawn at the moment of use."""
    found = session.execute(
        select(col(Consent.id))
        .where(
            col(Consent.client_id) == query.client_id,
            col(Consent.scope) == query.scope.value,
            col(Consent.recipient) == query.recipient,
            col(Consent.withdrawn_at).is_(None),
            col(Consent.valid_from) <= query.at,
            or_(col(Consent.valid_until).is_(None), col(Consent.valid_until) > query.at),
        )
        .order_by(col(Consent.id).desc())
        .limit(1)
    ).scalar()
    if found is None:
        return ConsentDecision(
            False,
            None,
            f"no active consent of scope {query.scope.value} to {query.recipient} "
            f"for client {query.client_id}",
        )
    return ConsentDecision(True, found, f"consent {found}")
