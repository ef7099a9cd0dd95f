"""Plugins' settings sections: each plugin declares its own, validated at start-up.

A plugin registers a section name and a model (a subclass of ``PluginSettings``) through
``sotesilta_register_settings``. Its values come, like core's, from the environment
(``SOTESILTA_<SECTION>_<FIELD>``) over the TOML settings file (the table ``[<section>]``)
over the model's defaults. Every bad value of every section is reported at once, naming
the variable.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, TypeVar

from pydantic import ValidationError
from pydantic_settings import BaseSettings, EnvSettingsSource, PydanticBaseSettingsSource, SettingsConfigDict

from sotesilta.core.kernel.errors import InputInvalid
from sotesilta.core.kernel.settings import Settings, SettingsError, config_file

_SECTION = re.compile(r"^[a-z][a-z0-9_]{0,39}$")

S = TypeVar("S", bound="PluginSettings")


class PluginSettings(BaseSettings):
    """Base of a plugin's settings section: its fields, their defaults and validators.

    Core fills it from the environment and the TOML file under the section's name; the
    model itself reads nothing (so no variable without the ``SOTESILTA_<SECTION>_`` prefix
    can leak in). Frozen, and an unknown key in the section's table is an error.
    """

    model_config = SettingsConfigDict(extra="forbid", frozen=True)

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        return (init_settings,)


#: ``register(section, model)``
SettingsRegister = Callable[[str, type[PluginSettings]], None]


def environment_prefix(section: str) -> str:
    return f"SOTESILTA_{section.upper()}_"


@dataclass(frozen=True)
class Section:
    name: str
    model: type[PluginSettings]
    plugin: str


class SettingsSections:
    """The registered sections and, once loaded, their validated values."""

    def __init__(self) -> None:
        self._by_name: dict[str, Section] = {}
        self._values: dict[type[PluginSettings], PluginSettings] = {}

    def register(self, name: str, model: type[PluginSettings], *, plugin: str) -> None:
        if not isinstance(name, str) or not _SECTION.match(name):
            raise InputInvalid(
                f"plugin {plugin!r} registered the settings section {name!r}: a section name is "
                "1-40 lower-case letters, digits or '_', starting with a letter"
            )
        if not (isinstance(model, type) and issubclass(model, PluginSettings)):
            raise InputInvalid(
                f"plugin {plugin!r} registered {model!r} as settings section [{name}], "
                "not a subclass of PluginSettings"
            )
        clash = next((f for f in Settings.model_fields if f == name or f.startswith(f"{name}_")), None)
        if clash is not None:
            raise InputInvalid(
                f"plugin {plugin!r} registered the settings section [{name}], whose variables "
                f"{environment_prefix(name)}* would mix with core's setting SOTESILTA_{clash.upper()}"
            )
        existing = self._by_name.get(name)
        if existing is not None:
            raise InputInvalid(
                f"settings section [{name}] is registered by both {existing.plugin!r} and {plugin!r}"
            )
        if any(s.model is model for s in self._by_name.values()):
            raise InputInvalid(f"plugin {plugin!r} registered {model.__name__} as two settings sections")
        self._by_name[name] = Section(name, model, plugin)

    def sections(self) -> list[Section]:
        return list(self._by_name.values())

    def load(self, tables: Mapping[str, Mapping[str, Any]], *, ignored: frozenset[str] = frozenset()) -> None:
        """Validate every section from the environment and ``tables`` (the TOML file's).

        A table that names no registered section is an error, unless it is named in
        ``ignored`` (the blocked plugins: blocking one should not mean editing the file).
        Raises ``SettingsError`` listing every problem, one per line.
        """
        problems: list[str] = []
        for name in sorted(set(tables) - set(self._by_name) - ignored):
            known = ", ".join(f"[{n}]" for n in sorted(self._by_name)) or "none"
            problems.append(
                f"[{name}]: no plugin has a settings section of that name in {config_file()} (known: {known})"
            )
        values: dict[type[PluginSettings], PluginSettings] = {}
        for section in self._by_name.values():
            try:
                values[section.model] = _validate(section, tables.get(section.name, {}))
            except ValidationError as exc:
                problems.extend(_explain(section, exc))
        if problems:
            raise SettingsError("\n".join(problems))
        self._values = values

    def get(self, model: type[S]) -> S:
        found = self._values.get(model)
        if not isinstance(found, model):
            raise LookupError(
                f"no loaded plugin has the settings section {model.__name__} (is its plugin blocked?)"
            )
        return found


def _validate(section: Section, table: Mapping[str, Any]) -> PluginSettings:
    """The environment over the table over the defaults, as core's own settings."""
    environment = EnvSettingsSource(
        section.model, env_prefix=environment_prefix(section.name), case_sensitive=False
    )
    return section.model(**{**table, **environment()})


def _explain(section: Section, exc: ValidationError) -> list[str]:
    lines = []
    for error in exc.errors():
        field = ".".join(str(part) for part in error["loc"])
        if error["type"] == "extra_forbidden":
            # only the TOML file can carry unknown keys; variables are matched by name
            lines.append(f"[{section.name}] {field}: unknown setting in {config_file()}")
            continue
        name = f"{environment_prefix(section.name)}{field.upper()}" if field else f"[{section.name}]"
        lines.append(f"{name}: {error['msg'].removeprefix('Value error, ')}")
    return lines
