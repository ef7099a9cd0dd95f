"""The public names a plugin may import: a stable surface over core internals.

Municipality plugins import ``sotesilta.core.plugin_api as api`` and nothing
deeper, so the core may reorganise its modules without breaking them.
"""

from collections.abc import Iterator
from contextlib import contextmanager

from .domain.accounts import Role
from .domain.events import DomainEvent, EventKind
from .domain.feedback import Audience as FeedbackAudience
from .domain.feedback import FeedbackForm, Texts
from .domain.feedback import Option as FeedbackOption
from .domain.feedback import Question as FeedbackQuestion
from .domain.organisations import (
    AgeGroup,
    BookingMode,
    CountyProfile,
    Language,
    MunicipalityProfile,
    StationKind,
    StationProfile,
    WorkerTitle,
)
from .domain.privacy import AccessEvent, ConsentDecision, ConsentQuery
from .domain.rehab import RehabPolicy
from .domain.scheduling import ClosingDayPolicy
from .domain.statistics import ChartKind, Measure, ReportDefinition, TableSpec, Title, standard_table
from .plugins import hookimpl
from .plugins.feedback_forms import FeedbackFormRegister
from .plugins.registry import (
    CodeListRegister,
    CommandRegister,
    DemoBuilder,
    MunicipalityRegister,
    RouteRegister,
    StatisticsReportRegister,
)
from .runtime import Runtime, build_runtime
from .settings import load_settings

__all__ = [
    "AccessEvent",
    "AgeGroup",
    "BookingMode",
    "ChartKind",
    "ClosingDayPolicy",
    "CodeListRegister",
    "CommandRegister",
    "ConsentDecision",
    "ConsentQuery",
    "CountyProfile",
    "DemoBuilder",
    "DomainEvent",
    "EventKind",
    "FeedbackAudience",
    "FeedbackForm",
    "FeedbackFormRegister",
    "FeedbackOption",
    "FeedbackQuestion",
    "Language",
    "Measure",
    "MunicipalityProfile",
    "MunicipalityRegister",
    "RehabPolicy",
    "ReportDefinition",
    "Role",
    "RouteRegister",
    "StationKind",
    "StationProfile",
    "StatisticsReportRegister",
    "TableSpec",
    "Texts",
    "Title",
    "WorkerTitle",
    "hookimpl",
    "open_runtime",
    "standard_table",
]


@contextmanager
def open_runtime() -> Iterator[Runtime]:
    """The configured runtime, for a plugin's command: settings from the environment."""
    runtime = build_runtime(load_settings())
    try:
        yield runtime
    finally:
        runtime.engine.dispose()
