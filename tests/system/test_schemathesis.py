"""Every operation of the served OpenAPI document, fuzzed by schemathesis as each role.

For each role a real server (``sotesilta serve``) runs on a fresh copy of a database with
the demo loaded through its use cases, so that ids in paths and bodies name real records, not only
missing ones. Schemathesis' command line (``st run``, whose options are its stable interface)
reads the document the server serves and calls every operation with a bearer token of the
role: the document's examples, the coverage phase (boundaries, missing and wrong-typed values,
numbers out of range) and a few generated cases, valid and invalid. Every answer must be no
server error, and one the document declares: its status, its media type, its body's schema.

Bounded to stay within CI's budget: a few cases per operation, derandomised (a failure
reproduces), no shrinking, no stateful phase.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest
import support
from server_support import serving
from sqlalchemy import Engine, create_engine, make_url, text
from support import PASSWORD, TEST_SECRET

from sotesilta.core.accounts import service as accounts
from sotesilta.core.kernel import migrate
from sotesilta.core.kernel.db import make_engine
from sotesilta.core.kernel.plugins.manager import Plugins
from sotesilta.core.kernel.runtime import Runtime
from sotesilta.core.kernel.settings import load_settings
from sotesilta.core.organisations import service as organisations

ST = str(Path(sys.executable).parent / "st")
#: a demo user of each role: Espoo's nurse, instructor, manager and admin, and Päijät-Häme's
#: instructor, who works in intensive rehabilitation (its operations answer 403 elsewhere)
ROLES = {
    "nurse": "espoo.nurse",
    "instructor": "espoo.instructor",
    "manager": "espoo.manager",
    "admin": "espoo.admin",
    "rehab-instructor": "ph.guidance",
}
CHECKS = "not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance"
#: generated cases per operation; the examples and coverage phases add their own
MAX_EXAMPLES = 5
#: logout ends the session it is called with: fuzzed on its own, with a token of its own
ENDS_SESSION = "logout"


@dataclass
class Server:
    role: str
    base: str
    log: Path
    token: str
    fresh_token: Callable[[], str]


def st_run(server: Server, token: str, report: Path, *only: str, exclude: str = "") -> tuple[str, int]:
    """``st run`` against the server; its output and exit code."""
    args = [
        ST,
        "run",
        f"{server.base}/api/schema/openapi.json",
        "--header",
        f"Authorization: Bearer {token}",
        "--checks",
        CHECKS,
        "--phases",
        "examples,coverage,fuzzing",
        "--max-examples",
        str(MAX_EXAMPLES),
        "--generation-deterministic",
        "--no-shrink",
        # its health checks judge the generation (too many values filtered), not the API
        "--suppress-health-check",
        "all",
        # the token is ours to send, not a value to generate
        "--generation-with-security-parameters",
        "false",
        "--workers",
        "1",
        "--request-timeout",
        "60",
        "--report",
        "junit",
        "--report-junit-path",
        str(report),
        "--no-color",
        "--output-truncate",
        "false",
    ]
    for operation_id in only:
        args += ["--include-operation-id", operation_id]
    if exclude:
        args += ["--exclude-operation-id", exclude]
    env = {k: v for k, v in os.environ.items() if not k.startswith("SCHEMATHESIS_")}
    done = subprocess.run(args, env=env, capture_output=True, text=True, cwd=report.parent, check=False)
    return done.stdout + done.stderr, done.returncode


def failures_in(report: Path) -> list[str]:
    """The failed operations of a JUnit report, each with its message."""
    found = []
    for case in ET.parse(report).iter("testcase"):
        for failure in [*case.iter("failure"), *case.iter("error")]:
            found.append(f"{case.get('name')}: {failure.get('message') or ''}\n{failure.text or ''}")
    return found


def summary(output: str, pattern: str) -> int:
    """A figure of the run's summary (``Tested: 89``, ``4018 generated``); 0 when missing."""
    match = re.search(pattern, output)
    return int(match.group(1)) if match else 0


LOG_RECORD = re.compile(r"^[A-Z]+ +[\w.]+: ")


def server_errors_logged(log: Path) -> str:
    """The server's tracebacks, each with the record before it: the cause of each 500, for
    the failure's message."""
    lines = log.read_text(errors="replace").splitlines()
    kept: list[str] = []
    inside = False
    for number, line in enumerate(lines):
        if line.startswith("Traceback"):
            inside = True
            kept += ["", lines[number - 1] if number else ""]
        elif LOG_RECORD.match(line):
            inside = False
        if inside:
            kept.append(line)
    return "\n".join(kept)[-20_000:]


@dataclass
class Demo:
    """A database with the demo loaded, to copy for each role, and the data folder (its keys)."""

    url: str
    data_dir: Path
    #: on PostgreSQL the worker's database, beside which the copies are made
    beside: str = ""


