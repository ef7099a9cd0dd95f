"""After the nurse books: the instructor sees it in her day and in her calendar feed and records
a visit's outcome by keyboard; the manager sees the count change. Every new page scanned by axe.

A real server keeps real time, and an outcome can only be recorded once its visit has begun:
the visit recorded here is one the fixture seeded a week or more in the past (conftest.py,
``_seed_past_visits``), not the one the nurse just booked for tomorrow."""

from __future__ import annotations

import re
from datetime import datetime

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


def new_page(browser, server, *, bypass_csp: bool = False):  # type: ignore[no-untyped-def]
    context = browser.new_context(base_url=server.base, locale="fi-FI", bypass_csp=bypass_csp)
    page = context.new_page()
    page.csp_violations = []
    page.on(
        "console",
        lambda m: page.csp_violations.append(m.text) if "Content Security Policy" in m.text else None,
    )
    return page


def realised_total(page) -> int:  # type: ignore[no-untyped-def]
    """The visits table's total of realised visits, as the manager reads it."""
    cell = page.locator("#table-visits ~ .table-scroll tfoot tr.total td").first
    text = cell.inner_text().strip()
    assert text.isdigit(), f"the count is not shown: {text!r}"
    return int(text)


def focused(page) -> dict:  # type: ignore[no-untyped-def,type-arg]
    return page.evaluate(
        """() => { const e = document.activeElement; const s = getComputedStyle(e);
        return {id: e.id, name: e.getAttribute('name'), tag: e.tagName, text: e.textContent.trim(),
                type: e.type, outline: s.outlineStyle, outlineWidth: parseFloat(s.outlineWidth)}; }"""
    )


