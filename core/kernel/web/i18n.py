"""Languages of the pages: gettext catalogues read at run time, language choice, dates.

The catalogues are the ``.po`` files under ``locale/`` (package data). They are
compiled in memory on first use (babel reads the ``.po`` and writes a ``.mo``
into a buffer), so no build step is needed and an editable install and a wheel
behave alike. Message ids are English; Finnish is the default language.

A plugin ships its own catalogue (``locale/<lang>/LC_MESSAGES/messages.po`` beside its
module); the pages' template environment carries the plugins' catalogues
(``Catalogues``), merged with core's for each language: core's messages win, then the
plugins' in registration order.
"""

from __future__ import annotations

import gettext as stdlib_gettext
from collections.abc import Callable, Mapping, Sequence
from datetime import date, datetime
from functools import cache
from importlib.resources import files
from io import BytesIO
from pathlib import Path
from typing import Any

from babel.dates import format_date, format_datetime
from babel.messages.catalog import Catalog
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.numbers import format_decimal, format_percent
from babel.support import Translations
from jinja2 import pass_context
from jinja2.runtime import Context
from markupsafe import Markup

from sotesilta.core.kernel.clock import HELSINKI

LANGUAGES = ("fi", "sv", "en")
#: each language named in itself, for the switcher
LANGUAGE_NAMES = {"fi": "Suomi", "sv": "Svenska", "en": "English"}
#: Finnish conventions in every language: d.M.yyyy and H.mm, Europe/Helsinki
LOCALES = {"fi": "fi_FI", "sv": "sv_FI", "en": "en_GB"}
LANGUAGE_COOKIE = "sotesilta_lang"
#: the name under which a template environment carries its ``Catalogues``
CATALOGUES = "sotesilta_catalogues"
#: a calendar day (``Dates`` has a method named ``date``)
Day = date


def N_(message: str) -> str:
    """Mark a message for extraction; it is translated where it is shown."""
    return message


def N_plural(singular: str, plural: str) -> tuple[str, str]:
    """Mark a message that counts (``%(num)s``) for extraction with its plural; it is
    translated where it is shown, with ``ngettext`` and the count."""
    return singular, plural


def _read(source: Any, language: str) -> Catalog:
    with source.open("rb") as po:
        return read_po(po, locale=language)


def _compiled(catalog: Catalog) -> stdlib_gettext.NullTranslations:
    compiled = BytesIO()
    write_mo(compiled, catalog)  # fuzzy entries are left out, as msgfmt does
    compiled.seek(0)
    return Translations(fp=compiled, domain="messages")


def _core_catalog(language: str) -> Catalog:
    return _read(
        files("sotesilta.core.kernel.web") / "locale" / language / "LC_MESSAGES" / "messages.po", language
    )


@cache
def translations(language: str, plugin_locales: tuple[Path, ...] = ()) -> stdlib_gettext.NullTranslations:
    """The catalogue of ``language``: core's, merged with the ``.po`` files of the plugins'
    ``locale/`` folders given (core's messages first, then the plugins' in order); an
    unknown language falls back to the message ids."""
    if language not in LANGUAGES:
        return stdlib_gettext.NullTranslations()
    catalog = _core_catalog(language)
    for locale in plugin_locales:
        source = locale / language / "LC_MESSAGES" / "messages.po"
        if not source.is_file():
            continue
        for message in _read(source, language):
            if message.id and catalog.get(message.id) is None:
                catalog[message.id] = message
    return _compiled(catalog)


class Catalogues:
    """Core's catalogue with the plugins' merged in, per language: what a template
    environment carries (under ``CATALOGUES``) for its pages' ``_()``."""

    def __init__(self, plugin_locales: Sequence[Path] = ()) -> None:
        self.plugin_locales = tuple(plugin_locales)

    def get(self, language: str) -> stdlib_gettext.NullTranslations:
        return translations(language, self.plugin_locales)


def _catalogue(context: Context, language: str) -> stdlib_gettext.NullTranslations:
    catalogues = context.environment.globals.get(CATALOGUES)
    return catalogues.get(language) if isinstance(catalogues, Catalogues) else translations(language)


def gettext_callables(language: str) -> dict[str, Callable[..., Any]]:
    """``_``, ``gettext`` and ``ngettext`` for one request's templates.

    They behave like Jinja's "new style" gettext: the result is marked safe
    only after ``%(name)s`` placeholders are filled with escaped values, so a
    translation cannot smuggle markup through a variable. The catalogue is the
    template environment's (core's and the plugins'), else core's.
    """

    @pass_context
    def gettext(context: Context, message: str, **variables: Any) -> str:
        text = _catalogue(context, language).gettext(message)
        if context.eval_ctx.autoescape:
            text = Markup(text)  # noqa: S704  (our own catalogue, as Jinja's i18n does; values are escaped by %)
        return text % variables if variables else text

    @pass_context
    def ngettext(context: Context, singular: str, plural: str, num: int, **variables: Any) -> str:
        text = _catalogue(context, language).ngettext(singular, plural, num)
        if context.eval_ctx.autoescape:
            text = Markup(text)  # noqa: S704  (our own catalogue, as Jinja's i18n does; values are escaped by %)
        return text % {"num": num, **variables}

    return {"_": gettext, "gettext": gettext, "ngettext": ngettext}


