"""Personal data at rest: sealing round trips, client records found by keyed hash,
key rotation, and no plaintext in the database files."""

from __future__ import annotations

import os
import shutil
import subprocess
from datetime import date
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import select, text
from support import bearer, free_slots, identity_code, login, name_shl_receiver

from sotesilta.core.clients.tables import ClientRecord
from sotesilta.core.kernel.key_rotation import SEALED_COLUMNS, KeyMissing, rotate_keys
from sotesilta.core.kernel.sealing import Sealer, SealingError, generate_key, parse_keyring
from sotesilta.core.metadata import metadata

KEY_A, KEY_B = generate_key(), generate_key()
IDENTITY = "100190Y999P"  # a temporary (test) code
NAME, PHONE = "Väinö Testinen", "+358401112233"


@given(plain=st.text(max_size=300), context=st.sampled_from([c for _, _, c in SEALED_COLUMNS]))
def test_sealing_round_trips_and_binds_the_column(plain, context):
    sealer = Sealer(parse_keyring(f"a:{KEY_A}"))
    sealed = sealer.seal(plain, context=context)
    assert sealed.startswith("v1.a.") and sealer.open(sealed, context=context) == plain
    with pytest.raises(SealingError):
        sealer.open(sealed, context=context + "x")
    tampered = sealed[:-2] + ("A" if sealed[-2] != "A" else "B") + sealed[-1]
    with pytest.raises(SealingError):
        sealer.open(tampered, context=context)


def test_every_sealed_column_exists_and_holds_text():
    for table_name, key, column_name in SEALED_COLUMNS:
        table = metadata.tables[table_name]
        assert key in table.c and str(table.c[column_name].type) == "TEXT"


@pytest.fixture
def nurse(client, scheduling):  # type: ignore[no-untyped-def]
    return bearer(login(client, "espoo.nurse"))


def _register(client, headers, **changes):  # type: ignore[no-untyped-def]
    body = {"municipality": "049", "name": NAME, "identity_code": IDENTITY, "phone": PHONE} | changes
    return client.post("/api/v1/clients", json=body, headers=headers)


def test_a_client_is_registered_and_found_by_identity_code(client, nurse):
    created = _register(client, nurse)
    assert created.status_code == 201, created.text
    assert created.json()["temporary_identity"] is True and created.json()["phone"] == PHONE
    found = client.post("/api/v1/clients/search", json={"identity_code": IDENTITY.lower()}, headers=nurse)
    assert found.status_code == 200 and found.json()["id"] == created.json()["id"]
    assert found.json()["name"] == NAME
    # the sign is part of the identity: the 1900s '-' code is another person, whom she has no
    # relationship with; without a stated reason she learns nothing, with one that nobody has it
    other = client.post("/api/v1/clients/search", json={"identity_code": "100190-999P"}, headers=nurse)
    assert other.status_code == 403 and other.json()["type"] == "/problems/access-reason-required"
    reason = {"code": "client_present", "detail": "asiakas vastaanotolla"}
    other = client.post(
        "/api/v1/clients/search",
        json={"identity_code": "100190-999P", "access_reason": reason},
        headers=nurse,
    )
    assert other.status_code == 404
    assert _register(client, nurse).status_code == 409


def test_identity_codes_are_validated_and_scoped(client, nurse, make_user):
    bad = _register(client, nurse, identity_code="100190Y999X")
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "identity_code"
    assert "P" not in bad.json()["detail"]
    _register(client, nurse)
    # a Lohja nurse (the same county) has no relationship with the Espoo nurse's client: she gets
    # the answer an unregistered code gets, naming the missing access_reason
    lohja = bearer(login(client, "lohja.nurse"))
    unknown = "100190-999P"
    answers = [
        client.post("/api/v1/clients/search", json={"identity_code": code}, headers=lohja)
        for code in (IDENTITY, unknown)
    ]
    assert [a.status_code for a in answers] == [403, 403]
    assert answers[0].json()["errors"] == answers[1].json()["errors"]
    assert answers[0].json()["errors"][0]["field"] == "access_reason"
    # a reason outside the list is bad input: 4xx, nothing opened
    odd = {"identity_code": IDENTITY, "access_reason": {"code": "curiosity", "detail": "x"}}
    refused = client.post("/api/v1/clients/search", json=odd, headers=lohja)
    assert refused.status_code == 422 and refused.json()["errors"][0]["field"] == "access_reason.code"
    # a Päijät-Häme nurse (another county) does not find it even with a reason
    make_user("lahti.nurse", ["health_staff"], ["398"])
    lahti = bearer(login(client, "lahti.nurse"))
    reason = {"code": "urgent_care", "detail": "päivystys"}
    with_reason = {"identity_code": IDENTITY, "access_reason": reason}
    assert client.post("/api/v1/clients/search", json=with_reason, headers=lahti).status_code == 404
    admin = bearer(login(client, "espoo.admin"))
    assert (
        client.post("/api/v1/clients/search", json={"identity_code": IDENTITY}, headers=admin).status_code
        == 403
    )


