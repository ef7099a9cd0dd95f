"""The ``sotesilta`` command in-process (click's runner) against the test database."""

from __future__ import annotations

import os

import pytest
from click.testing import CliRunner
from sqlalchemy import func, select

from sotesilta.core.accounts.tables import UserAccount
from sotesilta.core.cli import main
from sotesilta.core.kernel.db import make_engine
from sotesilta.core.kernel.uow import UnitOfWork
from sotesilta.core.organisations.tables import Station, Worker
from sotesilta.core.scheduling.tables import GuidanceSession, Slot


def run(*args: str, input: str | None = None):  # type: ignore[no-untyped-def]
    return CliRunner().invoke(main, list(args), input=input, catch_exceptions=False)


def count(url: str, table) -> int:  # type: ignore[no-untyped-def]
    engine = make_engine(url)
    with UnitOfWork(engine) as uow:
        value = uow.session.scalar(select(func.count()).select_from(table))
    engine.dispose()
    return int(value or 0)


def test_help_lists_the_commands():
    result = run("--help")
    for command in ("serve", "db", "demo", "users", "plugins", "check"):
        assert command in result.output
    serve_help = run("serve", "--help").output
    assert "--host" in serve_help and "--port" in serve_help and "--workers" in serve_help


def test_plugins_list_shows_municipalities_and_sources():
    output = run("plugins", "list").output
    assert "espoo  [entry point sotesilta:espoo" in output
    assert "049  Espoo / Esbo" in output and "444  Lohja / Lojo" in output and "398  Lahti / Lahtis" in output
    assert "consent  [built-in]" in output and "calendar  [built-in]" in output


def test_plugins_list_shows_a_blocked_plugin(monkeypatch):
    monkeypatch.setenv("SOTESILTA_BLOCKED_PLUGINS", "lohja")
    output = run("plugins", "list").output
    assert "lohja  [blocked" in output and "444" not in output


def test_demo_loads_users_for_every_role_and_municipality_and_can_run_twice(cli_env):
    first = run("demo", "--password", "demo-password-1")
    assert first.exit_code == 0, first.output
    for username in (
        "espoo.nurse",
        "espoo.instructor",
        "espoo.manager",
        "espoo.admin",
        "lohja.nurse",
        "lohja.instructor1",
        "lohja.instructor2",
        "ph.manager",
    ):
        assert username in first.output
    assert "demo-password-1" in first.output
    users = count(cli_env, UserAccount)
    assert users >= 12 and count(cli_env, Station) == 7 and count(cli_env, Worker) >= 13
    sessions = count(cli_env, GuidanceSession)
    # Espoo's rotation (5 stations every 2nd week) and Lohja's alternating weeks, 12 weeks ahead
    assert sessions >= 50 and count(cli_env, Slot) > 250
    # each county's SHL notifications go to a unit of its own (an admin may change it)
    from sotesilta.core.consultations.tables import ShlReceiver

    assert count(cli_env, ShlReceiver) == 2
    second = run("demo", "--password", "demo-password-1")
    assert second.exit_code == 0 and count(cli_env, UserAccount) == users
    assert count(cli_env, GuidanceSession) == sessions
    extended = run("sessions", "extend", "--weeks", "16")
    assert extended.exit_code == 0 and count(cli_env, GuidanceSession) > sessions
    assert run("sessions", "extend", "--weeks", "16").output.startswith("0 sessions")


def test_the_demo_gives_a_believable_rehabilitation_outcome_report(cli_env):
    from datetime import date

    from sotesilta.core.accounts import service as accounts
    from sotesilta.core.kernel.plugins.manager import load_plugins
    from sotesilta.core.statistics.domain.disclosure import figure, hidden
    from sotesilta.core.statistics.service import rehab_report

    assert run("demo", "--password", "demo-password-1").exit_code == 0
    engine = make_engine(cli_env)
    reports = []
    with UnitOfWork(engine, plugins=load_plugins()) as uow:
        manager = accounts.principal_of_user(uow, "ph.manager")
        for year in (date.today().year - 1, date.today().year):
            reports.append(
                rehab_report.get_rehab_outcome_report(
                    uow, principal=manager, year=year, county="09", today=date.today()
                ).total
            )
    engine.dispose()
    # the history spans a year and a half back, so one of the two years is well filled
    row = max(reports, key=lambda r: figure(r.measured_pairs) or 0)
    assert not hidden(row.periods_started) and figure(row.periods_started) >= 5
    assert figure(row.measured_pairs) >= 5
    assert 0.1 <= figure(row.mean_change_of_mean) <= 0.4  # around the model's 25 % target
    assert figure(row.useful_yes_share) >= 0.8 and figure(row.goals_yes_share) >= 0.7
    assert 1.5 <= figure(row.contacts_per_week) <= 4  # "several contacts a week"


def test_demo_without_password_prints_generated_ones(cli_env):
    result = run("demo")
    assert result.exit_code == 0
    line = next(row for row in result.output.splitlines() if row.startswith("espoo.nurse"))
    assert len(line.split()[-1]) >= 16


