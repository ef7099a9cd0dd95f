"""What other features may use of this one: the only module they import from it."""

from sotesilta.core.visits.service.outcomes import MissingOutcome, list_missing_outcomes
from sotesilta.core.visits.tables import Visit, VisitReferral

__all__ = [
    "MissingOutcome",
    "Visit",
    "VisitReferral",
    "list_missing_outcomes",
]
