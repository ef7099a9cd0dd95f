"""All tables, registered: import ``metadata`` from here to see the whole schema."""

from sqlmodel import SQLModel

from sotesilta.core.accounts import tables
from sotesilta.core.clients import tables as clients
from sotesilta.core.consultations import tables as consultations
from sotesilta.core.feedback import tables as feedback
from sotesilta.core.intake import tables as intake
from sotesilta.core.messages import tables as messages
from sotesilta.core.organisations import tables as organisations
from sotesilta.core.rehab import tables as rehab
from sotesilta.core.scheduling import tables as scheduling
from sotesilta.core.statistics import tables as statistics
from sotesilta.core.visits import tables as visits

metadata = SQLModel.metadata

__all__ = [
    "clients",
    "consultations",
    "feedback",
    "intake",
    "messages",
    "metadata",
    "organisations",
    "rehab",
    "scheduling",
    "statistics",
    "tables",
    "visits",
]
