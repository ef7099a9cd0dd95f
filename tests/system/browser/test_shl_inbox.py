"""SHL §35 notifications in a real browser (issue 21, items 9-10): the county's admin names the
receiving unit, a nurse sends a notification about her client without consent (the person
evidently cannot look after themself), the receiving unit's instructor finds it in the
inbox, opens it and moves it on by keyboard; the nurse sees its status. Every page is
scanned by axe-core, on a desktop and on a phone's viewport.

The shared server seeds Espoo; this module adds an admin and a client of the nurse's."""

from __future__ import annotations

import re

import pytest
from browser_support import assert_accessible, tab_to
from support import PASSWORD, TEST_SECRET

pytestmark = pytest.mark.slow

PHONE = {"width": 390, "height": 844}


@pytest.fixture(scope="module")
def client_no(server, plugins) -> int:  # type: ignore[no-untyped-def]
    """An admin of Länsi-Uusimaa, and a client the Espoo nurse registered."""
    from sotesilta.core.accounts import service as accounts
    from sotesilta.core.clients import service as clients
    from sotesilta.core.kernel.db import make_engine
    from sotesilta.core.kernel.runtime import Runtime
    from sotesilta.core.kernel.settings import load_settings

    settings = load_settings(data_dir=server.data_dir, secret_key=TEST_SECRET)
    runtime = Runtime(settings=settings, engine=make_engine(settings.resolved_database_url), plugins=plugins)
    with runtime.uow() as uow:
        accounts.add_user(
            uow,
            username="shl.admin",
            display_name="Aino Pääkäyttäjä",
            password=PASSWORD,
            roles=["admin"],
            municipalities=["049"],
            station_keys=[],
            language="fi",
        )
    with runtime.uow() as uow:
        nurse = accounts.principal_of_user(uow, "espoo.nurse")
        made = clients.create_client(
            uow,
            principal=nurse,
            municipality="049",
            name="Ilona Ilmoitettu",
            identity_code=None,
            phone=None,
            language="fi",
            index_key=runtime.index_key,
        )
    runtime.engine.dispose()
    return made.id


def sign_in(page, username: str) -> None:  # type: ignore[no-untyped-def]
    page.context.clear_cookies()
    page.goto("/login")
    page.get_by_label("Käyttäjätunnus").fill(username)
    page.get_by_label("Salasana").fill(PASSWORD)
    page.get_by_role("button", name="Kirjaudu sisään").click()
    page.wait_for_load_state()


@pytest.mark.parametrize("viewport", [None, PHONE], ids=["desktop", "phone"])
def test_a_notification_reaches_the_inbox_and_its_status_the_sender(browser, server, client_no, viewport):
    context = browser.new_context(base_url=server.base, locale="fi-FI", bypass_csp=True, viewport=viewport)
    page = context.new_page()
    suffix = "-phone" if viewport else ""

    sign_in(page, "shl.admin")
    page.goto("/admin/shl-receiver")
    assert_accessible(page, f"axe-admin-shl-receiver{suffix}")
    page.get_by_label("Vastaanottava yksikkö").select_option(
        label="Espoon aikuissosiaalityö, sosiaaliohjaus terveysasemilla"
    )
    page.get_by_label("Yksikön turvasähköpostiosoite (valinnainen)").fill("kirjaamo@example.fi")
    page.get_by_role("button", name="Tallenna").click()
    page.wait_for_url("**/admin/shl-receiver?saved=1")
    assert page.get_by_role("status").is_visible()

    sign_in(page, "espoo.nurse")
    page.goto(f"/shl-notifications/new?client={client_no}")
    assert_accessible(page, f"axe-shl-new{suffix}")
    page.get_by_role("button", name="Lähetä ilmoitus").click()  # no ground: refused, nothing sent
    assert page.get_by_role("alert").is_visible()
    assert_accessible(page, f"axe-shl-new-errors{suffix}")
    page.get_by_label("ilman suostumusta: henkilö on ilmeisen kykenemätön", exact=False).check()
    page.get_by_label("Ilman suostumusta: mikä osoittaa perusteen").fill(
        "Ei pysty huolehtimaan ruokailustaan eikä lääkityksestään."
    )
    page.get_by_label("Sosiaalihuollon tarve").fill("Asuu yksin, kotona ei ruokaa.")
    page.get_by_role("button", name="Lähetä ilmoitus").click()
    page.wait_for_url(re.compile(r".*/shl-notifications/\d+$"))
    notification = page.url
    assert "lähetetty, ei vielä vastaanotettu" in page.locator("#shl-status").inner_text()
    assert page.get_by_text("Ilona Ilmoitettu").count() == 0  # the sender: the status, not the person
    assert_accessible(page, f"axe-shl-sent{suffix}")

    sign_in(page, "espoo.instructor")
    page.get_by_role("link", name="SHL-ilmoitukset").first.click()
    page.wait_for_url("**/shl-notifications")
    assert page.locator("#inbox").is_visible()
    assert_accessible(page, f"axe-shl-inbox{suffix}")
    page.goto(notification)
    assert page.locator("#shl-person").inner_text().startswith("Ilona Ilmoitettu")
    assert_accessible(page, f"axe-shl-opened{suffix}")
    # on a phone too the page fits its width (the menu wraps): nothing to scroll sideways
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")
    # the receiver moves it on by keyboard: the first button is "received"
    tab_to(page, lambda e: e["tag"] == "BUTTON" and e["name"] == "status")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert page.locator("#shl-status").inner_text() == "vastaanotettu"
    assert page.locator('button[value="received"]').count() == 0  # forward only

    sign_in(page, "espoo.nurse")
    page.goto("/shl-notifications")
    assert page.locator("#sent").is_visible()
    assert page.get_by_text("vastaanotettu").first.is_visible()
    assert_accessible(page, f"axe-shl-sender-list{suffix}")
    context.close()
