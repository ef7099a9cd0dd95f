"""A county's or a station's public service description, and its admins' wording.

Public: anyone may read it, so it says only what the county publishes (its stations,
their addresses and phones, the walk-in hours) and nothing of any client or worker.
"""

from __future__ import annotations

import logging
from datetime import date, datetime, time, timedelta
from typing import Annotated

import msgspec
from sqlalchemy import select
from sqlmodel import col

from sotesilta.core.feedback.public import Audience
from sotesilta.core.intake.domain import (
    DEFAULT_TEXTS,
    PLAIN_FINNISH,
    PLAIN_NEEDS,
    Section,
    check_section_text,
    check_variant,
    interface_language,
)
from sotesilta.core.intake.tables import ServiceText
from sotesilta.core.kernel.access import require_role
from sotesilta.core.kernel.clock import HELSINKI, local_date
from sotesilta.core.kernel.errors import AccessDenied, RecordNotFound
from sotesilta.core.kernel.principals import Principal, Role
from sotesilta.core.kernel.uow import UnitOfWork
from sotesilta.core.organisations.public import BookingMode, County, Station
from sotesilta.core.scheduling.public import GuidanceSession, SessionStatus

log = logging.getLogger("sotesilta.intake")

_COUNTY = r"^\d{2}$"


class StationInfo(msgspec.Struct, frozen=True, kw_only=True):
    key: str
    name: str
    municipality_code: str
    municipality: str
    address: str
    phone: str
    provider: Annotated[str, msgspec.Meta(description="empty when the county runs the station")]
    booking_mode: BookingMode


class WalkInHours(msgspec.Struct, frozen=True, kw_only=True):
    station_key: str
    day: date
    starts_at: datetime
    ends_at: datetime


class AgeGroupText(msgspec.Struct, frozen=True, kw_only=True):
    municipality: str
    minimum: int
    maximum: int


class ServiceDescription(msgspec.Struct, frozen=True, kw_only=True):
    county_code: str
    county: str
    variant: Annotated[str, msgspec.Meta(description="fi, fi-x-selko (plain-language Finnish), sv or en")]
    station: StationInfo | None
    stations: list[StationInfo]
    what: str
    for_whom: str
    needs: Annotated[list[str], msgspec.Meta(description="the six needs of the shared client definition")]
    age_groups: list[AgeGroupText]
    getting_a_time: str
    remote: str
    remote_sessions: Annotated[bool, msgspec.Meta(description="video sessions are planned in the next weeks")]
    walk_in_week_of: Annotated[date, msgspec.Meta(description="the Monday of the week shown")]
    walk_in_hours: list[WalkInHours]
    self_assessment: Annotated[bool, msgspec.Meta(description="the county offers the online self-assessment")]


def find_county(uow: UnitOfWork, code: str) -> County:
    county = uow.session.get(County, code) if len(code) == 2 and code.isdigit() else None
    if county is None:
        raise RecordNotFound(f"no county {code!r}")
    return county


def active_stations(uow: UnitOfWork, county: str) -> list[Station]:
    query = (
        select(Station)
        .where(col(Station.county_code) == county, col(Station.active).is_(True))
        .order_by(col(Station.municipality_code), col(Station.name_fi))
    )
    return list(uow.session.scalars(query))


def _station_info(uow: UnitOfWork, station: Station, language: str) -> StationInfo:
    profile = uow.plugins.municipalities.get(station.municipality_code)
    swedish = language == "sv"
    return StationInfo(
        key=station.key,
        name=station.name_sv if swedish and station.name_sv else station.name_fi,
        municipality_code=station.municipality_code,
        municipality=(profile.name(language) if profile else station.municipality_code),
        address=station.address_sv if swedish and station.address_sv else station.address,
        phone=station.phone,
        provider=station.provider,
        booking_mode=BookingMode(station.booking_mode),
    )


