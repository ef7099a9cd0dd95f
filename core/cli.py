"""The ``sotesilta`` command."""

from __future__ import annotations

import os
import signal
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path
from typing import Any, TypeVar

import click
import msgspec
from sqlalchemy.engine import make_url

from sotesilta.core import scaffold
from sotesilta.core.accounts import service as accounts
from sotesilta.core.demo import builder as demo_service
from sotesilta.core.kernel import backup, key_rotation, migrate
from sotesilta.core.kernel.clock import HELSINKI
from sotesilta.core.kernel.errors import DomainError, InputInvalid
from sotesilta.core.kernel.logging import configure_logging
from sotesilta.core.kernel.plugins.manager import PluginError, load_plugins
from sotesilta.core.kernel.readiness import check_database
from sotesilta.core.kernel.runtime import Runtime, build_runtime
from sotesilta.core.kernel.secrets import generate_password
from sotesilta.core.kernel.settings import Settings, SettingsError, load_settings
from sotesilta.core.messages.channels import smtp as smtp_channel
from sotesilta.core.messages.public import outbox_for
from sotesilta.core.messages.service.delivery import Worker, WorkerPolicy
from sotesilta.core.organisations import service as organisations
from sotesilta.core.organisations.domain import CountyProfile, Language
from sotesilta.core.scheduling.service import sessions as session_service
from sotesilta.core.statistics.domain.reports import GroupBy
from sotesilta.core.statistics.service import charts
from sotesilta.core.statistics.service import history as statistics_import
from sotesilta.core.statistics.service import reports as statistics
from sotesilta.core.statistics.service.charts import ChartFormat
from sotesilta.core.statistics.service.export import report_csv

F = TypeVar("F", bound=Callable[..., Any])


def _fail(message: str, code: int = 1) -> None:
    click.secho(message, fg="red", err=True)
    sys.exit(code)


def _settings() -> Settings:
    try:
        return load_settings()
    except SettingsError as exc:
        _fail(f"configuration is not valid:\n{exc}", 2)
        raise  # unreachable


@contextmanager
def _runtime() -> Iterator[Runtime]:
    settings = _settings()
    configure_logging(json_lines=settings.env == "production", level=settings.log_level)
    try:
        runtime = build_runtime(settings, outbox=outbox_for(settings))
    except SettingsError as exc:  # a plugin's settings section
        _fail(f"configuration is not valid:\n{exc}", 2)
    except PluginError as exc:
        _fail(f"plugins could not be loaded: {exc}", 2)
    try:
        yield runtime
    except DomainError as exc:
        _fail(f"{exc.title}: {exc.detail}")
    except migrate.MigrationError as exc:
        _fail(f"migrations cannot run:\n{exc}", 2)
    finally:
        runtime.engine.dispose()


def _require_migrated(runtime: Runtime) -> None:
    state = check_database(runtime.engine)
    if not state.ready:
        _fail("; ".join(state.problems) + "\n(or start with `sotesilta serve --migrate`)", 2)


class _WithPluginCommands(click.Group):
    """The built-in commands, and those plugins add (e.g. the consent plugin's ``audit``)."""

    _plugin_commands: dict[str, click.Command] | None = None

    def _plugins(self) -> dict[str, click.Command]:
        if self._plugin_commands is None:
            try:
                loaded = load_plugins(blocked=load_settings().blocked_plugins)
                self._plugin_commands = {c.name: c for c in loaded.commands() if c.name}
            except (SettingsError, PluginError):
                self._plugin_commands = {}  # `sotesilta check` explains what is wrong
        return self._plugin_commands

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*super().list_commands(ctx), *self._plugins()})

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        return super().get_command(ctx, cmd_name) or self._plugins().get(cmd_name)


@click.group(
    cls=_WithPluginCommands,
    help="sotesilta: scheduling and referral between health stations and social care.",
)
@click.version_option(package_name="sotesilta")
def main() -> None:
    pass


#: a server bound to every address: its links need the public address from the settings
ANY_ADDRESS = ("0.0.0.0", "::", "")  # noqa: S104  # compared with, never bound to


