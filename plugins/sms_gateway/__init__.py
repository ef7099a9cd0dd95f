"""SMS through an HTTP gateway: the reference implementation of an SMS provider plugin.

It registers the channel ``sms`` and speaks the HTTP contract in docs/plugins.md (*Writing
a channel*): one ``POST`` of JSON per message, with the message's idempotency key in the
``Idempotency-Key`` header. A provider that speaks another protocol gets a plugin of its
own, written the same way. Configured by ``[sms_gateway]`` (``SOTESILTA_SMS_GATEWAY_*``).
"""

from __future__ import annotations

import re
from typing import Annotated
from urllib.parse import urlsplit

import httpx
from pydantic import Field, SecretStr, field_validator

from sotesilta.core import plugin_api as api

SECTION = "sms_gateway"
CHANNEL = "sms"
LOOPBACK = ("127.0.0.1", "::1", "localhost")
_E164 = re.compile(r"^\+[1-9][0-9]{6,14}$")


class SmsGatewaySettings(api.PluginSettings):
    #: the gateway's address for new messages; unset, no SMS is sent (they go dead)
    url: str | None = None
    #: sent as ``Authorization: Bearer <token>``
    token: SecretStr | None = None
    #: the sender shown on the phone: up to 11 letters and digits, or a number
    sender: Annotated[str, Field(pattern=r"^([A-Za-z0-9 ]{1,11}|\+?[0-9]{3,15})$")] = "Sotesilta"
    timeout_seconds: Annotated[float, Field(gt=0, le=120)] = 15.0

    @field_validator("url")
    @classmethod
    def _https(cls, value: str | None) -> str | None:
        if value is None:
            return None
        parts = urlsplit(value)
        if parts.scheme == "https" or (parts.scheme == "http" and parts.hostname in LOOPBACK):
            return value
        raise ValueError("must start with https:// (http:// only to this machine)")


def e164(phone: str) -> str:
    """A Finnish or international number as E.164: ``040 123 4567`` is ``+358401234567``."""
    digits = re.sub(r"[\s\-().]", "", phone)
    if digits.startswith("00"):
        digits = "+" + digits[2:]
    elif digits.startswith("0"):
        digits = "+358" + digits[1:]
    if not _E164.match(digits):
        raise api.DeliveryFailed("the phone number is not one an SMS can go to", permanent=True)
    return digits


def deliver(delivery: api.Delivery, settings: api.SettingsLookup) -> None:
    config: SmsGatewaySettings = settings(SmsGatewaySettings)
    if config.url is None:
        raise api.DeliveryFailed("SMS is not configured (SOTESILTA_SMS_GATEWAY_URL)", permanent=True)
    headers = {"Idempotency-Key": delivery.idempotency_key}
    if config.token is not None:
        headers["Authorization"] = f"Bearer {config.token.get_secret_value()}"
    body = {
        "to": e164(delivery.recipient),
        "from": config.sender,
        "text": delivery.body,
        "reference": str(delivery.id),
    }
    try:
        answer = httpx.post(config.url, json=body, headers=headers, timeout=config.timeout_seconds)
    except httpx.HTTPError as exc:
        raise api.DeliveryFailed(f"could not reach the SMS gateway: {type(exc).__name__}") from exc
    status = answer.status_code
    # 409: this key was accepted before (a retry after a lost answer): delivered
    if 200 <= status < 300 or status == 409:
        return
    raise api.DeliveryFailed(
        f"the SMS gateway answered {status}", permanent=400 <= status < 500 and status not in (408, 429)
    )


@api.hookimpl
def sotesilta_register_settings(register: api.SettingsRegister) -> None:
    register(SECTION, SmsGatewaySettings)


@api.hookimpl
def sotesilta_register_channels(register: api.ChannelRegister) -> None:
    register(CHANNEL, deliver)
