"""The organisation model follows the plugins' registrations."""

from __future__ import annotations

import dataclasses
import types

from sqlalchemy import select
from support import bearer, login

from sotesilta.core import plugin_api as api
from sotesilta.core.kernel.plugins.manager import load_plugins
from sotesilta.core.kernel.uow import UnitOfWork
from sotesilta.core.organisations import service as organisations
from sotesilta.core.organisations.tables import Municipality, Station


def test_sync_is_idempotent(runtime):
    with runtime.uow() as uow:
        before = organisations.list_stations(uow)
        report = organisations.sync_registry(uow)
        after = organisations.list_stations(uow)
    assert report.municipalities == 12 and report.counties == 2 and report.stations == 7
    assert before == after


def test_a_station_dropped_by_its_plugin_stays_as_the_countys_admins_left_it(runtime):
    # plugins supply stations once; the county's admins own them after that (and close them)
    from sotesilta.plugins import espoo

    fewer = dataclasses.replace(espoo.ESPOO, stations=espoo.ESPOO.stations[:4])
    plugin = types.ModuleType("espoo_v2")
    plugin.sotesilta_register_municipalities = api.hookimpl(lambda register: register(fewer))  # type: ignore[attr-defined]
    without_kivenlahti = load_plugins(blocked=["espoo"], extra=[("espoo-v2", plugin)])
    with UnitOfWork(runtime.engine, plugins=without_kivenlahti) as uow:
        organisations.sync_registry(uow)
        kivenlahti = uow.session.scalar(select(Station).where(Station.key == "espoo-kivenlahti"))
        assert kivenlahti is not None and kivenlahti.active is True
        assert "espoo-kivenlahti" in {s.key for s in organisations.list_stations(uow, municipality="049")}
        assert uow.session.get(Municipality, "049").plugin == "espoo-v2"


def test_api_lists_municipalities_and_stations(client, make_user):
    make_user("nurse.one", ["health_staff"])
    token = login(client, "nurse.one")
    municipalities = client.get("/api/v1/municipalities", headers=bearer(token)).json()
    espoo = next(m for m in municipalities if m["code"] == "049")
    assert espoo == {
        "code": "049",
        "name_fi": "Espoo",
        "name_sv": "Esbo",
        "county_code": "03",
        "county_name_fi": "Länsi-Uudenmaan hyvinvointialue",
        "county_name_sv": "Västra Nylands välfärdsområde",
        "plugin": "espoo",
    }
    county_09 = client.get("/api/v1/municipalities?county=09", headers=bearer(token)).json()
    assert len(county_09) == 10
    lohja = client.get("/api/v1/stations?municipality=444", headers=bearer(token)).json()
    assert [(s["key"], s["booking_mode"]) for s in lohja] == [("lohja-keskusta", "both")]
    assert len(client.get("/api/v1/stations", headers=bearer(token)).json()) == 7


def test_organisation_lists_need_a_login(client):
    assert client.get("/api/v1/municipalities").status_code == 401
    assert client.get("/api/v1/stations").status_code == 401


def test_health_and_ready_are_public(client):
    assert client.get("/health").json() == {"status": "ok"}
    ready = client.get("/ready").json()
    assert ready["status"] == "ready" and ready["revision"]


def test_ready_fails_with_503_on_an_unmigrated_database(runtime, tmp_path):
    from litestar.testing import TestClient

    from sotesilta.core.app import create_app
    from sotesilta.core.kernel.db import make_engine

    runtime.engine = make_engine(f"sqlite:///{tmp_path / 'empty.sqlite3'}")
    with TestClient(create_app(runtime)) as client:
        response = client.get("/ready")
    assert response.status_code == 503
    assert response.headers["content-type"].startswith("application/problem+json")
    assert "sotesilta db upgrade" in response.json()["detail"]


def test_openapi_carries_the_contract_operation_ids(client):
    schema = client.get("/api/schema/openapi.json").json()
    ids = {
        op["operationId"] for path in schema["paths"].values() for op in path.values() if "operationId" in op
    }
    assert {"login", "logout", "getHealth", "getReady", "listMunicipalities", "listStations", "getMe"} <= ids
    assert client.get("/api/schema/swagger").status_code == 200


def test_workers_of_my_municipalities_are_listed(client, scheduling):
    nurse = bearer(login(client, "espoo.nurse"))
    workers = client.get("/api/v1/workers", headers=nurse).json()
    assert [(w["display_name"], w["county_code"], w["municipalities"]) for w in workers] == [
        ("Elina Ohjaaja", "03", ["049"])
    ]
    assert client.get("/api/v1/workers", params={"municipality": "444"}, headers=nurse).json() == []
