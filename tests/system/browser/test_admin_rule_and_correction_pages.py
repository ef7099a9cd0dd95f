"""Ending or changing a session rule and correcting a recorded outcome in a real browser, each
page scanned by axe, the refused form too. Nothing is written: the server is shared."""

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


def test_the_rule_and_correction_pages_have_no_serious_accessibility_violation(browser, server):
    # axe's script is injected, which the Content-Security-Policy would block
    page = browser.new_context(base_url=server.base, locale="fi-FI", bypass_csp=True).new_page()
    sign_in(page, "espoo.admin", "/admin")
    page.goto("/admin/sessions")
    assert_accessible(page, "axe-admin-sessions-rules")
    page.get_by_role("link", name=re.compile("Päätä tai muuta")).first.click()
    page.wait_for_url(re.compile(r".*/admin/rules/\d+$"))
    assert_accessible(page, "axe-admin-rule")
    page.get_by_label("Muutos alkaa").fill("")
    page.get_by_role("button", name="Päätä sääntö siitä päivästä").click()  # no day: nothing written
    assert page.get_by_role("alert").is_visible()
    assert_accessible(page, "axe-admin-rule-errors")
    page.context.close()

    page = browser.new_context(base_url=server.base, locale="fi-FI", bypass_csp=True).new_page()
    sign_in(page, "espoo.instructor", "/work")
    page.goto("/work/outcomes")
    assert_accessible(page, "axe-outcomes-recorded")
    page.get_by_role("link", name=re.compile("Korjaa tulos")).first.click()
    page.wait_for_url(re.compile(r".*/work/outcome\?(booking|walk_in)=\d+$"))
    assert page.get_by_role("heading", name="Tuloksen historia").is_visible()
    assert_accessible(page, "axe-outcome-correction")
    page.context.close()
