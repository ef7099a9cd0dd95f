"""What other features may use of this one: the only module they import from it."""

from sotesilta.core.consultations.service import news_count
from sotesilta.core.consultations.service.shl import name_receiver_unless_named

__all__ = [
    "name_receiver_unless_named",
    "news_count",
]