def test_demo_is_refused_in_production(cli_env, monkeypatch):
    monkeypatch.setenv("SOTESILTA_ENV", "production")
    result = CliRunner().invoke(main, ["demo"])
    assert result.exit_code == 2 and "production" in result.output


def test_users_add_list_disable(cli_env):
    assert run("db", "upgrade").exit_code == 0
    added = run(
        "users",
        "add",
        "new.nurse",
        "--display-name",
        "New Nurse",
        "--role",
        "health_staff",
        "--municipality",
        "049",
        "--station",
        "espoo-tapiola",
        "--password-stdin",
        input="a-long-enough-password\n",
    )
    assert added.exit_code == 0, added.output
    assert "password:" not in added.output
    listing = run("users", "list").output
    assert "new.nurse" in listing and "active" in listing
    assert run("users", "disable", "new.nurse").exit_code == 0
    assert "disabled" in run("users", "list").output


def test_users_add_generates_a_password_when_none_is_given(cli_env):
    run("db", "upgrade")
    result = run(
        "users", "add", "gen.user", "--display-name", "Gen", "--role", "manager", "--municipality", "444"
    )
    assert result.exit_code == 0 and "password: " in result.output


def test_users_add_with_bad_input_explains_and_fails(cli_env):
    run("db", "upgrade")
    result = CliRunner().invoke(
        main,
        [
            "users",
            "add",
            "x!",
            "--display-name",
            "X",
            "--role",
            "admin",
            "--municipality",
            "049",
            "--password",
            "a-long-enough-password",
        ],
    )
    assert result.exit_code == 1 and "username" in result.output


