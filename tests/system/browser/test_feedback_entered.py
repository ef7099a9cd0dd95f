"""The instructor enters a client's oral feedback in a real browser (issue 23, item 4): the page
from her day, a refused form with its errors, the saved notice; axe-core scans each state."""

from __future__ import annotations

import pytest
from browser_support import assert_accessible
from support import PASSWORD

pytestmark = pytest.mark.slow


def test_oral_feedback_is_entered_from_the_instructors_day(browser, server):
    context = browser.new_context(base_url=server.base, locale="fi-FI", bypass_csp=True)
    page = context.new_page()
    page.goto("/login")
    page.get_by_label("Käyttäjätunnus").fill("espoo.instructor")
    page.get_by_label("Salasana").fill(PASSWORD)
    page.get_by_role("button", name="Kirjaudu sisään").click()
    page.wait_for_url("**/work")
    page.get_by_role("link", name="Kirjaa asiakkaan palaute").click()
    page.wait_for_url("**/work/feedback")
    assert_accessible(page, "axe-feedback-entered")
    page.get_by_label("paperilla").check()
    with page.expect_navigation():
        page.get_by_role("button", name="Tallenna palaute").click()  # required answers missing
    assert page.get_by_role("alert").is_visible()
    assert page.get_by_label("paperilla").is_checked()  # the choice is kept
    assert_accessible(page, "axe-feedback-entered-errors")
    for fieldset in page.locator("fieldset.choices, fieldset").all()[1:]:
        radios = fieldset.locator("input[type=radio]")
        if radios.count():
            radios.first.check()
    with page.expect_navigation():
        page.get_by_role("button", name="Tallenna palaute").click()
    assert page.locator("#saved").is_visible()
    assert_accessible(page, "axe-feedback-entered-saved")
    context.close()
