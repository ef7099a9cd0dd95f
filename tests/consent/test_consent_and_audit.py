"""Consent, consultations and the tamper-evident access log (SHL notifications:
tests/consultations/test_shl_notifications.py)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from datetime import timedelta

import pytest
from sqlalchemy import func, select, text
from support import bearer, chain_access_log, free_slots, login

from sotesilta.consent import audit
from sotesilta.consent.tables import AccessLogEntry
from sotesilta.core.consultations.tables import Consultation

IDENTITY = "100190Y999P"


def audit_key(runtime):  # type: ignore[no-untyped-def]
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    return Ed25519PrivateKey.from_private_bytes(runtime.settings.audit_signing_key())


@pytest.fixture
def people(client, scheduling):  # type: ignore[no-untyped-def]
    nurse = bearer(login(client, "espoo.nurse"))
    instructor = bearer(login(client, "espoo.instructor"))
    created = client.post(
        "/api/v1/clients",
        headers=nurse,
        json={"municipality": "049", "name": "Väinö Testinen", "identity_code": IDENTITY},
    )
    assert created.status_code == 201
    return nurse, instructor, created.json()["id"]


def consent_body(**changes):  # type: ignore[no-untyped-def]
    return {"scope": "named_consultation", "recipient": "03", "given_how": "oral"} | changes


def count(runtime, table) -> int:  # type: ignore[no-untyped-def]
    with runtime.uow() as uow:
        return int(uow.session.scalar(select(func.count()).select_from(table)) or 0)


def test_an_anonymous_consultation_stores_no_identity(client, people, runtime):
    nurse, instructor, _ = people
    made = client.post(
        "/api/v1/consultations",
        headers=nurse,
        json={"municipality": "049", "channel": "phone", "question": "Mihin ohjaan asunnottoman?"},
    )
    assert made.status_code == 201 and made.json()["client_id"] is None
    reply = client.post(
        f"/api/v1/consultations/{made.json()['id']}/messages",
        headers=instructor,
        json={"body": "Asumisneuvontaan."},
    )
    assert reply.status_code == 201
    assert client.get("/api/v1/consultations/unread", headers=nurse).json() == {str(made.json()["id"]): 1}
    thread = client.get(f"/api/v1/consultations/{made.json()['id']}/messages", headers=nurse).json()
    assert (
        thread["unread"] == 1
        and thread["answered_at"]
        and thread["messages"][0]["body"] == "Asumisneuvontaan."
    )
    assert client.get("/api/v1/consultations/unread", headers=nurse).json() == {}


def test_plugins_hear_a_consultation_opened_and_its_first_answer_only(client, people, runtime):
    import types

    from sotesilta.core import plugin_api as api
    from sotesilta.core.kernel.plugins.manager import load_plugins

    heard = []

    def listen(event):  # type: ignore[no-untyped-def]
        heard.append(event)

    listener = types.ModuleType("listener")
    listener.sotesilta_event = api.hookimpl(listen)  # type: ignore[attr-defined]
    runtime.plugins = load_plugins(extra=[("listener", listener)])
    nurse, instructor, _ = people
    made = client.post(
        "/api/v1/consultations",
        headers=nurse,
        json={"municipality": "049", "channel": "email", "question": "?"},
    ).json()
    url = f"/api/v1/consultations/{made['id']}/messages"
    for body in ("Vastaus.", "Lisäys."):
        assert client.post(url, headers=instructor, json={"body": body}).status_code == 201
    assert [(e.kind.value, e.subject_id, e.facts["channel"], e.facts["named"]) for e in heard] == [
        ("consultation.opened", made["id"], "email", False),
        ("consultation.answered", made["id"], "email", False),
    ]


def test_a_named_consultation_needs_an_active_consent(client, people, runtime, clock):
    nurse, instructor, client_id = people
    body = {
        "municipality": "049",
        "channel": "email",
        "question": "Voiko hän saada tukea?",
        "client_id": client_id,
    }
    refused = client.post("/api/v1/consultations", headers=nurse, json=body)
    assert refused.status_code == 403 and refused.json()["type"] == "/problems/consent-missing"
    assert (
        refused.json()["scope"] == "named_consultation" and "named_consultation" in refused.json()["detail"]
    )
    assert count(runtime, Consultation) == 0
    consent = client.post(f"/api/v1/clients/{client_id}/consents", headers=nurse, json=consent_body())
    assert consent.status_code == 201
    made = client.post("/api/v1/consultations", headers=nurse, json=body)
    assert made.status_code == 201 and made.json()["consent_id"] == consent.json()["id"]
    withdrawn = client.post(f"/api/v1/consents/{consent.json()['id']}/withdraw", headers=nurse)
    assert withdrawn.status_code == 200 and withdrawn.json()["withdrawn_at"]
    # what was done stays; nothing new may use it
    again = client.post(
        f"/api/v1/consultations/{made.json()['id']}/messages", headers=instructor, json={"body": "Kyllä voi."}
    )
    assert again.status_code == 403
    assert (
        client.get(f"/api/v1/consultations/{made.json()['id']}/messages", headers=instructor).status_code
        == 403
    )
    assert client.post(f"/api/v1/consents/{consent.json()['id']}/withdraw", headers=nurse).status_code == 409


def test_a_consent_to_another_recipient_or_expired_does_not_count(client, people, clock):
    nurse, _, client_id = people
    # another county's social care, or another organisation, is not Länsi-Uusimaa's social care
    for other in ("09", "Kela"):
        made = client.post(
            f"/api/v1/clients/{client_id}/consents", headers=nurse, json=consent_body(recipient=other)
        )
        assert made.status_code == 201
    body = {"municipality": "049", "channel": "phone", "question": "?", "client_id": client_id}
    assert client.post("/api/v1/consultations", headers=nurse, json=body).status_code == 403
    # a municipality no longer names a recipient: refused as bad input, nothing written
    old = client.post(
        f"/api/v1/clients/{client_id}/consents", headers=nurse, json=consent_body(recipient="444")
    )
    assert old.status_code == 422 and old.json()["errors"][0]["field"] == "recipient"
    assert len(client.get(f"/api/v1/clients/{client_id}/consents", headers=nurse).json()) == 2
    until = (clock.now() + timedelta(minutes=10)).isoformat()
    client.post(f"/api/v1/clients/{client_id}/consents", headers=nurse, json=consent_body(valid_until=until))
    assert client.post("/api/v1/consultations", headers=nurse, json=body).status_code == 201
    clock.advance(minutes=11)
    assert client.post("/api/v1/consultations", headers=nurse, json=body).status_code == 403


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"scope": "everything"}, "scope"),
        ({"given_how": "telepathy"}, "given_how"),
        (
            {"valid_from": "2026-03-05T00:00:00+02:00", "valid_until": "2026-03-04T00:00:00+02:00"},
            "valid_until",
        ),
    ],
)
def test_bad_consents_are_refused_and_nothing_is_written(client, people, runtime, change, field):
    from sotesilta.consent.tables import Consent

    nurse, _, client_id = people
    response = client.post(
        f"/api/v1/clients/{client_id}/consents", headers=nurse, json=consent_body(**change)
    )
    assert response.status_code == 422 and response.json()["errors"][0]["field"] == field
    assert count(runtime, Consent) == 0


def test_one_live_consent_per_scope_and_recipient(client, people):
    nurse, _, client_id = people
    assert (
        client.post(f"/api/v1/clients/{client_id}/consents", headers=nurse, json=consent_body()).status_code
        == 201
    )
    assert (
        client.post(f"/api/v1/clients/{client_id}/consents", headers=nurse, json=consent_body()).status_code
        == 409
    )


def test_every_use_of_client_data_is_in_the_clients_report(client, people, scheduling, clock):
    nurse, instructor, client_id = people
    slot = free_slots(client, nurse, scheduling.station_id)[0]
    booking = client.post(
        "/api/v1/bookings",
        headers=nurse,
        json={
            "slot_id": slot["slot_id"],
            "reasons": ["loneliness"],
            "client": {"name": "Väinö", "age": 36},
            "client_id": client_id,
        },
    ).json()
    client.get(f"/api/v1/bookings/{booking['id']}", headers=instructor)
    report = client.get(f"/api/v1/clients/{client_id}/access-log", headers=nurse).json()
    what = [(r["who"], r["action"], r["what"]) for r in report]
    assert ("Espoo.Nurse", "create", "client " + str(client_id)) in what
    assert ("Espoo.Nurse", "create", f"booking {booking['id']}") in what
    assert ("Espoo.Instructor", "read", f"booking {booking['id']}") in what
    far = {"start": (clock.now() - timedelta(days=800)).isoformat()}
    refused = client.get(f"/api/v1/clients/{client_id}/access-log", params=far, headers=nurse)
    assert refused.status_code == 422 and refused.json()["errors"][0]["field"] == "reason"
    allowed = client.get(
        f"/api/v1/clients/{client_id}/access-log", params=far | {"reason": "client's request"}, headers=nurse
    )
    assert allowed.status_code == 200
    # the report reads are logged too
    latest = client.get(f"/api/v1/clients/{client_id}/access-log", headers=nurse).json()
    assert latest[-1]["what"] == "access_log 0" and latest[-1]["action"] == "read"
    manager = bearer(login(client, "espoo.admin"))
    assert client.get(f"/api/v1/clients/{client_id}/access-log", headers=manager).status_code == 404


def _fill_log(client, people, scheduling):  # type: ignore[no-untyped-def]
    nurse, _, client_id = people
    for _ in range(3):
        client.get(f"/api/v1/clients/{client_id}/consents", headers=nurse)
    chain_access_log(client.app.state.runtime)


def test_verify_passes_and_names_an_altered_or_deleted_entry(client, people, scheduling, runtime):

    _fill_log(client, people, scheduling)
    result = audit.verify(runtime.engine, audit_key(runtime).public_key())
    assert result.ok and result.entries >= 4
    audit.checkpoint(runtime.engine, audit_key(runtime), runtime.clock.now())
    assert audit.verify(runtime.engine, audit_key(runtime).public_key()).checkpoints == 1
    with runtime.engine.begin() as connection:
        connection.execute(text("UPDATE access_log SET role = 'admin' WHERE seq = 2"))
    broken = audit.verify(runtime.engine, audit_key(runtime).public_key())
    assert not broken.ok and broken.first_broken == 2 and "altered" in broken.problem


def test_verify_notices_a_deleted_entry_and_a_cut_off_tail(client, people, scheduling, runtime):
    _fill_log(client, people, scheduling)
    with runtime.engine.begin() as connection:
        last = connection.execute(select(func.max(AccessLogEntry.seq))).scalar()
        connection.execute(text(f"DELETE FROM access_log WHERE seq = {last}"))
    assert audit.verify(runtime.engine, audit_key(runtime).public_key()).first_broken == last
    with runtime.engine.begin() as connection:
        connection.execute(text("DELETE FROM access_log WHERE seq = 2"))
    result = audit.verify(runtime.engine, audit_key(runtime).public_key())
    assert not result.ok and result.first_broken == 2 and "missing" in result.problem


def test_a_forged_checkpoint_is_detected(client, people, scheduling, runtime):

    _fill_log(client, people, scheduling)
    audit.checkpoint(runtime.engine, audit_key(runtime), runtime.clock.now())
    with runtime.engine.begin() as connection:
        connection.execute(text("UPDATE access_log_checkpoint SET entry_hash = '" + "a" * 64 + "'"))
    result = audit.verify(runtime.engine, audit_key(runtime).public_key())
    assert not result.ok and "forged" in result.problem


def test_a_chain_resigned_with_another_key_gains_no_trust(client, people, scheduling, runtime):
    """A checkpoint signed by a key not trusted vouches for nothing: it is not counted, and
    verification says so (the chain itself is still checked entry by entry)."""
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    _fill_log(client, people, scheduling)
    impostor = Ed25519PrivateKey.generate()
    audit.checkpoint(runtime.engine, impostor, runtime.clock.now())
    result = audit.verify(runtime.engine, audit_key(runtime).public_key())
    assert result.ok and not result.vouched and result.checkpoints == 0 and result.untrusted == 1
    assert result.untrusted_keys == (impostor.public_key().public_bytes_raw().hex(),)
    # a signature that does not hold even under the key the row names is forged, trusted or not
    with runtime.engine.begin() as connection:
        connection.execute(text("UPDATE access_log_checkpoint SET signature = '" + "ab" * 64 + "'"))
    forged = audit.verify(runtime.engine, audit_key(runtime).public_key())
    assert not forged.ok and "forged" in forged.problem


def test_losing_the_audit_key_leaves_the_log_verifiable(client, people, scheduling, runtime, monkeypatch):
    """Verification needs only public keys: after audit.key is lost a new key is made, the old
    checkpoints are reported as not trusted (exit 2) until the old public key is trusted again,
    and an entry altered under an old checkpoint is still found."""
    from click.testing import CliRunner

    from sotesilta.core.cli import main

    monkeypatch.setenv("SOTESILTA_DATABASE_URL", runtime.settings.resolved_database_url)
    monkeypatch.setenv("SOTESILTA_DATA_DIR", str(runtime.settings.data_dir))
    monkeypatch.delenv("SOTESILTA_AUDIT_KEY", raising=False)
    cli = CliRunner()
    _fill_log(client, people, scheduling)
    old_public = cli.invoke(main, ["audit", "public-key"]).output.strip()
    assert cli.invoke(main, ["audit", "checkpoint"]).exit_code == 0
    assert cli.invoke(main, ["audit", "verify"]).exit_code == 0
    (runtime.settings.data_dir / "audit.key").unlink()  # lost
    assert cli.invoke(main, ["audit", "checkpoint"]).exit_code == 0  # signed with a new key
    assert cli.invoke(main, ["audit", "public-key"]).output.strip() != old_public
    lost = cli.invoke(main, ["audit", "verify"])
    assert lost.exit_code == 2, lost.output
    assert "intact" in lost.output and "not trusted" in lost.output and old_public in lost.output
    monkeypatch.setenv("SOTESILTA_AUDIT_TRUSTED_KEYS", old_public)
    trusted = cli.invoke(main, ["audit", "verify"])
    assert trusted.exit_code == 0 and "2 signed checkpoints" in trusted.output, trusted.output
    with runtime.engine.begin() as connection:
        connection.execute(text("UPDATE access_log SET role = 'admin' WHERE seq = 2"))
    broken = cli.invoke(main, ["audit", "verify"])
    assert broken.exit_code == 1 and "entry 2 was altered" in broken.output


def test_a_trusted_key_that_is_not_a_public_key_is_a_configuration_error(monkeypatch):
    from sotesilta.core.kernel.settings import Settings

    with pytest.raises(ValueError, match="not an Ed25519 public key"):
        Settings(audit_trusted_keys="abc")  # type: ignore[arg-type]


WRITER = """
import sys, threading, time
from datetime import UTC, datetime
from sotesilta.consent import tables  # noqa: F401
from sotesilta.consent import audit
from sotesilta.core.kernel.privacy import AccessAction, AccessBasis, AccessEvent
from sotesilta.core.kernel.db import make_engine
from sotesilta.core.kernel.uow import UnitOfWork
engine = make_engine(sys.argv[1])
def write(n):
    while True:
        with UnitOfWork(engine) as uow:
            audit.append(uow.connection, AccessEvent(at=datetime.now(UTC), user_id=1, role="instructor",
                action=AccessAction.READ, subject_type="booking", subject_id=n, client_id=None,
                basis=AccessBasis.TASK))
            time.sleep(0.001)  # die with transactions open
            uow.commit()