def texts(uow: UnitOfWork, county: str, station_id: int, variant: str) -> dict[Section, str]:
    """The wording shown: the station's own, else the county's, else the default."""
    rows = uow.session.scalars(
        select(ServiceText).where(
            col(ServiceText.county_code) == county,
            col(ServiceText.station_id).in_([0, station_id]),
            col(ServiceText.variant) == variant,
        )
    )
    found = dict(DEFAULT_TEXTS[variant])
    stored = sorted(rows, key=lambda r: r.station_id)  # the county's first, the station's over it
    for row in stored:
        if row.text:
            found[Section(row.section)] = row.text
    return found


def _needs(uow: UnitOfWork, municipality: str | None, variant: str) -> list[str]:
    entries = uow.plugins.code_lists.entries("guidance_reason", municipality)
    if variant == PLAIN_FINNISH:
        return [PLAIN_NEEDS.get(e.code) or e.label("fi") for e in entries]
    return [e.label(variant) for e in entries]


def week_of(day: date) -> tuple[date, datetime, datetime]:
    monday = day - timedelta(days=day.weekday())
    start = datetime.combine(monday, time(0), tzinfo=HELSINKI)
    end = datetime.combine(monday + timedelta(days=7), time(0), tzinfo=HELSINKI)
    return monday, start, end


def _walk_ins(uow: UnitOfWork, stations: dict[int, Station]) -> tuple[date, list[WalkInHours], bool]:
    """This week's walk-in hours (Monday to Sunday, Helsinki) at the stations, and whether any
    video session is planned in the next four weeks."""
    monday, start, end = week_of(local_date(uow.now))
    sessions = list(
        uow.session.scalars(
            select(GuidanceSession)
            .where(
                col(GuidanceSession.station_id).in_(list(stations)),
                col(GuidanceSession.status) == SessionStatus.SCHEDULED.value,
                col(GuidanceSession.starts_at) >= start,
                col(GuidanceSession.starts_at) < end + timedelta(days=21),
            )
            .order_by(col(GuidanceSession.starts_at))
        )
    )
    hours = [
        WalkInHours(
            station_key=stations[s.station_id].key,
            day=local_date(s.walk_in_starts_at),
            starts_at=s.walk_in_starts_at,
            ends_at=s.walk_in_ends_at,
        )
        for s in sessions
        if s.walk_in_starts_at is not None and s.walk_in_ends_at is not None and s.starts_at < end
    ]
    remote = any(s.mode == "remote" for s in sessions)
    return monday, hours, remote


def self_assessment_offered(uow: UnitOfWork, county: str) -> bool:
    return assessment_municipality(uow, county) is not None


def assessment_municipality(uow: UnitOfWork, county: str) -> str | None:
    """A municipality of the county whose current self-assessment form is the county's."""
    for profile in uow.plugins.municipalities.all():
        if profile.county.code == county and uow.plugins.feedback_forms.current(
            Audience.SELF_ASSESSMENT, profile.code
        ):
            return profile.code
    return None


def get_service_description(
    uow: UnitOfWork, *, county: str, station_key: str | None = None, variant: str = "fi"
) -> ServiceDescription:
    """What the public reads about social guidance at the county's health stations, or at
    one of them; the texts in ``variant`` (fi, fi-x-selko, sv, en)."""
    check_variant(variant)
    language = interface_language(variant)
    found = find_county(uow, county)
    stations = active_stations(uow, county)
    if not stations:
        raise RecordNotFound(f"county {county} has no stations")
    chosen = None
    if station_key is not None:
        chosen = next((s for s in stations if s.key == station_key), None)
        if chosen is None:
            raise RecordNotFound(f"no station {station_key!r} in county {county}")
    shown = [chosen] if chosen is not None else stations
    municipalities = sorted({s.municipality_code for s in shown})
    wording = texts(uow, county, chosen.id or 0 if chosen else 0, variant)
    monday, hours, remote = _walk_ins(uow, {s.id or 0: s for s in shown})
    groups = []
    for code in municipalities:
        profile = uow.plugins.municipalities.get(code)
        if profile is not None:
            groups += [
                AgeGroupText(municipality=profile.name(language), minimum=g.minimum, maximum=g.maximum)
                for g in profile.age_groups
            ]
    return ServiceDescription(
        county_code=found.code,
        county=found.name_sv if language == "sv" else found.name_fi,
        variant=variant,
        station=_station_info(uow, chosen, language) if chosen else None,
        stations=[_station_info(uow, s, language) for s in stations],
        what=wording[Section.WHAT],
        for_whom=wording[Section.FOR_WHOM],
        needs=_needs(uow, municipalities[0] if len(municipalities) == 1 else None, variant),
        age_groups=groups,
        getting_a_time=wording[Section.GETTING_A_TIME],
        remote=wording[Section.REMOTE],
        remote_sessions=remote,
        walk_in_week_of=monday,
        walk_in_hours=hours,
        self_assessment=self_assessment_offered(uow, county),
    )


