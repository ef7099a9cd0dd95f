"""What the nurse writes reaches the instructor: the nurse books with a note, the instructor
signs in, opens the booking from her day and reads the note, the nurse's answer about an
existing social-care client relationship, who booked, from which station and its phone.
The pages are scanned by axe-core; the time is recorded, never asserted."""

from __future__ import annotations

import re
import time
from datetime import datetime

import pytest
from browser_support import assert_accessible, screenshot
from support import PASSWORD

pytestmark = pytest.mark.slow

NOTE = "Toimeentulo huolettaa, vuokra on maksamatta."


def new_page(browser, server, *, bypass_csp: bool = False):  # type: ignore[no-untyped-def]
    context = browser.new_context(base_url=server.base, locale="fi-FI", bypass_csp=bypass_csp)
    page = context.new_page()
    page.csp_violations = []
    page.on(
        "console",
        lambda m: page.csp_violations.append(m.text) if "Content Security Policy" in m.text else None,
    )
    return page


def sign_in(page, username: str, landing: str) -> None:  # type: ignore[no-untyped-def]
    page.goto("/login")
    page.get_by_label("Käyttäjätunnus").fill(username)
    page.get_by_label("Salasana").fill(PASSWORD)
    with page.expect_navigation():
        page.get_by_role("button", name="Kirjaudu sisään").click()
    page.wait_for_url(f"**{landing}")


def test_the_instructor_sees_the_nurses_note_in_the_booking_she_opens_from_her_day(browser, server):
    nurse = new_page(browser, server)
    sign_in(nurse, "espoo.nurse", "/book")
    nurse.locator("#slots input[name=slot_id]").first.check()
    nurse.locator("input[name=reasons]").first.check()
    nurse.locator("#client-name").fill("Noora Nähtävä")
    nurse.locator("#client-age").fill("37")
    nurse.locator("#note").fill(NOTE)
    nurse.locator("#relationship-yes").check()
    with nurse.expect_navigation():
        nurse.get_by_role("button", name="Varaa aika").click()
    nurse.wait_for_url(re.compile(r".*/bookings/\d+$"))
    booking_id = int(nurse.url.rsplit("/", 1)[1])
    starts = datetime.fromisoformat(nurse.locator("dl.summary time").first.get_attribute("datetime"))

    instructor = new_page(browser, server, bypass_csp=True)  # axe's script is injected
    started = time.monotonic()
    sign_in(instructor, "espoo.instructor", "/work")
    instructor.goto(f"/work?day={starts.date().isoformat()}")
    entry = instructor.locator(
        "li.agenda-booking", has=instructor.locator(f'a[href="/bookings/{booking_id}"]')
    )
    with instructor.expect_navigation():
        entry.get_by_role("link", name=re.compile("^Avaa varaus")).click()
    instructor.wait_for_url(f"**/bookings/{booking_id}")
    assert instructor.locator("#booking-note").inner_text() == NOTE
    elapsed = time.monotonic() - started
    assert instructor.locator("#booking-relationship").inner_text() == "Kyllä"
    booked_by = instructor.locator("#booked-by").inner_text()
    assert booked_by == "Eeva Hoitaja, Leppävaaran terveysasema, puh. 09 816 31300", booked_by
    assert instructor.get_by_role("link", name="09 816 31300").get_attribute("href") == "tel:0981631300"
    assert "Noora Nähtävä" in instructor.inner_text("dl.summary")
    assert_accessible(instructor, "axe-booking-seen-by-instructor")
    screenshot(instructor, "instructor-booking-note")
    server.timings["instructor_reads_the_nurses_note"] = {"seconds": round(elapsed, 2)}
    for opened in (nurse, instructor):
        assert opened.csp_violations == []
        opened.context.close()
