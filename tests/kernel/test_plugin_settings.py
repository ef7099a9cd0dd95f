"""A plugin's settings section: declared by the plugin, read from the environment over the TOML
file's table over its defaults, validated at start-up with every problem named."""

from __future__ import annotations

import os
import types
from typing import Annotated

import pytest
from pydantic import Field, field_validator

from sotesilta.core import plugin_api as api
from sotesilta.core.kernel.plugins.manager import PluginError, PluginSettingsError, load_plugins
from sotesilta.core.kernel.settings import SettingsError


class ExportSettings(api.PluginSettings):
    url: str = "https://export.example.fi"
    batch_size: Annotated[int, Field(ge=1, le=1000)] = 100
    weekdays: tuple[int, ...] = (0, 2, 4)

    @field_validator("url")
    @classmethod
    def _https(cls, value: str) -> str:
        if not value.startswith("https://"):
            raise ValueError("must start with https://")
        return value


def _plugin(section: str = "export", model: type = ExportSettings, name: str = "export") -> types.ModuleType:
    module = types.ModuleType(name)
    module.sotesilta_register_settings = api.hookimpl(  # type: ignore[attr-defined]
        lambda register: register(section, model)
    )
    return module


@pytest.fixture(autouse=True)
def _clean_env(monkeypatch):  # type: ignore[no-untyped-def]
    for name in list(os.environ):
        if name.startswith("SOTESILTA_") and name != "SOTESILTA_TEST_DATABASE_URL":
            monkeypatch.delenv(name)


@pytest.fixture
def config(tmp_path, monkeypatch):  # type: ignore[no-untyped-def]
    """Write the TOML settings file and name it in SOTESILTA_CONFIG."""
    path = tmp_path / "sotesilta.toml"

    def write(text: str) -> None:
        path.write_text(text)
        monkeypatch.setenv("SOTESILTA_CONFIG", str(path))

    return write


def test_hook_sotesilta_register_settings(config, monkeypatch):
    plugins = load_plugins(extra=[("export", _plugin())], entry_points=False)
    assert plugins.settings(ExportSettings) == ExportSettings()  # the defaults
    assert [(s.name, s.model, s.plugin) for s in plugins.sections.sections() if s.plugin == "export"] == [
        ("export", ExportSettings, "export")
    ]
    config(
        'log_level = "INFO"\n\n[export]\nurl = "https://toml.example.fi"\nbatch_size = 5\nweekdays = [1]\n'
    )
    from_file = load_plugins(extra=[("export", _plugin())], entry_points=False).settings(ExportSettings)
    assert (from_file.url, from_file.batch_size, from_file.weekdays) == ("https://toml.example.fi", 5, (1,))
    # the environment wins over the file, field by field
    monkeypatch.setenv("SOTESILTA_EXPORT_BATCH_SIZE", "7")
    monkeypatch.setenv("SOTESILTA_EXPORT_WEEKDAYS", "[3, 4]")
    both = load_plugins(extra=[("export", _plugin())], entry_points=False).settings(ExportSettings)
    assert (both.url, both.batch_size, both.weekdays) == ("https://toml.example.fi", 7, (3, 4))


def test_every_bad_value_of_a_section_is_named_at_start_up(config, monkeypatch):
    config('[export]\nurl = "http://plain.example.fi"\n')
    monkeypatch.setenv("SOTESILTA_EXPORT_BATCH_SIZE", "0")
    with pytest.raises(PluginSettingsError) as caught:
        load_plugins(extra=[("export", _plugin())], entry_points=False)
    message = str(caught.value)
    assert "SOTESILTA_EXPORT_URL: must start with https://" in message
    assert "SOTESILTA_EXPORT_BATCH_SIZE: Input should be greater than or equal to 1" in message
    # a configuration problem, as much as a plugin one: both kinds of handler catch it
    assert isinstance(caught.value, SettingsError) and isinstance(caught.value, PluginError)


def test_an_unknown_key_in_a_sections_table_is_an_error(config):
    config("[export]\nbatch_sise = 5\n")
    with pytest.raises(SettingsError, match=r"\[export\] batch_sise: unknown setting in .*sotesilta\.toml"):
        load_plugins(extra=[("export", _plugin())], entry_points=False)


def test_a_table_no_plugin_declares_is_an_error_unless_its_plugin_is_blocked(config):
    config("[exprot]\nbatch_size = 5\n")
    with pytest.raises(SettingsError, match=r"\[exprot\]: no plugin has a settings section of that name"):
        load_plugins(extra=[("export", _plugin())], entry_points=False)
    config("[export]\nbatch_size = 5\n")
    blocked = load_plugins(blocked=["export"], extra=[("export", _plugin())], entry_points=False)
    with pytest.raises(LookupError, match="blocked"):
        blocked.settings(ExportSettings)


def test_core_settings_leave_the_sections_tables_to_the_plugins(config):
    from sotesilta.core.kernel.settings import load_settings

    config('default_language = "sv"\n\n[export]\nbatch_size = 5\n')
    assert load_settings().default_language == "sv"


def test_a_table_of_cores_own_settings_is_cores_not_a_plugins_section(config):
    from sotesilta.core.kernel.settings import load_settings

    config(
        '[oidc_providers.lu]\ncounty = "03"\nlabel = "LU"\nissuer = "https://idp.example.fi"\n'
        'client_id = "sotesilta"\n\n[oidc_providers.lu.roles]\n"nurses" = ["health_staff"]\n'
        "\n[export]\nbatch_size = 5\n"
    )
    assert load_settings().oidc_providers["lu"].roles == {"nurses": ("health_staff",)}
    plugins = load_plugins(extra=[("export", _plugin())], entry_points=False)
    assert plugins.settings(ExportSettings).batch_size == 5


@pytest.mark.parametrize(
    ("plugins", "message"),
    [
        (
            [("a", _plugin(name="a")), ("b", _plugin(name="b"))],
            "section [export] is registered by both 'a' and 'b'",
        ),
        (
            [("f", _plugin(section="feed", name="f"))],
            "would mix with core's setting SOTESILTA_FEED_PAST_DAYS",
        ),
        ([("e", _plugin(section="env", name="e"))], "SOTESILTA_ENV"),
        ([("u", _plugin(section="Export!", name="u"))], "a section name is"),
        ([("m", _plugin(model=dict, name="m"))], "not a subclass of PluginSettings"),
    ],
)
def test_bad_sections_stop_start_up(plugins, message):
    with pytest.raises(PluginError, match=message.replace("[", r"\[").replace("]", r"\]")):
        load_plugins(extra=plugins, entry_points=False)
