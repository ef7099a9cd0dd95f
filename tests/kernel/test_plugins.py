"""The plugin kernel: discovery, registration, duplicates, misspelt hooks, blocking.

Each ``test_hook_<name>`` proves one hook works end to end; the meta-test in
``test_plugin_meta.py`` requires one per hook specification.
"""

from __future__ import annotations

import types

import pytest

from sotesilta.core import plugin_api as api
from sotesilta.core.kernel.errors import InputInvalid
from sotesilta.core.kernel.plugins.manager import (
    PluginError,
    build_plugin_manager,
    installed_entry_points,
    load_plugins,
)

COUNTY = api.CountyProfile("03", "Länsi-Uudenmaan hyvinvointialue", "Västra Nylands välfärdsområde")


def _module(name: str, **hooks: object) -> types.ModuleType:
    module = types.ModuleType(name)
    for hook_name, function in hooks.items():
        setattr(module, hook_name, function)
    return module


def test_the_municipality_county_and_sms_plugins_are_found_through_entry_points():
    names = {ep.name: ep.value for ep in installed_entry_points()}
    assert names == {
        "espoo": "sotesilta.plugins.espoo",
        "lohja": "sotesilta.plugins.lohja",
        "lansi_uusimaa": "sotesilta.plugins.lansi_uusimaa",
        "paijat_hame": "sotesilta.plugins.paijat_hame",
        # the reference SMS provider: a plugin of the channel hook, with no municipality
        "sms_gateway": "sotesilta.plugins.sms_gateway",
    }
    loaded = load_plugins()
    sources = {info.name: info.source for info in loaded.info()}
    for name in ("espoo", "lohja", "lansi_uusimaa", "paijat_hame"):
        assert sources[name].startswith(f"entry point sotesilta:{name} (sotesilta ")
    assert sources["consent"] == sources["calendar"] == "built-in"


def test_municipalities_carry_official_codes_and_both_names(plugins):
    registry = plugins.municipalities
    assert (registry.get("049").name_fi, registry.get("049").name_sv) == ("Espoo", "Esbo")
    assert (registry.get("444").name_fi, registry.get("444").name_sv) == ("Lohja", "Lojo")
    assert registry.get("398").name_sv == "Lahtis"
    paijat_hame = {m.code for m in registry.all() if m.county.code == "09"}
    assert paijat_hame == {"398", "111", "576", "016", "316", "098", "081", "560", "142", "781"}
    assert len(registry.get("049").stations) == 5
    assert registry.get("444").stations[0].booking_mode is api.BookingMode.BOTH
    assert registry.get("049").age_groups == (api.AgeGroup(18, 64),)
    assert registry.get("398").age_groups == (api.AgeGroup(18, 29),)


def test_hook_sotesilta_register_municipalities():
    profile = api.MunicipalityProfile(
        "710",
        "Raasepori",
        "Raseborg",
        COUNTY,
        primary_language=api.Language.SV,
        stations=(
            api.StationProfile(
                "raasepori-tammisaari", "Tammisaaren terveysasema", "Ekenäs hälsostation", "Ekenäs"
            ),
        ),
    )
    plugin = _module(
        "raasepori", sotesilta_register_municipalities=api.hookimpl(lambda register: register(profile))
    )
    loaded = load_plugins(extra=[("raasepori", plugin)])
    assert loaded.municipalities.get("710") is profile
    assert loaded.municipalities.plugin_of("710") == "raasepori"
    assert [m.code for m in next(i for i in loaded.info() if i.name == "raasepori").municipalities] == ["710"]


def test_a_duplicate_municipality_is_refused_naming_both_plugins():
    impostor = api.MunicipalityProfile("049", "Espoo", "Esbo", COUNTY)
    plugin = _module(
        "impostor", sotesilta_register_municipalities=api.hookimpl(lambda register: register(impostor))
    )
    with pytest.raises(PluginError) as caught:
        load_plugins(extra=[("impostor", plugin)])
    assert "049" in str(caught.value) and "'espoo'" in str(caught.value) and "'impostor'" in str(caught.value)


