"""``sotesilta plugin new``: a working municipality plugin package to start from.

The package is a distribution of its own (own pyproject, an entry point in the
group ``sotesilta``), with a profile, a local topic, its part of the demo and
a test, so a municipality that joins later installs it with pip and the
server finds it without any change to the core. It shows, too, how a plugin
owns its resources, found beside its module: a table with its migration (the
plugin's own Alembic branch, depending on core's head of today), a page (a
route and a template extending core's ``base.html``) with its stylesheet, and
its strings in Finnish, Swedish and English (its own catalogue).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from string import Template

from sotesilta.core.kernel import migrate
from sotesilta.core.kernel.errors import InputInvalid
from sotesilta.core.organisations.domain import CountyProfile, Language, MunicipalityProfile, StationProfile

_NAME = re.compile(r"^[a-z][a-z0-9_]{1,39}$")


@dataclass(frozen=True)
class PluginSpec:
    name: str  # the plugin's (and entry point's) name, e.g. "raasepori"
    code: str  # Statistics Finland municipality code
    name_fi: str
    name_sv: str
    county: CountyProfile
    language: Language = Language.FI

    def __post_init__(self) -> None:
        if not _NAME.match(self.name):
            raise InputInvalid(
                "a plugin name is 2-40 lower-case letters, digits or '_', starting with a letter",
                field="name",
            )
        texts = (self.name_fi, self.name_sv, self.county.name_fi, self.county.name_sv)
        if any(c in text for text in texts for c in '"\\\n$'):
            raise InputInvalid(
                "names may not contain quotes, backslashes, '$' or line breaks", field="name_fi"
            )
        # the profile validates codes and names exactly as at start-up
        MunicipalityProfile(self.code, self.name_fi, self.name_sv, self.county)

    @property
    def module(self) -> str:
        return f"sotesilta_{self.name}"

    @property
    def station_key(self) -> str:
        return f"{self.name.replace('_', '-')}-main"

    @property
    def first_revision(self) -> str:
        """The id of the branch's first migration (Alembic keeps at most 32 characters)."""
        return f"{self.name[:27]}_0001"


PYPROJECT = Template("""[build-system]
requires = ["setuptools>=69"]
build-backend = "setuptools.build_meta"

[project]
name = "sotesilta-$dash"
version = "0.1.0"
description = "sotesilta plugin: $name_fi / $name_sv ($code)"
requires-python = ">=3.11"
dependencies = ["sotesilta>=0.1"]

[project.optional-dependencies]
test = ["pytest>=8"]

# the entry point in the group "sotesilta" makes this a plugin; its name is the plugin's name
[project.entry-points.sotesilta]
$name = "$module"

[tool.setuptools]
packages = ["$module", "$module.migrations"]

# the resources sotesilta finds beside the module: templates, static files, catalogues
[tool.setuptools.package-data]
$module = ["templates/*.html", "static/*", "locale/*/LC_MESSAGES/*.po"]
""")

