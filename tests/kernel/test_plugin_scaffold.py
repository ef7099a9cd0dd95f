"""A municipality that joins later: `sotesilta plugin new` writes a working plugin
package, and the server finds it as an installed distribution (Raasepori 710,
Swedish first), with the resources it ships beside its module: a table with its own
migration branch, a page with its template, stylesheet and Finnish and Swedish strings."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from click.testing import CliRunner
from conftest import FakeClock
from page_support import sign_in
from sqlalchemy import inspect
from support import login

from sotesilta.core.cli import main
from sotesilta.core.kernel import migrate
from sotesilta.core.kernel.db import make_engine
from sotesilta.core.kernel.plugins.manager import load_plugins
from sotesilta.core.kernel.readiness import check_database
from sotesilta.core.kernel.runtime import Runtime
from sotesilta.core.metadata import metadata
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


TABLE = "raasepori_local_service"
#: each test imports the installed plugin afresh, and with it its table's class again
pytestmark = pytest.mark.filterwarnings(
    "ignore:This declarative base already contains a class with the same class name:sqlalchemy.exc.SAWarning"
)


@pytest.fixture
def raasepori_installed(_migrated_template, tmp_path, monkeypatch):  # type: ignore[no-untyped-def]
    # the test databases' template is migrated first: without the plugin's branch
    site = tmp_path / "site"
    site.mkdir()
    install_as_distribution(scaffold(tmp_path), site)
    monkeypatch.syspath_prepend(str(site))
    yield site
    for name in [
        m for m in sys.modules if m == "sotesilta_raasepori" or m.startswith("sotesilta_raasepori.")
    ]:
        sys.modules.pop(name)
    if TABLE in metadata.tables:  # the plugin's table left the schema with the plugin
        metadata.remove(metadata.tables[TABLE])


def test_the_scaffold_is_a_package_whose_own_tests_pass(tmp_path):
    root = scaffold(tmp_path)
    assert {p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file()} == {
        "pyproject.toml",
        "README.md",
        "sotesilta_raasepori/__init__.py",
        "sotesilta_raasepori/tables.py",
        "sotesilta_raasepori/pages.py",
        "sotesilta_raasepori/templates/raasepori_local_services.html",
        "sotesilta_raasepori/static/raasepori.css",
        "sotesilta_raasepori/locale/fi/LC_MESSAGES/messages.po",
        "sotesilta_raasepori/locale/sv/LC_MESSAGES/messages.po",
        "sotesilta_raasepori/locale/en/LC_MESSAGES/messages.po",
        "sotesilta_raasepori/migrations/__init__.py",
        "sotesilta_raasepori/migrations/raasepori_0001_local_services.py",
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
    assert "4 passed" in run.stdout


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


def _drift(engine):  # type: ignore[no-untyped-def]
    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        return compare_metadata(context, metadata)


def test_the_installed_plugins_table_page_strings_and_stylesheet_work(raasepori_installed, settings):  # type: ignore[no-untyped-def]
    from litestar.testing import TestClient

    from sotesilta.core.accounts import service as accounts
    from sotesilta.core.app import create_app

    plugins = load_plugins()
    engine = make_engine(settings.resolved_database_url)
    runtime = Runtime(settings=settings, engine=engine, plugins=plugins, clock=FakeClock())
    try:
        # the table: the plugin's own branch, depending on core's head, migrated beside core's
        core_head = migrate.core_head()
        first = ScriptDirectory.from_config(migrate.alembic_config()).get_revision("raasepori_0001")
        assert first is not None and first.down_revision is None
        assert (first.branch_labels, first.dependencies) == ({"raasepori"}, core_head)
        assert migrate.heads() == ("raasepori_0001",)  # the plugin's head stands for core's, its dependency
        assert migrate.branch_problems() == []
        assert not check_database(engine).ready  # the database lacks the plugin's head
        migrate.upgrade(engine)
        assert migrate.current_heads(engine) == migrate.heads()
        assert check_database(engine).ready and migrate.is_up_to_date(engine)
        tables = set(inspect(engine).get_table_names())
        assert TABLE in tables and {"booking", "consent", "feed_subscription"} <= tables
        assert TABLE in metadata.tables and _drift(engine) == []
        local_service = sys.modules["sotesilta_raasepori.tables"].LocalService
        with runtime.uow() as uow:
            organisations.sync_registry(uow)
            accounts.add_user(
                uow,
                username="raasepori.nurse",
                display_name="Nurse",
                password="correct-horse-battery",
                roles=["health_staff"],
                municipalities=["710"],
                station_keys=["raasepori-main"],
            )
        # the page, in Finnish and in Swedish, with the plugin's strings
        with TestClient(app=create_app(runtime)) as client:
            sign_in(client, "raasepori.nurse")
            client.cookies.set("sotesilta_lang", "fi")
            empty = client.get("/x/raasepori/local-services")
            assert empty.status_code == 200, empty.text
            assert "<h1>Paikalliset palvelut: Raasepori</h1>" in empty.text
            assert "Paikallisia palveluja ei ole vielä lueteltu." in empty.text
            assert "<title>Paikalliset palvelut – Sotesilta</title>" in empty.text
            assert "Kirjaudu ulos" in empty.text  # core's base.html, with core's strings
            with runtime.uow() as uow:
                uow.session.add(local_service(name_fi="Tammisaaren kirjasto", name_sv="Ekenäs bibliotek"))
                uow.commit()
            client.cookies.set("sotesilta_lang", "sv")
            swedish = client.get("/x/raasepori/local-services")
            assert "<h1>Lokala tjänster i Raseborg</h1>" in swedish.text
            assert "<li>Ekenäs bibliotek</li>" in swedish.text and "Logga ut" in swedish.text
            # its stylesheet, linked from the page, served as core's are
            assert '<link rel="stylesheet" href="/static/plugins/raasepori/raasepori.css">' in swedish.text
            stylesheet = client.get("/static/plugins/raasepori/raasepori.css")
            assert stylesheet.status_code == 200 and ".raasepori-services" in stylesheet.text
            assert stylesheet.headers["content-type"].startswith("text/css")
            core_css = client.get("/static/site.css")
            for header in ("content-security-policy", "x-content-type-options", "x-frame-options"):
                assert stylesheet.headers[header] == core_css.headers[header]
            assert client.get("/static/plugins/raasepori/nothing.css").status_code == 404
    finally:
        # the shared PostgreSQL test database stays core's alone
        if "raasepori_0001" in migrate.current_heads(engine):
            migrate.downgrade(engine, "raasepori@base")
        engine.dispose()


def test_a_plugin_branch_must_declare_its_label_and_depend_on_core(raasepori_installed, tmp_path):  # type: ignore[no-untyped-def]
    first = raasepori_installed / "sotesilta_raasepori" / "migrations" / "raasepori_0001_local_services.py"
    text = first.read_text()
    first.write_text(
        text.replace('branch_labels = ("raasepori",)', "branch_labels = None").replace(
            f'depends_on = "{migrate.core_head()}"', "depends_on = None"
        )
    )
    problems = migrate.branch_problems()
    assert len(problems) == 2 and all(
        p.startswith("plugin 'raasepori': its first migration raasepori_0001") for p in problems
    )
    assert "declares no branch label" in problems[0] and "does not depend on core's migrations" in problems[1]
    engine = make_engine(f"sqlite:///{tmp_path / 'branchless.sqlite3'}")
    with pytest.raises(migrate.MigrationError, match="branch label"):
        migrate.upgrade(engine)
    assert migrate.current_revision(engine) is None  # nothing ran
    engine.dispose()


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
