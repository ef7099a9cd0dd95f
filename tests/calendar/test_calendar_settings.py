"""The calendar plugin's settings section ``[calendar]``: the same environment variables as
before (``SOTESILTA_CALENDAR_*``), or the TOML file's ``[calendar]`` table, validated at
start-up."""

from __future__ import annotations

import os

import pytest
from click.testing import CliRunner

from sotesilta.calendar.settings import CalendarSettings
from sotesilta.core.cli import main
from sotesilta.core.kernel.plugins.manager import load_plugins
from sotesilta.core.kernel.settings import SettingsError, load_settings


@pytest.fixture(autouse=True)
def _clean_env(monkeypatch):  # type: ignore[no-untyped-def]
    for name in list(os.environ):
        if name.startswith("SOTESILTA_") and name != "SOTESILTA_TEST_DATABASE_URL":
            monkeypatch.delenv(name)


def _calendar() -> CalendarSettings:
    return load_plugins(entry_points=False).settings(CalendarSettings)


def test_the_defaults_allow_no_origin():
    settings = _calendar()
    assert settings.allowed_origins == ()
    assert (settings.fetch_max_bytes, settings.fetch_timeout_seconds) == (2_000_000, 10.0)


def test_the_environment_variables_are_those_of_before(monkeypatch):
    monkeypatch.setenv(
        "SOTESILTA_CALENDAR_ALLOWED_ORIGINS", "https://Outlook.Office365.com, https://calendar.google.com,"
    )
    monkeypatch.setenv("SOTESILTA_CALENDAR_FETCH_MAX_BYTES", "20000")
    monkeypatch.setenv("SOTESILTA_CALENDAR_FETCH_TIMEOUT_SECONDS", "2.5")
    settings = _calendar()
    assert settings.allowed_origins == ("https://outlook.office365.com", "https://calendar.google.com")
    assert (settings.fetch_max_bytes, settings.fetch_timeout_seconds) == (20_000, 2.5)


def test_the_toml_files_calendar_table_under_the_environment(tmp_path, monkeypatch):
    config = tmp_path / "sotesilta.toml"
    config.write_text(
        'log_level = "INFO"\n\n[calendar]\nallowed_origins = ["https://calendar.google.com"]\n'
        "fetch_timeout_seconds = 3\n"
    )
    monkeypatch.setenv("SOTESILTA_CONFIG", str(config))
    monkeypatch.setenv("SOTESILTA_CALENDAR_FETCH_TIMEOUT_SECONDS", "4")
    settings = _calendar()
    assert settings.allowed_origins == ("https://calendar.google.com",)
    assert settings.fetch_timeout_seconds == 4.0


def test_bad_values_are_named_at_start_up(monkeypatch):
    monkeypatch.setenv("SOTESILTA_CALENDAR_ALLOWED_ORIGINS", "https://calendar.example.org/feeds")
    monkeypatch.setenv("SOTESILTA_CALENDAR_FETCH_MAX_BYTES", "5")
    with pytest.raises(SettingsError) as caught:
        _calendar()
    message = str(caught.value)
    assert (
        "SOTESILTA_CALENDAR_ALLOWED_ORIGINS: 'https://calendar.example.org/feeds' is not an origin like "
        "https://calendar.example.org"
    ) in message
    assert "SOTESILTA_CALENDAR_FETCH_MAX_BYTES: Input should be greater than or equal to 10000" in message


def test_the_old_top_level_key_in_the_toml_file_points_to_the_table(tmp_path, monkeypatch):
    config = tmp_path / "sotesilta.toml"
    config.write_text('calendar_allowed_origins = ["https://calendar.google.com"]\n')
    monkeypatch.setenv("SOTESILTA_CONFIG", str(config))
    with pytest.raises(SettingsError, match=r"calendar_allowed_origins: unknown setting .*\[calendar\]"):
        load_settings()


def test_check_reports_a_bad_calendar_setting(tmp_path, monkeypatch):
    monkeypatch.setenv("SOTESILTA_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("SOTESILTA_CALENDAR_FETCH_TIMEOUT_SECONDS", "0")
    result = CliRunner().invoke(main, ["check"])
    assert result.exit_code == 1
    assert "configuration is not valid" in result.output
    assert "SOTESILTA_CALENDAR_FETCH_TIMEOUT_SECONDS: Input should be greater than 0" in result.output


def test_a_blocked_calendar_plugin_leaves_its_table_alone(tmp_path, monkeypatch):
    config = tmp_path / "sotesilta.toml"
    config.write_text('blocked_plugins = ["calendar"]\n\n[calendar]\nfetch_timeout_seconds = 3\n')
    monkeypatch.setenv("SOTESILTA_CONFIG", str(config))
    loaded = load_plugins(blocked=load_settings().blocked_plugins, entry_points=False)
    assert "calendar" in loaded.blocked()