def test_a_duplicate_station_key_is_refused():
    thief = api.MunicipalityProfile(
        "710",
        "Raasepori",
        "Raseborg",
        COUNTY,
        stations=(api.StationProfile("lohja-keskusta", "x", "x", "x"),),
    )
    plugin = _module(
        "thief", sotesilta_register_municipalities=api.hookimpl(lambda register: register(thief))
    )
    with pytest.raises(PluginError, match="lohja-keskusta"):
        load_plugins(extra=[("thief", plugin)])


def test_a_misspelt_hook_fails_at_start_up():
    plugin = _module("typo", sotesilta_register_municipalitys=api.hookimpl(lambda register: None))
    with pytest.raises(PluginError, match="typo"):
        build_plugin_manager(extra=[("typo", plugin)])


def test_a_hook_with_a_wrong_argument_name_fails_at_start_up():
    plugin = _module("wrongarg", sotesilta_register_municipalities=api.hookimpl(lambda registr: None))
    with pytest.raises(PluginError, match="wrongarg"):
        build_plugin_manager(extra=[("wrongarg", plugin)])


def test_an_implementation_may_declare_fewer_arguments():
    plugin = _module("quiet", sotesilta_register_code_lists=api.hookimpl(lambda: None))
    load_plugins(extra=[("quiet", plugin)])


def test_a_plugin_that_raises_while_registering_is_named():
    def broken(register):  # type: ignore[no-untyped-def]
        raise RuntimeError("boom")

    plugin = _module("broken", sotesilta_register_municipalities=api.hookimpl(broken))
    with pytest.raises(PluginError, match="'broken' failed in sotesilta_register_municipalities: boom"):
        load_plugins(extra=[("broken", plugin)])


def test_undecorated_functions_are_not_hooks():
    # a helper that merely looks like a hook name is ignored rather than called
    plugin = _module("plain", sotesilta_helper=lambda: None)
    build_plugin_manager(extra=[("plain", plugin)])


def test_blocking_a_plugin_keeps_it_out():
    loaded = load_plugins(blocked=["lohja", "calendar"])
    names = {info.name for info in loaded.info()}
    assert "lohja" not in names and "calendar" not in names and "espoo" in names
    assert loaded.municipalities.get("444") is None
    assert "feed_privacy_mode" not in loaded.code_lists.list_names()
    assert loaded.blocked() == ["calendar", "lohja"]


def test_core_defaults_cannot_be_blocked():
    loaded = load_plugins(blocked=["core-defaults"])
    assert len(loaded.code_lists.entries("guidance_reason")) == 6


def test_blocking_an_extra_plugin_by_name():
    plugin = _module("extra", sotesilta_check=api.hookimpl(lambda: ["never seen"]))
    loaded = load_plugins(blocked=["extra"], extra=[("extra", plugin)])
    assert loaded.check() == []


def test_hook_sotesilta_register_code_lists():
    def register_codes(register):  # type: ignore[no-untyped-def]
        register(
            "topic", "ferry_traffic", {"fi": "Lautat", "sv": "Färjor", "en": "Ferries"}, municipality="049"
        )

    loaded = load_plugins(
        extra=[("topics", _module("topics", sotesilta_register_code_lists=api.hookimpl(register_codes)))]
    )
    assert [e.code for e in loaded.code_lists.entries("topic", "049")][-1] == "ferry_traffic"
    assert "ferry_traffic" not in {
        e.code for e in loaded.code_lists.entries("topic", "444")
    }  # local to Espoo
    reasons = loaded.code_lists.entries("guidance_reason", "049")
    assert len(reasons) == 6 and {e.plugin for e in reasons} == {"core-defaults"}
    assert reasons[0].label("sv").startswith("Kartläggning")
    assert [e.code for e in loaded.code_lists.entries("consent_scope")] == [
        "named_consultation",
        "information_exchange",
        "contact_social_care",
    ]


