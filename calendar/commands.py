"""``sotesilta calendars``: refresh linked external calendars. Being written."""

from __future__ import annotations

import click


@click.group("calendars", help="Linked external calendars (busy times in).")
def calendars_group() -> None:
    pass
