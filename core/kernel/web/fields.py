"""Field types of the API's request bodies that JSON has no native form for."""

from __future__ import annotations

from datetime import time
from typing import Annotated

from msgspec import Meta

#: A time of day as people write it, "09:00" or "09:00:30" (msgspec's own ``time`` wants
#: the seconds); read with ``clock_time``. Documented as an OpenAPI ``time`` with the pattern.
ClockTime = Annotated[
    str,
    Meta(
        pattern=r"^([01][0-9]|2[0-3]):[0-5][0-9](:[0-5][0-9](\.[0-9]{1,6})?)?$",
        examples=["09:00"],
        extra_json_schema={"extra": {"format": "time"}},
    ),
]


def clock_time(value: str) -> time:
    """A ``ClockTime`` as a ``time`` (its pattern has already been checked)."""
    return time.fromisoformat(value)
