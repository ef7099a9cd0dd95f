"""Build the plugin manager and wrap it in a small typed facade.

Built at start-up by a function, never at import time, so tests and tools get
a fresh manager each time and configuration can block a plugin.
"""

from __future__ import annotations

import importlib
import importlib.metadata
import logging
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any, TypeVar, cast

import pluggy

from sotesilta.core.kernel.background import BackgroundTask
from sotesilta.core.kernel.errors import DomainError
from sotesilta.core.kernel.events import DomainEvent
from sotesilta.core.kernel.plugins import PROJECT_NAME, hookspecs
from sotesilta.core.kernel.plugins.channels import ChannelRegistry
from sotesilta.core.kernel.plugins.feedback_forms import FeedbackFormRegistry
from sotesilta.core.kernel.plugins.registry import (
    CodeListRegistry,
    DemoBuilder,
    MunicipalityRegistry,
    ReportRegistry,
)
from sotesilta.core.kernel.plugins.resources import PluginResources, module_folder, spec_folder
from sotesilta.core.kernel.plugins.sections import PluginSettings, SettingsSections
from sotesilta.core.kernel.privacy import AccessEvent, ConsentDecision, ConsentQuery
from sotesilta.core.kernel.settings import SettingsError, config_tables
from sotesilta.core.organisations.domain import MunicipalityProfile
from sotesilta.core.scheduling.domain.bookings import BookingDraft

#: importable by name only: core never imports them statically (one-way deps)
BUILTIN_PLUGINS: Mapping[str, str] = {
    "core-defaults": "sotesilta.core.kernel.plugins.defaults",
    "consent": "sotesilta.consent.plugin",
    "calendar": "sotesilta.calendar.plugin",
    # e-mail over SMTP: core's own channel, a plugin so that a county may block it for its own
    "smtp": "sotesilta.core.messages.channels.smtp",
}
#: core defaults cannot be blocked: the shared code lists are part of the model
UNBLOCKABLE = frozenset({"core-defaults"})

log = logging.getLogger("sotesilta.plugins")
S = TypeVar("S", bound=PluginSettings)


class PluginError(Exception):
    """A plugin problem that stops start-up; the message says what to fix."""


class PluginSettingsError(PluginError, SettingsError):
    """A plugin's settings section is not valid: a configuration problem, one per line."""


@dataclass(frozen=True)
class PluginInfo:
    name: str
    source: str  # "built-in" or "entry point <group>:<name> (<dist> <version>)"
    module: str
    municipalities: tuple[MunicipalityProfile, ...]


def build_plugin_manager(
    *,
    blocked: Iterable[str] = (),
    extra: Sequence[tuple[str, object]] = (),
    entry_points: bool = True,
) -> pluggy.PluginManager:
    """A fresh, validated manager: built-ins, then entry points, then ``extra``.

    ``extra`` registers plugin objects directly (tests, embedding); a blocked
    name is never registered, whatever its source.
    """
    blocked = set(blocked)
    pm = pluggy.PluginManager(PROJECT_NAME)
    pm.add_hookspecs(hookspecs)
    for name in blocked - UNBLOCKABLE:
        pm.set_blocked(name)
    try:
        for name, module_name in BUILTIN_PLUGINS.items():
            if name in blocked and name not in UNBLOCKABLE:
                continue
            pm.register(importlib.import_module(module_name), name=name)
        if entry_points:
            try:
                pm.load_setuptools_entrypoints(PROJECT_NAME)
            except pluggy.PluginValidationError:
                raise
            except Exception as exc:  # an entry point that fails to import
                raise PluginError(f"could not load a plugin entry point: {exc}") from exc
        for name, plugin in extra:
            if not pm.is_blocked(name):
                pm.register(plugin, name=name)
        pm.check_pending()
    except pluggy.PluginValidationError as exc:
        raise PluginError(f"plugin {exc.plugin!r} does not fit the hook specifications: {exc}") from exc
    return pm