MODULE = Template('''"""$name_fi / $name_sv ($code): the municipality's rules for sotesilta.

Made by `sotesilta plugin new`; see the hook reference in sotesilta's docs/plugins.md.
"""

from __future__ import annotations

from sotesilta.core import plugin_api as api
from $module import pages, tables  # noqa: F401  (its table joins the schema whenever the plugin loads)

# use exactly the county names the other plugins of county $county_code use
#: the county's unit that employs the demo worker; the county's admins own it once made
UNIT = api.UnitProfile("$station_key-unit", "$name_fi: sosiaaliohjaus", "$name_sv: social handledning")
COUNTY = api.CountyProfile("$county_code", "$county_fi", "$county_sv", units=(UNIT,))

MUNICIPALITY = api.MunicipalityProfile(
    code="$code",
    name_fi="$name_fi",
    name_sv="$name_sv",
    county=COUNTY,
    primary_language=api.Language.$language_member,
    age_groups=(api.AgeGroup(18, 64),),
    stations=(
        api.StationProfile(
            key="$station_key",
            name_fi="$name_fi, terveysasema",
            name_sv="$name_sv, hälsostation",
            address="$name_sv",
            booking_mode=api.BookingMode.BOTH,
        ),
    ),
)


@api.hookimpl
def sotesilta_register_municipalities(register: api.MunicipalityRegister) -> None:
    register(MUNICIPALITY)


@api.hookimpl
def sotesilta_register_code_lists(register: api.CodeListRegister) -> None:
    # a local topic of guidance, beside the shared ones
    register(
        "topic",
        "${name}_local_services",
        {"fi": "Paikalliset palvelut", "sv": "Lokala tjänster", "en": "Local services"},
        municipality="$code",
    )


@api.hookimpl
def sotesilta_load_demo(demo: api.DemoBuilder) -> None:
    demo.user(
        username="$name.instructor",
        display_name="$name_fi instructor (demo)",
        roles=[api.Role.INSTRUCTOR],
        municipalities=["$code"],
        station_keys=["$station_key"],
        language="$language",
    )
    demo.worker(
        display_name="$name_fi instructor (demo)",
        title=api.WorkerTitle.SOCIAL_INSTRUCTOR,
        languages=["$language"],
        unit=UNIT.key,
        municipalities=["$code"],
        stations=["$station_key"],
        username="$name.instructor",
    )


@api.hookimpl
def sotesilta_register_routes(register: api.RouteRegister) -> None:
    # the page, with core's form check and error pages; its template is in templates/
    register(pages.router())
''')

TABLES = Template('''"""The plugin's own table: the municipality's local services, listed on its page.

Its migration is in migrations/, the plugin's own Alembic branch ("$name"): `sotesilta db
upgrade` runs it beside core's. Name tables after the plugin, so that none clashes.
"""

from __future__ import annotations

from sqlmodel import Field, SQLModel


class LocalService(SQLModel, table=True):
    __tablename__ = "${name}_local_service"

    id: int | None = Field(default=None, primary_key=True)
    name_fi: str = Field(max_length=200)
    name_sv: str = Field(max_length=200)
''')

PAGES = Template('''"""The plugin's page: the municipality's local services, in the reader's language.

The template ($page_template) is in templates/ and extends core's base.html; its
strings are in locale/<lang>/LC_MESSAGES/messages.po; its stylesheet is in static/,
served under /static/plugins/$name/.
"""

from __future__ import annotations

from typing import Any

import msgspec
from litestar import Request, get
from litestar.di import NamedDependency
from litestar.response import Template
from sqlalchemy import select
from sqlmodel import col

from sotesilta.core import plugin_api as api
from sotesilta.core.plugin_api.data import UnitOfWork
from sotesilta.core.plugin_api.web import page, page_router
from $module.tables import LocalService

PATH = "/x/$dash/local-services"


class LocalServiceView(msgspec.Struct, frozen=True, kw_only=True):
    id: int
    name_fi: str
    name_sv: str


def list_local_services(uow: UnitOfWork) -> list[LocalServiceView]:
    rows = uow.session.scalars(select(LocalService).order_by(col(LocalService.id)))
    return [msgspec.convert(row, LocalServiceView, from_attributes=True) for row in rows]


@get(PATH, name="$name-local-services")
async def local_services(
    request: Request[api.Principal, Any, Any], runtime: NamedDependency[api.Runtime]
) -> Template:
    """Any signed-in user may see them (they are no one's personal data)."""
    services = await runtime.run_in_uow(list_local_services)
    return page(
        request,
        "$page_template",
        services=services,
        municipality_fi="$name_fi",
        municipality_sv="$name_sv",
    )


def router() -> Any:
    """The router of the plugin's pages, for ``sotesilta_register_routes``."""
    return page_router([local_services])
''')

