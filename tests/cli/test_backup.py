"""Backup and restore as docs/operators.md describes them: SQLite through `sotesilta db backup`
and `db restore` (SQLite's online backup API), PostgreSQL through pg_dump and pg_restore.
After a restore the database checks clean and its access log verifies."""

from __future__ import annotations

import shutil
import sqlite3
import subprocess
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import create_engine, func, select, text
from sqlalchemy.engine import make_url

from sotesilta.core.accounts.tables import UserAccount
from sotesilta.core.cli import main
from sotesilta.core.kernel.db import make_engine
from sotesilta.core.kernel.uow import UnitOfWork
from sotesilta.core.scheduling.tables import Booking


def run(*args: str):  # type: ignore[no-untyped-def]
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


def counts(url: str) -> tuple[int, int]:
    """(users, bookings)"""
    engine = make_engine(url)
    with UnitOfWork(engine) as uow:
        users = uow.session.scalar(select(func.count()).select_from(UserAccount)) or 0
        bookings = uow.session.scalar(select(func.count()).select_from(Booking)) or 0
    engine.dispose()
    return int(users), int(bookings)


def add_user(name: str) -> None:
    added = run(
        "users", "add", name, "--display-name", name, "--role", "health_staff", "--municipality", "049"
    )
    assert added.exit_code == 0, added.output


def load_demo() -> None:
    """The demo in the test database, with a signed access-log checkpoint."""
    assert run("demo", "--password", "demo-password-1").exit_code == 0
    assert run("audit", "checkpoint").exit_code == 0


@pytest.fixture
def demo(cli_env):  # type: ignore[no-untyped-def]
    load_demo()
    return cli_env


def sqlite_only(url: str) -> Path:
    if not url.startswith("sqlite"):
        pytest.skip("the SQLite backup commands; PostgreSQL's backups are pg_dump's (tested below)")
    return Path(str(make_url(url).database))


def test_a_sqlite_backup_restores_over_a_database_written_since_with_its_wal(demo, tmp_path):
    database = sqlite_only(demo)
    copy = tmp_path / "backup.sqlite3"
    made = run("db", "backup", str(copy))
    assert made.exit_code == 0 and copy.is_file() and not Path(f"{copy}-wal").exists(), made.output
    before = counts(demo)
    assert before[1] > 0  # the demo books times
    assert run("db", "backup", str(copy)).exit_code == 1  # never over an existing file
    # written after the backup, and held in the WAL by a reader that stops checkpoints
    reader = sqlite3.connect(database)
    reader.execute("BEGIN")
    reader.execute("SELECT count(*) FROM user_account").fetchone()
    add_user("late.user")
    assert Path(f"{database}-wal").stat().st_size > 0
    reader.rollback()
    reader.close()
    assert counts(demo)[0] == before[0] + 1

    restored = run("db", "restore", str(copy), "--yes")
    assert restored.exit_code == 0, restored.output
    assert "revision" in restored.output
    assert counts(demo) == before  # the later user is gone, every booking is back
    with sqlite3.connect(database) as connection:
        assert connection.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    assert run("check").exit_code == 0
    verified = run("audit", "verify")
    assert verified.exit_code == 0 and "1 signed checkpoints" in verified.output, verified.output


def test_restore_refuses_what_is_not_a_whole_sotesilta_database_and_changes_nothing(cli_env, tmp_path):
    database = sqlite_only(cli_env)
    assert run("db", "upgrade").exit_code == 0
    add_user("kept.user")
    before = counts(cli_env)
    text_file = tmp_path / "notes.txt"
    text_file.write_text("not a database")
    other = tmp_path / "other.sqlite3"
    with sqlite3.connect(other) as connection:
        connection.execute("CREATE TABLE t (x)")
    damaged = tmp_path / "damaged.sqlite3"
    assert run("db", "backup", str(damaged)).exit_code == 0
    data = bytearray(damaged.read_bytes())
    data[4096 * 3 : 4096 * 3 + 512] = b"\xff" * 512  # a page of a table overwritten
    damaged.write_bytes(bytes(data))
    for source, why in (
        (tmp_path / "missing.sqlite3", "not a file"),
        (text_file, "not an SQLite database"),
        (other, "not a sotesilta database"),
        (damaged, "damaged"),
    ):
        refused = run("db", "restore", str(source), "--yes")
        assert refused.exit_code == 1 and why in refused.output, (source, refused.output)
    assert counts(cli_env) == before
    # without --yes a refused file is refused before anyone is asked...
    unasked = CliRunner().invoke(main, ["db", "restore", str(text_file)], input="")
    assert unasked.exit_code == 1 and "Replace everything" not in unasked.output
    # ...and a good one is written only after a yes
    good = tmp_path / "good.sqlite3"
    assert run("db", "backup", str(good)).exit_code == 0
    add_user("after.backup")
    declined = CliRunner().invoke(main, ["db", "restore", str(good)], input="n\n")
    assert declined.exit_code == 1 and "Replace everything" in declined.output
    assert counts(cli_env) == (before[0] + 1, before[1])  # nothing restored
    with sqlite3.connect(database) as connection:
        assert connection.execute("PRAGMA integrity_check").fetchone()[0] == "ok"


def test_the_sqlite_commands_point_postgresql_to_pg_dump(cli_env, tmp_path):
    if cli_env.startswith("sqlite"):
        pytest.skip("PostgreSQL's answer; PostgreSQL not configured for this run")
    refused = run("db", "backup", str(tmp_path / "x.sqlite3"))
    assert refused.exit_code == 1 and "pg_dump" in refused.output


def test_a_postgresql_dump_restores_into_an_empty_database_that_checks_clean(cli_env, tmp_path, monkeypatch):
    if not cli_env.startswith("postgresql"):
        pytest.skip("PostgreSQL not configured: set SOTESILTA_TEST_DATABASE_URL (.ci/run does)")
    if shutil.which("pg_dump") is None or shutil.which("pg_restore") is None:
        pytest.skip("pg_dump and pg_restore are not installed (postgresql-client)")
    demo = cli_env
    load_demo()
    assert run("audit", "chain").exit_code == 0  # what a server's chainer does within a second
    assert run("audit", "checkpoint").exit_code == 0  # and the hourly checkpoint, over the chain
    url = make_url(demo)
    before = counts(demo)
    dump = tmp_path / "sotesilta.dump"
    libpq = url.set(drivername="postgresql").render_as_string(hide_password=False)
    subprocess.run(["pg_dump", "-Fc", "--no-owner", "-f", str(dump), libpq], check=True)
    restored_name = f"{url.database}_restored"
    admin = create_engine(demo, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{restored_name}" WITH (FORCE)'))
        connection.execute(text(f'CREATE DATABASE "{restored_name}"'))
    try:
        target = url.set(database=restored_name)
        subprocess.run(
            [
                "pg_restore",
                "--no-owner",
                "--exit-on-error",
                "-d",
                target.set(drivername="postgresql").render_as_string(hide_password=False),
                str(dump),
            ],
            check=True,
        )
        restored_url = target.render_as_string(hide_password=False)
        assert counts(restored_url) == before
        monkeypatch.setenv("SOTESILTA_DATABASE_URL", restored_url)
        assert run("check").exit_code == 0
        verified = run("audit", "verify")
        assert verified.exit_code == 0 and "1 signed checkpoints" in verified.output, verified.output
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{restored_name}" WITH (FORCE)'))
        admin.dispose()
