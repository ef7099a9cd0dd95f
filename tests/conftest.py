"""Shared fixtures: a migrated database per test on SQLite, or on PostgreSQL when
``SOTESILTA_TEST_DATABASE_URL`` names one (``.ci/run`` runs the suite both ways)."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, create_engine, make_url, text
from support import PASSWORD, TEST_SECRET, Staff

from sotesilta.calendar import tables as calendar_tables  # noqa: F401  (its tables join the metadata)
from sotesilta.consent import tables as consent_tables  # noqa: F401  (its tables join the metadata)
from sotesilta.core.accounts import service as accounts
from sotesilta.core.kernel import migrate
from sotesilta.core.kernel.db import make_engine, normalise_url
from sotesilta.core.kernel.plugins.manager import Plugins, load_plugins
from sotesilta.core.kernel.runtime import Runtime
from sotesilta.core.kernel.settings import load_settings
from sotesilta.core.messages.public import outbox_for
from sotesilta.core.metadata import metadata
from sotesilta.core.organisations import service as organisations

PG_URL_ENV = "SOTESILTA_TEST_DATABASE_URL"
SYSTEM_TESTS = Path(__file__).parent / "system"


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Everything under tests/system (races, real server processes, browsers) is slow: the
    fast loop, ``pytest -m "not slow"``, leaves it out."""
    for item in items:
        if item.path.is_relative_to(SYSTEM_TESTS):
            item.add_marker(pytest.mark.slow)


def postgres_url() -> str | None:
    url = os.environ.get(PG_URL_ENV, "").strip()
    return normalise_url(url) if url else None


requires_postgres = pytest.mark.skipif(
    postgres_url() is None,
    reason=f"PostgreSQL not configured: set {PG_URL_ENV}=postgresql://postgres@127.0.0.1:5432/<db> "
    "(.ci/run does)",
)


RESET_ACCESS_LOG_HEAD = (
    "INSERT INTO access_log_head (id, last_seq, last_hash, base_seq, base_hash) "
    f"VALUES (1, 0, '{'0' * 64}', 0, '{'0' * 64}')"
)


class FakeClock:
    def __init__(self, now: datetime | None = None) -> None:
        self._now = now or datetime(2026, 3, 2, 8, 0, tzinfo=UTC)

    def now(self) -> datetime:
        return self._now

    def advance(self, **delta: float) -> None:
        self._now += timedelta(**delta)


def _reset_postgres(engine: Engine) -> None:
    with engine.begin() as connection:
        connection.execute(text("DROP SCHEMA public CASCADE"))
        connection.execute(text("CREATE SCHEMA public"))


def _empty_postgres(engine: Engine) -> None:
    """Every table emptied and every id sequence restarted, as a fresh migrated database.

    DELETE, dependent tables first: on these small tables it takes a few milliseconds,
    where TRUNCATE of all of them took about 70 (each test starts with it).
    """
    tables = [t.name for t in reversed(metadata.sorted_tables)]
    with engine.begin() as connection:
        for name in tables:
            connection.execute(text(f'DELETE FROM "{name}"'))
        connection.execute(
            text(
                "SELECT setval(c.oid, 1, false) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
                "WHERE c.relkind = 'S' AND n.nspname = current_schema()"
            )
        )
        connection.execute(text(RESET_ACCESS_LOG_HEAD))