PAGE_TEMPLATE = Template("""{% extends "base.html" %}
{% block title %}{{ _("Local services") }}{% endblock %}
{% block head %}<link rel="stylesheet" href="/static/plugins/$name/$name.css">{% endblock %}
{% block main %}
{% set municipality = municipality_sv if lang == "sv" else municipality_fi %}
<h1>{{ _("Local services in %(municipality)s", municipality=municipality) }}</h1>
{% if services %}
<ul class="$dash-services">
  {% for service in services %}
  <li>{{ service.name_sv if lang == "sv" else service.name_fi }}</li>
  {% endfor %}
</ul>
{% else %}
<p>{{ _("No local services are listed yet.") }}</p>
{% endif %}
{% endblock %}
""")

STYLESHEET = Template("""/* The $name plugin's page: served under /static/plugins/$name/ */
.$dash-services {
  list-style: square;
}
""")

#: the page's strings, by message id: Finnish, Swedish (English is the message id itself)
MESSAGES = {
    "Local services": ("Paikalliset palvelut", "Lokala tjänster"),
    "Local services in %(municipality)s": (
        "Paikalliset palvelut: %(municipality)s",
        "Lokala tjänster i %(municipality)s",
    ),
    "No local services are listed yet.": (
        "Paikallisia palveluja ei ole vielä lueteltu.",
        "Inga lokala tjänster har listats ännu.",
    ),
}

CATALOGUE_HEADER = Template("""# $language_name translations of the sotesilta plugin $name.
# Merged with sotesilta's own catalogue at run time (sotesilta's messages first).
msgid ""
msgstr ""
"Project-Id-Version: sotesilta-$dash 0.1.0\\n"
"Language: $language\\n"
"Plural-Forms: nplurals=2; plural=(n != 1);\\n"
"MIME-Version: 1.0\\n"
"Content-Type: text/plain; charset=utf-8\\n"
"Content-Transfer-Encoding: 8bit\\n"
""")

MIGRATION = Template('''"""$name: the municipality's local services

Revision ID: $revision
Revises:
Create Date: $today

The first revision of the plugin's own branch ("$name"): it depends on core's head
of the day the plugin was made, so core's tables are there first. Later revisions of
the plugin revise this one (down_revision = "$revision").
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "$revision"
down_revision = None
branch_labels = ("$name",)
depends_on = "$core_head"


def upgrade() -> None:
    op.create_table(
        "${name}_local_service",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name_fi", sa.String(length=200), nullable=False),
        sa.Column("name_sv", sa.String(length=200), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )


def downgrade() -> None:
    op.drop_table("${name}_local_service")
''')

TEST = Template('''"""Tests of the $name plugin: run them with `pytest` in this folder."""

from __future__ import annotations

from pathlib import Path

from babel.messages.pofile import read_po

import $module
from sotesilta.core import plugin_api as api
from sotesilta.core.kernel.plugins.manager import build_plugin_manager, load_plugins

HERE = Path($module.__file__).parent


def load():
    # only the built-ins and this module: independent of what else is installed
    return load_plugins(extra=[("$name", $module)], entry_points=False)


def test_the_plugin_registers_its_municipality():
    plugins = load()
    profile = plugins.municipalities.get("$code")
    assert (profile.name_fi, profile.name_sv) == ("$name_fi", "$name_sv")
    assert profile.primary_language is api.Language.$language_member
    assert plugins.municipalities.plugin_of("$code") == "$name"
    assert [s.key for s in profile.stations] == ["$station_key"]


def test_its_local_topic_is_offered_only_in_the_municipality():
    codes = load().code_lists
    assert "${name}_local_services" in codes.codes("topic", "$code")
    assert "${name}_local_services" not in codes.codes("topic", "049")


def test_the_hooks_are_spelt_right():
    # a misspelt hook name raises at start-up
    build_plugin_manager(extra=[("$name", $module)], entry_points=False)


def test_its_page_is_translated_into_finnish_and_swedish():
    catalogues = {}
    for language in ("fi", "sv", "en"):
        with (HERE / "locale" / language / "LC_MESSAGES" / "messages.po").open("rb") as po:
            catalogues[language] = {m.id: m.string for m in read_po(po, locale=language) if m.id}
    assert catalogues["fi"].keys() == catalogues["sv"].keys() == catalogues["en"].keys()
    template = (HERE / "templates" / "$page_template").read_text()
    for message in catalogues["fi"]:
        assert f'_("{message}"' in template
        assert catalogues["fi"][message] and catalogues["sv"][message]
''')

