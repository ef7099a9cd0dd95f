"""The built-in e-mail channel against a real SMTP server (aiosmtpd on 127.0.0.1): plain,
STARTTLS with a self-signed certificate the test makes, AUTH; refusals and their words."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from smtp_support import PASSWORD, USERNAME, SmtpServer, free_port, start_server

from sotesilta.core.kernel.plugins.channels import Delivery, DeliveryFailed
from sotesilta.core.messages.channels import smtp
from sotesilta.core.messages.channels.smtp import SmtpSettings
from sotesilta.core.messages.domain import message_id

RECIPIENT = "maija.meikalainen@example.org"


def delivery(key: str = "booking:1:confirmation", recipient: str = RECIPIENT, attempt: int = 1) -> Delivery:
    return Delivery(
        id=1,
        county="03",
        kind="booking-confirmation",
        recipient=recipient,
        subject="Aikasi sosiaaliohjaukseen – Din tid",
        body="Tiistaina 3.3.2026 klo 9.00\nLeppävaaran terveysasema",
        language="fi",
        idempotency_key=key,
        attempt=attempt,
    )


def send(d: Delivery, settings: SmtpSettings) -> None:
    smtp.deliver(d, lambda model: settings)


@pytest.fixture
def plain() -> Iterator[SmtpServer]:
    server = start_server()
    yield server
    smtp.close()
    server.stop()


@pytest.fixture
def secure(tmp_path) -> Iterator[SmtpServer]:  # type: ignore[no-untyped-def]
    server = start_server(tls_folder=tmp_path)
    yield server
    smtp.close()
    server.stop()


def secure_settings(server: SmtpServer, **changes) -> SmtpSettings:  # type: ignore[no-untyped-def]
    values = {
        "host": "127.0.0.1",
        "port": server.port,
        "security": "starttls",
        "username": USERNAME,
        "password": PASSWORD,
        "ca_file": server.cert,
        "sender": "Sotesilta <no-reply@lansi-uusimaa.example>",
    }
    return SmtpSettings(**(values | changes))


def test_a_message_arrives_with_a_message_id_derived_from_its_key(plain):
    settings = SmtpSettings(host="127.0.0.1", port=plain.port, security="none", sender="no-reply@hus.example")
    send(delivery(), settings)
    [received] = plain.recorder.received
    assert received.rcpt_tos == [RECIPIENT] and received.mail_from == "no-reply@hus.example"
    mail = received.message
    assert mail["Message-ID"] == message_id("booking:1:confirmation", "hus.example")
    assert mail["Subject"] == "Aikasi sosiaaliohjaukseen – Din tid"
    assert mail["Content-Language"] == "fi" and mail["Auto-Submitted"] == "auto-generated"
    assert "Leppävaaran terveysasema" in mail.get_content()


def test_every_attempt_of_a_message_carries_the_same_message_id(plain):
    settings = SmtpSettings(host="127.0.0.1", port=plain.port, security="none")
    send(delivery(attempt=1), settings)
    send(delivery(attempt=2), settings)
    send(delivery(key="booking:2:confirmation"), settings)
    ids = [m["Message-ID"] for m in plain.recorder.messages()]
    assert ids[0] == ids[1] != ids[2]


def test_starttls_with_the_countys_own_ca_and_authentication(secure):
    send(delivery(), secure_settings(secure))
    assert [m["To"] for m in secure.recorder.messages()] == [RECIPIENT]


def test_a_certificate_not_trusted_is_refused_and_retried(secure):
    with pytest.raises(DeliveryFailed) as failed:
        send(delivery(), secure_settings(secure, ca_file=None))
    assert failed.value.reason.startswith("TLS failed") and not failed.value.permanent
    assert secure.recorder.received == []


def test_a_wrong_password_is_retried_in_the_hope_of_new_settings(secure):
    with pytest.raises(DeliveryFailed) as failed:
        send(delivery(), secure_settings(secure, password="wrong"))
    assert failed.value.reason == "the server refused the login (535)" and not failed.value.permanent


def test_without_starttls_a_server_that_requires_it_refuses_the_message(secure):
    with pytest.raises(DeliveryFailed) as failed:
        send(delivery(), SmtpSettings(host="127.0.0.1", port=secure.port, security="none"))
    assert "530" in failed.value.reason and failed.value.permanent


def test_a_refused_recipient_is_dead_at_once_and_its_address_is_not_in_the_error(plain):
    plain.recorder.refuse.add("nobody@example.org")
    settings = SmtpSettings(host="127.0.0.1", port=plain.port, security="none")
    with pytest.raises(DeliveryFailed) as failed:
        send(delivery(recipient="nobody@example.org"), settings)
    assert failed.value.permanent and "nobody" not in failed.value.reason
    assert failed.value.reason == "the server refused the recipient (550)"


def test_a_server_that_is_not_there_is_retried():
    with pytest.raises(DeliveryFailed) as failed:
        send(delivery(), SmtpSettings(host="127.0.0.1", port=free_port(), security="none"))
    assert failed.value.reason == "could not reach the SMTP server: ConnectionRefusedError"
    assert not failed.value.permanent


def test_a_kept_connection_the_server_closed_is_opened_again():
    first = start_server()
    settings = SmtpSettings(host="127.0.0.1", port=first.port, security="none")
    send(delivery(key="a"), settings)
    first.stop()  # the kept connection goes with it
    second = start_server(port=first.port)
    try:
        send(delivery(key="b"), settings)
    finally:
        smtp.close()
        second.stop()
    assert [len(first.recorder.received), len(second.recorder.received)] == [1, 1]


def test_without_a_host_e_mail_is_not_configured():
    with pytest.raises(DeliveryFailed) as failed:
        send(delivery(), SmtpSettings())
    assert failed.value.permanent and "SOTESILTA_SMTP_HOST" in failed.value.reason


def test_a_login_needs_both_halves_and_an_encrypted_connection():
    with pytest.raises(ValueError, match="SOTESILTA_SMTP_PASSWORD"):
        SmtpSettings(host="x", username="u")
    with pytest.raises(ValueError, match="in the clear"):
        SmtpSettings(host="x", username="u", password="p", security="none")