def test_a_code_entry_needs_all_three_languages_and_must_be_unique():
    missing_sv = _module(
        "x",
        sotesilta_register_code_lists=api.hookimpl(
            lambda register: register("topic", "a", {"fi": "A", "en": "A"})
        ),
    )
    with pytest.raises(PluginError, match="sv"):
        load_plugins(extra=[("x", missing_sv)])
    labels = {"fi": "x", "sv": "x", "en": "x"}
    clash = _module(
        "y",
        sotesilta_register_code_lists=api.hookimpl(
            lambda register: register("guidance_reason", "loneliness", labels, municipality="049")
        ),
    )
    with pytest.raises(PluginError, match="core-defaults"):
        load_plugins(extra=[("y", clash)])


def test_hook_sotesilta_register_routes(runtime):
    from litestar import get
    from litestar.testing import TestClient

    from sotesilta.core.app import create_app

    @get("/api/v1/x/hello/ping", sync_to_thread=False)
    def ping() -> dict[str, str]:
        return {"pong": "yes"}

    plugin = _module("hello", sotesilta_register_routes=api.hookimpl(lambda register: register(ping)))
    runtime.plugins = load_plugins(extra=[("hello", plugin)])
    with TestClient(create_app(runtime)) as client:
        # plugin routes are behind the core's authentication like any other
        assert client.get("/api/v1/x/hello/ping").status_code == 401


def test_hook_sotesilta_load_demo(runtime):
    from sotesilta.core.demo.builder import DemoLoader

    def load(demo):  # type: ignore[no-untyped-def]
        demo.user(
            username="extra.user",
            display_name="Extra",
            roles=["manager"],
            municipalities=["049"],
        )

    loaded = load_plugins(
        blocked=["espoo", "lohja", "lansi_uusimaa", "paijat_hame"],
        extra=[("extra", _module("extra", sotesilta_load_demo=api.hookimpl(load)))],
    )
    loader = DemoLoader(
        uow_factory=runtime.uow,
        now=runtime.clock.now(),
        password_for=lambda _u: "a-demo-password",
        reset_passwords=False,
    )
    loaded.load_demo(loader)
    assert [u.username for u in loader.users] == ["extra.user"]


def test_hook_sotesilta_check():
    plugin = _module("picky", sotesilta_check=api.hookimpl(lambda: ["picky: API key missing"]))
    assert load_plugins(extra=[("picky", plugin)]).check() == ["picky: API key missing"]
    assert load_plugins().check() == []


def test_a_plugin_object_that_is_not_a_profile_is_refused():
    plugin = _module(
        "bad", sotesilta_register_municipalities=api.hookimpl(lambda register: register({"code": "1"}))
    )
    with pytest.raises(PluginError, match="MunicipalityProfile"):
        load_plugins(extra=[("bad", plugin)])


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"code": "49"}, "three digits"),
        ({"name_sv": ""}, "Swedish"),
    ],
)
def test_malformed_profiles_fail_with_a_clear_message(kwargs, message):
    values = {"code": "049", "name_fi": "Espoo", "name_sv": "Esbo", "county": COUNTY} | kwargs
    with pytest.raises(InputInvalid, match=message):
        api.MunicipalityProfile(**values)


def test_hook_sotesilta_record_access(client, scheduling, runtime):
    from support import bearer, login

    seen = []
    plugin = _module(
        "siem", sotesilta_record_access=api.hookimpl(lambda connection, event: seen.append(event))
    )
    runtime.plugins = load_plugins(extra=[("siem", plugin)])
    nurse = bearer(login(client, "espoo.nurse"))
    created = client.post("/api/v1/clients", headers=nurse, json={"municipality": "049", "name": "A"})
    assert created.status_code == 201
    assert [(e.action, e.subject_type, e.client_id) for e in seen] == [
        ("create", "client", created.json()["id"])
    ]


def test_the_access_log_cannot_be_left_without_a_keeper():
    with pytest.raises(PluginError, match="access log"):
        load_plugins(blocked=["consent"])


