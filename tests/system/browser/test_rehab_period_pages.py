"""Issue 18's rehabilitation tasks in a real browser, as the Lahti instructor, in Finnish, each
page scanned by axe and each task's time recorded (test-artifacts/browser/timings.json):

- opening an intensive period from a service decision with Tue and Thu planned for 8 weeks,
  an overlap shown by its event and time, corrected in the same form;
- the period page in sections: a summary with jump links, a future contact cancelled with its
  own button, and a readable intensity chart with week numbers ("vk 50").
"""

from __future__ import annotations

import re
import time
from datetime import datetime, timedelta

import pytest
from browser_support import assert_accessible, screenshot
from support import PASSWORD

from sotesilta.core.kernel.clock import HELSINKI

pytestmark = pytest.mark.slow


def sign_in(page, username: str, landing: str) -> None:  # type: ignore[no-untyped-def]
    page.goto("/login")
    page.get_by_label("Käyttäjätunnus").fill(username)
    page.get_by_label("Salasana").fill(PASSWORD)
    page.get_by_role("button", name="Kirjaudu sisään").click()
    page.wait_for_url(f"**{landing}")


def next_tuesday() -> str:
    today = datetime.now(HELSINKI).date()
    return (today + timedelta(days=(1 - today.weekday()) % 7 or 7)).isoformat()


def test_an_instructor_opens_a_period_with_tuesdays_and_thursdays_and_sees_what_overlaps(scan_page, server):
    page = scan_page
    sign_in(page, "lahti.instructor", "/work")
    # the worker's other client already has a contact on the coming Tuesday at 13.30
    page.goto("/rehab")
    page.get_by_role(
        "link", name=re.compile(r"^Nuori Asiakas, jakso \d+$")
    ).click()  # her own client, by name
    page.wait_for_url(re.compile(r".*/rehab/periods/\d+$"))
    page.get_by_label("Päivä", exact=True).fill(next_tuesday())
    page.get_by_label("Alkaa", exact=True).fill("13:30")
    page.get_by_label("Paikka").fill("Nuorten tila")
    page.get_by_role("button", name="Suunnittele", exact=True).click()
    page.wait_for_url(re.compile(r".*\?saved=contact"))

    started = time.perf_counter()
    page.goto("/rehab")
    page.get_by_role("link", name="Avaa intensiivijakso").click()
    page.wait_for_url("**/rehab/periods/new")
    assert_accessible(page, "axe-rehab-period-new")
    page.get_by_label("Asiakkaan kanssa asetetut tavoitteet").fill("Arjen rytmi\n- Herään kahdeksalta")
    page.get_by_label("tiistai").check()
    page.get_by_label("torstai").check()
    page.get_by_label("Kuinka monta viikkoa").fill("8")
    page.get_by_label("Alkaa", exact=True).fill("13:00")
    page.get_by_label("Paikka").fill("Nuorten tila")
    page.get_by_role("button", name="Avaa jakso").click()
    clashes = page.locator("#clashes")
    clashes.wait_for()
    assert page.get_by_role("alert").is_visible()
    assert "toisen kontaktin kanssa klo 13.30–14.30" in clashes.inner_text()
    assert page.get_by_label("Asiakkaan kanssa asetetut tavoitteet").input_value().startswith("Arjen rytmi")
    assert page.get_by_label("torstai").is_checked()  # everything typed is kept
    assert_accessible(page, "axe-rehab-period-new-overlap")
    page.get_by_label("Alkaa", exact=True).fill("15:00")
    page.get_by_role("button", name="Avaa jakso").click()
    page.wait_for_url(re.compile(r".*/rehab/periods/\d+\?saved=opened.*"))
    notice = page.get_by_role("status").inner_text()
    assert "Jakso avattiin." in notice and re.search(r"Suunniteltiin 1[456] kontaktia", notice), notice
    server.timings["rehab_open_period_with_plan"] = {
        "seconds": round(time.perf_counter() - started, 2),
        "screens": 3,
    }
    assert_accessible(page, "axe-rehab-period-opened")


def test_the_period_page_has_a_summary_jump_links_a_cancel_button_and_week_numbers(scan_page, server):
    page = scan_page
    sign_in(page, "lahti.instructor", "/work")
    page.goto("/rehab")
    page.get_by_role(
        "link", name=re.compile(r"^Nuori Asiakas, jakso \d+$")
    ).click()  # her own client, by name
    page.wait_for_url(re.compile(r".*/rehab/periods/\d+$"))
    page.get_by_label("Päivä", exact=True).fill(next_tuesday())
    page.get_by_label("Alkaa", exact=True).fill("09:00")
    page.get_by_label("Kesto minuutteina").fill("45")
    page.get_by_label("Paikka").fill("Kotikäynti")
    page.get_by_role("button", name="Suunnittele", exact=True).click()
    page.wait_for_url(re.compile(r".*\?saved=contact"))

    started = time.perf_counter()
    summary = page.locator("#summary")
    assert "Viikkotavoite" in summary.inner_text() and "Seuraava kontakti" in summary.inner_text()
    page.get_by_role("navigation", name="Sivun osat").get_by_role("link", name="3X10D-mittaukset").click()
    page.wait_for_url(re.compile(r".*#measurements$"))
    assert page.locator("#measurements").is_visible()
    # a future contact: a button that says what it does, no select of one option
    upcoming = page.locator("#upcoming + .table-scroll")
    assert upcoming.get_by_role("button", name=re.compile("^Peru")).count() >= 1
    assert page.locator("select[name=status]").count() == 0
    upcoming.get_by_role("button", name=re.compile("^Peru")).first.click()
    page.wait_for_url(re.compile(r".*\?saved=cancelled.*"))
    assert page.get_by_role("status").inner_text() == "Kontakti peruttiin."
    server.timings["rehab_cancel_a_future_contact"] = {
        "seconds": round(time.perf_counter() - started, 2),
        "screens": 2,
    }
    # the chart: tall enough, nothing clipped, a week number under every week
    chart = page.locator(".intensity-chart svg")
    box = chart.bounding_box()
    assert box is not None and box["height"] >= 200, box
    labels = chart.locator("text.bar-label").all_text_contents()
    week = datetime.now(HELSINKI).date().isocalendar()[1]
    assert f"vk {week}" in labels and all(re.fullmatch(r"vk \d{1,2}|\d+", t) for t in labels), labels
    clipped = page.evaluate(
        "() => [...document.querySelectorAll('.intensity-chart text')].filter(t => {"
        " const b = t.getBBox(), s = t.ownerSVGElement.viewBox.baseVal;"
        " return b.x < 0 || b.y < 0 || b.x + b.width > s.width || b.y + b.height > s.height; }).length"
    )
    assert clipped == 0
    page.get_by_text("Kontaktit viikoittain taulukkona").click()
    assert page.get_by_role("rowheader", name=re.compile(f"^vk {week} ")).is_visible()
    server.timings["rehab_period_page_height_px"] = page.evaluate("() => document.body.scrollHeight")
    server.timings["rehab_period_page_forms"] = page.locator("form").count()
    assert_accessible(page, "axe-rehab-period-sections")
    screenshot(page, "rehab-period-sections")
