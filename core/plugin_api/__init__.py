"""The public names a plugin may import: a stable surface over core internals.

Municipality plugins import ``sotesilta.core.plugin_api as api`` and nothing
deeper, so the core may reorganise its modules without breaking them. Pages and
routes use ``plugin_api.web``; the built-in plugins, which keep the access log and
the calendars, also read core's records through ``plugin_api.data``.

A plugin's settings section subclasses ``PluginSettings`` and is registered through
``sotesilta_register_settings``; read it with ``runtime.plugins.settings(Model)``. A
plugin's templates, static files, catalogue and migrations are found by convention in
folders beside its module (see ``sotesilta.core.kernel.plugins.resources``).
"""

from collections.abc import Iterator
from contextlib import contextmanager

from sotesilta.core.feedback.domain import Audience as FeedbackAudience
from sotesilta.core.feedback.domain import FeedbackForm, Texts
from sotesilta.core.feedback.domain import Option as FeedbackOption
from sotesilta.core.feedback.domain import Question as FeedbackQuestion
from sotesilta.core.kernel.clock import HELSINKI, local_date, local_to_utc, require_aware
from sotesilta.core.kernel.errors import (
    AccessReasonRequired,
    DomainError,
    InputInvalid,
    RecordConflict,
    RecordNotFound,
    StateConflict,
)
from sotesilta.core.kernel.events import DomainEvent, EventKind
from sotesilta.core.kernel.plugins import hookimpl
from sotesilta.core.kernel.plugins.channels import (
    Channel,
    ChannelRegister,
    Delivery,
    DeliveryFailed,
    SettingsLookup,
)
from sotesilta.core.kernel.plugins.feedback_forms import FeedbackFormRegister
from sotesilta.core.kernel.plugins.registry import (
    BackgroundTaskRegister,
    CodeListRegister,
    CommandRegister,
    DemoBuilder,
    MunicipalityRegister,
    RouteRegister,
    StatisticsReportRegister,
)
from sotesilta.core.kernel.plugins.sections import PluginSettings, SettingsRegister
from sotesilta.core.kernel.principals import Principal, Role
from sotesilta.core.kernel.privacy import (
    AccessAction,
    AccessBasis,
    AccessEvent,
    AccessReason,
    AccessReasonCode,
    ConsentDecision,
    ConsentGiven,
    ConsentQuery,
    ConsentScope,
)
from sotesilta.core.kernel.runtime import Runtime, build_runtime
from sotesilta.core.kernel.settings import load_settings
from sotesilta.core.messages.public import outbox_for
from sotesilta.core.organisations.domain import (
    AgeGroup,
    BookingMode,
    CountyProfile,
    Language,
    MunicipalityProfile,
    StationKind,
    StationProfile,
    UnitProfile,
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
    "HELSINKI",
    "AccessAction",
    "AccessBasis",
    "AccessEvent",
    "AccessReason",
    "AccessReasonCode",
    "AccessReasonRequired",
    "AgeGroup",
    "BackgroundTaskRegister",
    "BookingMode",
    "Channel",
    "ChannelRegister",
    "ChartKind",
    "ClosingDayPolicy",
    "CodeListRegister",
    "CommandRegister",
    "ConsentDecision",
    "ConsentGiven",
    "ConsentQuery",
    "ConsentScope",
    "CountyProfile",
    "Delivery",
    "DeliveryFailed",
    "DemoBuilder",
    "DomainError",
    "DomainEvent",
    "EventKind",
    "FeedbackAudience",
    "FeedbackForm",
    "FeedbackFormRegister",
    "FeedbackOption",
    "FeedbackQuestion",
    "InputInvalid",
    "Language",
    "Measure",
    "MunicipalityProfile",
    "MunicipalityRegister",
    "PluginSettings",
    "Principal",
    "RecordConflict",
    "RecordNotFound",
    "RehabPolicy",
    "ReportDefinition",
    "Role",
    "RouteRegister",
    "Runtime",
    "SettingsLookup",
    "SettingsRegister",
    "StateConflict",
    "StationKind",
    "StationProfile",
    "StatisticsReportRegister",
    "TableSpec",
    "Texts",
    "Title",
    "UnitProfile",
    "WorkerTitle",
    "hookimpl",
    "local_date",
    "local_to_utc",
    "open_runtime",
    "require_aware",
    "standard_table",
]


@contextmanager
def open_runtime() -> Iterator[Runtime]:
    """The configured runtime, for a plugin's command: settings from the environment."""
    settings = load_settings()
    runtime = build_runtime(settings, outbox=outbox_for(settings))
    try:
        yield runtime
    finally:
        runtime.engine.dispose()
