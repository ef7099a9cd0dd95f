"""Resources a plugin ships beside its module, found by convention: ``templates/`` after core's
(a clash stops start-up), ``static/`` under ``/static/plugins/<name>/``, ``locale/`` merged
with core's catalogue, ``migrations/`` as its own Alembic branch."""

from __future__ import annotations

import importlib
import sys
import types
from collections.abc import Iterator
from pathlib import Path

import pytest
from support import REPO_ROOT

from sotesilta.core.app import TEMPLATE_PACKAGES
from sotesilta.core.kernel.plugins.manager import PluginError, installed_plugin_folders, load_plugins
from sotesilta.core.kernel.plugins.resources import module_folder
from sotesilta.core.kernel.web.shell import template_environment

PO = 'msgid ""\nmsgstr ""\n"Language: {lang}\\n"\n"Content-Type: text/plain; charset=utf-8\\n"\n\n{entries}'


@pytest.fixture
def make_plugin(tmp_path, monkeypatch) -> Iterator:  # type: ignore[type-arg]
    """Write a plugin package with the given files and import it."""
    site = tmp_path / "site"
    monkeypatch.syspath_prepend(str(site))
    made: list[str] = []

    def make(name: str, files: dict[str, str]) -> types.ModuleType:
        package = site / name
        package.mkdir(parents=True)
        (package / "__init__.py").write_text('"""A throwaway plugin of the tests."""\n')
        for path, text in files.items():
            (package / path).parent.mkdir(parents=True, exist_ok=True)
            (package / path).write_text(text)
        importlib.invalidate_caches()
        made.append(name)
        return importlib.import_module(name)

    yield make
    for name in made:
        sys.modules.pop(name, None)


def test_the_built_in_plugins_carry_their_pages_resources():
    found = {r.plugin: r for r in load_plugins().resources()}
    assert "core-defaults" not in found  # core's own defaults are core's
    consent, calendar = found["consent"], found["calendar"]
    assert consent.folder == REPO_ROOT / "consent" and calendar.folder == REPO_ROOT / "calendar"
    assert consent.template_names() == [
        "consent.html",
        "consent_find.html",
        "consent_macros.html",
        "consent_reason.html",
    ]
    assert calendar.template_names() == ["feeds.html"]
    for resources in (consent, calendar):
        assert all(resources.catalogue(language) for language in ("fi", "sv", "en"))
        assert resources.static is None and resources.migrations is None  # their tables are core's 0004/0007
    assert all(
        not r.template_names() for name, r in found.items() if name in ("espoo", "lohja", "paijat_hame")
    )


def test_an_installed_plugins_folder_is_found_without_importing_it():
    folders = dict(installed_plugin_folders())
    assert folders["consent"] == REPO_ROOT / "consent" and folders["espoo"] == REPO_ROOT / "plugins" / "espoo"
    assert "core-defaults" not in folders


def test_a_plugin_without_a_folder_of_its_own_has_no_resources():
    assert module_folder(types.ModuleType("in_memory")) is None
    assert module_folder(importlib.import_module("sotesilta.consent.plugin")) == REPO_ROOT / "consent"
    loaded = load_plugins(extra=[("in_memory", types.ModuleType("in_memory"))], entry_points=False)
    assert "in_memory" not in {r.plugin for r in loaded.resources()}