def tab_to(page, wanted, limit: int = 120) -> dict:  # type: ignore[no-untyped-def,type-arg]
    """Press Tab until the wanted element has the focus; its focus must show."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        element = focused(page)
        if wanted(element):
            assert element["outline"] != "none" and element["outlineWidth"] >= 2, element
            return element
    raise AssertionError("never reached by the keyboard")


def test_booked_seen_in_the_day_and_the_feed_recorded_and_counted(browser, server):
    year = server.past_day.year
    statistics = f"/statistics?year={year}"
    manager = new_page(browser, server)
    sign_in(manager, "espoo.manager", "/statistics")
    manager.goto(statistics)
    before = realised_total(manager)
    assert before >= 5  # shown, not "<5": the fixture seeded enough
    screenshot(manager, "manager-1-statistics-before")

    # the nurse books tomorrow's first time at her station
    nurse = new_page(browser, server)
    sign_in(nurse, "espoo.nurse", "/book")
    nurse.locator("input[name=slot_id]").first.check()
    nurse.locator("input[name=reasons]").first.check()
    nurse.locator("#client-name").fill("Ville Verkkokalenteri")
    nurse.locator("#client-age").fill("33")
    nurse.locator("#relationship-no").check()
    nurse.get_by_role("button", name="Varaa aika").click()
    nurse.wait_for_url(re.compile(r".*/bookings/\d+$"))
    booking_id = int(nurse.url.rsplit("/", 1)[1])
    starts = datetime.fromisoformat(nurse.locator("dd time").first.get_attribute("datetime"))

    # the instructor: her day shows the booking, without the client's name
    instructor = new_page(browser, server)
    sign_in(instructor, "espoo.instructor", "/work")
    instructor.goto(f"/work?day={starts.date().isoformat()}")
    booking = instructor.locator(f'a[href="/bookings/{booking_id}"]')
    assert booking.count() == 1
    entry = instructor.locator("li.agenda-booking", has=booking)
    assert entry.locator("time").first.inner_text() == f"{starts.hour}.{starts.minute:02d}"
    assert "Ville" not in instructor.inner_text("main")
    screenshot(instructor, "instructor-1-day")

    # ... and in her calendar feed: a subscription made through the API with her session
    created = instructor.request.post("/api/v1/me/feeds", data={"name": "browser test"})
    assert created.ok, created.text()
    feed = instructor.request.get(created.json()["url"])
    assert feed.ok and feed.headers["content-type"].startswith("text/calendar")
    ics = feed.text().replace("\r\n ", "")
    assert f"UID:sotesilta-booking-{booking_id}@sotesilta" in ics
    event = ics.split(f"UID:sotesilta-booking-{booking_id}@sotesilta", 1)[0].rsplit("BEGIN:VEVENT", 1)[1]
    event += ics.split(f"UID:sotesilta-booking-{booking_id}@sotesilta", 1)[1].split("END:VEVENT", 1)[0]
    assert f"DTSTART;TZID=Europe/Helsinki:{starts:%Y%m%dT%H%M}00" in event, event
    assert "Ville" not in ics  # a feed carries no client identity

    # she records a past visit's outcome from the worklist, by keyboard alone
    instructor.goto("/work")
    worklist_link = tab_to(
        instructor, lambda e: e["tag"] == "A" and e["text"].startswith("Kirjaa käynnin tulos")
    )
    assert worklist_link
    instructor.keyboard.press("Enter")
    instructor.wait_for_url(re.compile(r".*/work/outcome\?booking=\d+$"))
    tab_to(instructor, lambda e: e["id"] == "outcome-realised")
    instructor.keyboard.press("Space")
    assert instructor.locator("#outcome-realised").is_checked()
    tab_to(instructor, lambda e: e["id"] == "topic")
    instructor.keyboard.press("ArrowDown")  # the first topic
    tab_to(instructor, lambda e: e["id"] == "referral-kela")
    instructor.keyboard.press("ArrowDown")  # advised
    screenshot(instructor, "instructor-2-outcome-form")
    tab_to(instructor, lambda e: e["tag"] == "BUTTON" and e["text"] == "Tallenna tulos")
    instructor.keyboard.press("Enter")
    instructor.wait_for_url(re.compile(r".*/work\?day=\d{4}-\d\d-\d\d&recorded=1$"))
    assert instructor.get_by_role("status").inner_text() == "Tulos kirjattiin."
    screenshot(instructor, "instructor-3-recorded")

    # the manager sees one more realised visit, and its chart drawn from the API
    manager.goto(statistics)
    assert realised_total(manager) == before + 1
    chart = manager.locator("#table-visits ~ figure img")
    assert chart.evaluate("img => img.complete && img.naturalWidth > 0")
    assert chart.get_attribute("alt").startswith("Kaavio: Toteutuneet ja perutut käynnit")
    screenshot(manager, "manager-2-statistics-after")
    for opened in (manager, nurse, instructor):
        assert opened.csp_violations == []
        opened.context.close()


def test_the_statistics_year_and_comparison_work_by_keyboard_without_script(browser, server):
    context = browser.new_context(base_url=server.base, locale="fi-FI", java_script_enabled=False)
    page = context.new_page()
    sign_in(page, "espoo.manager", "/statistics")
    if str(server.past_day.year) != page.locator("#year option:checked").inner_text():
        page.get_by_label("Vuosi").select_option(str(server.past_day.year))
    tab_to(page, lambda e: e["id"] == "compare")
    page.keyboard.press("Space")
    tab_to(page, lambda e: e["tag"] == "BUTTON" and e["text"] == "Näytä")
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r".*compare=1.*"))
    assert page.locator("#compare").is_checked()
    assert page.locator("th[scope=row]", has_text="Muutos").count() == 3
    with page.expect_download() as download:
        page.get_by_role("link", name="Lataa luvut Exceliin (CSV)").click()
    assert download.value.suggested_filename == f"espoo-guidance-{server.past_day.year}.csv"
    page.context.close()


def test_the_new_pages_have_no_serious_accessibility_violation(browser, server):
    page = new_page(browser, server, bypass_csp=True)  # axe's script is injected
    sign_in(page, "espoo.instructor", "/work")
    assert_accessible(page, "axe-work-day")
    page.goto(f"/work?day={server.past_day.isoformat()}")
    assert_accessible(page, "axe-work-day-past")
    page.goto(f"/work/week?start={server.past_day.isoformat()}")
    assert_accessible(page, "axe-work-week")
    page.goto("/work")
    page.locator("a.button-link").first.click()
    page.wait_for_url(re.compile(r".*/work/outcome\?booking=\d+$"))
    assert_accessible(page, "axe-outcome")
    page.get_by_role("button", name="Tallenna tulos").click()  # nothing chosen
    assert page.get_by_role("alert").is_visible()
    assert_accessible(page, "axe-outcome-errors")
    page.goto("/statistics?compare=1")
    assert_accessible(page, "axe-statistics-instructor")
    page.context.clear_cookies()
    sign_in(page, "espoo.nurse", "/book")
    page.goto("/orphaned")
    assert_accessible(page, "axe-orphaned")
    page.context.clear_cookies()
    sign_in(page, "espoo.manager", "/statistics")
    page.goto(f"/statistics?year={server.past_day.year}&compare=1")
    assert_accessible(page, "axe-statistics")
    page.context.close()
