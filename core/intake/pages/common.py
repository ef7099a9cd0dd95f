"""What the public pages share: the text variant a reader asked for, and the switch
between the variants.

The variant comes from ``?lang=`` (fi, fi-x-selko, sv, en), so a link can send a reader
straight to the plain-language page; without it, the reader's language (cookie or
browser). The switch is a list of plain links: no form, no cookie, bookmarkable.
"""

from __future__ import annotations

from typing import Any

from litestar import Request

from sotesilta.core.intake.domain import PLAIN_FINNISH, VARIANTS
from sotesilta.core.kernel.web.rendering import language_of

#: each variant named in its own language (plain Finnish in plain Finnish)
VARIANT_NAMES = {"fi": "Suomi", PLAIN_FINNISH: "Selkosuomi", "sv": "Svenska", "en": "English"}


def variant_of(request: Request[Any, Any, Any], wanted: str | None) -> str:
    if wanted in VARIANTS:
        return str(wanted)
    return language_of(request)


def variant_links(path: str, current: str) -> list[tuple[str, str, str, bool]]:
    """(href, name, lang attribute, is current) for the switch."""
    return [
        (f"{path}?lang={code}", name, "fi" if code == PLAIN_FINNISH else code, code == current)
        for code, name in VARIANT_NAMES.items()
    ]
