"""Schema migrations through Alembic, driven from code (no alembic.ini needed).

Core's revisions are one line in ``core/migrations/versions``. A plugin that adds tables
ships a ``migrations/`` folder beside its module: its own branch, whose first revision
declares a branch label (the plugin's name) and ``depends_on`` core's head of that time.
Every installed plugin's branch is part of the schema, whether the plugin is blocked or not
(blocking stops its hooks, not its tables). Migrating runs every head; the database is up to
date when its heads are exactly the code's.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from alembic.util import to_tuple
from sqlalchemy import Engine

from sotesilta.core.kernel.plugins.manager import installed_plugin_folders
from sotesilta.core.kernel.plugins.resources import MIGRATIONS
from sotesilta.core.kernel.sealing import Sealer

# resolve(): under a strict editable install this file is a link into build/;
# new revisions must land in the source tree
MIGRATIONS_DIR = Path(__file__).resolve().parents[1] / "migrations"
CORE_VERSIONS = MIGRATIONS_DIR / "versions"
#: several heads are shown as one text: "0012_visits + raasepori_0001"
HEADS_SEPARATOR = " + "


class MigrationError(Exception):
    """The migrations cannot run as they are; the message says what to fix."""


def plugin_version_locations() -> list[tuple[str, Path]]:
    """The installed plugins that ship migrations, with their version location."""
    return [
        (name, folder / MIGRATIONS)
        for name, folder in installed_plugin_folders()
        if (folder / MIGRATIONS).is_dir()
    ]


def alembic_config(*, plugins: bool = True) -> Config:
    """Core's migration environment over core's versions and (unless ``plugins=False``)
    every installed plugin's."""
    locations = [CORE_VERSIONS]
    if plugins:
        locations.extend(location for _name, location in plugin_version_locations())
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.set_main_option("path_separator", "os")
    config.set_main_option("version_locations", _join_paths(locations))
    return config


def _join_paths(paths: Sequence[Path]) -> str:
    return os.pathsep.join(str(path) for path in paths)


def _script(*, plugins: bool = True) -> ScriptDirectory:
    return ScriptDirectory.from_config(alembic_config(plugins=plugins))


def heads() -> tuple[str, ...]:
    """The code's heads, sorted, as the database keeps them once migrated: core's and each
    plugin branch's, but not a head another branch depends on (a plugin branch depending on
    core's head stands for both)."""
    return tuple(sorted(_script().get_heads(consider_depends_on=True)))


def head_revision() -> str:
    """The code's heads as one text (core's head alone while no plugin has migrations)."""
    return HEADS_SEPARATOR.join(heads())


def core_head() -> str:
    """Core's own head: what a new plugin branch depends on."""
    found = _script(plugins=False).get_heads()
    if len(found) != 1:
        raise MigrationError(f"core's migrations have {len(found)} heads; merge them")
    return found[0]


def current_heads(engine: Engine) -> tuple[str, ...]:
    with engine.connect() as connection:
        return tuple(sorted(MigrationContext.configure(connection).get_current_heads()))


def current_revision(engine: Engine) -> str | None:
    """The database's heads as one text, as ``head_revision``; ``None`` when it is empty."""
    return HEADS_SEPARATOR.join(current_heads(engine)) or None


def is_up_to_date(engine: Engine) -> bool:
    return set(current_heads(engine)) == set(heads())


def branch_problems() -> list[str]:
    """Plugin branches that do not keep the rules: the first revision of a plugin's
    ``migrations/`` declares a branch label and depends on core's revisions."""
    script = _script()
    core = {s.revision for s in _script(plugins=False).walk_revisions()}
    problems = []
    for name, location in plugin_version_locations():
        for revision in script.walk_revisions():
            if revision.path is None or Path(revision.path).resolve().parent != location.resolve():
                continue
            if revision.down_revision is not None:
                continue
            if not revision.branch_labels:
                problems.append(
                    f"plugin {name!r}: its first migration {revision.revision} declares no branch label "
                    f"(branch_labels = ({name!r},))"
                )
            needs = set(to_tuple(revision.dependencies, default=()))
            if not needs & core:
                problems.append(
                    f"plugin {name!r}: its first migration {revision.revision} does not depend on core's "
                    f"migrations (depends_on = {core_head()!r})"
                )
    return problems


def upgrade(engine: Engine, revision: str = "heads", *, sealer: Sealer | None = None) -> None:
    """Migrate to ``revision``: by default every head, core's and each plugin's.

    ``sealer`` (the configured data keys) is for migrations that seal existing values
    (0018); one that finds values to seal without it stops, changing nothing."""
    problems = branch_problems()
    if problems:
        raise MigrationError("\n".join(problems))
    unknown = _unknown_heads(engine)
    if unknown:
        raise MigrationError(
            f"the database is at revision {HEADS_SEPARATOR.join(unknown)}, which no installed plugin "
            "provides: reinstall the plugin that made it"
        )
    _run(engine, lambda config: command.upgrade(config, revision), sealer)


def downgrade(engine: Engine, revision: str, *, sealer: Sealer | None = None) -> None:
    """Step down to ``revision`` (e.g. ``0009_statistics`` or ``raasepori@base``); stepping
    below 0018 opens the values it sealed, with ``sealer``."""
    _run(engine, lambda config: command.downgrade(config, revision), sealer)


def _run(engine: Engine, step: Callable[[Config], None], sealer: Sealer | None = None) -> None:
    config = alembic_config()
    config.attributes["sealer"] = sealer
    with engine.connect() as connection:
        sqlite = connection.dialect.name == "sqlite"
        if sqlite:
            # SQLite rebuilds a table to alter it; with foreign keys on, dropping the
            # old copy of a referenced table fails. Its documented procedure: keys
            # off outside the transaction, every key checked before committing.
            connection.exec_driver_sql("PRAGMA foreign_keys=OFF")
            connection.commit()
        try:
            with connection.begin():
                config.attributes["connection"] = connection
                step(config)
                if sqlite:
                    broken = connection.exec_driver_sql("PRAGMA foreign_key_check").all()
                    if broken:
                        raise MigrationError(f"the migration left rows that break foreign keys: {broken[:5]}")
        finally:
            if sqlite:
                connection.exec_driver_sql("PRAGMA foreign_keys=ON")
                connection.commit()


def _unknown_heads(engine: Engine) -> list[str]:
    script = _script()
    known = {s.revision for s in script.walk_revisions()}
    return [head for head in current_heads(engine) if head not in known]


def autogenerate(engine: Engine, message: str, *, branch: str | None = None) -> None:
    """Developer helper: write a new revision from the models' difference, on core's line
    or (``branch``) on a plugin's."""
    config = alembic_config()
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        if branch is None:
            command.revision(
                config, message=message, autogenerate=True, head=core_head(), version_path=str(CORE_VERSIONS)
            )
        else:
            command.revision(config, message=message, autogenerate=True, head=f"{branch}@head")
