"""The requester hears that the contact request arrived, through the outbox, on the channel
they gave: a text message or an e-mail, in their language, saying only that it arrived and by
when they will be contacted; a person who asked to be phoned gets no message."""

from __future__ import annotations

from channel_support import Keeper
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from intake_support import assessment_fields
from sqlalchemy import delete, select

from sotesilta.core.accounts.tables import SecurityEvent
from sotesilta.core.intake.tables import ContactRequest
from sotesilta.core.kernel.outbox import MessageKind
from sotesilta.core.kernel.plugins.manager import load_plugins
from sotesilta.core.messages.service.delivery import WorkerPolicy, deliver_batch
from sotesilta.core.messages.service.outbox import TABLE

NAME, PHONE, EMAIL = "Maija Meikäläinen", "040 765 4321", "maija@example.org"


def sent(client, **changes) -> None:  # type: ignore[no-untyped-def]
    answer = client.post(
        "/self-assessment/03", data=assessment_fields(client, **changes), follow_redirects=False
    )
    assert answer.status_code == 303, answer.text


def messages(runtime):  # type: ignore[no-untyped-def]
    with runtime.uow() as uow:
        return uow.connection.execute(select(TABLE).order_by(TABLE.c.id)).mappings().all()


def test_a_text_message_request_is_confirmed_by_text_in_the_requesters_language(client, runtime):
    sent(client, contact_channel="sms", contact_language="sv")
    (row,) = messages(runtime)
    assert (row["channel"], row["kind"], row["language"], row["county_code"]) == (
        "sms",
        MessageKind.CONTACT_REQUEST_RECEIVED.value,
        "sv",
        "03",
    )
    assert row["quiet_hours"] is True
    with runtime.uow() as uow:
        request_id = uow.session.scalars(select(ContactRequest.id)).one()
        recipient = uow.sealer.open(row["recipient"], context="outbox_message.recipient")
        body = uow.sealer.open(row["body"], context="outbox_message.body")
    assert row["idempotency_key"] == f"contact-request:{request_id}:received"
    assert recipient == PHONE
    assert "Din begäran om kontakt med socialhandledningen har tagits emot" in body
    # no name, no answers, no "when to reach me", nothing of what the person wrote
    assert "Maija" not in body and "Arkisin" not in body and "yksinäi" not in body.lower()


def test_an_email_request_is_confirmed_by_email_and_delivered_by_the_worker(client, runtime):
    sent(client, contact_channel="email", contact_email=EMAIL, contact_phone="", contact_language="en")
    keeper = Keeper(name="email")  # in place of the SMTP plugin (tested against a real server)
    plugins = load_plugins(blocked=["smtp"], extra=[("channel-email", keeper)])
    deliver_batch(runtime.uow, plugins, worker="w1", policy=WorkerPolicy())
    (delivery,) = keeper.sent
    assert delivery.recipient == EMAIL and delivery.language == "en"
    assert "request to be contacted" in delivery.body and "at the latest" in delivery.body
    assert NAME not in delivery.body + delivery.subject


def test_a_person_who_asked_to_be_phoned_gets_no_message(client, runtime):
    sent(client, contact_channel="phone")
    assert messages(runtime) == []


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(channel=st.sampled_from(["phone", "sms", "email"]), language=st.sampled_from(["fi", "sv", "en"]))
def test_a_message_goes_exactly_when_a_channel_for_one_was_given(client, runtime, channel, language):
    with runtime.uow() as uow:  # each example starts afresh: no queue, no outbox, no throttle
        uow.connection.execute(delete(TABLE))
        uow.session.execute(delete(ContactRequest))
        uow.session.execute(delete(SecurityEvent))
        uow.commit()
    sent(
        client,
        contact_channel=channel,
        contact_email=EMAIL if channel == "email" else "",
        contact_language=language,
    )
    rows = messages(runtime)
    assert len(rows) == (0 if channel == "phone" else 1)
    if rows:
        assert (rows[0]["channel"], rows[0]["language"]) == (channel, language)