class CountyLink(msgspec.Struct, frozen=True, kw_only=True):
    code: str
    name: str
    stations: list[StationInfo]
    self_assessment: bool


def front_page(uow: UnitOfWork, *, language: str) -> list[CountyLink]:
    """Every county with stations, for the public front page."""
    counties = uow.session.scalars(select(County).order_by(col(County.code)))
    found = []
    for county in counties:
        stations = active_stations(uow, county.code)
        if stations:
            found.append(
                CountyLink(
                    code=county.code,
                    name=county.name_sv if language == "sv" else county.name_fi,
                    stations=[_station_info(uow, s, language) for s in stations],
                    self_assessment=self_assessment_offered(uow, county.code),
                )
            )
    return found


# --- the admins' wording ----------------------------------------------------------


class TextsEditor(msgspec.Struct, frozen=True, kw_only=True):
    county_code: str
    station_key: str | None
    variant: str
    #: section -> (the text shown now, whether it is the county's or station's own)
    sections: dict[str, tuple[str, bool]]


def _admin_scope(uow: UnitOfWork, principal: Principal, county: str, station_key: str | None) -> int:
    require_role(principal, Role.ADMIN)
    if county not in principal.counties:
        raise AccessDenied(f"county {county} is not yours")
    find_county(uow, county)
    if station_key is None:
        return 0
    station = next((s for s in active_stations(uow, county) if s.key == station_key), None)
    if station is None:
        raise RecordNotFound(f"no station {station_key!r} in county {county}")
    return station.id or 0


def texts_editor(
    uow: UnitOfWork, *, principal: Principal, county: str, station_key: str | None, variant: str
) -> TextsEditor:
    check_variant(variant)
    station_id = _admin_scope(uow, principal, county, station_key)
    own = {
        r.section
        for r in uow.session.scalars(
            select(ServiceText).where(
                col(ServiceText.county_code) == county,
                col(ServiceText.station_id) == station_id,
                col(ServiceText.variant) == variant,
            )
        )
    }
    shown = texts(uow, county, station_id, variant)
    return TextsEditor(
        county_code=county,
        station_key=station_key,
        variant=variant,
        sections={s.value: (shown[s], s.value in own) for s in Section},
    )


def set_service_texts(
    uow: UnitOfWork,
    *,
    principal: Principal,
    county: str,
    station_key: str | None,
    variant: str,
    sections: dict[str, str],
) -> TextsEditor:
    """Store the admin's wording; an empty section goes back to the default (or the county's)."""
    check_variant(variant)
    station_id = _admin_scope(uow, principal, county, station_key)
    clean = {key: check_section_text(key, value) for key, value in sections.items()}
    existing = {
        r.section: r
        for r in uow.session.scalars(
            select(ServiceText).where(
                col(ServiceText.county_code) == county,
                col(ServiceText.station_id) == station_id,
                col(ServiceText.variant) == variant,
            )
        )
    }
    for section, text in clean.items():
        row = existing.get(section)
        if not text:
            if row is not None:
                uow.session.delete(row)
            continue
        if row is None:
            row = ServiceText(
                county_code=county,
                station_id=station_id,
                variant=variant,
                section=section,
                text=text,
                updated_at=uow.now,
            )
            uow.session.add(row)
        row.text, row.updated_at, row.updated_by = text, uow.now, principal.user_id
    uow.session.flush()
    view = texts_editor(uow, principal=principal, county=county, station_key=station_key, variant=variant)
    uow.commit()
    log.info("service texts changed", extra={"county": county, "station": station_key, "variant": variant})
    return view