def _seed_personal_data(client, nurse, scheduling):  # type: ignore[no-untyped-def]
    assert _register(client, nurse).status_code == 201
    slot = free_slots(client, nurse, scheduling.station_id)[0]
    body = {
        "slot_id": slot["slot_id"],
        "reasons": ["loneliness"],
        "note": "Asuu yksin Olarissa",
        "client": {"name": NAME, "phone": PHONE, "age": 40},
    }
    assert client.post("/api/v1/bookings", json=body, headers=nurse).status_code == 201


def _at_rest(runtime, database_url: str) -> bytes:  # type: ignore[no-untyped-def]
    """The SQLite file and its WAL, or a PostgreSQL data dump."""
    if database_url.startswith("sqlite"):
        with runtime.engine.connect() as connection:
            connection.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
        path = database_url.removeprefix("sqlite:///")
        return b"".join(Path(p).read_bytes() for p in (path, path + "-wal") if os.path.exists(p))
    if shutil.which("pg_dump") is None:
        pytest.skip("pg_dump is not installed")
    dsn = database_url.replace("postgresql+psycopg://", "postgresql://")
    return subprocess.run(["pg_dump", "--data-only", dsn], capture_output=True, check=True).stdout


def test_no_plaintext_personal_data_at_rest(client, nurse, scheduling, runtime, database_url, tmp_path):
    _seed_personal_data(client, nurse, scheduling)
    needles = [NAME.encode(), b"Testinen", IDENTITY.encode(), b"401112233", b"Olarissa"]
    raw = _at_rest(runtime, database_url)
    assert len(raw) > 10_000  # the dump really holds the data
    for needle in needles:
        assert needle not in raw, needle


#: free text typed into each field sealed since migration 0018, and the name in it
FREE_TEXT = {
    "booking.cancel_reason": ("Kalevi Kuusisto soitti ja perui", "Kuusisto"),
    "absence.reason": ("Sairausloma, Elina Selkäkipu", "Selkäkipu"),
    "service_decision.decision_maker": ("Päättäjä Pirkko Pykälä", "Pykälä"),
    "contact.place": ("Asiakkaan koti, Kotikuja 7 B 12", "Kotikuja"),
    "shl_notification.ground_without_consent": (
        "Naapuri Sanna Saarelma kertoi: ei syö eikä nuku",
        "Saarelma",
    ),
    "visit.shl_notification_to": ("Sosiaaliohjaaja Veikko Vartiainen", "Vartiainen"),
}


def _seed_free_text(client, nurse, scheduling, runtime, make_user, principal_of, clock):  # type: ignore[no-untyped-def]
    from conftest import add_worker
    from rehab_support import PH_CODES, Rehab, api_token, decision, new_client, period_body

    # intensive rehabilitation in Päijät-Häme: a decision and a contact at the client's home
    instructor = make_user("ph.instructor", ["instructor"], PH_CODES)
    worker = add_worker(runtime, instructor.id, "398", "Paula Ohjaaja", "fi")
    young = new_client(runtime, principal_of(instructor), "Nuori Asiakas", date(2000, 5, 15), 901)
    ph = Rehab(api_token(client, "ph.instructor"), {}, worker, 0, young, 0)
    decided = decision(client, ph, young, decision_maker=FREE_TEXT["service_decision.decision_maker"][0])
    period = client.post(
        "/api/v1/intensive-periods", json=period_body(ph, decided, co_worker_id=None), headers=ph.headers
    )
    assert period.status_code == 201, period.text
    contact = {
        "kind": "individual_meeting",
        "minutes": 60,
        "starts_at": "2026-03-03T13:00:00+02:00",
        "place": FREE_TEXT["contact.place"][0],
    }
    planned = client.post(
        f"/api/v1/intensive-periods/{period.json()['id']}/contacts", json=contact, headers=ph.headers
    )
    assert planned.status_code == 201, planned.text
    assert planned.json()["place"] == FREE_TEXT["contact.place"][0]  # read back opened
    # an SHL notification, and two bookings in Espoo: one cancelled, one visited
    name_shl_receiver(client, bearer(login(client, scheduling.admin.username)))
    person = client.post(
        "/api/v1/clients",
        json={
            "municipality": "049",
            "name": "Ilmoitettu Henkilö",
            "identity_code": identity_code(date(1970, 1, 1), 902),
        },
        headers=nurse,
    )
    assert person.status_code == 201, person.text
    shl = {
        "municipality": "049",
        "client_id": person.json()["id"],
        "ground": "cannot_look_after_self",
        "ground_without_consent": FREE_TEXT["shl_notification.ground_without_consent"][0],
        "summary": "huoli",
    }
    sent = client.post("/api/v1/shl-notifications", json=shl, headers=nurse)
    assert sent.status_code == 201, sent.text
    assert sent.json()["ground_without_consent"] == FREE_TEXT["shl_notification.ground_without_consent"][0]
    slots = client.get(
        "/api/v1/slots/free",
        params={"municipality": "049", "station_id": scheduling.station_id},
        headers=nurse,
    ).json()
    booked = [
        client.post(
            "/api/v1/bookings",
            json={
                "slot_id": slot["slot_id"],
                "reasons": ["loneliness"],
                "client": {"name": "Aino", "age": 30},
            },
            headers=nurse,
        ).json()["id"]
        for slot in slots[:2]
    ]
    reason = {"reason": FREE_TEXT["booking.cancel_reason"][0]}
    assert client.post(f"/api/v1/bookings/{booked[1]}/cancel", json=reason, headers=nurse).status_code == 200
    admin = bearer(login(client, scheduling.admin.username))
    absence = {
        "worker_id": scheduling.worker_id,
        "starts_at": "2026-03-10T00:00:00+02:00",
        "ends_at": "2026-03-11T00:00:00+02:00",
        "reason": FREE_TEXT["absence.reason"][0],
    }
    assert client.post("/api/v1/absences", json=absence, headers=admin).status_code == 201
    clock.advance(days=1, hours=1)  # Tuesday 10:00 local: the first visit has begun
    instructor_headers = bearer(login(client, scheduling.instructor.username))
    outcome = {
        "booking_id": booked[0],
        "outcome": "realised",
        "topic": "housing",
        "shl_notification_to": FREE_TEXT["visit.shl_notification_to"][0],
    }
    assert client.post("/api/v1/visits", json=outcome, headers=instructor_headers).status_code == 200
    # a correction keeps the replaced values (the first recipient among them) in its snapshot
    corrected = outcome | {"shl_notification_to": "Aikuissosiaalityö", "expected_revision": 1}
    again = client.post("/api/v1/visits", json=corrected, headers=instructor_headers)
    assert again.status_code == 200 and again.json()["revision"] == 2, again.text
    return booked, instructor_headers


