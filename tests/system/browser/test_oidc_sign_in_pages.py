"""A nurse signs in with her county's account in Chromium: the sign-in page's button, the
provider's login form (oidc-provider from npm, on 127.0.0.1), back to sotesilta signed in;
signing out takes her to the provider's sign-out. A real ``sotesilta serve``, configured
through ``SOTESILTA_OIDC_PROVIDERS``: the pages' policy must let the button's form lead to
the provider (form-action), and the cookies must come along on the way back."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from typing import Any

import pytest
from oidc_support import OpenIdProvider
from server_support import free_port, serving
from support import TEST_SECRET


@pytest.fixture(scope="module")
def sso(tmp_path_factory: pytest.TempPathFactory, plugins: Any) -> Iterator[tuple[str, OpenIdProvider]]:
    if os.environ.get("SOTESILTA_TEST_DATABASE_URL"):
        pytest.skip("the server under test runs on its own SQLite file: browser tests run on the SQLite pass")
    from sotesilta.core.kernel import migrate
    from sotesilta.core.kernel.db import make_engine
    from sotesilta.core.kernel.runtime import Runtime
    from sotesilta.core.kernel.settings import load_settings
    from sotesilta.core.organisations import service as organisations

    data_dir = tmp_path_factory.mktemp("sso") / "data"
    settings = load_settings(data_dir=data_dir, secret_key=TEST_SECRET)
    engine = make_engine(settings.resolved_database_url)
    migrate.upgrade(engine)
    with Runtime(settings=settings, engine=engine, plugins=plugins).uow() as uow:
        organisations.sync_registry(uow)
    engine.dispose()
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    idp = OpenIdProvider(tmp_path_factory.mktemp("sso-idp"), app_base=base)
    idp.start()
    env = {k: v for k, v in os.environ.items() if not k.startswith("SOTESILTA_")}
    env |= {
        "SOTESILTA_DATA_DIR": str(data_dir),
        "SOTESILTA_SECRET_KEY": TEST_SECRET,
        "SOTESILTA_PUBLIC_BASE_URL": base,
        "SOTESILTA_OIDC_PROVIDERS": json.dumps({"lu": idp.settings(password_sign_in=False)}),
    }
    try:
        with serving(env, data_dir.parent / "server.log", "--no-access-log", port=port):
            yield base, idp
    finally:
        idp.stop()


def test_a_nurse_signs_in_with_her_countys_account_and_out_of_it_again(browser: Any, sso: Any) -> None:
    base, idp = sso
    idp.set_account(
        "nora",
        preferred_username="nora.hoitaja@lu.example",
        name="Nora Hoitaja",
        groups=["sg-nurses", "sg-espoo"],
    )
    context = browser.new_context(base_url=base, locale="fi-FI")
    page = context.new_page()
    blocked: list[str] = []
    page.on("console", lambda m: blocked.append(m.text) if "Content Security Policy" in m.text else None)
    try:
        page.goto("/login")
        page.get_by_role("button", name="Länsi-Uusimaa").click()
        page.wait_for_url(f"{idp.issuer}/interaction/**")
        page.get_by_label("Account").fill("nora")
        page.get_by_role("button", name="Sign in").click()
        page.wait_for_url(f"{base}/book**")
        assert "Nora Hoitaja" in page.content()
        me = page.request.get(f"{base}/api/v1/me").json()
        assert me["username"] == "nora.hoitaja@lu.example" and me["roles"] == ["health_staff"]
        # signing out here signs out at the provider too (its own confirmation page)
        page.locator("form[action='/logout'] button").first.click()
        page.wait_for_url(f"{idp.issuer}/session/end**")
        assert page.request.get(f"{base}/api/v1/me").status == 401
        assert not blocked, blocked
    finally:
        context.close()
