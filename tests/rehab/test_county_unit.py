"""Päijät-Häme's one social rehabilitation unit serves all ten municipalities of the county.

Its workers are the county's, not Lahti's: a period opens for a client living in
Heinola with a worker of the unit who serves Heinola.
"""

from __future__ import annotations

from datetime import date

import pytest
from conftest import add_worker
from rehab_support import PH_CODES, Rehab, api_token, decision, period_body
from sqlalchemy import func, select
from support import identity_code

from sotesilta.core.clients import service as clients
from sotesilta.core.rehab.tables import IntensivePeriod

HEINOLA = "111"


@pytest.fixture
def unit(client, runtime, make_user, principal_of) -> tuple[Rehab, int, int]:  # type: ignore[no-untyped-def]
    instructor = make_user("ph.instructor", ["instructor"], PH_CODES)
    # the unit's workers serve every municipality of the county; one has been set to Lahti only
    worker = add_worker(runtime, instructor.id, "398", "Paula Ohjaaja", "fi", serves=tuple(PH_CODES))
    nurse = add_worker(runtime, None, "398", "Päivi Sairaanhoitaja", "fi", serves=tuple(PH_CODES))
    lahti_only = add_worker(runtime, None, "398", "Pekka Ohjaaja", "fi")
    with runtime.uow() as uow:
        heinola_client = clients.create_client(
            uow,
            principal=principal_of(instructor),
            municipality=HEINOLA,
            name="Heinolan Asiakas",
            identity_code=identity_code(date(2001, 4, 3), 903),
            phone=None,
            language="fi",
            index_key=runtime.index_key,
        ).id
    headers = api_token(client, "ph.instructor")
    return Rehab(headers, {}, worker, nurse, heinola_client, heinola_client), heinola_client, lahti_only


def test_a_unit_worker_opens_a_period_for_a_client_living_in_heinola(client, unit):
    ph, heinola_client, _ = unit
    decision_id = decision(client, ph, heinola_client)
    opened = client.post("/api/v1/intensive-periods", json=period_body(ph, decision_id), headers=ph.headers)
    assert opened.status_code == 201, opened.text
    assert opened.json()["municipality_code"] == HEINOLA
    assert opened.json()["responsible_worker_id"] == ph.worker_id


def test_a_worker_who_does_not_serve_heinola_is_refused_and_nothing_is_opened(client, runtime, unit):
    ph, heinola_client, lahti_only = unit
    decision_id = decision(client, ph, heinola_client)
    refused = client.post(
        "/api/v1/intensive-periods",
        json=period_body(ph, decision_id, responsible_worker_id=lahti_only),
        headers=ph.headers,
    )
    assert refused.status_code == 404
    assert refused.json()["errors"][0]["field"] == "worker_id"
    assert HEINOLA in refused.json()["detail"]
    with runtime.uow() as uow:
        assert uow.session.scalar(select(func.count()).select_from(IntensivePeriod)) == 0
