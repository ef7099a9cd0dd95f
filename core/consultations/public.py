"""What other features may use of this one: the only module they import from it."""

from sotesilta.core.consultations.service import news_count

__all__ = [
    "news_count",
]
