"""The pages' languages: catalogues complete and consistent (core's, and each built-in plugin's
own), language choice, Helsinki times."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from importlib.resources import files
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po
from support import REPO_ROOT

from sotesilta.core.kernel.plugins.manager import load_plugins
from sotesilta.core.kernel.web.i18n import LANGUAGES, Catalogues, Dates, choose_language, translate

CORE = REPO_ROOT / "core"
#: the shell's folder: the catalogues of every core page
WEB = CORE / "kernel" / "web"
#: the built-in plugins with pages: each carries its own catalogue (its own ``locale/``)
PLUGINS = {"consent": REPO_ROOT / "consent", "calendar": REPO_ROOT / "calendar"}
METHODS = [("**/templates/**.html", "jinja2"), ("**.py", "python")]
OPTIONS = {"**/templates/**.html": {"extensions": "jinja2.ext.i18n"}}


def used_messages(folder: Path = CORE) -> set[str]:
    keywords = {"_": None, "gettext": None, "ngettext": (1, 2), "N_": None, "N_plural": (1, 2)}
    found = set()
    for _file, _line, message, _comments, _context in extract_from_dir(
        str(folder), METHODS, OPTIONS, keywords=keywords
    ):
        found.add(message if isinstance(message, str) else message[0])
    return found


def singular(message_id: str | tuple[str, ...]) -> str:
    """A message's id; a plural message (``ngettext``) is known by its singular."""
    return message_id if isinstance(message_id, str) else message_id[0]


def catalogue(language: str, folder: Path = WEB):  # type: ignore[no-untyped-def]
    with (folder / "locale" / language / "LC_MESSAGES" / "messages.po").open("rb") as po:
        return read_po(po, locale=language)


def test_the_pages_use_messages_at_all():
    # guards the test below against an extractor that finds nothing
    assert {"Log in", "Book guidance", "Choose at least one reason."} <= used_messages()


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_message_of_the_pages_is_in_each_catalogue(language):
    messages = {singular(m.id) for m in catalogue(language) if m.id}
    missing = used_messages() - messages
    assert not missing, f"run pybabel extract/update (docs/operators.md); missing in {language}: {missing}"
    unused = messages - used_messages()
    assert not unused, f"obsolete messages in {language}: {unused}"


@pytest.mark.parametrize("language", ["fi", "sv"])
def test_finnish_and_swedish_are_fully_translated_with_the_same_placeholders(language):
    po = catalogue(language)
    # a plural message is translated when every one of its forms is
    untranslated = [m.id for m in po if m.id and (not all(m.string) or not m.string or m.fuzzy)]
    assert not untranslated, untranslated
    problems = [(m.id, [str(e) for e in errors]) for m, errors in po.check()]
    assert not problems, problems


#: a figure followed by what it counts ("%(num)s sessions", "%(days)s days"): the message
#: needs the language's plural forms, which only ``ngettext`` gives ("1 vastaanotto",
#: "2 vastaanottoa"; "1 mottagning", "2 mottagningar")
_NOT_A_NOUN = r"(?!(?:has|was|is|were|are|as|of|at|to|and|or|in|on|for|by|with|from|this|its)\b)"
COUNTED = re.compile(rf"%\((\w+)\)[sd] (?:{_NOT_A_NOUN}[a-z-]+ ){{0,2}}{_NOT_A_NOUN}([a-z]+s)\b")


def needs_plural_forms(message_id: str) -> bool:
    return COUNTED.search(message_id) is not None


def test_the_plural_check_knows_a_count_from_other_figures():
    assert needs_plural_forms("The rule was saved: %(num)s sessions were made.")
    assert needs_plural_forms("no contact for %(days)s days")
    assert needs_plural_forms("The station has %(num)s booked visits ahead.")
    assert not needs_plural_forms("Number %(number)s called.")
    assert not needs_plural_forms("Client no. %(client)s has no consent")
    assert not needs_plural_forms("%(booked)s of %(slots)s")


@pytest.mark.parametrize("folder", [WEB, *PLUGINS.values()], ids=["core", *PLUGINS])
@pytest.mark.parametrize("language", ["fi", "sv"])
def test_a_message_that_counts_something_has_its_plural_forms(folder, language):
    singular_only = [m.id for m in catalogue(language, folder) if m.id and not m.pluralizable]
    lacking = [message for message in singular_only if needs_plural_forms(message)]
    assert not lacking, f"use ngettext (and give {language}'s plural forms) for: {lacking}"


