"""The public names a plugin may import: a stable surface over core internals.

Municipality plugins import ``sotesilta.core.plugin_api as api`` and nothing
deeper, so the core may reorganise its modules without breaking them.
"""

from collections.abc import Iterator
from contextlib import contextmanager

from sotesilta.core.accounts.domain import Role
from sotesilta.core.feedback.domain import Audience as FeedbackAudience
from sotesilta.core.feedback.domain import FeedbackForm, Texts
from sotesilta.core.feedback.domain import Option as FeedbackOption
from sotesilta.core.feedback.domain import Question as FeedbackQuestion
from sotesilta.core.kernel.events import DomainEvent, EventKind
from sotesilta.core.kernel.plugins import hookimpl
from sotesilta.core.kernel.plugins.feedback_forms import FeedbackFormRegister
from sotesilta.core.kernel.plugins.registry import (
    CodeListRegister,
    CommandRegister,
    DemoBuilder,
    MunicipalityRegister,
    RouteRegister,
    StatisticsReportRegister,
)
from sotesilta.core.kernel.privacy import AccessEvent, ConsentDecision, ConsentQuery
from sotesilta.core.kernel.runtime import Runtime, build_runtime
from sotesilta.core.kernel.settings import load_settings
from sotesilta.core.organisations.domain import (
    AgeGroup,
    BookingMode,
    CountyProfile,
    Language,
    MunicipalityProfile,
    StationKind,
    StationProfile,
    WorkerTitle,
)
from sotesilta.core.rehab.domain import RehabPolicy
from sotesilta.core.scheduling.domain.sessions import ClosingDayPolicy
from sotesilta.core.statistics.domain.reports import (
    ChartKind,
    Measure,
    ReportDefinition,
    TableSpec,
    Title,
    standard_table,
)

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