for n in range(4):
    threading.Thread(target=write, args=(n,), daemon=True).start()
print("writing", flush=True)
time.sleep(60)
"""


@pytest.mark.slow
def test_verify_passes_after_a_writer_is_killed_mid_write(runtime, database_url, scheduling):
    process = subprocess.Popen(
        [sys.executable, "-c", WRITER, database_url],
        stdout=subprocess.PIPE,
        env=os.environ | {"PYTHONUNBUFFERED": "1"},
    )
    assert process.stdout is not None and process.stdout.readline().strip() == b"writing"
    time.sleep(1.5)
    process.send_signal(signal.SIGKILL)
    process.wait(timeout=10)
    chain_access_log(runtime)  # PostgreSQL's committed entries; the killed ones never committed
    result = audit.verify(runtime.engine, audit_key(runtime).public_key())
    assert result.ok, result.problem
    assert result.entries > 20


def test_the_report_prints_as_a_page(client, people):
    nurse, _, client_id = people
    page = client.get(f"/api/v1/clients/{client_id}/access-log", params={"format": "html"}, headers=nurse)
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    assert "Kuka on käsitellyt tietojasi" in page.text and "Espoo.Nurse" in page.text
    assert (
        client.get(
            f"/api/v1/clients/{client_id}/access-log", params={"format": "pdf"}, headers=nurse
        ).status_code
        == 422
    )


def test_a_retention_purge_moves_the_chain_base_and_logs_itself(client, people, runtime, clock, monkeypatch):
    from click.testing import CliRunner

    from sotesilta.core.cli import main

    chain_access_log(runtime)
    before = audit.verify(runtime.engine, audit_key(runtime).public_key()).entries
    clock.advance(days=365 * 13)
    monkeypatch.setenv("SOTESILTA_DATABASE_URL", runtime.settings.resolved_database_url)
    monkeypatch.setenv("SOTESILTA_DATA_DIR", str(runtime.settings.data_dir))
    removed = audit.purge(runtime.engine, clock.now() - timedelta(days=365 * 12))
    assert removed == before
    result = audit.verify(runtime.engine, audit_key(runtime).public_key())
    assert result.ok and result.entries == 0
    purge = CliRunner().invoke(main, ["audit", "purge", "--user-id", "1"])
    assert purge.exit_code == 0, purge.output
    chain_access_log(runtime)
    after = audit.verify(runtime.engine, audit_key(runtime).public_key())
    assert after.ok and after.entries == 1  # the purge's own entry


def test_social_care_finds_new_questions_before_anyone_writes(client, people, make_user):
    nurse, instructor, client_id = people
    client.post(f"/api/v1/clients/{client_id}/consents", headers=nurse, json=consent_body())
    anonymous = client.post(
        "/api/v1/consultations",
        headers=nurse,
        json={"municipality": "049", "channel": "phone", "question": "Mihin ohjaan?"},
    ).json()
    named = client.post(
        "/api/v1/consultations",
        headers=nurse,
        json={"municipality": "049", "channel": "phone", "question": "Väinön asiat?", "client_id": client_id},
    ).json()
    listed = client.get("/api/v1/consultations", params={"unanswered": "true"}, headers=instructor).json()
    assert [c["id"] for c in listed] == [named["id"], anonymous["id"]]
    assert listed[1]["question"] == "Mihin ohjaan?" and listed[0]["question"] == ""  # named: open the thread
    make_user("espoo.nurse2", ["health_staff"], ["049"])
    other = bearer(login(client, "espoo.nurse2"))
    assert client.get("/api/v1/consultations", headers=other).json() == []
