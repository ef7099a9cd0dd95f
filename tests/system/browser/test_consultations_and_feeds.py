"""A nurse consults an instructor and the instructor answers; the instructor creates a calendar
subscription. Every page scanned by axe."""

from __future__ import annotations

import re

import pytest
from browser_support import assert_accessible
from support import PASSWORD

pytestmark = pytest.mark.slow


def sign_in(page, username: str, landing: str) -> None:  # type: ignore[no-untyped-def]
    page.goto("/login")
    page.get_by_label("Käyttäjätunnus").fill(username)
    page.get_by_label("Salasana").fill(PASSWORD)
    page.get_by_role("button", name="Kirjaudu sisään").click()
    page.wait_for_url(f"**{landing}")


def test_a_consultation_and_a_subscription_have_no_serious_accessibility_violation(browser, server):
    # axe's script is injected, which the Content-Security-Policy would block
    page = browser.new_context(base_url=server.base, locale="fi-FI", bypass_csp=True).new_page()
    sign_in(page, "espoo.nurse", "/book")
    page.get_by_role("link", name="Konsultaatiot").click()
    page.get_by_role("link", name="Konsultoi sosiaaliohjaajaa").click()
    page.wait_for_url("**/consultations/new")
    assert_accessible(page, "axe-consultation-new")
    page.get_by_role("button", name="Lähetä kysymys").click()  # nothing written
    assert page.get_by_role("alert").is_visible()
    assert_accessible(page, "axe-consultation-new-errors")
    page.get_by_label("Kysymyksesi").fill("Mihin ohjaan asunnottoman työikäisen?")
    page.get_by_role("button", name="Lähetä kysymys").click()
    page.wait_for_url(re.compile(r".*/consultations/\d+$"))
    thread = page.url
    assert_accessible(page, "axe-consultation-thread")

    page.context.clear_cookies()
    sign_in(page, "espoo.instructor", "/work")
    page.goto("/consultations")
    assert_accessible(page, "axe-consultations-instructor")
    page.goto(thread)
    page.get_by_label("Vastauksesi").fill("Aikuissosiaalityön neuvontaan.")
    page.get_by_role("button", name="Lähetä", exact=True).click()
    page.wait_for_url(re.compile(r".*/consultations/\d+#latest$"))
    assert page.get_by_text("Aikuissosiaalityön neuvontaan.").is_visible()

    page.get_by_role("link", name="Kalenteritilaukset").click()
    page.wait_for_url("**/work/feeds")
    assert_accessible(page, "axe-feeds")
    page.get_by_label("Laite tai sovellus").fill("Työpuhelin")
    page.get_by_role("button", name="Luo tilaus").click()
    address = page.get_by_label("Syötteen osoite").input_value()
    assert re.search(r"/feeds/[\w-]+\.ics$", address)
    assert_accessible(page, "axe-feeds-issued")

    # invitations to the worker's own calendar: refused without an address, then saved
    page.get_by_label("Lähetä varaukseni kalenteriini kutsuina").check()
    page.get_by_role("button", name="Tallenna kutsujen asetus").click()
    assert page.get_by_role("alert").is_visible()
    assert_accessible(page, "axe-feeds-invitations-errors")
    page.get_by_label("Kalenterisi sähköpostiosoite").fill("elina.ohjaaja@hyvaks.example")
    page.get_by_role("button", name="Tallenna kutsujen asetus").click()
    page.wait_for_url("**/work/feeds?invitations=1*")
    assert page.get_by_text("Kutsujen asetus tallennettiin.").is_visible()
    assert page.get_by_label("Lähetä varaukseni kalenteriini kutsuina").is_checked()
    assert_accessible(page, "axe-feeds-invitations")
    page.context.close()
