"""Settings: environment over TOML over defaults; clear errors; secrets."""

from __future__ import annotations

import stat

import pytest

from sotesilta.core.kernel.settings import SettingsError, load_settings

GOOD_SECRET = "s" * 40


@pytest.fixture(autouse=True)
def _clean_env(monkeypatch):  # type: ignore[no-untyped-def]
    import os

    for name in list(os.environ):
        if name.startswith("SOTESILTA_") and name != "SOTESILTA_TEST_DATABASE_URL":
            monkeypatch.delenv(name)


def test_defaults_are_the_embedded_sqlite_database_in_the_data_folder(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    settings = load_settings()
    assert settings.env == "development" and settings.default_language == "fi"
    assert settings.resolved_database_url == f"sqlite:///{tmp_path / 'data' / 'sotesilta.sqlite3'}"
    assert settings.is_embedded and not settings.secure_cookies


def test_environment_overrides_the_toml_file(tmp_path, monkeypatch):
    config = tmp_path / "sotesilta.toml"
    config.write_text('default_language = "sv"\nsession_idle_minutes = 20\nblocked_plugins = ["lohja"]\n')
    monkeypatch.setenv("SOTESILTA_CONFIG", str(config))
    monkeypatch.setenv("SOTESILTA_SESSION_IDLE_MINUTES", "10")
    settings = load_settings()
    assert settings.default_language == "sv"
    assert settings.session_idle_minutes == 10
    assert settings.blocked_plugins == ("lohja",)


def test_blocked_plugins_from_the_environment_are_comma_separated(monkeypatch):
    monkeypatch.setenv("SOTESILTA_BLOCKED_PLUGINS", "lohja, espoo,")
    assert load_settings().blocked_plugins == ("lohja", "espoo")


def test_postgres_urls_get_the_psycopg_driver(monkeypatch):
    monkeypatch.setenv("SOTESILTA_DATABASE_URL", "postgres://u:p@db.example:5432/sote")
    settings = load_settings()
    assert settings.resolved_database_url == "postgresql+psycopg://u:p@db.example:5432/sote"
    assert not settings.is_embedded


def test_every_bad_value_is_named(monkeypatch):
    monkeypatch.setenv("SOTESILTA_DATABASE_URL", "mysql://x/y")
    monkeypatch.setenv("SOTESILTA_DEFAULT_LANGUAGE", "de")
    monkeypatch.setenv("SOTESILTA_PUBLIC_BASE_URL", "ftp://x")
    with pytest.raises(SettingsError) as caught:
        load_settings()
    message = str(caught.value)
    for name in ("SOTESILTA_DATABASE_URL", "SOTESILTA_DEFAULT_LANGUAGE", "SOTESILTA_PUBLIC_BASE_URL"):
        assert name in message


def test_an_unknown_key_in_the_toml_file_is_an_error(tmp_path, monkeypatch):
    config = tmp_path / "sotesilta.toml"
    config.write_text('databse_url = "sqlite:///x"\n')
    monkeypatch.setenv("SOTESILTA_CONFIG", str(config))
    with pytest.raises(SettingsError, match="databse_url"):
        load_settings()


def test_a_malformed_toml_file_is_an_error(tmp_path, monkeypatch):
    config = tmp_path / "sotesilta.toml"
    config.write_text("this is = not = toml\n")
    monkeypatch.setenv("SOTESILTA_CONFIG", str(config))
    with pytest.raises(SettingsError, match="SOTESILTA_CONFIG"):
        load_settings()


def test_production_requires_an_explicit_secret_and_database(monkeypatch):
    monkeypatch.setenv("SOTESILTA_ENV", "production")
    with pytest.raises(SettingsError, match="SOTESILTA_SECRET_KEY is required"):
        load_settings()
    monkeypatch.setenv("SOTESILTA_SECRET_KEY", GOOD_SECRET)
    with pytest.raises(SettingsError, match="SOTESILTA_INDEX_KEY is required"):
        load_settings()
    monkeypatch.setenv("SOTESILTA_INDEX_KEY", "i" * 40)
    with pytest.raises(SettingsError, match="SOTESILTA_AUDIT_KEY is required"):
        load_settings()
    monkeypatch.setenv("SOTESILTA_AUDIT_KEY", "A" * 43 + "=")
    with pytest.raises(SettingsError, match="SOTESILTA_DATA_KEYS is required"):
        load_settings()
    monkeypatch.setenv("SOTESILTA_DATA_KEYS", "k1:" + "A" * 43)
    with pytest.raises(SettingsError, match="SOTESILTA_DATABASE_URL must name a PostgreSQL"):
        load_settings()
    monkeypatch.setenv("SOTESILTA_DATABASE_URL", "sqlite:////tmp/x.sqlite3")
    with pytest.raises(SettingsError, match="PostgreSQL"):
        load_settings()
    monkeypatch.setenv("SOTESILTA_DATABASE_URL", "postgresql://postgres@127.0.0.1/x")
    settings = load_settings()
    assert settings.secure_cookies and settings.secret() == GOOD_SECRET.encode()


def test_a_missing_config_file_is_an_error(tmp_path, monkeypatch):
    monkeypatch.setenv("SOTESILTA_CONFIG", str(tmp_path / "nowhere.toml"))
    with pytest.raises(SettingsError, match=r"nowhere\.toml does not exist"):
        load_settings()


def test_malformed_data_keys_are_refused(monkeypatch):
    monkeypatch.setenv("SOTESILTA_DATA_KEYS", "k1:not-base64-or-short")
    with pytest.raises(SettingsError, match="SOTESILTA_DATA_KEYS"):
        load_settings()


def test_the_embedded_default_generates_data_keys_once(tmp_path):
    first = load_settings(data_dir=tmp_path).keyring()
    assert list(first) == ["k1"] and len(first["k1"]) == 32
    assert stat.S_IMODE((tmp_path / "data.keys").stat().st_mode) == 0o600
    assert load_settings(data_dir=tmp_path).keyring() == first


def test_a_short_secret_is_refused(monkeypatch):
    monkeypatch.setenv("SOTESILTA_SECRET_KEY", "short")
    with pytest.raises(SettingsError, match="at least 32"):
        load_settings()


def test_the_embedded_default_generates_a_private_secret_once(tmp_path):
    settings = load_settings(data_dir=tmp_path / "data")
    first = settings.secret()
    path = tmp_path / "data" / "secret.key"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert len(first) >= 32 and load_settings(data_dir=tmp_path / "data").secret() == first
