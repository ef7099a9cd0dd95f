"""A delivery channel for the outbox's tests: a plugin that keeps what it is given, or fails
as told. (The real channels, e-mail and SMS, are tested against real servers.)"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sotesilta.core.kernel.plugins import hookimpl
from sotesilta.core.kernel.plugins.channels import Delivery, DeliveryFailed
from sotesilta.core.kernel.plugins.manager import Plugins, load_plugins


@dataclass(eq=False)  # pluggy tells plugins apart by equality
class Keeper:
    name: str = "test"
    sent: list[Delivery] = field(default_factory=list)
    #: raised on each delivery while set
    failure: Exception | None = None

    @hookimpl
    def sotesilta_register_channels(self, register: Any) -> None:
        register(self.name, self.deliver)

    def deliver(self, delivery: Delivery, settings: Any) -> None:
        if self.failure is not None:
            raise self.failure
        self.sent.append(delivery)


def plugins_with(keeper: Keeper) -> Plugins:
    return load_plugins(extra=[(f"channel-{keeper.name}", keeper)])


__all__ = ["DeliveryFailed", "Keeper", "plugins_with"]
