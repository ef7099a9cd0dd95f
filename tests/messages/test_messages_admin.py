"""The outbox for a county's admins, through the API (listMessages, retryMessage) and the
page: status, attempts, times and the last error; never a recipient, subject or body; only
the admins of the message's county."""

from __future__ import annotations

from channel_support import DeliveryFailed, Keeper, plugins_with
from page_support import sign_in, token_of
from support import bearer, login

from sotesilta.core.kernel.outbox import MessageKind, OutgoingMessage
from sotesilta.core.messages.service.delivery import WorkerPolicy, deliver_batch

SECRETS = ("maija@example.org", "Aikasi huomenna", "Leppävaaran terveysasema")


def enqueue(runtime, key: str, county: str = "03") -> None:  # type: ignore[no-untyped-def]
    with runtime.uow() as uow:
        uow.outbox.enqueue(
            uow,
            OutgoingMessage(
                county=county,
                channel="test",
                kind=MessageKind.BOOKING_REMINDER,
                recipient=SECRETS[0],
                subject=SECRETS[1],
                body=SECRETS[2],
                idempotency_key=key,
            ),
        )
        uow.commit()


def dead_letter(runtime) -> None:  # type: ignore[no-untyped-def]
    """One dead message (a refused recipient), one delivered, of county 03; one of 09."""
    enqueue(runtime, "dead")
    failing = Keeper(failure=DeliveryFailed("the server refused the recipient (550)", permanent=True))
    deliver_batch(runtime.uow, plugins_with(failing), worker="w", policy=WorkerPolicy())
    enqueue(runtime, "delivered")
    enqueue(runtime, "other-county", county="09")
    deliver_batch(runtime.uow, plugins_with(Keeper()), worker="w", policy=WorkerPolicy())


def test_admins_list_their_countys_messages_without_what_they_say(client, runtime, scheduling):
    dead_letter(runtime)
    admin = bearer(login(client, "espoo.admin"))
    answer = client.get("/api/v1/messages", headers=admin)
    assert answer.status_code == 200, answer.text
    listed = answer.json()
    assert [(m["status"], m["attempts"], m["county"]) for m in listed] == [
        ("delivered", 1, "03"),
        ("dead", 1, "03"),
    ]
    assert listed[1]["last_error"] == "the server refused the recipient (550)"
    assert listed[1]["kind"] == "booking-reminder" and listed[1]["channel"] == "test"
    assert not any(secret in answer.text for secret in SECRETS)
    dead = client.get("/api/v1/messages", params={"status": "dead"}, headers=admin).json()
    assert [m["id"] for m in dead] == [listed[1]["id"]]
    assert client.get("/api/v1/messages", params={"status": "lost"}, headers=admin).status_code == 422


def test_a_retry_sends_a_dead_message_again(client, runtime, scheduling):
    dead_letter(runtime)
    admin = bearer(login(client, "espoo.admin"))
    dead = client.get("/api/v1/messages", params={"status": "dead"}, headers=admin).json()[0]
    retried = client.post(f"/api/v1/messages/{dead['id']}/retry", headers=admin)
    assert retried.status_code == 200, retried.text
    assert (retried.json()["status"], retried.json()["attempts"]) == ("pending", 0)
    keeper = Keeper()
    assert deliver_batch(runtime.uow, plugins_with(keeper), worker="w", policy=WorkerPolicy()).delivered == 1
    assert [d.idempotency_key for d in keeper.sent] == ["dead"]
    # only a dead message is retried
    again = client.post(f"/api/v1/messages/{dead['id']}/retry", headers=admin)
    assert again.status_code == 409 and again.json()["type"] == "/problems/state-conflict"


def test_an_admin_of_another_county_finds_none_of_its_messages(client, runtime, scheduling, make_user):
    dead_letter(runtime)
    make_user("lahti.admin", ["admin"], ["398"])
    other = bearer(login(client, "lahti.admin"))
    listed = client.get("/api/v1/messages", headers=other).json()
    assert [m["county"] for m in listed] == ["09"]
    espoo_dead = client.get(
        "/api/v1/messages", params={"status": "dead"}, headers=bearer(login(client, "espoo.admin"))
    ).json()[0]
    assert client.post(f"/api/v1/messages/{espoo_dead['id']}/retry", headers=other).status_code == 404
    assert client.get("/api/v1/messages", params={"county": "03"}, headers=other).status_code == 404
    assert client.post("/api/v1/messages/999999/retry", headers=other).status_code == 404


def test_the_page_shows_the_dead_letters_and_retries_one(client, runtime, scheduling):
    dead_letter(runtime)
    sign_in(client, "espoo.admin")
    page = client.get("/admin/messages")
    assert page.status_code == 200, page.text
    assert "the server refused the recipient (550)" in page.text
    assert not any(secret in page.text for secret in SECRETS)
    assert page.text.count('action="/admin/messages/') == 1  # one dead letter, one button
    message = page.text.split('action="/admin/messages/')[1].split("/retry")[0]
    dead_only = client.get("/admin/messages", params={"status": "dead"}).text
    assert dead_only.count('<tr><th scope="row">') == 1
    sent = client.post(
        f"/admin/messages/{message}/retry", data={"_csrf_token": token_of(page.text)}, follow_redirects=False
    )
    assert sent.status_code == 303 and sent.headers["location"] == f"/admin/messages?retried={message}"
    after = client.get(sent.headers["location"]).text
    assert 'action="/admin/messages/' not in after and f"{message}" in after
    # a form without its token is refused
    refused = client.post(f"/admin/messages/{message}/retry", data={}, follow_redirects=False)
    assert refused.status_code == 403


def test_the_page_is_for_admins(client, scheduling):
    sign_in(client, "espoo.nurse")
    assert client.get("/admin/messages").status_code == 403