def served_address(host: str, port: int) -> str:
    """The address the server answers on, for links when no public address is configured."""
    shown = "127.0.0.1" if host in ANY_ADDRESS else host
    return f"http://[{shown}]:{port}" if ":" in shown else f"http://{shown}:{port}"


@main.command(help="Run the web server.")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8000, show_default=True, type=click.IntRange(0, 65535))
@click.option("--workers", default=1, show_default=True, type=click.IntRange(1, 64))
@click.option("--migrate", "run_migrations", is_flag=True, help="Upgrade the database first.")
@click.option(
    "--access-log/--no-access-log",
    default=True,
    show_default=True,
    help="Log every request (a proxy in front may already do this).",
)
def serve(host: str, port: int, workers: int, run_migrations: bool, access_log: bool) -> None:
    import uvicorn

    with _runtime() as runtime:
        if run_migrations:
            migrate.upgrade(runtime.engine, sealer=runtime.sealer)
        _require_migrated(runtime)
        with runtime.uow() as uow:
            organisations.sync_registry(uow)
        served = served_address(host, port)
        if "public_base_url" not in runtime.settings.model_fields_set:
            # links in clients' instructions, QR codes and feed addresses name the address
            # served, not the default port; the server's processes read it from here
            os.environ["SOTESILTA_PUBLIC_BASE_URL"] = served
            if host in ANY_ADDRESS:
                click.echo(f"set SOTESILTA_PUBLIC_BASE_URL: links name {served} meanwhile", err=True)
    click.echo(f"sotesilta serving on http://{host}:{port} (docs: /api/schema)", err=True)
    # uvicorn shuts down gracefully on SIGTERM and then re-raises the signal to
    # whatever handler was there before; with this no-op one the process ends
    # with status 0, which is what service managers expect from a clean stop.
    signal.signal(signal.SIGTERM, lambda _signum, _frame: None)
    from sotesilta.core.kernel.web.http_limits import LimitedHttpToolsProtocol

    uvicorn.run(
        "sotesilta.core.app:create_app",
        factory=True,
        http=LimitedHttpToolsProtocol,  # httptools, with limits on the request's head
        host=host,
        port=port,
        workers=workers,
        log_config=None,  # keep our structured logging
        proxy_headers=True,
        access_log=access_log,
        server_header=False,
        timeout_graceful_shutdown=10,
    )


@main.group(help="Database schema.")
def db() -> None:
    pass


@db.command(
    "upgrade",
    help="Apply all migrations (core's and each installed plugin's) and sync the plugins' municipalities.",
)
def db_upgrade() -> None:
    with _runtime() as runtime:
        migrate.upgrade(runtime.engine, sealer=runtime.sealer)
        with runtime.uow() as uow:
            report = organisations.sync_registry(uow)
        click.echo(
            f"database at revision {migrate.current_revision(runtime.engine)}; "
            f"{report.municipalities} municipalities, {report.stations} stations"
        )


@db.command("current", help="Show the database's migration revisions (one head per branch).")
def db_current() -> None:
    with _runtime() as runtime:
        click.echo(
            f"{migrate.current_revision(runtime.engine) or '(empty)'} (code: {migrate.head_revision()})"
        )


POSTGRES_BACKUP = (
    "the database is PostgreSQL: back it up with pg_dump -Fc and restore with pg_restore into an "
    "empty database (docs/operators.md, Backups)"
)


def _sqlite_file(settings: Settings) -> Path:
    url = make_url(settings.resolved_database_url)
    if not settings.is_embedded or not url.database or url.database == ":memory:":
        _fail(POSTGRES_BACKUP if not settings.is_embedded else "the database is not a file")
    return Path(str(url.database))


@db.command("backup", help="Write a consistent copy of the embedded SQLite database to a new file (online).")
@click.argument("target", type=click.Path(dir_okay=False, path_type=Path))
def db_backup(target: Path) -> None:
    database = _sqlite_file(_settings())
    try:
        pages = backup.backup(database, target)
    except DomainError as exc:
        _fail(f"{exc.title}: {exc.detail}")
    click.echo(f"backed up {database} to {target} ({pages} pages)")