def load_demo(url: str, data_dir: Path, plugins: Plugins) -> None:
    # the real clock, as the server's: the demo's sessions lie ahead of it
    settings = load_settings(data_dir=data_dir, database_url=url, secret_key=TEST_SECRET)
    runtime = Runtime(settings=settings, engine=make_engine(url), plugins=plugins)
    try:
        with runtime.uow() as uow:
            organisations.sync_registry(uow)
        support.load_demo(runtime)
    finally:
        runtime.engine.dispose()


def _admin(url: str) -> Engine:
    return create_engine(url, isolation_level="AUTOCOMMIT")


def _beside(url: str, suffix: str) -> str:
    """A database beside the worker's, named so that ``.ci/run`` drops it with the workers'
    (``<name>_gw…``) should a run be killed before it does."""
    parsed = make_url(url)
    return parsed.set(database=f"{parsed.database}_gw_fuzz_{suffix}").render_as_string(hide_password=False)


def _drop(admin: Engine, url: str) -> None:
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{make_url(url).database}" WITH (FORCE)'))


@pytest.fixture(scope="module")
def demo(
    _migrated_template: str, plugins: Plugins, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Demo]:
    """The demo, loaded once (most of a role's setup) and copied for each role: a SQLite
    file, or on PostgreSQL a database the roles' are created from (``TEMPLATE``)."""
    data_dir = tmp_path_factory.mktemp("fuzz-data")
    if not _migrated_template.startswith("postgresql"):
        path = tmp_path_factory.mktemp("fuzz-demo") / "demo.sqlite3"
        shutil.copyfile(_migrated_template, path)
        load_demo(f"sqlite:///{path}", data_dir, plugins)
        yield Demo(str(path), data_dir)
        return
    url = _beside(_migrated_template, "demo")
    admin = _admin(_migrated_template)
    try:
        _drop(admin, url)
        with admin.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{make_url(url).database}"'))
        engine = make_engine(url)
        migrate.upgrade(engine)
        engine.dispose()
        load_demo(url, data_dir, plugins)
        yield Demo(url, data_dir, _migrated_template)
    finally:
        _drop(admin, url)
        admin.dispose()


@contextmanager
def copy_of(demo: Demo, role: str, folder: Path) -> Iterator[str]:
    """The demo database copied for one role; dropped afterwards on PostgreSQL."""
    if not demo.url.startswith("postgresql"):
        shutil.copyfile(demo.url, folder / "fuzz.sqlite3")
        yield f"sqlite:///{folder / 'fuzz.sqlite3'}"
        return
    url = _beside(demo.beside, role.replace("-", "_"))
    admin = _admin(demo.url)
    try:
        _drop(admin, url)
        with admin.connect() as connection:
            connection.execute(
                text(f'CREATE DATABASE "{make_url(url).database}" TEMPLATE "{make_url(demo.url).database}"')
            )
        yield url
    finally:
        _drop(admin, url)
        admin.dispose()


@pytest.fixture(params=list(ROLES))
def server(request: pytest.FixtureRequest, demo: Demo, plugins: Plugins, tmp_path: Path) -> Iterator[Server]:
    role = request.param
    with copy_of(demo, role, tmp_path) as url:
        settings = load_settings(data_dir=demo.data_dir, database_url=url, secret_key=TEST_SECRET)
        runtime = Runtime(settings=settings, engine=make_engine(url), plugins=plugins)

        def fresh_token() -> str:
            with runtime.uow() as uow:
                return accounts.login(
                    uow,
                    username=ROLES[role],
                    password=PASSWORD,
                    secret=runtime.secret,
                    policy=runtime.settings.session_policy,
                ).token

        env = {k: v for k, v in os.environ.items() if not k.startswith("SOTESILTA_")}
        env |= {
            "SOTESILTA_DATA_DIR": str(demo.data_dir),
            "SOTESILTA_DATABASE_URL": url,
            "SOTESILTA_SECRET_KEY": TEST_SECRET,
        }
        log = tmp_path / "server.log"
        try:
            with serving(env, log) as base:
                yield Server(role, base, log, fresh_token(), fresh_token)
        finally:
            runtime.engine.dispose()


def test_no_input_gets_a_server_error_or_an_undeclared_answer(server: Server, tmp_path: Path) -> None:
    runs = [
        st_run(server, server.token, tmp_path / "all.xml", exclude=ENDS_SESSION),
        st_run(server, server.fresh_token(), tmp_path / "logout.xml", ENDS_SESSION),
    ]
    outputs = "\n".join(output for output, _ in runs)
    # a run that tested nothing (no document, no server) must not pass as a clean one
    assert all(code in (0, 1) for _, code in runs), outputs[-5000:]
    cases = sum(summary(output, r"(\d+) generated") for output, _ in runs)
    tested = sum(summary(output, r"Tested: (\d+)") for output, _ in runs)
    selected = sum(summary(output, r"Selected: (\d+)/") for output, _ in runs)
    print(f"{server.role}: {cases} cases over {tested} operations")  # shown with -rP
    assert tested == selected and tested > 80 and cases > 10 * tested, outputs[-5000:]
    found = failures_in(tmp_path / "all.xml") + failures_in(tmp_path / "logout.xml")
    assert not found, "\n\n".join(found) + "\n\n" + server_errors_logged(server.log)
