"""The administrator records an absence through its preview, finds it in the list and undoes
it, the nurse's booking coming back; the manager's statistics open on the latest year with
figures. Every new page is scanned by axe-core; times are recorded, never asserted."""

from __future__ import annotations

import re
import time

import pytest
from browser_support import assert_accessible, screenshot
from support import PASSWORD

pytestmark = pytest.mark.slow

BOOKING = re.compile(r".*/bookings/(\d+)$")


def sign_in(page, username: str, landing: str) -> None:  # type: ignore[no-untyped-def]
    page.goto("/login")
    page.locator("#username").fill(username)
    page.locator("#password").fill(PASSWORD)
    with page.expect_navigation():
        page.locator("#password").press("Enter")
    page.wait_for_url(f"**{landing}")


def book_tomorrow(page) -> tuple[int, str]:  # type: ignore[no-untyped-def]
    """The nurse books the first offered time; the booking's id and its day."""
    sign_in(page, "espoo.nurse", "/book")
    page.locator("#slots input[name=slot_id]").first.check()
    page.locator("input[name=reasons]").first.check()
    page.locator("#client-name").fill("Poissaolon Asiakas")
    page.locator("#client-age").fill("44")
    page.locator("#relationship-no").check()
    with page.expect_navigation():
        page.locator("button.primary").click()
    found = BOOKING.match(page.url)
    assert found, page.url
    day = page.locator("dl.summary time").get_attribute("datetime")[:10]
    return int(found.group(1)), day


def test_an_admin_previews_records_lists_and_undoes_an_absence(browser, server, page):
    booking_id, day = book_tomorrow(page)
    # axe's script is injected, which the Content-Security-Policy would block
    admin = browser.new_context(base_url=server.base, locale="fi-FI", bypass_csp=True).new_page()
    sign_in(admin, "espoo.admin", "/admin")
    admin.goto("/admin/sessions")
    started = time.monotonic()
    worker = admin.locator("#absence-worker option", has_text="Elina Ohjaaja").get_attribute("value")
    admin.locator("#absence-worker").select_option(worker)
    admin.locator("#absence-first").fill(day)
    admin.locator("#absence-last").fill(day)
    admin.locator("#absence-reason").fill("Koulutus")
    with admin.expect_navigation():
        admin.get_by_role("button", name="Kirjaa poissaolo").click()
    assert admin.get_by_role("heading", level=1).inner_text() == "Tarkista poissaolo ennen kirjaamista"
    main = admin.inner_text("main")
    assert "1 varattu aika perutaan" in main and "Eeva Hoitaja" in main
    assert "Poissaolon Asiakas" not in main  # times and who booked: never the client
    assert_accessible(admin, "absence-1-preview")
    with admin.expect_navigation():
        admin.get_by_role("button", name="Kirjaa poissaolo").click()
    preview_and_record = time.monotonic() - started
    assert "/admin/sessions?cancelled=" in admin.url
    assert "Poissaolo kirjattiin" in admin.inner_text("main")

    with admin.expect_navigation():
        admin.get_by_role("link", name="Poissaolot", exact=True).click()
    assert admin.url.endswith("/admin/absences")
    row = admin.locator("tbody tr").first.inner_text()
    assert "Elina Ohjaaja" in row and "Koulutus" in row and "Aino Ylläpitäjä" in row
    assert_accessible(admin, "absence-2-list")
    with admin.expect_navigation():
        admin.locator("tbody tr").first.get_by_role("link").click()
    assert "Eeva Hoitaja" in admin.inner_text("main")
    assert_accessible(admin, "absence-3-detail")
    started = time.monotonic()
    with admin.expect_navigation():
        admin.get_by_role("button", name="Peru poissaolo").click()
    undo = time.monotonic() - started
    result = admin.inner_text("main")
    assert "Poissaolo peruttiin." in result and "1 varattu aika palautettiin" in result
    assert "palautettu: aika on taas varattu" in result
    assert admin.get_by_role("button", name="Peru poissaolo").count() == 0
    assert_accessible(admin, "absence-4-undone")

    # the nurse's booking stands again
    page.goto(f"/bookings/{booking_id}")
    assert page.get_by_role("heading", level=1).inner_text() != "Peruttu"
    assert page.locator("section.instructions").count() == 1
    screenshot(page, "absence-5-booking-restored")
    server.timings["admin_absence_preview_and_record"] = {"seconds": round(preview_and_record, 2)}
    server.timings["admin_absence_undo"] = {"seconds": round(undo, 2)}


def test_the_managers_statistics_open_on_the_latest_year_with_figures(browser, server):
    manager = browser.new_context(base_url=server.base, locale="fi-FI", bypass_csp=True).new_page()
    sign_in(manager, "espoo.manager", "/statistics")
    years = manager.locator("#year option")
    offered = [int(y) for y in years.all_inner_texts()]
    selected = int(manager.locator("#year option:checked").inner_text())
    assert selected == max(offered) and offered == sorted(offered, reverse=True)
    assert server.past_day.year in offered  # the seeded visits' year has figures
    assert f"{selected}" in manager.locator("p.meta").inner_text()
    assert_accessible(manager, "statistics-latest-year")
