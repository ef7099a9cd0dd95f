"""Registries that plugins fill through callbacks at start-up.

Each registry rejects duplicates, naming both plugins, so two municipalities
can never silently overwrite each other.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from sotesilta.core.kernel.errors import InputInvalid, MunicipalityDuplicate
from sotesilta.core.organisations.domain import MunicipalityProfile, StationProfile
from sotesilta.core.statistics.domain.reports import ReportDefinition

MunicipalityRegister = Callable[[MunicipalityProfile], None]
RouteRegister = Callable[[Any], None]
CommandRegister = Callable[[Any], None]
#: ``register(name, run, every)``: ``run(engine)`` every ``every`` seconds in each server process
BackgroundTaskRegister = Callable[[str, Callable[[Any], object], float], None]
StatisticsReportRegister = Callable[[ReportDefinition], None]
LANGUAGES = ("fi", "sv", "en")


class CodeListRegister(Protocol):
    def __call__(
        self,
        list_name: str,
        code: str,
        labels: Mapping[str, str],
        municipality: str | None = None,
    ) -> None: ...


class DemoBuilder(Protocol):
    """What a plugin may do while the demo loads (implemented by the core)."""

    @property
    def password_for(self) -> Callable[[str], str]:
        """The demo password of a username."""
        ...

    def worker(
        self,
        *,
        display_name: str,
        title: str,
        languages: Sequence[str],
        unit: str,
        municipalities: Sequence[str],
        stations: Sequence[str] = (),
        username: str | None = None,
    ) -> int: ...

    def user(
        self,
        *,
        username: str,
        display_name: str,
        roles: Sequence[str],
        municipalities: Sequence[str],
        station_keys: Sequence[str] = (),
        language: str = "fi",
    ) -> int: ...

    def session_rule(
        self,
        *,
        worker: str,
        station_key: str,
        weekday: int,
        start: str,
        end: str,
        interval_weeks: int = 1,
        week_offset: int = 0,
        slot_minutes: int = 45,
        breaks: Sequence[tuple[str, str]] = (),
        walk_in: tuple[str, str] | None = None,
        walk_in_capacity: int = 0,
    ) -> int: ...

    def rehab_history(self, *, username: str, municipality: str, clients: int = 30, seed: int = 9) -> int:
        """Fictional clients with intensive periods, contacts, 3X10D and feedback; made
        once (skipped when the municipality has periods). Returns how many were made."""
        ...

    def statistics_history(
        self,
        *,
        municipality: str,
        first_year: int,
        monthly_clients: int,
        measures: Sequence[str],
        self_referred_share: float = 0.0,
        seed: int = 17,
    ) -> int:
        """Fictional monthly figures from ``first_year`` to last year, as if imported from
        before the system (``sotesilta stats-import``); written once. Returns how many."""
        ...

    def feedback(self, *, form_key: str, municipality: str, responses: int = 40, seed: int = 7) -> int:
        """Fictional answers to a registered client or staff form over the past year; written
        once per form and municipality (skipped when it has responses). Returns how many."""
        ...


@dataclass
class RegisteredMunicipality:
    profile: MunicipalityProfile
    plugin: str


class MunicipalityRegistry:
    def __init__(self) -> None:
        self._by_code: dict[str, RegisteredMunicipality] = {}
        self._station_owner: dict[str, str] = {}

    def register(self, profile: MunicipalityProfile, *, plugin: str) -> None:
        if not isinstance(profile, MunicipalityProfile):
            raise InputInvalid(f"plugin {plugin!r} registered {profile!r}, not a MunicipalityProfile")
        existing = self._by_code.get(profile.code)
        if existing is not None:
            raise MunicipalityDuplicate(
                f"municipality {profile.code} ({profile.name_fi}) is registered by both "
                f"{existing.plugin!r} and {plugin!r}; block one of them "
                "(SOTESILTA_BLOCKED_PLUGINS)"
            )
        for station in profile.stations:
            owner = self._station_owner.get(station.key)
            if owner is not None:
                raise MunicipalityDuplicate(
                    f"station key {station.key!r} is registered by both {owner!r} and {plugin!r}"
                )
        for station in profile.stations:
            self._station_owner[station.key] = plugin
        self._by_code[profile.code] = RegisteredMunicipality(profile, plugin)

    def get(self, code: str) -> MunicipalityProfile | None:
        found = self._by_code.get(code)
        return found.profile if found else None

    def plugin_of(self, code: str) -> str | None:
        found = self._by_code.get(code)
        return found.plugin if found else None

    def all(self) -> list[MunicipalityProfile]:
        return [r.profile for r in sorted(self._by_code.values(), key=lambda r: r.profile.code)]

    def stations(self) -> list[tuple[MunicipalityProfile, StationProfile]]:
        return [(m, s) for m in self.all() for s in m.stations]

    def __len__(self) -> int:
        return len(self._by_code)


@dataclass(frozen=True)
class CodeEntry:
    list_name: str
    code: str
    labels: Mapping[str, str]
    municipality: str | None
    plugin: str

    def label(self, language: str) -> str:
        return self.labels.get(language) or self.labels["fi"]


@dataclass
class CodeListRegistry:
    _entries: dict[tuple[str, str | None, str], CodeEntry] = field(default_factory=dict)
    _codes: dict[tuple[str, str | None], frozenset[str]] = field(default_factory=dict)

    def register(
        self,
        list_name: str,
        code: str,
        labels: Mapping[str, str],
        municipality: str | None = None,
        *,
        plugin: str,
    ) -> None:
        if not list_name or not code:
            raise InputInvalid(f"plugin {plugin!r} registered an empty code list name or code")
        missing = [lang for lang in LANGUAGES if not labels.get(lang)]
        if missing:
            raise InputInvalid(
                f"code {list_name}/{code} from {plugin!r} lacks labels for: {', '.join(missing)}"
            )
        key = (list_name, municipality, code)
        # a shared code clashes with every local one of the same list and code
        existing = self._entries.get(key) or self._entries.get((list_name, None, code))
        if existing is None and municipality is None:
            existing = next(
                (e for (n, _m, c), e in self._entries.items() if n == list_name and c == code), None
            )
        if existing is not None:
            raise InputInvalid(
                f"code {list_name}/{code} is registered by both {existing.plugin!r} and {plugin!r}"
            )
        self._entries[key] = CodeEntry(list_name, code, dict(labels), municipality, plugin)
        self._codes.clear()

    def entries(self, list_name: str, municipality: str | None = None) -> list[CodeEntry]:
        """Shared entries plus those local to ``municipality``, in registration order."""
        return [
            e
            for e in self._entries.values()
            if e.list_name == list_name and e.municipality in (None, municipality)
        ]

    def codes(self, list_name: str, municipality: str | None = None) -> frozenset[str]:
        """The valid codes for a municipality (checked on every booking: cached)."""
        key = (list_name, municipality)
        if key not in self._codes:
            self._codes[key] = frozenset(e.code for e in self.entries(list_name, municipality))
        return self._codes[key]

    def list_names(self) -> list[str]:
        return sorted({e.list_name for e in self._entries.values()})


@dataclass(frozen=True)
class RegisteredReport:
    definition: ReportDefinition
    plugin: str


class ReportRegistry:
    """Statistics reports by key; a key registered twice stops start-up."""

    def __init__(self) -> None:
        self._by_key: dict[str, RegisteredReport] = {}

    def register(self, definition: ReportDefinition, *, plugin: str) -> None:
        if not isinstance(definition, ReportDefinition):
            raise InputInvalid(f"plugin {plugin!r} registered {definition!r}, not a ReportDefinition")
        existing = self._by_key.get(definition.key)
        if existing is not None:
            raise InputInvalid(
                f"statistics report {definition.key!r} is registered by both "
                f"{existing.plugin!r} and {plugin!r}"
            )
        self._by_key[definition.key] = RegisteredReport(definition, plugin)

    def get(self, key: str) -> ReportDefinition | None:
        found = self._by_key.get(key)
        return found.definition if found else None

    def all(self) -> list[ReportDefinition]:
        return [r.definition for r in self._by_key.values()]

    def for_municipalities(self, codes: Sequence[str]) -> list[ReportDefinition]:
        """Reports that cover at least one of ``codes``."""
        wanted = set(codes)
        return [d for d in self.all() if wanted & set(d.municipalities)]