@contextmanager
def _database_of_this_worker(url: str) -> Iterator[str]:
    """The configured database, or under pytest-xdist one beside it per worker
    (``<name>_gw0``…), created here and dropped when the worker ends."""
    worker = os.environ.get("PYTEST_XDIST_WORKER")
    if not worker:
        yield url
        return
    parsed = make_url(url)
    own = f"{parsed.database}_{worker}"
    admin = create_engine(url, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{own}" WITH (FORCE)'))
            connection.execute(text(f'CREATE DATABASE "{own}"'))
        yield parsed.set(database=own).render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{own}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture(scope="session")
def _migrated_template(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A migrated database: a SQLite file to copy, or the PostgreSQL database itself."""
    configured = postgres_url()
    if configured is not None:
        with _database_of_this_worker(configured) as pg:
            engine = make_engine(pg)
            _reset_postgres(engine)
            migrate.upgrade(engine)
            engine.dispose()
            yield pg
        return
    path = tmp_path_factory.mktemp("template") / "template.sqlite3"
    engine = make_engine(f"sqlite:///{path}")
    migrate.upgrade(engine)
    engine.dispose()
    yield str(path)


@pytest.fixture
def database_url(_migrated_template: str, tmp_path: Path) -> Iterator[str]:
    if _migrated_template.startswith("postgresql"):
        engine = make_engine(_migrated_template)
        _empty_postgres(engine)
        engine.dispose()
        yield _migrated_template
        return
    target = tmp_path / "sotesilta.sqlite3"
    shutil.copyfile(_migrated_template, target)
    yield f"sqlite:///{target}"


def machine_runtime(template: str, plugins: Plugins, tmp_path_factory: pytest.TempPathFactory) -> Runtime:
    """A runtime on a fresh database, for each example of a hypothesis state machine."""
    if template.startswith("postgresql"):
        url = template
        engine = make_engine(url)
        _empty_postgres(engine)
        engine.dispose()
    else:
        folder = tmp_path_factory.mktemp("machine")
        shutil.copyfile(template, folder / "db.sqlite3")
        url = f"sqlite:///{folder / 'db.sqlite3'}"
    data = tmp_path_factory.mktemp("data")
    settings_ = load_settings(data_dir=data, database_url=url, secret_key=TEST_SECRET)
    runtime = Runtime(
        settings=settings_,
        engine=make_engine(url),
        plugins=plugins,
        clock=FakeClock(),
        outbox=outbox_for(settings_),
    )
    with runtime.uow() as uow:
        organisations.sync_registry(uow)
    return runtime


@pytest.fixture(scope="session")
def plugins() -> Plugins:
    return load_plugins()


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def settings(tmp_path: Path, database_url: str):  # type: ignore[no-untyped-def]
    return load_settings(data_dir=tmp_path, database_url=database_url, secret_key=TEST_SECRET)


@pytest.fixture
def runtime(settings, plugins: Plugins, clock: FakeClock) -> Iterator[Runtime]:  # type: ignore[no-untyped-def]
    rt = Runtime(
        settings=settings,
        engine=make_engine(settings.resolved_database_url),
        plugins=plugins,
        clock=clock,
        outbox=outbox_for(settings),
    )
    with rt.uow() as uow:
        organisations.sync_registry(uow)
    yield rt
    rt.engine.dispose()


@pytest.fixture
def make_user(runtime: Runtime):  # type: ignore[no-untyped-def]
    def make(
        username: str,
        roles: list[str],
        municipalities: list[str] | None = None,
        stations: list[str] | None = None,
    ) -> Staff:
        with runtime.uow() as uow:
            user = accounts.add_user(
                uow,
                username=username,
                display_name=username.title(),
                password=PASSWORD,
                roles=roles,
                municipalities=municipalities or ["049"],
                station_keys=stations or [],
            )
        return Staff(user.id, user.username)

    return make


#: one app per set of plugins: building one (routes, OpenAPI, templates) takes about 0.2 s,
#: and its requests find the test's runtime in its state (``app.state.runtime``)
_APPS: dict[int, tuple[Plugins, Any]] = {}


@pytest.fixture
def client(runtime: Runtime):  # type: ignore[no-untyped-def]
    from litestar.testing import TestClient

    from sotesilta.core.app import create_app

    built = _APPS.get(id(runtime.plugins))
    if built is None or built[0] is not runtime.plugins:
        built = _APPS[id(runtime.plugins)] = (runtime.plugins, create_app(runtime))
    app = built[1]
    app.state.runtime = runtime
    with TestClient(app=app, raise_server_exceptions=False) as test_client:
        yield test_client


@dataclass
class Scheduling:
    """Espoo with one instructor at Leppävaara, a nurse, an admin; Lohja with walk-in."""

    nurse: Staff
    instructor: Staff
    admin: Staff
    worker_id: int
    station_id: int
    rule_id: int
    lohja_nurse: Staff
    lohja_instructor: Staff
    lohja_worker_id: int
    lohja_station_id: int


def station_id(runtime: Runtime, key: str) -> int:
    from sqlalchemy import select

    from sotesilta.core.organisations.tables import Station

    with runtime.uow() as uow:
        return int(uow.session.scalar(select(Station.id).where(Station.key == key)))


def add_worker(
    runtime: Runtime,
    user_id: int | None,
    municipality: str,
    name: str,
    languages: str = "fi,sv",
    *,
    serves: tuple[str, ...] = (),
) -> int:
    """A worker of the unit the municipality's plugin supplies, serving ``municipality``
    (and ``serves``, e.g. every municipality of a county-wide unit)."""
    from sotesilta.core.organisations import service as organisations

    # the unit its plugin supplies for the municipality's county (e.g. Espoo's guidance unit)
    unit = runtime.plugins.municipalities.get(municipality).county.units[0].key
    with runtime.uow() as uow:
        return organisations.create_worker(
            uow,
            by=None,
            draft=organisations.WorkerDraft(
                display_name=name,
                title=organisations.WorkerTitle.SOCIAL_INSTRUCTOR,
                languages=tuple(organisations.Language(code) for code in languages.split(",")),
                unit_id=organisations.unit_id_of(uow, unit),
                municipalities=(municipality, *serves),
                user_id=user_id,
            ),
        ).id


@pytest.fixture
def scheduling(runtime: Runtime, make_user) -> Scheduling:  # type: ignore[no-untyped-def]
    from datetime import date, time

    from sotesilta.core.scheduling.service import sessions

    leppavaara = station_id(runtime, "espoo-leppavaara")
    lohja = station_id(runtime, "lohja-keskusta")
    nurse = make_user("espoo.nurse", ["health_staff"], ["049"], ["espoo-leppavaara"])
    instructor = make_user("espoo.instructor", ["instructor"], ["049"], ["espoo-leppavaara"])
    admin = make_user("espoo.admin", ["admin"], ["049"])
    worker = add_worker(runtime, instructor.id, "049", "Elina Ohjaaja")
    lohja_nurse = make_user("lohja.nurse", ["health_staff"], ["444"], ["lohja-keskusta"])
    lohja_instructor = make_user("lohja.instructor", ["instructor"], ["444"], ["lohja-keskusta"])
    lohja_worker = add_worker(runtime, lohja_instructor.id, "444", "Laura Ohjaaja", "fi")
    with runtime.uow() as uow:
        principal = accounts.authenticate(
            uow,
            token=_token(runtime, instructor),
            policy=runtime.settings.session_policy,
        )
        # every Tuesday 9-12 with 45-minute slots from 3 March 2026 (the clock says Monday 2 March)
        rule, _ = sessions.create_session_rule(
            uow,
            principal=principal,
            draft=sessions.SessionRuleDraft(
                worker_id=worker,
                station_id=leppavaara,
                weekday=1,
                start=time(9),
                end=time(12),
                first_date=date(2026, 3, 3),
                slot_minutes=45,
            ),
        )
    return Scheduling(
        nurse,
        instructor,
        admin,
        worker,
        leppavaara,
        int(rule.id or 0),
        lohja_nurse,
        lohja_instructor,
        lohja_worker,
        lohja,
    )


def _token(runtime: Runtime, staff: Staff) -> str:
    with runtime.uow() as uow:
        return accounts.login(
            uow,
            username=staff.username,
            password=staff.password,
            secret=runtime.secret,
            policy=runtime.settings.session_policy,
        ).token


@pytest.fixture
def principal_of(runtime: Runtime):  # type: ignore[no-untyped-def]
    """The use cases' view of a signed-in staff member."""

    def resolve(staff: Staff):  # type: ignore[no-untyped-def]
        with runtime.uow() as uow:
            return accounts.authenticate(
                uow,
                token=_token(runtime, staff),
                policy=runtime.settings.session_policy,
            )

    return resolve


@pytest.fixture(scope="session", autouse=True)
def _cheap_password_hashing() -> Iterator[None]:
    """Argon2 at its lowest cost in-process: the suite hashes hundreds of
    passwords. Server processes started by tests keep the real cost."""
    from argon2 import PasswordHasher

    from sotesilta.core.kernel import secrets

    real = secrets._hasher
    secrets._hasher = PasswordHasher(time_cost=1, memory_cost=64, parallelism=1)
    yield
    secrets._hasher = real
