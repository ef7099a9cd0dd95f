"""Migrations build the schema on both engines, and the models never drift from them."""

from __future__ import annotations

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect

from sotesilta.consent import tables as consent_tables  # noqa: F401  (registers its tables)
from sotesilta.core.kernel import migrate
from sotesilta.core.kernel.db import make_engine
from sotesilta.core.kernel.readiness import check_database
from sotesilta.core.metadata import metadata


def _drift(engine):  # type: ignore[no-untyped-def]
    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        return compare_metadata(context, metadata)


def test_an_empty_sqlite_database_upgrades_to_head_without_drift(tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path / 'fresh.sqlite3'}")
    assert check_database(engine).problems == ("database is empty: run `sotesilta db upgrade`",)
    migrate.upgrade(engine)
    assert migrate.current_revision(engine) == migrate.head_revision()
    assert check_database(engine).ready
    assert set(inspect(engine).get_table_names()) >= {t.name for t in metadata.sorted_tables}
    assert _drift(engine) == []
    engine.dispose()


def test_the_test_database_matches_the_models(database_url):
    # runs on PostgreSQL too when SOTESILTA_TEST_DATABASE_URL is set (.ci/run)
    engine = make_engine(database_url)
    assert migrate.is_up_to_date(engine)
    assert _drift(engine) == []
    engine.dispose()


def test_upgrading_twice_changes_nothing(tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path / 'twice.sqlite3'}")
    migrate.upgrade(engine)
    migrate.upgrade(engine)
    assert migrate.is_up_to_date(engine)
    engine.dispose()


def test_downgrade_to_base_and_back(tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path / 'round.sqlite3'}")
    migrate.upgrade(engine)
    migrate.downgrade(engine, "base")
    assert migrate.current_revision(engine) is None
    assert set(inspect(engine).get_table_names()) <= {"alembic_version"}
    migrate.upgrade(engine)
    assert _drift(engine) == []
    engine.dispose()


def test_revision_ids_fit_alembics_version_column():
    # alembic_version.version_num is VARCHAR(32): SQLite would take a longer id, PostgreSQL refuses it
    from alembic.script import ScriptDirectory

    revisions = list(ScriptDirectory.from_config(migrate.alembic_config()).walk_revisions())
    assert revisions and all(len(r.revision) <= 32 for r in revisions)


def test_the_newest_migrations_step_down_and_up_again_on_the_test_database(database_url):
    # on PostgreSQL too (.ci/run): the access log's trigger and functions are made (0011) and
    # dropped again (0022: entries are chained after commit)
    from sqlalchemy import text

    engine = make_engine(database_url)
    migrate.downgrade(engine, "0009_statistics")
    assert migrate.current_revision(engine) == "0009_statistics"
    assert "access_log_pending" not in inspect(engine).get_table_names()
    migrate.upgrade(engine)
    assert migrate.is_up_to_date(engine) and _drift(engine) == []
    if engine.dialect.name == "postgresql":
        with engine.connect() as connection:
            assert (
                connection.scalar(text("SELECT count(*) FROM pg_trigger WHERE tgname = 'access_log_chain'"))
                == 0
            )
    engine.dispose()


def test_a_database_at_a_revision_no_installed_plugin_provides_is_refused(tmp_path):
    # e.g. a plugin with a migration branch was uninstalled
    from sqlalchemy import text

    engine = make_engine(f"sqlite:///{tmp_path / 'orphan.sqlite3'}")
    migrate.upgrade(engine)
    with engine.begin() as connection:
        connection.execute(text("INSERT INTO alembic_version (version_num) VALUES ('gone_0001')"))
    assert migrate.current_heads(engine) == tuple(sorted((migrate.core_head(), "gone_0001")))
    state = check_database(engine)
    assert not state.ready and f"{migrate.core_head()} + gone_0001" in state.problems[0]
    with pytest.raises(migrate.MigrationError, match="gone_0001, which no installed plugin provides"):
        migrate.upgrade(engine)
    engine.dispose()


def test_sqlite_connections_enforce_foreign_keys_and_use_wal(tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path / 'pragmas.sqlite3'}")
    with engine.connect() as connection:
        assert connection.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert connection.exec_driver_sql("PRAGMA busy_timeout").scalar() == 5000
    engine.dispose()


def test_inline_database_work_falls_back_to_a_thread_when_a_writer_holds_sqlite(tmp_path):
    import asyncio
    import threading

    from sqlalchemy import text

    from sotesilta.core.kernel.plugins.manager import load_plugins
    from sotesilta.core.kernel.runtime import Runtime
    from sotesilta.core.kernel.settings import load_settings
    from sotesilta.core.kernel.uow import UnitOfWork

    url = f"sqlite:///{tmp_path / 'busy.sqlite3'}"
    engine = make_engine(url)
    migrate.upgrade(engine)
    runtime = Runtime(
        settings=load_settings(data_dir=tmp_path, database_url=url), engine=engine, plugins=load_plugins()
    )
    holding, release = threading.Event(), threading.Event()

    def writer_in_a_thread() -> None:
        with runtime.uow() as uow:
            uow.session.execute(text("UPDATE county SET name_fi = name_fi"))
            holding.set()
            release.wait(5)
            uow.commit()

    def write(uow: UnitOfWork) -> str:
        uow.session.execute(text("UPDATE county SET name_sv = name_sv"))
        uow.commit()
        return threading.current_thread().name

    thread = threading.Thread(target=writer_in_a_thread)
    thread.start()
    holding.wait(5)

    async def main() -> str:
        asyncio.get_running_loop().call_later(0.2, release.set)  # the loop stays free to do this
        with runtime.uow() as uow:
            return await runtime.run_db(write, uow)

    ran_in = asyncio.run(main())
    thread.join(5)
    assert ran_in != threading.main_thread().name  # it waited in a worker thread, not on the loop
    engine.dispose()