@pytest.mark.parametrize("plugin", sorted(PLUGINS))
def test_a_built_in_plugins_pages_use_messages_of_their_own(plugin):
    # guards the tests below: the plugins' pages are translated, through their own catalogue
    assert len(used_messages(PLUGINS[plugin])) > 20


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("plugin", sorted(PLUGINS))
def test_every_message_of_a_plugins_pages_is_in_its_own_catalogue(plugin, language):
    used = used_messages(PLUGINS[plugin])
    messages = {singular(m.id) for m in catalogue(language, PLUGINS[plugin]) if m.id}
    missing = used - messages
    assert not missing, f"missing in {plugin}/locale/{language}: {missing}"
    unused = messages - used
    assert not unused, f"obsolete messages in {plugin}/locale/{language}: {unused}"


@pytest.mark.parametrize("language", ["fi", "sv"])
@pytest.mark.parametrize("plugin", sorted(PLUGINS))
def test_a_plugins_finnish_and_swedish_are_fully_translated_with_the_same_placeholders(plugin, language):
    po = catalogue(language, PLUGINS[plugin])
    # a plural message is translated when every one of its forms is
    untranslated = [m.id for m in po if m.id and (not all(m.string) or not m.string or m.fuzzy)]
    assert not untranslated, untranslated
    problems = [(m.id, [str(e) for e in errors]) for m, errors in po.check()]
    assert not problems, problems


def test_the_pages_catalogue_merges_the_plugins_with_core_first():
    catalogues = Catalogues([r.locale for r in load_plugins().resources() if r.locale is not None])
    # a consent page's message, from the consent plugin's catalogue
    assert translate("sv", "Another client", catalogues=catalogues) == "En annan klient"
    assert translate("sv", "Another client") == "Another client"  # core alone does not carry it
    # core's messages stay core's
    assert translate("fi", "Log in", catalogues=catalogues) == "Kirjaudu sisään"


def test_the_installed_package_carries_the_catalogues_and_templates():
    web = files("sotesilta.core.kernel.web")
    for language in LANGUAGES:
        assert (web / "locale" / language / "LC_MESSAGES" / "messages.po").is_file()
    assert (web / "templates" / "base.html").is_file() and (web / "static" / "site.css").is_file()
    assert (files("sotesilta.core.scheduling") / "templates" / "book.html").is_file()
    for package, template in (("sotesilta.consent", "consent.html"), ("sotesilta.calendar", "feeds.html")):
        assert (files(package) / "templates" / template).is_file()
        for language in LANGUAGES:
            assert (files(package) / "locale" / language / "LC_MESSAGES" / "messages.po").is_file()


def test_catalogues_load_at_run_time_without_a_compile_step():
    assert translate("fi", "Log in") == "Kirjaudu sisään"
    assert translate("sv", "Log in") == "Logga in"
    assert translate("en", "Log in") == "Log in"
    assert (
        translate("sv", "The user %(username)s was added.", username="eeva") == "Användaren eeva lades till."
    )
    assert not any(Path(str(files("sotesilta.core.kernel.web"))).rglob("*.mo"))


@pytest.mark.parametrize(
    ("cookie", "user", "header", "expected"),
    [
        (None, None, "", "fi"),  # Finnish by default
        (None, None, "de-DE, en;q=0.3", "en"),
        (None, None, "en;q=0.3, sv-FI;q=0.8", "sv"),
        (None, None, "sv;q=0, en;q=0.1", "en"),  # q=0 means "not this"
        (None, None, "fi;q=nonsense, sv", "sv"),
        (None, "sv", "en", "sv"),  # the user's preference over the browser's
        ("en", "sv", "fi", "en"),  # the cookie, set at login and on every change, first
        ("xx", None, "", "fi"),
    ],
)
def test_the_language_is_chosen_in_order(cookie, user, header, expected):
    assert (
        choose_language(cookie=cookie, user_language=user, accept_language=header, default="fi") == expected
    )


def test_times_are_shown_in_helsinki_in_finnish_formats_across_daylight_saving():
    winter = datetime(2026, 3, 28, 7, 0, tzinfo=UTC)  # Saturday, UTC+2
    summer = datetime(2026, 3, 29, 7, 0, tzinfo=UTC)  # Sunday, after the change: UTC+3
    fi = Dates("fi")
    assert (fi.date(winter), fi.time(winter)) == ("la 28.3.2026", "9.00")
    assert (fi.date(summer), fi.time(summer)) == ("su 29.3.2026", "10.00")
    assert Dates("sv").long_date(summer) == "söndag 29.3.2026"
    assert Dates("en").date(summer) == "Sun 29.3.2026"
    assert fi.iso(summer) == "2026-03-29T10:00+03:00"
