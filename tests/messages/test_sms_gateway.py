"""The reference SMS provider plugin against an HTTP server started here (the provider's
side of the documented contract: http.server in a thread, on 127.0.0.1)."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from sotesilta.core.kernel.plugins.channels import Delivery, DeliveryFailed
from sotesilta.core.kernel.plugins.manager import load_plugins
from sotesilta.plugins import sms_gateway
from sotesilta.plugins.sms_gateway import SmsGatewaySettings, e164

TOKEN = "gateway-token"


@dataclass
class Gateway:
    """A provider: accepts each Idempotency-Key once (409 after), answers ``status`` if set."""

    url: str = ""
    requests: list[dict[str, Any]] = field(default_factory=list)
    accepted: set[str] = field(default_factory=set)
    status: int | None = None


@pytest.fixture
def gateway() -> Iterator[Gateway]:
    state = Gateway()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
            state.requests.append({"headers": dict(self.headers), "body": body, "path": self.path})
            if self.headers.get("Authorization") != f"Bearer {TOKEN}":
                code = 401
            elif state.status is not None:
                code = state.status
            elif self.headers["Idempotency-Key"] in state.accepted:
                code = 409
            else:
                state.accepted.add(self.headers["Idempotency-Key"])
                code = 202
            answer = json.dumps({"id": f"sms-{len(state.requests)}"}).encode()
            self.send_response(code)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(answer)))
            self.end_headers()
            self.wfile.write(answer)

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    state.url = f"http://127.0.0.1:{server.server_address[1]}/v1/messages"
    yield state
    server.shutdown()
    server.server_close()


def delivery(key: str = "booking:1:reminder", phone: str = "040 123 4567") -> Delivery:
    return Delivery(
        id=7,
        county="03",
        kind="booking-reminder",
        recipient=phone,
        subject="",
        body="Muistutus: aikasi huomenna klo 9.00",
        language="fi",
        idempotency_key=key,
        attempt=1,
    )


def send(d: Delivery, settings: SmsGatewaySettings) -> None:
    sms_gateway.deliver(d, lambda model: settings)


def settings_for(gateway: Gateway, **changes: Any) -> SmsGatewaySettings:
    return SmsGatewaySettings(**({"url": gateway.url, "token": TOKEN} | changes))


def test_a_message_is_posted_as_the_contract_says(gateway):
    send(delivery(), settings_for(gateway))
    [request] = gateway.requests
    assert request["path"] == "/v1/messages"
    assert request["headers"]["Idempotency-Key"] == "booking:1:reminder"
    assert request["headers"]["Content-Type"] == "application/json"
    assert request["body"] == {
        "to": "+358401234567",
        "from": "Sotesilta",
        "text": "Muistutus: aikasi huomenna klo 9.00",
        "reference": "7",
    }


def test_a_retry_the_gateway_has_seen_counts_as_delivered(gateway):
    send(delivery(), settings_for(gateway))
    send(delivery(), settings_for(gateway))  # the first answer was lost, say: 409 from the gateway
    assert len(gateway.requests) == 2 and gateway.accepted == {"booking:1:reminder"}


@pytest.mark.parametrize(
    ("status", "permanent"), [(500, False), (503, False), (429, False), (400, True), (422, True)]
)
def test_the_gateways_answers_decide_retry_or_dead(gateway, status, permanent):
    gateway.status = status
    with pytest.raises(DeliveryFailed) as failed:
        send(delivery(), settings_for(gateway))
    assert (failed.value.reason, failed.value.permanent) == (f"the SMS gateway answered {status}", permanent)


def test_a_wrong_token_is_not_accepted(gateway):
    with pytest.raises(DeliveryFailed, match="answered 401"):
        send(delivery(), settings_for(gateway, token="wrong"))


def test_a_gateway_not_there_is_retried(gateway):
    with pytest.raises(DeliveryFailed) as failed:
        send(delivery(), settings_for(gateway, url="http://127.0.0.1:9/v1/messages"))
    assert (
        failed.value.reason == "could not reach the SMS gateway: ConnectError" and not failed.value.permanent
    )


def test_a_number_no_sms_can_reach_is_dead_without_a_request(gateway):
    with pytest.raises(DeliveryFailed) as failed:
        send(delivery(phone="12"), settings_for(gateway))
    assert failed.value.permanent and gateway.requests == []


def test_the_gateway_is_reached_over_https_only_but_on_this_machine():
    with pytest.raises(ValueError, match="https"):
        SmsGatewaySettings(url="http://sms.example.fi/v1")
    assert SmsGatewaySettings(url="https://sms.example.fi/v1").url == "https://sms.example.fi/v1"


def test_without_a_url_sms_is_not_configured():
    with pytest.raises(DeliveryFailed, match="SOTESILTA_SMS_GATEWAY_URL") as failed:
        send(delivery(), SmsGatewaySettings())
    assert failed.value.permanent


def test_the_plugin_registers_the_sms_channel():
    assert load_plugins().channels.get("sms") is sms_gateway.deliver


@given(st.from_regex(r"^0[1-9][0-9]{5,9}$", fullmatch=True))
def test_finnish_numbers_become_e164(number):
    spaced = " ".join([number[:3], number[3:6], number[6:]]).strip()
    assert e164(spaced) == "+358" + number[1:]
    assert e164("00358" + number[1:]) == "+358" + number[1:]
