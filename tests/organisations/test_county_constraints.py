"""The database itself keeps everything of a worker in their own county, and a station in one
municipality of its county: written here past the use cases, straight into the tables (on
SQLite, and on PostgreSQL when SOTESILTA_TEST_DATABASE_URL is set)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from conftest import add_worker, station_id
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from sotesilta.core.organisations.tables import (
    ServiceUnit,
    Station,
    Worker,
    WorkerMunicipality,
    WorkerStation,
)

LAHTI_UNIT = "ph-sosiaalisen-kuntoutuksen-yksikko"


@pytest.fixture
def espoo_worker(runtime) -> int:  # type: ignore[no-untyped-def]
    return add_worker(runtime, None, "049", "Elina Ohjaaja")


def lahti_unit(uow) -> int:  # type: ignore[no-untyped-def]
    return int(uow.session.scalar(select(ServiceUnit.id).where(ServiceUnit.key == LAHTI_UNIT)) or 0)


def station(key: str, municipality: str, county: str) -> Station:
    return Station(
        key=key,
        municipality_code=municipality,
        county_code=county,
        name_fi="Testi",
        name_sv="Test",
        address="Testitie 1",
        kind="health_station",
        booking_mode="booked",
    )


#: each writes one row that breaks the county's bounds, whatever county_code it claims
CROSSINGS: dict[str, Callable[[Any, int, int], Any]] = {
    # an Espoo (03) worker serving Lahti (09), claiming either county
    "worker serves another county's municipality, as 03": lambda uow, w, s: WorkerMunicipality(
        worker_id=w, municipality_code="398", county_code="03"
    ),
    "worker serves another county's municipality, as 09": lambda uow, w, s: WorkerMunicipality(
        worker_id=w, municipality_code="398", county_code="09"
    ),
    "worker at another county's station, as 03": lambda uow, w, s: WorkerStation(
        worker_id=w, station_id=s, county_code="03"
    ),
    "worker at another county's station, as 09": lambda uow, w, s: WorkerStation(
        worker_id=w, station_id=s, county_code="09"
    ),
    "worker in another county's unit": lambda uow, w, s: Worker(
        display_name="Rajalla",
        title="social_instructor",
        languages="fi",
        county_code="03",
        unit_id=lahti_unit(uow),
    ),
    "station in a municipality of another county": lambda uow, w, s: station("rajalla", "398", "03"),
    "station in no municipality": lambda uow, w, s: station("tyhjassa", "999", "03"),
}


@pytest.mark.parametrize("case", sorted(CROSSINGS))
def test_the_database_refuses_a_link_across_two_counties(runtime, espoo_worker, case):
    lahti_station = station_id(runtime, "ph-sosiaalinen-kuntoutus")
    with runtime.uow() as uow:
        uow.session.add(CROSSINGS[case](uow, espoo_worker, lahti_station))
        with pytest.raises(IntegrityError):
            uow.session.flush()
        uow.rollback()


def test_the_same_links_within_the_county_are_accepted(runtime, espoo_worker):
    # guards the test above: the rows it writes fail for their county, not for their shape
    leppavaara = station_id(runtime, "espoo-leppavaara")
    with runtime.uow() as uow:
        espoo_unit = uow.session.scalar(select(Worker.unit_id).where(Worker.id == espoo_worker))
        uow.session.add(WorkerMunicipality(worker_id=espoo_worker, municipality_code="444", county_code="03"))
        uow.session.add(WorkerStation(worker_id=espoo_worker, station_id=leppavaara, county_code="03"))
        uow.session.add(
            Worker(
                display_name="Sisällä",
                title="social_instructor",
                languages="fi",
                county_code="03",
                unit_id=espoo_unit,
            )
        )
        uow.session.add(station("sisalla", "444", "03"))
        uow.session.flush()
        uow.commit()