def test_hook_sotesilta_consent_decision(runtime):
    from datetime import UTC, datetime

    from sotesilta.core.kernel.privacy import ConsentDecision, ConsentQuery, ConsentScope

    query = ConsentQuery(1, ConsentScope.NAMED_CONSULTATION, "049", datetime(2026, 3, 2, tzinfo=UTC))
    with runtime.uow() as uow:
        refused = load_plugins().consent_decision(uow.session, query)
        assert refused.allowed is False and "named_consultation" in refused.reason
        registry = _module(
            "registry",
            sotesilta_consent_decision=api.hookimpl(tryfirst=True)(
                lambda session, query: ConsentDecision(True, 77, "national consent registry")
            ),
        )
        assert (
            load_plugins(extra=[("registry", registry)]).consent_decision(uow.session, query).consent_id == 77
        )
        # with neither the consent plugin nor another, the core default refuses
        silent = _module("silent", sotesilta_record_access=api.hookimpl(lambda connection, event: None))
        alone = load_plugins(blocked=["consent"], extra=[("silent", silent)])
        assert alone.consent_decision(uow.session, query).allowed is False


def test_hook_sotesilta_register_commands(monkeypatch):
    import click
    from click.testing import CliRunner

    from sotesilta.core import cli

    @click.command("hello")
    def hello() -> None:
        click.echo("hei")

    plugin = _module("greeter", sotesilta_register_commands=api.hookimpl(lambda register: register(hello)))
    real = cli.load_plugins
    monkeypatch.setattr(cli, "load_plugins", lambda **kw: real(extra=[("greeter", plugin)], **kw))
    monkeypatch.setattr(cli.main, "_plugin_commands", None)
    try:
        assert CliRunner().invoke(cli.main, ["hello"]).output == "hei\n"
        assert "audit" in CliRunner().invoke(cli.main, ["--help"]).output
    finally:
        cli.main._plugin_commands = None


def test_hook_sotesilta_register_background_tasks(runtime):
    import threading

    from sotesilta.core.kernel.background import BackgroundTasks

    ran: list[object] = []
    twice = threading.Event()

    def count_runs(engine: object) -> None:
        ran.append(engine)
        if len(ran) >= 2:
            twice.set()
        if len(ran) == 1:
            raise RuntimeError("a failed run is logged; the next one still comes")

    plugin = _module(
        "ticker",
        sotesilta_register_background_tasks=api.hookimpl(lambda register: register("tick", count_runs, 0.01)),
    )
    tasks = load_plugins(extra=[("ticker", plugin)]).background_tasks()
    assert {task.name for task in tasks} == {"tick", "access-log-chainer"}  # consent's chainer too
    threads = BackgroundTasks(runtime.engine, [t for t in tasks if t.name == "tick"])
    threads.start()
    try:
        assert twice.wait(60), "the task never ran twice"
    finally:
        threads.stop()
    assert ran[:2] == [runtime.engine, runtime.engine]
    settled = len(ran)
    assert not any(t.name == "sotesilta-tick" for t in threading.enumerate())
    assert len(ran) == settled  # stopped: no run after stop() returned


def test_two_background_tasks_of_one_name_stop_start_up():
    def register_tick(register):  # type: ignore[no-untyped-def]
        register("tick", lambda engine: None, 1.0)

    first = _module("one", sotesilta_register_background_tasks=api.hookimpl(register_tick))
    second = _module("two", sotesilta_register_background_tasks=api.hookimpl(register_tick))
    with pytest.raises(PluginError, match="registered twice: tick"):
        load_plugins(extra=[("one", first), ("two", second)]).background_tasks()


def test_a_server_process_runs_the_background_tasks_and_a_test_app_does_not(runtime, monkeypatch):
    from litestar.testing import TestClient

    from sotesilta.core import app as app_module

    started: list[str] = []
    monkeypatch.setattr(app_module.BackgroundTasks, "start", lambda self: started.append("started"))
    with TestClient(app_module.create_app(runtime)):
        pass
    assert started == []
    monkeypatch.setattr(app_module, "build_runtime", lambda settings, **bound: runtime)
    monkeypatch.setattr(app_module, "freeze_startup_objects", lambda: None)
    monkeypatch.setattr(app_module, "configure_logging", lambda **kw: None)
    with TestClient(app_module.create_app()):
        assert started == ["started"]