def test_check_reports_an_unmigrated_database_and_passes_after_upgrade(tmp_path, monkeypatch):
    monkeypatch.setenv("SOTESILTA_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.delenv("SOTESILTA_DATABASE_URL", raising=False)
    result = CliRunner().invoke(main, ["check"])
    assert result.exit_code == 1 and "sotesilta db upgrade" in result.output
    assert run("db", "upgrade").exit_code == 0
    result = CliRunner().invoke(main, ["check"])
    assert result.exit_code == 0, result.output
    assert "database: ok" in result.output


def test_check_reports_bad_configuration(monkeypatch):
    monkeypatch.setenv("SOTESILTA_SESSION_IDLE_MINUTES", "zero")
    result = CliRunner().invoke(main, ["check"])
    assert result.exit_code == 1 and "SOTESILTA_SESSION_IDLE_MINUTES" in result.output


def test_serve_refuses_an_unmigrated_database(tmp_path, monkeypatch):
    monkeypatch.setenv("SOTESILTA_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.delenv("SOTESILTA_DATABASE_URL", raising=False)
    result = CliRunner().invoke(main, ["serve", "--port", "0"])
    assert result.exit_code == 2
    assert "sotesilta db upgrade" in result.output and "--migrate" in result.output


def test_keys_rotate_reseals_under_the_first_key(cli_env, monkeypatch):
    from sotesilta.core.kernel.sealing import generate_key

    monkeypatch.setenv("SOTESILTA_DATA_KEYS", f"old:{generate_key()}")
    assert run("demo", "--password", "demo-password-1").exit_code == 0
    engine = make_engine(cli_env)
    with engine.begin() as connection:  # one booking's worth of sealed data under the old key
        from sotesilta.core.kernel.sealing import Sealer, parse_keyring

        sealer = Sealer(parse_keyring(os.environ["SOTESILTA_DATA_KEYS"]))
        connection.exec_driver_sql(
            "INSERT INTO client_record (county_code, municipality_code, name, temporary_identity, language, "
            "created_by, created_at)"
            " VALUES ('03', '049', ?, false, 'fi', 1, '2026-01-01 00:00:00')"
            if cli_env.startswith("sqlite")
            else "INSERT INTO client_record (county_code, municipality_code, name, temporary_identity, language, "
            "created_by, created_at) VALUES ('03', '049', %s, false, 'fi', 1, now())",
            (sealer.seal("Aino", context="client_record.name"),),
        )
        clients = connection.exec_driver_sql("SELECT count(*) FROM client_record").scalar()
    engine.dispose()
    monkeypatch.setenv("SOTESILTA_DATA_KEYS", f"new:{generate_key()},{os.environ['SOTESILTA_DATA_KEYS']}")
    result = run("keys", "rotate")
    # the demo's fictional rehabilitation clients and the one above, all under the old key
    assert clients > 1 and result.exit_code == 0
    assert f"client_record.name: {clients} re-sealed" in result.output
    assert "period_goal.text: 0 re-sealed" not in result.output
    monkeypatch.setenv("SOTESILTA_DATA_KEYS", f"other:{generate_key()}")
    failed = CliRunner().invoke(main, ["keys", "rotate"])
    assert failed.exit_code == 1 and "'new'" in failed.output


def test_check_names_stored_values_under_an_unconfigured_key(cli_env, monkeypatch):
    from sotesilta.core.kernel.sealing import generate_key

    monkeypatch.setenv("SOTESILTA_DATA_KEYS", f"first:{generate_key()}")
    run("db", "upgrade")
    nurse_env = CliRunner().invoke(
        main,
        [
            "users",
            "add",
            "n.one",
            "--display-name",
            "N",
            "--role",
            "health_staff",
            "--municipality",
            "049",
            "--password",
            "a-long-enough-password",
        ],
    )
    assert nurse_env.exit_code == 0
    engine = make_engine(cli_env)
    from sotesilta.core.kernel.sealing import Sealer, parse_keyring

    sealer = Sealer(parse_keyring(os.environ["SOTESILTA_DATA_KEYS"]))
    with engine.begin() as connection:
        connection.exec_driver_sql(
            "INSERT INTO client_record (county_code, municipality_code, name, temporary_identity, language, "
            "created_by, created_at)"
            + (
                " VALUES ('03', '049', ?, false, 'fi', 1, '2026-01-01 00:00:00')"
                if cli_env.startswith("sqlite")
                else " VALUES ('03', '049', %s, false, 'fi', 1, now())"
            ),
            (sealer.seal("Aino", context="client_record.name"),),
        )
    engine.dispose()
    assert CliRunner().invoke(main, ["check"]).exit_code == 0
    monkeypatch.setenv("SOTESILTA_DATA_KEYS", f"second:{generate_key()}")
    result = CliRunner().invoke(main, ["check"])
    assert result.exit_code == 1 and "unconfigured key(s) first" in result.output


def test_stats_prints_and_draws_the_demo_years_and_imports_history(cli_env, monkeypatch, tmp_path):
    import csv
    import io
    import json
    import xml.etree.ElementTree as ET
    from datetime import date

    # Päijät-Häme's rehabilitation demo is not needed here and takes the longest
    monkeypatch.setenv("SOTESILTA_BLOCKED_PLUGINS", "paijat_hame")
    assert run("demo", "--password", "demo-password-1").exit_code == 0
    last_year = date.today().year - 1
    printed = run("stats", "--municipality", "espoo", "--year", str(last_year), "--group-by", "quarter")
    assert printed.exit_code == 0, printed.output
    rows = list(csv.reader(io.StringIO(printed.output.lstrip("\ufeff"))))
    assert rows[0] == ["taulukko", "jakso", "luokka", "luokan nimi", "arvo"]
    values = {(r[0], r[1], r[2]): r[4] for r in rows[1:]}
    assert int(values[("referrals", str(last_year), "total")]) > 100
    assert values[("visits", f"{last_year}-Q3", "realised")].isdigit()

    trend = run(
        "stats", "--municipality", "049", "--year", "2018", "--through-year", str(last_year),
        "--group-by", "year", "--format", "json", "--compare",
    )  # fmt: skip
    report = json.loads(trend.output)
    referrals = {t["key"]: t for t in report["tables"]}["referrals"]
    per_year = [row["cells"]["staff"] for row in referrals["rows"]]
    assert len(per_year) == last_year - 2018 + 1 and per_year[-1] > per_year[0]  # the service grew
    assert referrals["previous"]["staff"] > 0  # 2017 and before, the same span earlier

    charts = tmp_path / "charts"
    drawn = run(
        "stats",
        "--municipality",
        "Lohja",
        "--year",
        str(last_year),
        "--format",
        "svg",
        "--output",
        str(charts),
    )
    assert drawn.exit_code == 0, drawn.output
    files = sorted(p.name for p in charts.iterdir())
    assert files == [
        f"lohja-guidance-{last_year}-{key}.svg" for key in sorted(["clients", "visits", "topics", "onward"])
    ]
    for path in charts.iterdir():
        assert ET.parse(path).getroot().tag.endswith("svg")

    history = tmp_path / "espoo-2016.csv"
    history.write_text("month,measure,category,value\n2016-05,staff_referrals,staff,9\n", encoding="utf-8")
    imported = run("stats-import", str(history), "--municipality", "espoo")
    assert imported.exit_code == 0 and "imported 1 figures for 049 (2016-05 to 2016-05)" in imported.output
    read_back = run(
        "stats", "--municipality", "espoo", "--year", "2016", "--group-by", "year", "--format", "json"
    )
    assert {t["key"]: t for t in json.loads(read_back.output)["tables"]}["referrals"]["total"]["staff"] == 9

    history.write_text("month,measure,category,value\n2016-5,staff_referrals,staff,9\n", encoding="utf-8")
    refused = CliRunner().invoke(main, ["stats-import", str(history), "--municipality", "espoo"])
    assert refused.exit_code == 1 and "line 2" in refused.output
    unknown = CliRunner().invoke(main, ["stats", "--municipality", "atlantis", "--year", "2025"])
    assert unknown.exit_code == 2 and "atlantis" in unknown.output


@pytest.mark.parametrize(
    ("host", "port", "address"),
    [
        ("127.0.0.1", 8400, "http://127.0.0.1:8400"),
        ("0.0.0.0", 8400, "http://127.0.0.1:8400"),
        ("::1", 9000, "http://[::1]:9000"),
        ("sotesilta.local", 80, "http://sotesilta.local:80"),
    ],
)
def test_links_name_the_address_served_when_none_is_configured(host, port, address):
    from sotesilta.core.cli import served_address

    assert served_address(host, port) == address
