"""What the page handlers share."""

from __future__ import annotations

from typing import Any

from litestar import Request

from sotesilta.core.kernel.principals import Role
from sotesilta.core.kernel.web.rendering import language_of, runtime_of
from sotesilta.core.kernel.web.security import EXCLUDE_FROM_AUTH, requires_role

#: ``opt`` of a page anyone may open (login, language, the client's own page)
PUBLIC = {EXCLUDE_FROM_AUTH: True}
#: pages for those who book: nurses and doctors, and instructors
BOOKERS = [requires_role(Role.HEALTH_STAFF, Role.INSTRUCTOR)]


def is_number(value: str) -> bool:
    """A record's number as typed in a form or an address: ASCII digits only ("²" is a digit too)."""
    return value.isascii() and value.isdigit()


def municipality_choices(request: Request[Any, Any, Any]) -> list[tuple[str, str]]:
    """The signed-in person's municipalities as (code, name in the page's language), by code."""
    registry = runtime_of(request).plugins.municipalities
    swedish = language_of(request) == "sv"
    choices = []
    for code in sorted(request.user.municipalities):
        profile = registry.get(code)
        choices.append((code, code if profile is None else profile.name_sv if swedish else profile.name_fi))
    return choices


def county_choices(request: Request[Any, Any, Any]) -> list[tuple[str, str]]:
    """The signed-in person's wellbeing services counties as (code, name in the page's language)."""
    registry = runtime_of(request).plugins.municipalities
    swedish = language_of(request) == "sv"
    names = {p.county.code: p.county.name_sv if swedish else p.county.name_fi for p in registry.all()}
    return [(code, names.get(code, code)) for code in sorted(request.user.counties)]


def county_of(request: Request[Any, Any, Any], municipality: str) -> str:
    """The code of the municipality's county ("" when it is not registered)."""
    profile = runtime_of(request).plugins.municipalities.get(municipality)
    return "" if profile is None else profile.county.code


ADMINS = [requires_role(Role.ADMIN)]


INSTRUCTORS = [requires_role(Role.INSTRUCTOR)]

#: those who plan sessions and absences: admins, and instructors for themselves
SCHEDULERS = [requires_role(Role.ADMIN, Role.INSTRUCTOR)]
