"""A municipality that joins later: `sotesilta plugin new` writes a working plugin
package, and the server finds it as an installed distribution (Raasepori 710,
Swedish first)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import FakeClock
from support import login

from sotesilta.core.cli import main
from sotesilta.core.kernel.db import make_engine
from sotesilta.core.kernel.plugins.manager import load_plugins
from sotesilta.core.kernel.runtime import Runtime
from sotesilta.core.organisations import service as organisations

RASEBORG = [
    "--code",
    "710",
    "--name-fi",
    "Raasepori",
    "--name-sv",
    "Raseborg",
    "--county",
    "03",
    "--language",
    "sv",
]


def scaffold(tmp_path: Path) -> Path:
    result = CliRunner().invoke(main, ["plugin", "new", "raasepori", *RASEBORG, "--directory", str(tmp_path)])
    assert result.exit_code == 0, result.output
    return tmp_path / "sotesilta-raasepori"


def install_as_distribution(package: Path, site: Path) -> None:
    """What `pip install` leaves on the import path: the module and its dist-info with the entry point."""
    shutil.copytree(package / "sotesilta_raasepori", site / "sotesilta_raasepori")
    info = site / "sotesilta_raasepori-0.1.0.dist-info"
    info.mkdir()
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: sotesilta-raasepori\nVersion: 0.1.0\n")
    (info / "entry_points.txt").write_text("[sotesilta]\nraasepori = sotesilta_raasepori\n")


@pytest.fixture
def raasepori_installed(tmp_path, monkeypatch):  # type: ignore[no-untyped-def]
    site = tmp_path / "site"
    site.mkdir()
    install_as_distribution(scaffold(tmp_path), site)
    monkeypatch.syspath_prepend(str(site))
    yield site
    sys.modules.pop("sotesilta_raasepori", None)


def test_the_scaffold_is_a_package_whose_own_tests_pass(tmp_path):
    root = scaffold(tmp_path)
    assert {p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file()} == {
        "pyproject.toml",
        "README.md",
        "sotesilta_raasepori/__init__.py",
        "tests/test_raasepori.py",
    }
    assert (
        '[project.entry-points.sotesilta]\nraasepori = "sotesilta_raasepori"'
        in (root / "pyproject.toml").read_text()
    )
    env = {**os.environ, "PYTHONPATH": str(root)}
    run = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "tests"],
        cwd=root,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert run.returncode == 0, run.stdout + run.stderr
    assert "3 passed" in run.stdout


def test_the_server_discovers_and_uses_an_installed_plugin(raasepori_installed, settings):  # type: ignore[no-untyped-def]
    from litestar.testing import TestClient

    from sotesilta.core.accounts import service as accounts
    from sotesilta.core.app import create_app

    plugins = load_plugins()
    raseborg = plugins.municipalities.get("710")
    assert raseborg is not None and raseborg.primary_language.value == "sv"
    assert plugins.municipalities.plugin_of("710") == "raasepori"
    assert any(i.name == "raasepori" and "entry point" in i.source for i in plugins.info())
    runtime = Runtime(
        settings=settings,
        engine=make_engine(settings.resolved_database_url),
        plugins=plugins,
        clock=FakeClock(),
    )
    try:
        with runtime.uow() as uow:
            organisations.sync_registry(uow)
        with runtime.uow() as uow:
            accounts.add_user(
                uow,
                username="raasepori.nurse",
                display_name="Nurse",
                password="correct-horse-battery",
                roles=["health_staff"],
                municipalities=["710"],
                station_keys=["raasepori-main"],
            )
        with TestClient(app=create_app(runtime)) as client:
            headers = {"Authorization": f"Bearer {login(client, 'raasepori.nurse')}"}
            municipalities = client.get("/api/v1/municipalities", headers=headers).json()
            assert {"code": "710", "name_sv": "Raseborg"}.items() <= next(
                m for m in municipalities if m["code"] == "710"
            ).items()
            stations = client.get("/api/v1/stations", params={"municipality": "710"}, headers=headers).json()
            assert [(s["key"], s["booking_mode"]) for s in stations] == [("raasepori-main", "both")]
        assert "raasepori_local_services" in plugins.code_lists.codes("topic", "710")
    finally:
        runtime.engine.dispose()


def test_plugins_list_shows_the_installed_plugin(raasepori_installed, monkeypatch, tmp_path):  # type: ignore[no-untyped-def]
    monkeypatch.setenv("SOTESILTA_DATA_DIR", str(tmp_path / "data"))
    listed = CliRunner().invoke(main, ["plugins", "list"])
    assert listed.exit_code == 0, listed.output
    assert "raasepori  [entry point sotesilta:raasepori (sotesilta-raasepori 0.1.0)]" in listed.output
    assert "710  Raasepori / Raseborg  (county 03)" in listed.output


@pytest.mark.parametrize(
    "arguments, message",
    [
        (["Raasepori!", *RASEBORG], "plugin name"),
        (["raasepori", "--code", "71", *RASEBORG[2:]], "three digits"),
        (["raasepori", *RASEBORG[:7], "99"], "county 99"),
        (["raasepori", "--code", "710", "--name-fi", 'Raa"sepori', *RASEBORG[4:]], "quotes"),
    ],
)
def test_bad_scaffold_requests_are_refused_and_write_nothing(tmp_path, arguments, message):
    result = CliRunner().invoke(main, ["plugin", "new", *arguments, "--directory", str(tmp_path)])
    assert result.exit_code == 2 and message in result.output
    assert list(tmp_path.iterdir()) == []


def test_the_scaffold_never_overwrites(tmp_path):
    scaffold(tmp_path)
    again = CliRunner().invoke(main, ["plugin", "new", "raasepori", *RASEBORG, "--directory", str(tmp_path)])
    assert again.exit_code == 2 and "exists already" in again.output
