"""The instructor's intensive-rehabilitation pages and the administrator's pages, each scanned
by axe; a contact planned and a 3X10D form left incomplete along the way."""

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


def test_the_rehabilitation_and_admin_pages_have_no_serious_accessibility_violation(browser, server):
    # axe's script is injected, which the Content-Security-Policy would block
    page = browser.new_context(base_url=server.base, locale="fi-FI", bypass_csp=True).new_page()
    sign_in(page, "lahti.instructor", "/work")
    page.get_by_role("link", name="Intensiivijaksot").click()
    page.wait_for_url("**/rehab")
    assert_accessible(page, "axe-rehab-periods")
    page.get_by_role(
        "link", name=re.compile(r"^Nuori Asiakas, jakso \d+$")
    ).click()  # her own client, by name
    page.wait_for_url(re.compile(r".*/rehab/periods/\d+$"))
    assert page.locator("svg rect.bar-planned").count() >= 1
    assert_accessible(page, "axe-rehab-period")
    page.get_by_role("button", name="Suunnittele", exact=True).click()  # no time given: nothing written
    assert page.get_by_role("alert").is_visible()
    assert_accessible(page, "axe-rehab-period-errors")
    page.get_by_role("link", name="Täytä alkumittaus").click()
    assert_accessible(page, "axe-rehab-measurement")
    page.get_by_role("button", name="Tallenna mittaus").click()  # nothing answered
    assert page.get_by_role("alert").is_visible()
    assert_accessible(page, "axe-rehab-measurement-errors")

    page.context.clear_cookies()
    sign_in(page, "espoo.admin", "/admin")
    assert_accessible(page, "axe-admin")
    page.get_by_role("link", name="Vastaanotot ja poissaolot").first.click()
    page.wait_for_url("**/admin/sessions")
    assert_accessible(page, "axe-admin-sessions")
    page.get_by_role("link", name="Käyttäjät ja roolit").first.click()
    page.wait_for_url("**/admin/users")
    assert_accessible(page, "axe-admin-users")
    page.get_by_role("button", name="Lisää käyttäjä").click()  # nothing filled in
    assert page.get_by_role("alert").is_visible()
    assert_accessible(page, "axe-admin-users-errors")
