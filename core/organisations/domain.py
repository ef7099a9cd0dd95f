"""Organisations: wellbeing services counties, municipalities, stations, workers.

Profiles are what municipality plugins register; they are validated here so a
plugin with a typo fails at start-up with a clear message.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from enum import StrEnum
from typing import TYPE_CHECKING

from sotesilta.core.kernel.errors import InputInvalid
from sotesilta.core.scheduling.domain.sessions import ClosingDayPolicy

if TYPE_CHECKING:
    from sotesilta.core.rehab.domain import RehabPolicy


class Language(StrEnum):
    FI = "fi"
    SV = "sv"
    EN = "en"


class BookingMode(StrEnum):
    """What a station offers: booked slots, walk-in capacity, or both."""

    BOOKED = "booked"
    WALK_IN = "walk_in"
    BOTH = "both"


class StationKind(StrEnum):
    HEALTH_STATION = "health_station"  # terveysasema
    SOCIAL_CARE_UNIT = "social_care_unit"  # sosiaalihuollon toimipiste


class WorkerTitle(StrEnum):
    SOCIAL_INSTRUCTOR = "social_instructor"  # sosiaaliohjaaja
    SOCIAL_WORKER = "social_worker"  # sosiaalityöntekijä
    SOCIAL_ADVISER = "social_adviser"  # sosiaalineuvoja
    PSYCHIATRIC_NURSE = "psychiatric_nurse"  # psykiatrinen sairaanhoitaja
    NURSE = "nurse"  # sairaanhoitaja / terveydenhoitaja
    DOCTOR = "doctor"  # lääkäri
    MANAGER = "manager"  # esihenkilö
    OTHER = "other"


_COUNTY_CODE = re.compile(r"^\d{2}$")
_MUNICIPALITY_CODE = re.compile(r"^\d{3}$")
_STATION_KEY = re.compile(r"^[a-z0-9][a-z0-9_-]{1,63}$")


@dataclass(frozen=True)
class AgeGroup:
    """Inclusive age range in whole years."""

    minimum: int
    maximum: int

    def __post_init__(self) -> None:
        if not 0 <= self.minimum <= self.maximum <= 130:
            raise InputInvalid(f"age group {self.minimum}-{self.maximum} is not a valid range")

    def contains(self, age: int) -> bool:
        return self.minimum <= age <= self.maximum


@dataclass(frozen=True)
class UnitProfile:
    """A unit of the county that employs workers, as a plugin supplies it first."""

    key: str  # stable, unique across the installation, e.g. "ph-sosiaalinen-kuntoutus"
    name_fi: str
    name_sv: str

    def __post_init__(self) -> None:
        if not _STATION_KEY.match(self.key):
            raise InputInvalid(
                f"unit key {self.key!r} must be lower-case letters, digits, '-' or '_'", field="key"
            )


@dataclass(frozen=True)
class CountyProfile:
    code: str  # Statistics Finland code of the wellbeing services county
    name_fi: str
    name_sv: str
    #: the county's units as first supplied; its admins own them from then on
    units: tuple[UnitProfile, ...] = ()

    def __post_init__(self) -> None:
        if not _COUNTY_CODE.match(self.code):
            raise InputInvalid(f"county code {self.code!r} must be two digits", field="code")


@dataclass(frozen=True)
class StationProfile:
    key: str  # stable, unique across the installation, e.g. "espoo-leppavaara"
    name_fi: str
    name_sv: str
    address: str  # in Finnish
    booking_mode: BookingMode = BookingMode.BOOKED
    kind: StationKind = StationKind.HEALTH_STATION
    #: keys of stations a nurse here is offered next, nearest first
    nearby: tuple[str, ...] = ()
    address_sv: str = ""
    phone: str = ""
    #: "" when the county runs the station; otherwise the outsourced provider's name
    provider: str = ""

    def __post_init__(self) -> None:
        if not _STATION_KEY.match(self.key):
            raise InputInvalid(
                f"station key {self.key!r} must be lower-case letters, digits, '-' or '_'",
                field="key",
            )


@dataclass(frozen=True)
class MunicipalityProfile:
    """What a municipality plugin declares about one municipality."""

    code: str  # Statistics Finland municipality code, e.g. "049"
    name_fi: str
    name_sv: str
    county: CountyProfile
    age_groups: tuple[AgeGroup, ...] = (AgeGroup(18, 64),)
    primary_language: Language = Language.FI
    stations: tuple[StationProfile, ...] = field(default=())
    closing_days: ClosingDayPolicy = field(default_factory=ClosingDayPolicy)
    #: intensive social rehabilitation, where the municipality offers it
    rehab: RehabPolicy | None = None
    #: how long before the appointment a client who agreed to messages is reminded
    reminder_hours: int = 24

    def __post_init__(self) -> None:
        if not _MUNICIPALITY_CODE.match(self.code):
            raise InputInvalid(f"municipality code {self.code!r} must be three digits", field="code")
        if not self.name_fi or not self.name_sv:
            raise InputInvalid(f"municipality {self.code} needs Finnish and Swedish names")
        if not 1 <= self.reminder_hours <= 168:
            raise InputInvalid(f"municipality {self.code}: reminder_hours is 1-168", field="reminder_hours")
        keys = [s.key for s in self.stations]
        if len(keys) != len(set(keys)):
            raise InputInvalid(f"municipality {self.code} lists a station key twice")

    def name(self, language: Language | str) -> str:
        return self.name_sv if language == Language.SV else self.name_fi

    def accepts_age(self, age: int) -> bool:
        return any(group.contains(age) for group in self.age_groups)