def _call_each(pm: pluggy.PluginManager, hook_name: str, **kwargs: Any) -> None:
    """Call every implementation of a registration hook, telling it apart.

    The ``register`` callbacks need to know which plugin is calling so that a
    duplicate can name both; so implementations are called one by one.
    """
    hook = getattr(pm.hook, hook_name)
    for impl in hook.get_hookimpls():  # registration order (a plain call runs LIFO)
        plugin_name = impl.plugin_name
        # like pluggy, pass only the arguments the implementation declares
        bound = {
            k: (v(plugin_name) if k == "register" else v) for k, v in kwargs.items() if k in impl.argnames
        }
        try:
            impl.function(**bound)
        except DomainError:
            raise
        except Exception as exc:
            raise PluginError(f"plugin {plugin_name!r} failed in {hook_name}: {exc}") from exc


class Plugins:
    """Typed facade over ``pm.hook``: the rest of the code never calls hooks directly."""

    def __init__(self, pm: pluggy.PluginManager) -> None:
        self.pm = pm
        self.municipalities = MunicipalityRegistry()
        self.code_lists = CodeListRegistry()
        self.reports = ReportRegistry()
        self.feedback_forms = FeedbackFormRegistry(self.municipalities)
        self.sections = SettingsSections()
        self.channels = ChannelRegistry()
        try:
            _call_each(
                pm,
                "sotesilta_register_municipalities",
                register=lambda plugin: lambda profile: self.municipalities.register(profile, plugin=plugin),
            )
            _call_each(
                pm,
                "sotesilta_register_code_lists",
                register=lambda plugin: (
                    lambda list_name, code, labels, municipality=None: self.code_lists.register(
                        list_name, code, labels, municipality, plugin=plugin
                    )
                ),
            )
            _call_each(
                pm,
                "sotesilta_register_statistics_reports",
                register=lambda plugin: lambda report: self.reports.register(report, plugin=plugin),
            )
            _call_each(
                pm,
                "sotesilta_register_feedback_forms",
                register=lambda plugin: lambda form: self.feedback_forms.register(form, plugin=plugin),
            )
            self.feedback_forms.check_municipalities(m.code for m in self.municipalities.all())
            _call_each(
                pm,
                "sotesilta_register_channels",
                register=lambda plugin: (
                    lambda name, channel: self.channels.register(name, channel, plugin=plugin)
                ),
            )
            _call_each(
                pm,
                "sotesilta_register_settings",
                register=lambda plugin: (
                    lambda section, model: self.sections.register(section, model, plugin=plugin)
                ),
            )
        except DomainError as exc:
            raise PluginError(str(exc)) from exc
        try:
            self.sections.load(config_tables(), ignored=frozenset(self.blocked()))
        except SettingsError as exc:
            raise PluginSettingsError(str(exc)) from None
        if not pm.hook.sotesilta_record_access.get_hookimpls():
            raise PluginError(
                "no plugin keeps the access log (sotesilta_record_access): client data cannot be served; "
                "do not block the built-in 'consent' plugin"
            )

    def _collect(self, hook_name: str) -> list[Any]:
        """What every plugin passes to a registration hook's ``register``."""
        collected: list[Any] = []
        _call_each(self.pm, hook_name, register=lambda _plugin: collected.append)
        return collected

    def routes(self) -> list[Any]:
        return self._collect("sotesilta_register_routes")

    def load_demo(self, builder: DemoBuilder) -> None:
        _call_each(self.pm, "sotesilta_load_demo", demo=builder)

    def record_access(self, connection: Any, event: AccessEvent) -> None:
        self.pm.hook.sotesilta_record_access(connection=connection, event=event)

    def consent_decision(self, session: Any, query: ConsentQuery) -> ConsentDecision:
        # a firstresult hook; core-defaults answers last, so there is always an answer
        return cast(ConsentDecision, self.pm.hook.sotesilta_consent_decision(session=session, query=query))

    def commands(self) -> list[Any]:
        return self._collect("sotesilta_register_commands")

    def background_tasks(self) -> list[BackgroundTask]:
        """What the server processes repeat in the background; two of one name are refused."""
        tasks: list[BackgroundTask] = []
        _call_each(
            self.pm,
            "sotesilta_register_background_tasks",
            register=lambda _plugin: lambda name, run, every: tasks.append(BackgroundTask(name, run, every)),
        )
        names = [task.name for task in tasks]
        twice = sorted({name for name in names if names.count(name) > 1})
        if twice:
            raise PluginError(f"background tasks registered twice: {', '.join(twice)}")
        return tasks

    def booking_vetoes(self, draft: BookingDraft) -> list[str]:
        return [reason for reason in self.pm.hook.sotesilta_validate_booking(draft=draft) if reason]

    def notify(self, event: DomainEvent) -> None:
        """Tell every plugin; one that fails is logged and the others still hear it."""
        for impl in self.pm.hook.sotesilta_event.get_hookimpls():
            try:
                impl.function(event=event)
            except Exception:
                log.exception(
                    "plugin failed on an event", extra={"plugin": impl.plugin_name, "kind": event.kind}
                )

    def in_transaction(self, uow: Any, event: DomainEvent) -> None:
        """Tell every plugin inside the change's transaction; an exception undoes the change
        (what a plugin writes there, a message, must stand or fall with it)."""
        self.pm.hook.sotesilta_event_in_transaction(uow=uow, event=event)

    def check(self) -> list[str]:
        problems: list[str] = []
        for answer in self.pm.hook.sotesilta_check():
            problems.extend(answer or [])
        return problems

    def info(self) -> list[PluginInfo]:
        dists = {id(plugin): dist for plugin, dist in self.pm.list_plugin_distinfo()}
        found: list[PluginInfo] = []
        for name, plugin in self.pm.list_name_plugin():
            if plugin is None:  # blocked
                continue
            dist = dists.get(id(plugin))
            if dist is not None:
                source = f"entry point {PROJECT_NAME}:{name} ({dist.project_name} {dist.version})"
            elif name in BUILTIN_PLUGINS:
                source = "built-in"
            else:
                source = "registered directly"
            module = plugin.__name__ if isinstance(plugin, ModuleType) else type(plugin).__qualname__
            owned = tuple(
                m for m in self.municipalities.all() if self.municipalities.plugin_of(m.code) == name
            )
            found.append(PluginInfo(name, source, module, owned))
        return sorted(found, key=lambda p: (p.source != "built-in", p.name))

    def blocked(self) -> list[str]:
        return sorted(name for name, plugin in self.pm.list_name_plugin() if plugin is None)

    def settings(self, model: type[S]) -> S:
        """A plugin's validated settings section, by the model it registered."""
        return self.sections.get(model)

    def resources(self) -> list[PluginResources]:
        """The registered plugins' resource folders, in registration order (core's own
        defaults have none: they are core's)."""
        found = []
        for name, plugin in self.pm.list_name_plugin():
            if name in UNBLOCKABLE or not isinstance(plugin, ModuleType):
                continue
            folder = module_folder(plugin)
            if folder is not None:
                found.append(PluginResources(name, folder))
        return found


def load_plugins(
    *,
    blocked: Iterable[str] = (),
    extra: Sequence[tuple[str, object]] = (),
    entry_points: bool = True,
) -> Plugins:
    return Plugins(build_plugin_manager(blocked=blocked, extra=extra, entry_points=entry_points))


def installed_entry_points() -> list[importlib.metadata.EntryPoint]:
    return list(importlib.metadata.entry_points(group=PROJECT_NAME))


def installed_plugin_folders() -> list[tuple[str, Path]]:
    """Every installed plugin's resource folder (the built-ins', then the entry points'),
    blocked or not, found without importing the plugins: for the migrations, which are part
    of the database's schema whether the plugin is loaded or not."""
    modules = [*BUILTIN_PLUGINS.items(), *((ep.name, ep.module) for ep in installed_entry_points())]
    found: list[tuple[str, Path]] = []
    for name, module in modules:
        if name in UNBLOCKABLE:
            continue
        folder = spec_folder(module)
        if folder is not None:
            found.append((name, folder))
    return found
