"""Built-in plugin: iCal feeds and invitations out, busy times in.

This folder is the ``sotesilta.calendar`` package. It has no ``__init__.py`` on
purpose: run from the repository root, a regular ``calendar`` package would
shadow the standard library's ``calendar`` (and break ``http.cookiejar``).
It contributes the feed privacy modes, the feed and invitation routes
(``feed_routes``), the external-calendar routes (``external_routes``), the
instructor's subscription page (``web_routes``, with its ``templates/`` and
``locale/`` beside this module), its settings section ``[calendar]``
(``settings``), the ``sotesilta calendars`` commands, and the workers' calendar invitations
(``worker_invitations``: iMIP e-mail written in the booking's own transaction).
"""

from __future__ import annotations

from sotesilta.calendar import tables  # noqa: F401  (its tables join the metadata whenever the plugin loads)
from sotesilta.calendar.settings import SECTION, CalendarSettings
from sotesilta.core.plugin_api import (
    CodeListRegister,
    CommandRegister,
    DomainEvent,
    EventKind,
    RouteRegister,
    SettingsRegister,
    hookimpl,
)
from sotesilta.core.plugin_api.data import UnitOfWork

FEED_PRIVACY_MODES: dict[str, dict[str, str]] = {
    "busy_only": {"fi": "Vain varattu-aika", "sv": "Endast upptagen", "en": "Busy only"},
    "pseudonymous": {
        "fi": "Pseudonyymi (ei nimiä)",
        "sv": "Pseudonym (inga namn)",
        "en": "Pseudonymous (no names)",
    },
}


@hookimpl
def sotesilta_register_code_lists(register: CodeListRegister) -> None:
    for code, labels in FEED_PRIVACY_MODES.items():
        register("feed_privacy_mode", code, labels)


@hookimpl
def sotesilta_register_routes(register: RouteRegister) -> None:
    from sotesilta.calendar import external_routes, feed_routes, web_routes

    for route in (*feed_routes.ROUTES, *external_routes.ROUTES):
        register(route)
    register(web_routes.pages())


@hookimpl
def sotesilta_register_commands(register: CommandRegister) -> None:
    from sotesilta.calendar.commands import calendars_group

    register(calendars_group)


@hookimpl
def sotesilta_register_settings(register: SettingsRegister) -> None:
    register(SECTION, CalendarSettings)


_BOOKING_EVENTS = frozenset(
    {EventKind.BOOKING_CREATED, EventKind.BOOKING_RESCHEDULED, EventKind.BOOKING_CANCELLED}
)


@hookimpl
def sotesilta_event_in_transaction(uow: UnitOfWork, event: DomainEvent) -> None:
    if event.kind in _BOOKING_EVENTS:
        from sotesilta.calendar.worker_invitations import on_booking_event

        on_booking_event(uow, event)
