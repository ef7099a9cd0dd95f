"""The command line's tests run against the test database with their own data folder."""

from __future__ import annotations

import pytest
from support import TEST_SECRET


@pytest.fixture
def cli_env(tmp_path, database_url, monkeypatch):  # type: ignore[no-untyped-def]
    monkeypatch.setenv("SOTESILTA_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("SOTESILTA_DATABASE_URL", database_url)
    monkeypatch.setenv("SOTESILTA_SECRET_KEY", TEST_SECRET)
    return database_url