def test_a_plugins_templates_come_after_cores_and_use_its_catalogue(make_plugin):
    plugin = make_plugin(
        "resources_plugin",
        {
            "templates/resources_plugin_page.html": '{% extends "base.html" %}{% block main %}'
            '<h1>{{ _("Local services") }}</h1><p>{{ _("Log in") }}</p>{% endblock %}',
            "locale/sv/LC_MESSAGES/messages.po": PO.format(
                lang="sv",
                entries='msgid "Local services"\nmsgstr "Lokala tjänster"\n\n'
                'msgid "Log in"\nmsgstr "Kom in"\n',  # core's own translation wins
            ),
        },
    )
    resources = load_plugins(extra=[("resources_plugin", plugin)], entry_points=False).resources()
    environment = template_environment(TEMPLATE_PACKAGES, resources)
    from sotesilta.core.kernel.web.i18n import template_context

    context = {
        **template_context("sv"),
        "csrf_token": "t",
        "user": None,
        "here": "/",
        "page_exists": lambda _name: False,
    }
    html = environment.get_template("resources_plugin_page.html").render(context)
    assert "<h1>Lokala tjänster</h1>" in html and "<p>Logga in</p>" in html
    assert '<html lang="sv">' in html  # core's base.html
    # core's catalogue alone knows nothing of the plugin's messages
    core_only = template_environment(TEMPLATE_PACKAGES).from_string('{{ _("Local services") }}')
    assert core_only.render(template_context("sv")) == "Local services"


def test_a_plugin_template_named_like_one_of_cores_stops_start_up(make_plugin):
    plugin = make_plugin("shadowing_plugin", {"templates/base.html": "<p>mine</p>"})
    resources = load_plugins(extra=[("shadowing_plugin", plugin)], entry_points=False).resources()
    with pytest.raises(PluginError) as caught:
        template_environment(TEMPLATE_PACKAGES, resources)
    assert "'shadowing_plugin'" in str(caught.value) and "'base.html'" in str(caught.value)
    assert "core (sotesilta.core.kernel.web)" in str(caught.value)


def test_two_plugins_shipping_the_same_template_stop_start_up(make_plugin):
    first = make_plugin("first_plugin", {"templates/shared/page.html": "<p>first</p>"})
    second = make_plugin("second_plugin", {"templates/shared/page.html": "<p>second</p>"})
    loaded = load_plugins(extra=[("first", first), ("second", second)], entry_points=False)
    with pytest.raises(PluginError) as caught:
        template_environment(TEMPLATE_PACKAGES, loaded.resources())
    message = str(caught.value)
    assert "'second'" in message and "plugin 'first'" in message and "'shared/page.html'" in message


def test_create_app_refuses_a_clash_at_start_up(make_plugin, settings):  # type: ignore[no-untyped-def]
    from sotesilta.core.app import create_app
    from sotesilta.core.kernel.runtime import build_runtime

    plugin = make_plugin("clashing_plugin", {"templates/consent.html": "<p>mine</p>"})
    runtime = build_runtime(
        settings, plugins=load_plugins(extra=[("clashing_plugin", plugin)], entry_points=False)
    )
    try:
        with pytest.raises(PluginError, match="plugin 'consent'"):
            create_app(runtime)
    finally:
        runtime.engine.dispose()


def test_a_plugins_static_files_are_served_under_its_name(make_plugin, settings):  # type: ignore[no-untyped-def]
    from litestar.testing import TestClient

    from sotesilta.core.app import create_app
    from sotesilta.core.kernel.runtime import build_runtime

    plugin = make_plugin("static_plugin", {"static/app.js": "console.log('static_plugin');\n"})
    runtime = build_runtime(
        settings, plugins=load_plugins(extra=[("static_plugin", plugin)], entry_points=False)
    )
    try:
        with TestClient(app=create_app(runtime)) as client:
            served = client.get("/static/plugins/static_plugin/app.js")  # no login: like core's
            assert served.status_code == 200 and "static_plugin" in served.text
            core = client.get("/static/site.js")
            assert core.status_code == 200
            for header in ("content-security-policy", "x-content-type-options", "referrer-policy"):
                assert served.headers[header] == core.headers[header]
            assert client.get("/static/plugins/consent/consent.html").status_code == 404  # it has no static/
    finally:
        runtime.engine.dispose()


def test_the_migrations_of_the_installed_plugins_are_their_own_branches():
    from sotesilta.core.kernel import migrate

    # none of the shipped plugins adds tables yet: consent's and calendar's are core's revisions
    assert migrate.plugin_version_locations() == []
    assert migrate.heads() == (migrate.core_head(),) and migrate.branch_problems() == []
    assert Path(migrate.alembic_config().get_main_option("version_locations") or "") == migrate.CORE_VERSIONS
