"""``sotesilta plugin new``: a working municipality plugin package to start from.

The package is a distribution of its own (own pyproject, an entry point in the
group ``sotesilta``), with a profile, a local topic, its part of the demo and
a test, so a municipality that joins later installs it with pip and the
server finds it without any change to the core.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from string import Template

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
packages = ["$module"]
""")

MODULE = Template('''"""$name_fi / $name_sv ($code): the municipality's rules for sotesilta.

Made by `sotesilta plugin new`; see the hook reference in sotesilta's docs/plugins.md.
"""

from __future__ import annotations

from sotesilta.core import plugin_api as api

# use exactly the county names the other plugins of county $county_code use
COUNTY = api.CountyProfile("$county_code", "$county_fi", "$county_sv")

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
        municipality="$code",
        username="$name.instructor",
    )
''')

TEST = Template('''"""Tests of the $name plugin: run them with `pytest` in this folder."""

from __future__ import annotations

import $module
from sotesilta.core import plugin_api as api
from sotesilta.core.kernel.plugins.manager import build_plugin_manager, load_plugins


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
''')

README = Template("""# sotesilta-$dash

The sotesilta plugin of $name_fi / $name_sv (municipality $code, county $county_code).

    pip install ./sotesilta-$dash     # into the server's environment
    sotesilta plugins list            # $name  [entry point sotesilta:$name ...]
    sotesilta db upgrade              # writes $code and its station into the database

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
    }
    StationProfile(spec.station_key, "x", "x", "x")  # the key the template uses must be valid
    files = {
        root / "pyproject.toml": PYPROJECT,
        root / spec.module / "__init__.py": MODULE,
        root / "tests" / f"test_{spec.name}.py": TEST,
        root / "README.md": README,
    }
    for path, template in files.items():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(template.substitute(values), encoding="utf-8")
    return root
