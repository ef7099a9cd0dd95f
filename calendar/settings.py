"""The calendar plugin's settings section, ``[calendar]``: where external calendars may be
fetched from, how much and how long.

Read, as core's settings, from the environment (``SOTESILTA_CALENDAR_ALLOWED_ORIGINS``,
``SOTESILTA_CALENDAR_FETCH_MAX_BYTES``, ``SOTESILTA_CALENDAR_FETCH_TIMEOUT_SECONDS``,
``SOTESILTA_CALENDAR_INVITATION_ORGANIZER``) over the TOML settings file's table ``[calendar]``
(``allowed_origins``, ``fetch_max_bytes``, ``fetch_timeout_seconds``,
``invitation_organizer``) over the defaults below; validated at start-up.
"""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import Field, field_validator
from pydantic_settings import NoDecode

from sotesilta.core.plugin_api import PluginSettings

SECTION = "calendar"


class CalendarSettings(PluginSettings):
    #: external calendars (busy times in) are fetched only from these origins,
    #: e.g. "https://outlook.office365.com,https://calendar.google.com"
    allowed_origins: Annotated[tuple[str, ...], NoDecode] = ()
    fetch_max_bytes: int = Field(default=2_000_000, ge=10_000, le=50_000_000)
    fetch_timeout_seconds: float = Field(default=10.0, gt=0, le=120)
    #: the ORGANIZER of workers' calendar invitations: the address the e-mail comes from
    #: (``SOTESILTA_SMTP_SENDER``'s), never a worker's own, or calendar apps take the event
    #: for one the worker organised
    invitation_organizer: str = Field(default="sotesilta@localhost", pattern=r"^[^@\s<>]+@[^@\s<>]+$")

    @field_validator("allowed_origins", mode="before")
    @classmethod
    def _split_origins(cls, value: Any) -> Any:
        if isinstance(value, str):
            value = tuple(o.strip() for o in value.split(",") if o.strip())
        for origin in value:
            if not str(origin).startswith(("http://", "https://")) or str(origin).count("/") != 2:
                raise ValueError(f"{origin!r} is not an origin like https://calendar.example.org")
        return tuple(str(o).lower() for o in value)