README = Template("""# sotesilta-$dash

The sotesilta plugin of $name_fi / $name_sv (municipality $code, county $county_code).

    pip install ./sotesilta-$dash     # into the server's environment
    sotesilta plugins list            # $name  [entry point sotesilta:$name ...]
    sotesilta db upgrade              # its table (its own migration branch), $code and its station

What sotesilta finds beside the module `$module/`:

- `templates/`: the page's template ($page_template, extending sotesilta's base.html);
- `static/`: its stylesheet, served under /static/plugins/$name/;
- `locale/<fi|sv|en>/LC_MESSAGES/messages.po`: its strings, merged with sotesilta's;
- `migrations/`: its own Alembic branch "$name" (the first revision depends on sotesilta's
  $core_head); add a revision with `down_revision` set to the branch's last one.

The page is at $page_path for anyone signed in.

Test it: `pip install -e '.[test]' && pytest`.
""")


def write_plugin_package(spec: PluginSpec, directory: Path) -> Path:
    """Write ``sotesilta-<name>/`` under ``directory`` and return it; never overwrites."""
    root = directory / f"sotesilta-{spec.name.replace('_', '-')}"
    if root.exists():
        raise InputInvalid(f"{root} exists already: choose another folder", field="directory")
    values = {
        "name": spec.name,
        "dash": spec.name.replace("_", "-"),
        "module": spec.module,
        "code": spec.code,
        "name_fi": spec.name_fi,
        "name_sv": spec.name_sv,
        "county_code": spec.county.code,
        "county_fi": spec.county.name_fi,
        "county_sv": spec.county.name_sv,
        "language": spec.language.value,
        "language_member": spec.language.name,
        "station_key": spec.station_key,
        "revision": spec.first_revision,
        "core_head": migrate.core_head(),
        "today": date.today().isoformat(),
        "page_template": f"{spec.name}_local_services.html",
        "page_path": f"/x/{spec.name.replace('_', '-')}/local-services",
    }
    StationProfile(spec.station_key, "x", "x", "x")  # the key the template uses must be valid
    package = root / spec.module
    files = {
        root / "pyproject.toml": PYPROJECT.substitute(values),
        package / "__init__.py": MODULE.substitute(values),
        package / "tables.py": TABLES.substitute(values),
        package / "pages.py": PAGES.substitute(values),
        package / "templates" / values["page_template"]: PAGE_TEMPLATE.substitute(values),
        package / "static" / f"{spec.name}.css": STYLESHEET.substitute(values),
        package / "migrations" / "__init__.py": '"""The plugin\'s own Alembic branch."""\n',
        package / "migrations" / f"{spec.first_revision}_local_services.py": MIGRATION.substitute(values),
        root / "tests" / f"test_{spec.name}.py": TEST.substitute(values),
        root / "README.md": README.substitute(values),
    }
    for language, name in (("fi", "Finnish"), ("sv", "Swedish"), ("en", "English")):
        path = package / "locale" / language / "LC_MESSAGES" / "messages.po"
        files[path] = _catalogue(language, name, values)
    for path, text in files.items():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return root


def _catalogue(language: str, language_name: str, values: dict[str, str]) -> str:
    """A ``.po`` file of the page's strings (English: the message ids stand)."""
    header = CATALOGUE_HEADER.substitute(values, language=language, language_name=language_name)
    entries = []
    for message, (finnish, swedish) in MESSAGES.items():
        text = {"fi": finnish, "sv": swedish}.get(language, "")
        flag = "#, python-format\n" if "%(" in message else ""
        entries.append(f'{flag}msgid "{message}"\nmsgstr "{text}"\n')
    return header + "\n" + "\n".join(entries)
