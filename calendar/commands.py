"""``sotesilta calendars``: refresh linked external calendars (run by cron)."""

from __future__ import annotations

import sys

import click

from sotesilta.calendar import external
from sotesilta.calendar.settings import CalendarSettings
from sotesilta.core.plugin_api import open_runtime


@click.group("calendars", help="Linked external calendars (busy times in).")
def calendars_group() -> None:
    pass


@calendars_group.command(
    "refresh",
    help="Fetch every linked calendar URL again and replace its busy times (run e.g. every 30 minutes).",
)
def refresh() -> None:
    with open_runtime() as runtime:
        summary = external.refresh_all(
            runtime.uow, limits=external.fetch_limits(runtime.plugins.settings(CalendarSettings))
        )
    click.echo(
        f"external calendars: {summary.refreshed} refreshed ({summary.busy_blocks} busy times), "
        f"{summary.failed} failed"
    )
    for calendar_id, error in summary.errors:
        click.secho(f"calendar {calendar_id}: {error}", fg="red", err=True)
    if summary.failed:
        sys.exit(1)
