"""A named consultation shows whom it names to the one who asked and to the instructor it is
addressed to, never to others of social care; each such read is logged under the consent, and
none is possible once the consent is withdrawn. Every reader sees who asked, from which
station. Through the use case and the page (both databases)."""

from __future__ import annotations

import pytest
from conftest import add_worker
from page_support import sign_in
from sqlalchemy import select, update
from support import bearer, chain_access_log, login

from sotesilta.consent.tables import AccessLogEntry
from sotesilta.core.consultations import service as consultations
from sotesilta.core.kernel.errors import ConsentMissing
from sotesilta.core.organisations.tables import Station

CODE = "100190Y999P"


def named_consultation(client, scheduling, *, addressed: bool = True) -> tuple[int, int, int]:  # type: ignore[no-untyped-def]
    """The nurse registers Väinö, records his consent and asks about him: (client, consent, consultation)."""
    nurse = bearer(login(client, scheduling.nurse.username))
    client_id = client.post(
        "/api/v1/clients",
        headers=nurse,
        json={"municipality": "049", "name": "Väinö Testinen", "identity_code": CODE},
    ).json()["id"]
    consent = client.post(
        f"/api/v1/clients/{client_id}/consents",
        headers=nurse,
        json={"scope": "named_consultation", "recipient": "03", "given_how": "oral"},
    ).json()
    made = client.post(
        "/api/v1/consultations",
        headers=nurse,
        json={
            "municipality": "049",
            "channel": "phone",
            "question": "Väinön tilanne",
            "client_id": client_id,
            **({"to_worker_id": scheduling.worker_id} if addressed else {}),
        },
    )
    assert made.status_code == 201, made.text
    return client_id, consent["id"], made.json()["id"]


@pytest.fixture
def colleague(runtime, make_user):  # type: ignore[no-untyped-def]
    """Another instructor of Espoo's social care, to whom nothing is addressed."""
    staff = make_user("espoo.colleague", ["instructor"], ["049"], ["espoo-tapiola"])
    add_worker(runtime, staff.id, "049", "Kaisa Kollega")
    return staff


def name_reads(runtime, client_id: int) -> list[tuple[int, str, str]]:  # type: ignore[no-untyped-def]
    chain_access_log(runtime)
    with runtime.uow() as uow:
        return list(
            uow.session.execute(
                select(AccessLogEntry.user_id, AccessLogEntry.action, AccessLogEntry.basis).where(
                    AccessLogEntry.subject_type == "client",
                    AccessLogEntry.client_id == client_id,
                    AccessLogEntry.action == "read",
                )
            )
        )


def test_the_addressed_instructor_sees_the_name_and_code_and_the_read_is_logged(client, scheduling, runtime):
    with runtime.uow() as uow:
        uow.session.execute(
            update(Station).where(Station.key == "espoo-leppavaara").values(phone="09 816 31300")
        )
        uow.commit()
    client_id, _, consultation_id = named_consultation(client, scheduling)
    assert name_reads(runtime, client_id) == []
    sign_in(client, scheduling.instructor.username)
    page = client.get(f"/consultations/{consultation_id}")
    assert page.status_code == 200
    assert f'<dd id="named-client">Väinö Testinen, henkilötunnus {CODE}</dd>' in page.text
    assert "Espoo.Nurse, Leppävaaran terveysasema, puh." in page.text
    assert '<a href="tel:0981631300">09 816 31300</a>' in page.text
    assert 'id="name-withheld"' not in page.text
    assert name_reads(runtime, client_id) == [(scheduling.instructor.id, "read", "consent")]


def test_another_instructor_reads_the_question_but_not_whom_it_names(client, scheduling, runtime, colleague):
    client_id, _, consultation_id = named_consultation(client, scheduling)
    sign_in(client, colleague.username)
    page = client.get(f"/consultations/{consultation_id}")
    assert page.status_code == 200 and "Väinön tilanne" in page.text
    assert "Väinö Testinen" not in page.text and CODE not in page.text
    assert "Asiakkaan nimi näytetään vain kysyjälle" in page.text
    assert "Espoo.Nurse, Leppävaaran terveysasema" in page.text  # who asked: staff, not client data
    assert name_reads(runtime, client_id) == []


def test_an_unaddressed_named_consultation_names_the_client_to_no_instructor(client, scheduling, runtime):
    client_id, _, consultation_id = named_consultation(client, scheduling, addressed=False)
    sign_in(client, scheduling.instructor.username)
    page = client.get(f"/consultations/{consultation_id}").text
    assert "Väinö Testinen" not in page and 'id="name-withheld"' in page
    sign_in(client, scheduling.nurse.username)
    assert "Väinö Testinen" in client.get(f"/consultations/{consultation_id}").text  # the asker
    assert name_reads(runtime, client_id) == [(scheduling.nurse.id, "read", "consent")]


def test_once_the_consent_is_withdrawn_nobody_reads_the_name(client, scheduling, runtime, principal_of):
    client_id, consent_id, consultation_id = named_consultation(client, scheduling)
    nurse = bearer(login(client, scheduling.nurse.username))
    assert client.post(f"/api/v1/consents/{consent_id}/withdraw", headers=nurse).status_code == 200
    sign_in(client, scheduling.instructor.username)
    page = client.get(f"/consultations/{consultation_id}")
    assert page.status_code == 403 and "Väinö" not in page.text
    with runtime.uow() as uow, pytest.raises(ConsentMissing):
        consultations.identify_client(
            uow, principal=principal_of(scheduling.instructor), consultation_id=consultation_id
        )
    assert name_reads(runtime, client_id) == []


def test_an_anonymous_consultation_identifies_nobody(client, scheduling, runtime, principal_of):
    made = client.post(
        "/api/v1/consultations",
        headers=bearer(login(client, scheduling.nurse.username)),
        json={
            "municipality": "049",
            "channel": "phone",
            "question": "Yleinen",
            "to_worker_id": scheduling.worker_id,
        },
    ).json()
    with runtime.uow() as uow:
        assert (
            consultations.identify_client(
                uow, principal=principal_of(scheduling.instructor), consultation_id=made["id"]
            )
            is None
        )