def test_free_text_that_may_name_a_person_is_sealed_at_rest_and_reads_back(  # type: ignore[no-untyped-def]
    client, nurse, scheduling, runtime, database_url, make_user, principal_of, clock
):
    booked, instructor = _seed_free_text(client, nurse, scheduling, runtime, make_user, principal_of, clock)
    raw = _at_rest(runtime, database_url)
    assert len(raw) > 10_000
    for field, (typed, name) in FREE_TEXT.items():
        assert typed.encode() not in raw and name.encode() not in raw, field
    # every sealed column holds only sealed values, each opening under its own column
    with runtime.engine.connect() as connection:
        for table_name, _key, column_name in SEALED_COLUMNS:
            for (value,) in connection.execute(text(f"SELECT {column_name} FROM {table_name}")):
                if value is not None:
                    runtime.sealer.open(value, context=f"{table_name}.{column_name}")
    # and those who may see them read them as typed
    cancelled = client.get(f"/api/v1/bookings/{booked[1]}", headers=bearer(login(client, "espoo.nurse")))
    assert cancelled.json()["cancel_reason"] == FREE_TEXT["booking.cancel_reason"][0]
    absences = client.get("/api/v1/absences", headers=bearer(login(client, scheduling.admin.username)))
    assert [a["reason"] for a in absences.json()] == [FREE_TEXT["absence.reason"][0]]
    history = client.get("/api/v1/visits/history", params={"booking_id": booked[0]}, headers=instructor)
    assert history.status_code == 200, history.text
    assert [v["shl_notification_to"] for v in history.json()["versions"]] == [
        "Aikuissosiaalityö",
        FREE_TEXT["visit.shl_notification_to"][0],
    ]


def test_rotation_reseals_everything_and_keeps_the_identity_index(client, nurse, scheduling, runtime):
    old_keys = runtime.settings.keyring()
    _seed_personal_data(client, nurse, scheduling)
    with runtime.uow() as uow:
        index_before = uow.session.scalar(select(ClientRecord.identity_index))
    rotated = Sealer({"k2": parse_keyring(f"k2:{KEY_B}")["k2"], **old_keys})
    report = rotate_keys(runtime.engine, rotated)
    assert report.resealed["booking.client_name"] == 1 and report.resealed["client_record.identity_code"] == 1
    only_new = Sealer({"k2": parse_keyring(f"k2:{KEY_B}")["k2"]})
    with runtime.engine.connect() as connection:
        for table_name, _key, column_name in SEALED_COLUMNS:
            for (value,) in connection.execute(text(f"SELECT {column_name} FROM {table_name}")):
                if value is not None:
                    assert value.startswith("v1.k2.")
                    only_new.open(value, context=f"{table_name}.{column_name}")
    with runtime.uow() as uow:
        assert uow.session.scalar(select(ClientRecord.identity_index)) == index_before
    assert rotate_keys(runtime.engine, rotated).resealed["booking.client_name"] == 0


def test_a_value_under_a_removed_key_stops_rotation_loudly(client, nurse, scheduling, runtime):
    _seed_personal_data(client, nurse, scheduling)
    stranger = Sealer(parse_keyring(f"k9:{KEY_B}"))
    with pytest.raises(KeyMissing, match=r"booking\.client_name of row 1: .*'k1'"):
        rotate_keys(runtime.engine, stranger)
