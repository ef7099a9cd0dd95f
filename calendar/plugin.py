"""Built-in plugin: iCal feeds and invitations out, busy times in.

This folder is the ``sotesilta.calendar`` package. It has no ``__init__.py`` on
purpose: run from the repository root, a regular ``calendar`` package would
shadow the standard library's ``calendar`` (and break ``http.cookiejar``).
So far it contributes the feed privacy modes; feeds arrive with the calendar
issue, through the same hooks.
"""

from __future__ import annotations

from sotesilta.core.plugins import hookimpl
from sotesilta.core.plugins.registry import CodeListRegister

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
