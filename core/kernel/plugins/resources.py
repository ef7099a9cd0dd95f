"""What a plugin ships beside its module, found by convention (as datasette finds a plugin's
``templates/`` and ``static/``):

- ``templates/``: Jinja templates, found after core's (core's win; a clash stops start-up);
- ``static/``: files served under ``/static/plugins/<plugin name>/``;
- ``locale/<lang>/LC_MESSAGES/messages.po``: the plugin's catalogue, merged with core's;
- ``migrations/``: an Alembic version location, the plugin's own branch.

"Beside its module" is the folder of the registered module: a package's own folder, or the
folder of a module inside a package (``sotesilta.consent.plugin`` has ``consent/``). A
top-level single-file module, or a plugin registered as an object, has no resources.
"""

from __future__ import annotations

import importlib.util
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType

TEMPLATES = "templates"
STATIC = "static"
LOCALE = "locale"
MIGRATIONS = "migrations"
#: where a plugin's static files are served: ``/static/plugins/<plugin name>/``
STATIC_PREFIX = "/static/plugins"


def module_folder(module: ModuleType) -> Path | None:
    """The folder of a plugin module's resources, or ``None`` if it has none."""
    # resolve(): under a strict editable install the module is a link into the source tree
    file = getattr(module, "__file__", None)
    is_package = hasattr(module, "__path__")
    if file and (is_package or (module.__spec__ is not None and module.__spec__.parent)):
        return Path(file).resolve().parent  # a package's __init__.py, or a module in a package
    locations = list(getattr(module, "__path__", None) or [])
    return Path(locations[0]).resolve() if locations else None  # a namespace package


def spec_folder(module_name: str) -> Path | None:
    """The same folder for a module not imported (yet): from its import spec."""
    try:
        spec = importlib.util.find_spec(module_name)
    except (ImportError, ValueError):
        return None
    if spec is None:
        return None
    is_package = spec.submodule_search_locations is not None
    if spec.origin and spec.has_location and (is_package or spec.parent):
        return Path(spec.origin).resolve().parent
    locations = list(spec.submodule_search_locations or [])
    return Path(locations[0]).resolve() if locations else None


@dataclass(frozen=True)
class PluginResources:
    """One plugin's resource folders (each ``None`` when it ships none)."""

    plugin: str
    folder: Path

    def _sub(self, name: str) -> Path | None:
        path = self.folder / name
        return path if path.is_dir() else None

    @property
    def templates(self) -> Path | None:
        return self._sub(TEMPLATES)

    @property
    def static(self) -> Path | None:
        return self._sub(STATIC)

    @property
    def locale(self) -> Path | None:
        return self._sub(LOCALE)

    @property
    def migrations(self) -> Path | None:
        return self._sub(MIGRATIONS)

    @property
    def static_path(self) -> str:
        return f"{STATIC_PREFIX}/{self.plugin}"

    def catalogue(self, language: str) -> Path | None:
        """The plugin's ``.po`` file for ``language``, if it ships one."""
        locale = self.locale
        path = locale / language / "LC_MESSAGES" / "messages.po" if locale else None
        return path if path is not None and path.is_file() else None

    def template_names(self) -> list[str]:
        """The names its templates are found by (paths under ``templates/``, with ``/``)."""
        folder = self.templates
        if folder is None:
            return []
        return sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file())
