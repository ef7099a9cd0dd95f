"""Delivery channels (e-mail, SMS, ...), registered by plugins through
``sotesilta_register_channels``; the message worker hands each message to its channel."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol, TypeVar

from sotesilta.core.kernel.errors import InputInvalid

S = TypeVar("S")

#: ``plugins.settings``: a plugin's validated settings section, by its model
SettingsLookup = Callable[[type[Any]], Any]


@dataclass(frozen=True)
class Delivery:
    """One message as its channel sends it: opened, with its idempotency key."""

    id: int
    county: str
    kind: str
    recipient: str
    subject: str
    body: str
    language: str
    #: stable across every attempt of this message: a channel passes it on (an e-mail's
    #: Message-ID, a provider's idempotency header) so that the receiver can drop a duplicate
    idempotency_key: str
    #: this attempt's number, from 1
    attempt: int
    #: an iCalendar object to send beside the body (iMIP, RFC 6047), or ``None``; a channel
    #: that cannot carry one sends the body alone
    calendar: str | None = None


class DeliveryFailed(Exception):
    """The channel could not deliver. ``permanent``: retrying cannot help (a refused address),
    so the message goes straight to the dead letters. The text is shown to the county's
    admins: it must not contain the recipient or the message."""

    def __init__(self, reason: str, *, permanent: bool = False) -> None:
        super().__init__(reason)
        self.reason = reason
        self.permanent = permanent


class Channel(Protocol):
    def __call__(self, delivery: Delivery, settings: SettingsLookup) -> None:
        """Deliver or raise ``DeliveryFailed``; ``settings(Model)`` reads a settings section."""
        ...


#: ``register(name, channel)``
ChannelRegister = Callable[[str, Channel], None]


@dataclass(frozen=True)
class RegisteredChannel:
    name: str
    channel: Channel
    plugin: str


class ChannelRegistry:
    """Channels by name; a name registered twice stops start-up."""

    def __init__(self) -> None:
        self._by_name: dict[str, RegisteredChannel] = {}

    def register(self, name: str, channel: Channel, *, plugin: str) -> None:
        if not isinstance(name, str) or not name.isascii() or not name.isidentifier():
            raise InputInvalid(f"plugin {plugin!r} registered the channel name {name!r}: use letters and '_'")
        if not callable(channel):
            raise InputInvalid(
                f"plugin {plugin!r} registered channel {name!r} as {channel!r}, not a callable"
            )
        existing = self._by_name.get(name)
        if existing is not None:
            raise InputInvalid(f"channel {name!r} is registered by both {existing.plugin!r} and {plugin!r}")
        self._by_name[name] = RegisteredChannel(name, channel, plugin)

    def get(self, name: str) -> Channel | None:
        found = self._by_name.get(name)
        return found.channel if found else None

    def names(self) -> list[str]:
        return sorted(self._by_name)