def translate(language: str, message: str, *, catalogues: Catalogues | None = None, **variables: Any) -> str:
    """A message translated in Python code (e.g. a redirect's flash text); a plugin's
    message needs the ``catalogues`` that carry it."""
    catalogue = catalogues.get(language) if catalogues is not None else translations(language)
    text = catalogue.gettext(message)
    return text % variables if variables else text


def _accepted(header: str) -> list[str]:
    """Language tags of an Accept-Language header, most wanted first."""
    weighted = []
    for position, part in enumerate(header.split(",")[:20]):
        tag, _, params = part.strip().partition(";")
        quality = 1.0
        if params.strip().startswith("q="):
            try:
                quality = float(params.strip()[2:])
            except ValueError:
                quality = 0.0
        if tag and quality > 0:
            weighted.append((-quality, position, tag.strip().lower()))
    return [tag for _, _, tag in sorted(weighted)]


def choose_language(
    *, cookie: str | None, user_language: str | None, accept_language: str, default: str
) -> str:
    """The language cookie, else the signed-in user's stored preference, else the
    browser's Accept-Language, else the deployment's default (Finnish).

    The cookie comes first because login sets it to the user's preference and
    every change sets both: so a change shows at once on every server
    instance, whose cached profiles may be up to 15 seconds old."""
    for candidate in (cookie, user_language):
        if candidate in LANGUAGES:
            return candidate
    for tag in _accepted(accept_language):
        primary = tag.split("-")[0]
        if primary in LANGUAGES:
            return primary
    return default if default in LANGUAGES else "fi"


class Dates:
    """Times shown to people: Europe/Helsinki, Finnish conventions, in one language."""

    def __init__(self, language: str) -> None:
        self.locale = LOCALES.get(language, LOCALES["fi"])

    def _format(self, value: datetime, pattern: str) -> str:
        return format_datetime(value.astimezone(HELSINKI), pattern, locale=self.locale)

    def date(self, value: datetime) -> str:
        """e.g. ``ti 3.3.2026``"""
        return self._format(value, "EEE d.M.yyyy")

    def long_date(self, value: datetime) -> str:
        """e.g. ``tiistai 3.3.2026``"""
        return self._format(value, "EEEE d.M.yyyy")

    def time(self, value: datetime) -> str:
        """e.g. ``9.00``"""
        return self._format(value, "H.mm")

    def iso(self, value: datetime) -> str:
        """For ``<time datetime=…>``: the instant with its Helsinki offset."""
        return value.astimezone(HELSINKI).isoformat(timespec="minutes")

    def day(self, value: Day) -> str:
        """A calendar day (no time of day), e.g. ``tiistai 3.3.2026``"""
        return format_date(value, "cccc d.M.yyyy", locale=self.locale)

    def numeric_day(self, value: Day) -> str:
        """e.g. ``3.3.2026``: where a word inflects the day ("3.3.2026 alkaen"), which a
        weekday's name would have to follow ("tiistaista alkaen"), or the weekday is said
        beside it."""
        return format_date(value, "d.M.yyyy", locale=self.locale)

    def short_day(self, value: Day) -> str:
        """e.g. ``ti 3.3.``"""
        return format_date(value, "ccc d.M.", locale=self.locale)

    def period(self, label: str) -> str:
        """A statistics period: ``2026-03`` as the month's name and year; others as they are."""
        year, _, month = label.partition("-")
        if year.isdigit() and month.isdigit():
            return format_date(date(int(year), int(month), 1), "LLLL yyyy", locale=self.locale)
        return label


class Numbers:
    """Figures in a language's conventions (a decimal comma in Finnish and Swedish)."""

    def __init__(self, language: str) -> None:
        self.locale = LOCALES.get(language, LOCALES["fi"])

    def decimal(self, value: float) -> str:
        return format_decimal(value, format="#,##0.#", locale=self.locale)

    def percent(self, value: float, *, signed: bool = False) -> str:
        text = format_percent(value, format="#,##0.# %", locale=self.locale)
        return f"+{text}" if signed and value > 0 else text


def template_context(language: str) -> Mapping[str, Any]:
    """What every template gets for its language."""
    return {
        **gettext_callables(language),
        "lang": language,
        "dates": Dates(language),
        "numbers": Numbers(language),
        # a title given in the three languages (a plugin's report, a municipality)
        "in_language": lambda title: getattr(title, language, None) or title.fi,
        "language_names": LANGUAGE_NAMES,
    }
