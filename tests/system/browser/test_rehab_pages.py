"""The end of an intensive period and the closed groups in a real browser, each page scanned by
axe, its refused form too: a group made from the instructor's period, its meeting's attendance
page, the closing form and the period feedback."""

from __future__ import annotations

import re

import pytest
from browser_support import assert_accessible, screenshot
from support import PASSWORD

pytestmark = pytest.mark.slow


def sign_in(page, username: str, landing: str) -> None:  # type: ignore[no-untyped-def]
    page.goto("/login")
    page.get_by_label("Käyttäjätunnus").fill(username)
    page.get_by_label("Salasana").fill(PASSWORD)
    page.get_by_role("button", name="Kirjaudu sisään").click()
    page.wait_for_url(f"**{landing}")


def test_the_group_closing_and_feedback_pages_have_no_serious_accessibility_violation(browser, server):
    # axe's script is injected, which the Content-Security-Policy would block
    page = browser.new_context(base_url=server.base, locale="fi-FI", bypass_csp=True).new_page()
    sign_in(page, "lahti.instructor", "/work")
    page.goto("/rehab")
    page.get_by_role("link", name="Suljetut ryhmät").click()
    page.wait_for_url("**/rehab/groups")
    assert_accessible(page, "axe-rehab-groups")
    page.get_by_role("link", name="Perusta ryhmä").click()
    page.wait_for_url("**/rehab/groups/new")
    assert_accessible(page, "axe-rehab-group-new")
    page.get_by_role("button", name="Perusta ryhmä").click()  # no name, no member: nothing written
    assert page.get_by_role("alert").is_visible()
    assert_accessible(page, "axe-rehab-group-new-errors")
    page.get_by_label("Ryhmän nimi").fill("Nuorten aikuisten ryhmä")
    page.get_by_label(re.compile(r", jakso \d+")).first.check()  # her own clients, by name
    page.get_by_label("Paikka").fill("Ryhmätila")
    page.get_by_role("button", name="Perusta ryhmä").click()
    page.wait_for_url(re.compile(r".*/rehab/groups/\d+\?saved=group$"))
    assert page.get_by_role("status").is_visible()
    assert_accessible(page, "axe-rehab-group")
    page.get_by_role("link", name=re.compile("Merkitse läsnäolo")).first.click()
    page.wait_for_url(re.compile(r".*/rehab/groups/\d+/meetings/\d+$"))
    assert_accessible(page, "axe-rehab-attendance")

    page.goto("/rehab")
    page.get_by_role(
        "link", name=re.compile(r"^Nuori Asiakas, jakso \d+$")
    ).click()  # her own client, by name
    page.wait_for_url(re.compile(r".*/rehab/periods/\d+$"))
    page.get_by_role("link", name="Päätä jakso").click()
    page.wait_for_url(re.compile(r".*/rehab/periods/\d+/close$"))
    assert_accessible(page, "axe-rehab-close")
    page.get_by_role("button", name="Päätä jakso").click()  # no reason chosen: nothing written
    assert page.get_by_role("alert").is_visible()
    assert_accessible(page, "axe-rehab-close-errors")
    page.get_by_label("tavoitteet saavutettiin").check()
    page.get_by_role("button", name="Päätä jakso").click()
    page.wait_for_url(re.compile(r".*/rehab/periods/\d+\?saved=closed$"))
    page.get_by_role("link", name="Kirjaa asiakkaan jaksopalaute").click()
    page.wait_for_url(re.compile(r".*/rehab/periods/\d+/feedback$"))
    assert_accessible(page, "axe-rehab-feedback")
    page.get_by_role("button", name="Tallenna palaute").click()  # nothing answered
    assert page.get_by_role("alert").is_visible()
    assert_accessible(page, "axe-rehab-feedback-errors")
    page.locator("#useful-yes").check()
    page.locator("#towards_goals-partly").check()
    page.get_by_role("button", name="Tallenna palaute").click()
    page.wait_for_url(re.compile(r".*/rehab/periods/\d+\?saved=feedback"))
    assert page.get_by_role("cell", name="päättyessä").is_visible()
    screenshot(page, "rehab-feedback-saved")
