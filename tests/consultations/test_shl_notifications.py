"""SHL §35 notifications that arrive (issue 21, items 9-10), through the API: the county names
its receiving unit; a notification concerns an identified person, on consent or on one of §35's
two grounds without it; the receiving unit alone sees the person (logged under its worklist,
with the ground) and moves the notification forward; the sender sees how far it has got."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select
from support import bearer, chain_access_log, identity_code, login, name_shl_receiver

from sotesilta.consent.tables import AccessLogEntry
from sotesilta.core.consultations.domain import SHL_ORDER, ShlStatus, advance
from sotesilta.core.consultations.service import shl
from sotesilta.core.kernel.errors import AccessDenied, RecordNotFound, StateConflict

GROUND = "Ei pysty huolehtimaan ruokailustaan eikä lääkityksestään."
URL = "/api/v1/shl-notifications"


@pytest.fixture
def people(client, scheduling):  # type: ignore[no-untyped-def]
    """The Espoo nurse with a client she registered, the Espoo instructor (a member of the
    Espoo unit) and the Espoo admin."""
    nurse = bearer(login(client, "espoo.nurse"))
    instructor = bearer(login(client, "espoo.instructor"))
    admin = bearer(login(client, scheduling.admin.username))
    created = client.post(
        "/api/v1/clients",
        headers=nurse,
        json={
            "municipality": "049",
            "name": "Ilona Ilmoitettu",
            "identity_code": identity_code(date(1960, 4, 1)),
        },
    )
    assert created.status_code == 201, created.text
    return nurse, instructor, admin, created.json()["id"]


def body(client_id: int, **changes):  # type: ignore[no-untyped-def]
    return {
        "municipality": "049",
        "client_id": client_id,
        "ground": "cannot_look_after_self",
        "ground_without_consent": GROUND,
        "summary": "Asuu yksin, kotona ei ruokaa.",
    } | changes


def test_no_notification_goes_out_before_the_county_names_its_receiver(client, people):
    nurse, _instructor, admin, client_id = people
    refused = client.post(URL, json=body(client_id), headers=nurse)
    assert refused.status_code == 409 and refused.json()["type"].endswith("/shl-receiver-missing")
    assert client.get("/api/v1/counties/03/shl-receiver", headers=admin).status_code == 404
    unit_id = name_shl_receiver(client, admin)
    named = client.get("/api/v1/counties/03/shl-receiver", headers=admin).json()
    assert named["unit_id"] == unit_id and named["secure_email"] is None
    assert client.post(URL, json=body(client_id), headers=nurse).status_code == 201


def test_the_receiver_is_an_active_unit_of_the_admins_own_county_with_a_plausible_address(client, people):
    _nurse, _instructor, admin, _client_id = people
    unit_id = name_shl_receiver(client, admin)
    put = "/api/v1/counties/03/shl-receiver"
    with_mail = client.put(
        put, json={"unit_id": unit_id, "secure_email": "intake@lansiuusimaa.fi"}, headers=admin
    )
    assert with_mail.status_code == 200 and with_mail.json()["secure_email"] == "intake@lansiuusimaa.fi"
    bad_mail = client.put(put, json={"unit_id": unit_id, "secure_email": "not an address"}, headers=admin)
    assert bad_mail.status_code == 422 and bad_mail.json()["errors"][0]["field"] == "secure_email"
    assert client.put(put, json={"unit_id": 99999}, headers=admin).status_code == 404
    # Päijät-Häme's unit is not Länsi-Uusimaa's, and Päijät-Häme is not this admin's county
    other = client.put("/api/v1/counties/09/shl-receiver", json={"unit_id": unit_id}, headers=admin)
    assert other.status_code == 404


def test_both_grounds_without_consent_and_the_consent_path(client, people):
    nurse, _instructor, admin, client_id = people
    name_shl_receiver(client, admin)
    child = client.post(URL, json=body(client_id, ground="child_interest"), headers=nurse)
    assert child.status_code == 201 and child.json()["ground"] == "child_interest"
    assert child.json()["consent_id"] is None and child.json()["to_organisation"].startswith("Espoon")
    short = client.post(URL, json=body(client_id, ground_without_consent="huoli"), headers=nurse)
    assert short.status_code == 422 and short.json()["errors"][0]["field"] == "ground_without_consent"
    missing = client.post(URL, json=body(client_id, ground_without_consent=None), headers=nurse)
    assert missing.status_code == 422
    unknown = client.post(URL, json=body(client_id, ground="neighbour_said_so"), headers=nurse)
    assert unknown.status_code == 422 and unknown.json()["type"].endswith("/invalid-input")
    anonymous = client.post(
        URL, json={k: v for k, v in body(client_id).items() if k != "client_id"}, headers=nurse
    )
    assert anonymous.status_code == 422  # a notification concerns an identified person
    # with consent: none recorded yet, then one to the county's social care
    consent = body(client_id, ground="consent", ground_without_consent=None)
    refused = client.post(URL, json=consent, headers=nurse)
    assert refused.status_code == 403 and refused.json()["type"].endswith("/consent-missing")
    given = client.post(
        f"/api/v1/clients/{client_id}/consents",
        headers=nurse,
        json={"scope": "contact_social_care", "recipient": "03", "given_how": "oral"},
    )
    assert given.status_code == 201, given.text
    made = client.post(URL, json=consent, headers=nurse)
    assert made.status_code == 201 and made.json()["consent_id"] == given.json()["id"]
    assert made.json()["ground"] == "consent"
    documented = client.post(URL, json=body(client_id, ground="consent"), headers=nurse)
    assert documented.status_code == 422  # a ground without consent is not documented on consent


def test_the_receiving_unit_sees_the_person_the_sender_the_status_and_nobody_else_anything(
    client, people, make_user, runtime
):
    from conftest import add_worker

    nurse, instructor, admin, client_id = people
    name_shl_receiver(client, admin)
    sent = client.post(URL, json=body(client_id), headers=nurse).json()
    assert sent["summary"] and sent["person"] is None

    inbox = client.get(URL, headers=instructor).json()
    assert [n["id"] for n in inbox] == [sent["id"]]
    assert inbox[0]["person"] is None and inbox[0]["summary"] is None  # facts only in a list
    opened = client.get(f"{URL}/{sent['id']}", headers=instructor).json()
    assert opened["person"]["name"] == "Ilona Ilmoitettu" and opened["summary"] == sent["summary"]
    assert opened["ground_without_consent"] == GROUND

    own = client.get(f"{URL}/{sent['id']}", headers=nurse).json()
    assert own["status"] == "sent" and own["person"] is None and own["summary"] is None
    assert [n["id"] for n in client.get(URL, params={"box": "sent"}, headers=nurse).json()] == [sent["id"]]
    assert client.get(URL, headers=nurse).json() == []  # no inbox of her own

    # an instructor of another unit of the same county, a colleague nurse, another county's nurse
    make_user("espoo.other", ["instructor"], ["049"])
    add_worker(runtime, None, "049", "Ei käyttäjää")  # the unit has other workers too
    with runtime.uow() as uow:
        from sotesilta.core.organisations import service as organisations

        other_unit = organisations.create_unit(
            uow,
            by=None,
            draft=organisations.UnitDraft(county_code="03", key="lu-muu", name_fi="Muu", name_sv="Annan"),
        )
    other_user = make_user("espoo.elsewhere", ["instructor"], ["049"])
    with runtime.uow() as uow:
        organisations.create_worker(
            uow,
            by=None,
            draft=organisations.WorkerDraft(
                display_name="Muualla",
                title=organisations.WorkerTitle.SOCIAL_INSTRUCTOR,
                languages=(organisations.Language("fi"),),
                unit_id=other_unit.id,
                municipalities=("049",),
                user_id=other_user.id,
            ),
        )
    colleague = make_user("espoo.colleague", ["health_staff"], ["049"])
    for username in ("espoo.elsewhere", colleague.username, "lohja.nurse", "espoo.other"):
        headers = bearer(login(client, username))
        assert client.get(f"{URL}/{sent['id']}", headers=headers).status_code == 404, username
        assert client.post(f"{URL}/{sent['id']}/acknowledge", headers=headers).status_code == 404, username
        assert client.get(URL, headers=headers).json() == [], username


def test_only_the_receiver_moves_it_forward_and_every_move_is_recorded(client, people, clock):
    nurse, instructor, admin, client_id = people
    name_shl_receiver(client, admin)
    sent = client.post(URL, json=body(client_id), headers=nurse).json()
    item = f"{URL}/{sent['id']}"
    by_sender = client.post(f"{item}/acknowledge", headers=nurse)
    assert by_sender.status_code == 403 and by_sender.json()["type"].endswith("/access-denied")
    assert client.post(f"{item}/status", json={"status": "closed"}, headers=nurse).status_code == 403
    received = client.post(f"{item}/acknowledge", headers=instructor)
    assert received.status_code == 200 and received.json()["status"] == "received"
    again = client.post(f"{item}/acknowledge", headers=instructor)
    assert again.status_code == 409 and again.headers["content-type"].startswith("application/problem+json")
    assert again.json()["type"].endswith("/state-conflict") and again.json()["errors"][0]["field"] == "status"
    clock.advance(minutes=20)  # within the session's idle timeout
    assert (
        client.post(f"{item}/status", json={"status": "in_progress"}, headers=instructor).status_code == 200
    )
    back = client.post(f"{item}/status", json={"status": "received"}, headers=instructor)
    assert back.status_code == 409
    bad = client.post(f"{item}/status", json={"status": "archived"}, headers=instructor)
    assert bad.status_code == 422
    clock.advance(minutes=20)
    closed = client.post(f"{item}/status", json={"status": "closed"}, headers=instructor).json()
    assert closed["status"] == "closed"
    steps = [(s["from_status"], s["to_status"]) for s in closed["history"]]
    assert steps == [("sent", "received"), ("received", "in_progress"), ("in_progress", "closed")]
    assert closed["history"][1]["at"] < closed["history"][2]["at"]
    assert {s["by_user"] for s in closed["history"]} == {people_user_id(client, instructor)}
    # the sender sees where it got, and who moved it when (signed in again: 40 idle minutes)
    seen = client.get(item, headers=bearer(login(client, "espoo.nurse"))).json()
    assert seen["status"] == "closed" and len(seen["history"]) == 3
    assert client.post(f"{item}/status", json={"status": "closed"}, headers=instructor).status_code == 409
    # open_only leaves closed ones out of the inbox
    assert client.get(URL, params={"open_only": "true"}, headers=instructor).json() == []


def people_user_id(client, headers) -> int:  # type: ignore[no-untyped-def]
    return int(client.get("/api/v1/me", headers=headers).json()["id"])


def test_the_ground_is_in_the_access_log_and_the_clients_report(client, people, runtime):
    nurse, instructor, admin, client_id = people
    name_shl_receiver(client, admin)
    sent = client.post(URL, json=body(client_id, ground="child_interest"), headers=nurse).json()
    client.get(f"{URL}/{sent['id']}", headers=instructor)
    client.post(f"{URL}/{sent['id']}/acknowledge", headers=instructor)
    chain_access_log(runtime)
    with runtime.uow() as uow:
        entries = uow.session.scalars(
            select(AccessLogEntry).where(AccessLogEntry.subject_type == "shl_notification")
        ).all()
        logged = [(e.action, e.basis, e.reason) for e in entries]
    ground = "SHL §35 ground: child_interest"
    assert logged == [
        ("create", "task", ground),
        ("read", "unit_worklist", ground),
        ("update", "unit_worklist", ground),
    ]
    report = client.get(f"/api/v1/clients/{client_id}/access-log", headers=nurse).json()
    rows = [
        (r["action"], r["basis"], r["reason"])
        for r in report
        if r["what"] == f"shl_notification {sent['id']}"
    ]
    assert rows == logged
    printable = client.get(
        f"/api/v1/clients/{client_id}/access-log", params={"format": "html"}, headers=nurse
    )
    assert "unit_worklist (SHL §35 ground: child_interest)" in printable.text


# --- the status machine -----------------------------------------------------------------------


@given(current=st.sampled_from(SHL_ORDER), wanted=st.sampled_from(SHL_ORDER))
def test_a_status_only_moves_forward(current, wanted):
    if SHL_ORDER.index(wanted) > SHL_ORDER.index(current):
        assert advance(current, wanted) is wanted
    else:
        with pytest.raises(StateConflict):
            advance(current, wanted)


ACTORS = ("sender", "receiver", "outsider")


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(moves=st.lists(st.tuples(st.sampled_from(ACTORS), st.sampled_from(SHL_ORDER)), max_size=8))
def test_only_the_receiver_moves_a_notification_and_only_forward(
    client, people, principal_of, scheduling, runtime, make_user, moves
):
    """Any sequence of moves by the sender, the receiving unit and an outsider, through the use
    case: the status changes exactly when the receiver asks for a later one; the history
    records each change and nothing else."""
    nurse, _instructor, admin, client_id = people
    if client.get("/api/v1/counties/03/shl-receiver", headers=admin).status_code == 404:
        name_shl_receiver(client, admin)
    who = {"sender": principal_of(scheduling.nurse), "receiver": principal_of(scheduling.instructor)}
    who["outsider"] = principal_of(scheduling.lohja_instructor)
    sent = client.post(URL, json=body(client_id), headers=nurse).json()
    expected, changes = ShlStatus.SENT, []
    for actor, wanted in moves:
        with runtime.uow() as uow:
            try:
                view = shl.move_shl_notification(
                    uow, principal=who[actor], notification_id=sent["id"], status=wanted
                )
            except RecordNotFound:
                assert actor == "outsider"
            except AccessDenied:
                assert actor == "sender"
            except StateConflict:
                assert actor == "receiver" and SHL_ORDER.index(wanted) <= SHL_ORDER.index(expected)
            else:
                assert actor == "receiver" and SHL_ORDER.index(wanted) > SHL_ORDER.index(expected)
                changes.append((expected, wanted))
                expected = wanted
                assert view.status is wanted
    with runtime.uow() as uow:
        final = shl.read_shl_notification(uow, principal=who["sender"], notification_id=sent["id"])
    assert final.status is expected
    assert [(s.from_status, s.to_status) for s in final.history] == changes
