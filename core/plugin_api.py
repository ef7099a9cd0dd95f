"""The public names a plugin may import: a stable surface over core internals.

Municipality plugins import ``sotesilta.core.plugin_api as api`` and nothing
deeper, so the core may reorganise its modules without breaking them.
"""

from .domain.accounts import Role
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
from .plugins import hookimpl
from .plugins.registry import CodeListRegister, DemoBuilder, MunicipalityRegister, RouteRegister

__all__ = [
    "AgeGroup",
    "BookingMode",
    "CodeListRegister",
    "CountyProfile",
    "DemoBuilder",
    "Language",
    "MunicipalityProfile",
    "MunicipalityRegister",
    "Role",
    "RouteRegister",
    "StationKind",
    "StationProfile",
    "WorkerTitle",
    "hookimpl",
]