@db.command(
    "restore",
    help="Replace the embedded SQLite database with a backup (checked first). Stop the servers first.",
)
@click.argument("source", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--yes", is_flag=True, help="Do not ask: the database's present content is replaced.")
def db_restore(source: Path, yes: bool) -> None:
    database = _sqlite_file(_settings())

    def confirm() -> None:
        click.confirm(f"Replace everything in {database} with {source}?", abort=True)

    try:
        # the backup is checked (a whole sotesilta database) before anyone is asked
        restored = backup.restore(source, database, confirm=None if yes else confirm)
    except DomainError as exc:
        _fail(f"{exc.title}: {exc.detail}")
    click.echo(
        f"restored {source} into {database} ({restored.pages} pages, revision "
        f"{', '.join(restored.revisions)}); next: sotesilta db upgrade, then sotesilta audit verify"
    )


@main.command(help="Load the demo: the seeds' municipalities, stations, workers and users.")
@click.option("--password", default=None, help="Give every demo user this password (otherwise generated).")
def demo(password: str | None) -> None:
    with _runtime() as runtime:
        if runtime.settings.env == "production":
            _fail("refusing to load demo data when SOTESILTA_ENV=production", 2)
        password_for = demo_service.fixed_password(password) if password else (lambda _u: generate_password())
        migrate.upgrade(runtime.engine, sealer=runtime.sealer)
        with runtime.uow() as uow:
            organisations.sync_registry(uow)
        loader = demo_service.DemoLoader(
            uow_factory=runtime.uow,
            now=runtime.clock.now(),
            password_for=password_for,
            reset_passwords=password is not None,
            registry=runtime.plugins.municipalities,
            plugins=runtime.plugins,
            sealer=runtime.sealer,
            index_key=runtime.index_key,
        )
        runtime.plugins.load_demo(loader)
        loader.sample_bookings()
        loader.shl_receivers()
    click.echo(f"{'username':<20} {'roles':<14} {'municipalities':<16} password")
    for user in loader.users:
        codes = ",".join(user.municipalities)
        codes = codes if len(codes) <= 15 else f"{user.municipalities[0]}+{len(user.municipalities) - 1}"
        click.echo(
            f"{user.username:<20} {','.join(user.roles):<14} {codes:<16} {user.password or '(unchanged)'}"
        )


@main.group(help="Guidance sessions.")
def sessions() -> None:
    pass


@sessions.command("extend", help="Generate every active rule's sessions up to the horizon (run daily).")
@click.option("--weeks", default=12, show_default=True, type=click.IntRange(1, 104))
def sessions_extend(weeks: int) -> None:
    with _runtime() as runtime:
        _require_migrated(runtime)
        with runtime.uow() as uow:
            created = session_service.extend_horizon(
                uow,
                horizon=timedelta(weeks=weeks),
            )
    click.echo(f"{created} sessions generated")


@main.command(help="Deliver the outbox's messages. Several may run at once, on any machines.")
@click.option("--once", is_flag=True, help="Deliver what is due now, then exit.")
@click.option("--batch", default=10, show_default=True, type=click.IntRange(1, 500), help="Per claim.")
@click.option(
    "--lease-seconds",
    default=60,
    show_default=True,
    type=click.IntRange(5, 3600),
    help="How long a claim holds; after it another worker may take the messages over.",
)
@click.option("--idle-seconds", default=2.0, show_default=True, type=click.FloatRange(0.05, 600))
def worker(once: bool, batch: int, lease_seconds: int, idle_seconds: float) -> None:
    with _runtime() as runtime:
        _require_migrated(runtime)
        delivering = Worker(
            make_uow=runtime.uow,
            plugins=runtime.plugins,
            policy=WorkerPolicy(batch=batch, lease=timedelta(seconds=lease_seconds)),
            idle=idle_seconds,
        )

        def stop(_signum: int, _frame: object) -> None:
            # the message in hand is finished (or its lease runs out), then the worker exits
            delivering.stop.set()

        signal.signal(signal.SIGTERM, stop)
        signal.signal(signal.SIGINT, stop)
        click.echo(f"worker {delivering.name} delivering", err=True)
        try:
            report = delivering.run(once=once)
        finally:
            smtp_channel.close()
    click.echo(f"{report.delivered} delivered, {report.retried} to retry, {report.dead} dead")


@main.group(help="Encryption keys of personal data.")
def keys() -> None:
    pass


@keys.command("rotate", help="Re-seal every stored value under the first configured data key.")
def keys_rotate() -> None:
    with _runtime() as runtime:
        _require_migrated(runtime)
        try:
            report = key_rotation.rotate_keys(runtime.engine, runtime.sealer)
        except key_rotation.KeyMissing as exc:
            _fail(
                f"rotation stopped: {exc}\n(configure the missing key in SOTESILTA_DATA_KEYS and run again)"
            )
            return
    for column_name, count in report.resealed.items():
        click.echo(f"{column_name}: {count} re-sealed")
    click.echo(f"{report.already_current} values were already under key {runtime.sealer.current_key_id}")


@main.group(help="Staff accounts.")
def users() -> None:
    pass


@users.command("add", help="Create a user. Without --password one is generated and printed once.")
@click.argument("username")
@click.option("--display-name", required=True)
@click.option(
    "--role",
    "roles",
    multiple=True,
    required=True,
    type=click.Choice(["health_staff", "instructor", "manager", "admin"]),
)
@click.option("--municipality", "municipalities", multiple=True, required=True, help="e.g. 049")
@click.option("--station", "stations", multiple=True, help="station key, e.g. espoo-leppavaara")
@click.option("--language", default="fi", type=click.Choice(["fi", "sv", "en"]))
@click.option("--password", default=None, help="Prefer --password-stdin: arguments show in process lists.")
@click.option("--password-stdin", is_flag=True, help="Read the password from standard input.")
def users_add(
    username: str,
    display_name: str,
    roles: tuple[str, ...],
    municipalities: tuple[str, ...],
    stations: tuple[str, ...],
    language: str,
    password: str | None,
    password_stdin: bool,
) -> None:
    generated = False
    if password_stdin:
        password = sys.stdin.readline().rstrip("\n")
    if not password:
        password, generated = generate_password(), True
    with _runtime() as runtime:
        _require_migrated(runtime)
        with runtime.uow() as uow:
            user = accounts.add_user(
                uow,
                username=username,
                display_name=display_name,
                password=password,
                roles=roles,
                municipalities=municipalities,
                station_keys=stations,
                language=language,
            )
    click.echo(f"created user {user.username} (id {user.id})")
    if generated:
        click.echo(f"password: {password}")


@users.command("list", help="List users.")
def users_list() -> None:
    with _runtime() as runtime:
        _require_migrated(runtime)
        with runtime.uow() as uow:
            found = accounts.list_users(uow)
    for user in found:
        state = "active" if user.active else "disabled"
        click.echo(
            f"{user.id:>4} {user.username:<24} {state:<8} {','.join(user.roles):<20} "
            f"{','.join(user.municipalities)}"
        )


@users.command("disable", help="Disable a user and revoke their sessions and tokens.")
@click.argument("username")
def users_disable(username: str) -> None:
    with _runtime() as runtime:
        _require_migrated(runtime)
        with runtime.uow() as uow:
            user = accounts.disable_user(uow, username=username)
    click.echo(f"disabled {user.username}")


@main.group(help="Installed plugins.")
def plugins() -> None:
    pass


@plugins.command("list", help="Show plugins, where each was found, and their municipalities.")
def plugins_list() -> None:
    settings = _settings()
    try:
        loaded = load_plugins(blocked=settings.blocked_plugins)
    except SettingsError as exc:  # a plugin's settings section
        _fail(f"configuration is not valid:\n{exc}", 2)
        return
    except PluginError as exc:
        _fail(f"plugins could not be loaded: {exc}", 2)
        return
    for info in loaded.info():
        click.echo(f"{info.name}  [{info.source}]  {info.module}")
        for m in info.municipalities:
            click.echo(f"    {m.code}  {m.name_fi} / {m.name_sv}  (county {m.county.code})")
    for name in loaded.blocked():
        click.echo(f"{name}  [blocked by SOTESILTA_BLOCKED_PLUGINS]")


@main.group("plugin", help="Writing a municipality plugin.")
def plugin() -> None:
    pass


@plugin.command("new", help="Write a working plugin package, with its own test, for a municipality.")
@click.argument("name")
@click.option("--code", required=True, help="Statistics Finland municipality code, e.g. 710.")
@click.option("--name-fi", required=True, help="Finnish name, e.g. Raasepori.")
@click.option("--name-sv", required=True, help="Swedish name, e.g. Raseborg.")
@click.option("--county", "county_code", required=True, help="Wellbeing services county code, e.g. 03.")
@click.option("--county-name-fi", default=None, help="Needed when no installed plugin knows the county.")
@click.option("--county-name-sv", default=None, help="Needed when no installed plugin knows the county.")
@click.option("--language", type=click.Choice(["fi", "sv"]), default="fi", help="Primary language.")
@click.option("--directory", type=click.Path(file_okay=False, path_type=Path), default=Path("."))
def plugin_new(
    name: str,
    code: str,
    name_fi: str,
    name_sv: str,
    county_code: str,
    county_name_fi: str | None,
    county_name_sv: str | None,
    language: str,
    directory: Path,
) -> None:
    # the county's names as the installed plugins spell them: counties are stored once per code
    known = next(
        (p.county for p in load_plugins().municipalities.all() if p.county.code == county_code), None
    )
    try:
        if known is None and not (county_name_fi and county_name_sv):
            raise InputInvalid(f"no installed plugin knows county {county_code}: give --county-name-fi/-sv")
        county = known or CountyProfile(county_code, county_name_fi or "", county_name_sv or "")
        spec = scaffold.PluginSpec(name, code, name_fi, name_sv, county, Language(language))
        root = scaffold.write_plugin_package(spec, directory)
    except InputInvalid as exc:
        _fail(exc.detail, 2)
        return
    click.echo(f"wrote {root}")
    click.echo(f"next: pip install -e '{root}[test]' && (cd {root} && pytest) && sotesilta plugins list")


def _municipality_code(runtime: Runtime, given: str) -> str:
    """A municipality by code, Finnish or Swedish name, or its plugin's name (``espoo``)."""
    wanted = given.strip().lower()
    for profile in runtime.plugins.municipalities.all():
        names = {profile.code, profile.name_fi.lower(), profile.name_sv.lower()}
        if wanted in names or runtime.plugins.municipalities.plugin_of(profile.code) == wanted:
            return profile.code
    _fail(f"no municipality {given!r} is registered (see `sotesilta plugins list`)", 2)
    raise AssertionError  # unreachable


@main.command(help="Print a statistics report as CSV or JSON, or draw its charts as PNG or SVG files.")
@click.option("--municipality", help="Code or name, e.g. 049 or espoo.")
@click.option("--county", help="County code, e.g. 09, for a county-wide report.")
@click.option("--year", required=True, type=int)
@click.option("--through-year", type=int, help="Last year of a span (a trend over years).")
@click.option("--report", "report_key", help="Report key; default: the only report kept for the scope.")
@click.option("--group-by", default="month", show_default=True, type=click.Choice([g.value for g in GroupBy]))
@click.option(
    "--format",
    "fmt",
    default="csv",
    show_default=True,
    type=click.Choice(["csv", "csv-semicolon", "json", "png", "svg"]),
)
@click.option("--compare", is_flag=True, help="Add the same span one period earlier (year over year).")
@click.option(
    "--language", default="fi", show_default=True, type=click.Choice([lang.value for lang in Language])
)
@click.option(
    "--output",
    type=click.Path(path_type=Path),
    help="File for csv/json (default: standard output); directory for charts (default: current). "
    "csv-semicolon: ';' and a decimal comma, as Excel set to Finnish or Swedish opens it.",
)
def stats(
    municipality: str | None,
    county: str | None,
    year: int,
    through_year: int | None,
    report_key: str | None,
    group_by: str,
    fmt: str,
    compare: bool,
    language: str,
    output: Path | None,
) -> None:
    with _runtime() as runtime:
        _require_migrated(runtime)
        code = _municipality_code(runtime, municipality) if municipality else None
        principal = statistics.operator_principal(runtime.plugins)
        if report_key is None:
            wanted = (
                [code]
                if code
                else [p.code for p in runtime.plugins.municipalities.all() if p.county.code == county]
            )
            found = runtime.plugins.reports.for_municipalities(wanted)
            # the scope's own: a county's county-wide report, a municipality's not its county's
            own = (
                [d for d in found if d.county == county] if county else [d for d in found if d.county is None]
            )
            keys = [d.key for d in (own or found)]
            if len(keys) != 1:
                _fail(f"choose a report with --report: {', '.join(keys) or 'none is kept for this scope'}", 2)
            report_key = keys[0]
        with runtime.uow() as uow:
            report = statistics.get_report(
                uow,
                principal=principal,
                key=report_key,
                year=year,
                through_year=through_year,
                group_by=GroupBy(group_by),
                municipality=code,
                county=county,
                compare=compare,
                today=runtime.clock.now().astimezone(HELSINKI).date(),
            )
        if fmt in ("csv", "csv-semicolon", "json"):
            text = (
                msgspec.json.format(msgspec.json.encode(report), indent=2).decode()
                if fmt == "json"
                else report_csv(report, language, semicolons=fmt == "csv-semicolon")
            )
            if output is None:
                click.echo(text, nl=False)
            else:
                output.write_text(text, encoding="utf-8")
            return
        directory = output or Path.cwd()
        directory.mkdir(parents=True, exist_ok=True)
        scope = statistics.scope_title(runtime.plugins, report.municipalities, county)
        for table in report.tables:
            path = directory / f"{report.key}-{report.first_year}-{table.key}.{fmt}"
            path.write_bytes(charts.render(report, table, language, ChartFormat(fmt), scope))
            click.echo(f"wrote {path}")


@main.command(
    "stats-import",
    help="Import monthly figures kept before the system from CSV (month,measure,category,value).",
)
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--municipality", required=True, help="Code or name, e.g. 049 or espoo.")
def stats_import(file: Path, municipality: str) -> None:
    with _runtime() as runtime:
        _require_migrated(runtime)
        code = _municipality_code(runtime, municipality)
        with runtime.uow() as uow:
            result = statistics_import.import_history(
                uow,
                municipality=code,
                text=file.read_text(encoding="utf-8-sig"),
                source=file.name,
            )
        click.echo(
            f"imported {result.lines} figures for {code} "
            f"({result.first_month:%Y-%m} to {result.last_month:%Y-%m})"
            if result.lines
            else f"the file held no figures for {code}"
        )


@main.command(help="Validate configuration, plugins and database; print what is wrong.")
def check() -> None:
    problems: list[str] = []
    try:
        settings = load_settings()
    except SettingsError as exc:
        _fail(f"configuration is not valid:\n{exc}", 1)
        return
    click.echo(
        f"settings: ok (env={settings.env}, database={'SQLite' if settings.is_embedded else 'PostgreSQL'})"
    )
    try:
        settings.secret()
        keyring = settings.keyring()
        settings.identity_index_key()
        settings.audit_signing_key()
        click.echo(f"keys: ok (data keys {', '.join(keyring)}; sealing with {next(iter(keyring))})")
    except (SettingsError, OSError, ValueError) as exc:
        problems.append(f"keys: {exc}")
        keyring = {}
    try:
        runtime = build_runtime(settings, outbox=outbox_for(settings))
    except SettingsError as exc:  # a plugin's settings section
        _fail(f"configuration is not valid:\n{exc}", 1)
        return
    except PluginError as exc:
        _fail(f"plugins: {exc}", 1)
        return
    click.echo(
        f"plugins: {len(runtime.plugins.info())} loaded, {len(runtime.plugins.municipalities)} municipalities"
    )
    problems.extend(f"plugin: {p}" for p in runtime.plugins.check())
    problems.extend(f"migrations: {p}" for p in migrate.branch_problems())
    state = check_database(runtime.engine)
    if state.ready:
        click.echo(f"database: ok (revision {state.revision})")
        missing = key_rotation.missing_key_ids(runtime.engine, set(keyring)) if keyring else set()
        if missing:
            problems.append(
                f"keys: stored values are sealed with unconfigured key(s) {', '.join(sorted(missing))}"
            )
    runtime.engine.dispose()
    problems.extend(f"database: {p}" for p in state.problems)
    for problem in problems:
        click.secho(f"problem: {problem}", fg="red", err=True)
    sys.exit(1 if problems else 0)
