"""After the confirmation, in a real browser: the nurse finds her bookings, cancels and
moves one by keyboard alone (the move in Swedish too), rebooks a time whose session was
cancelled, and changes the station on the booking form without losing what she typed.
Every new page is scanned by axe-core; times are recorded, never asserted."""

from __future__ import annotations

import re
import time
from datetime import datetime, timedelta

import httpx
import pytest
from browser_support import assert_accessible, screenshot, tab_to
from support import PASSWORD

pytestmark = pytest.mark.slow

BOOKING = re.compile(r".*/bookings/(\d+)$")


def sign_in(page, username: str, *, swedish: bool = False) -> None:  # type: ignore[no-untyped-def]
    page.goto("/login")
    if swedish:
        with page.expect_navigation():
            page.get_by_role("button", name="Svenska").click()
    page.locator("#username").fill(username)
    page.locator("#password").fill(PASSWORD)
    page.locator("#password").press("Enter")
    page.wait_for_url("**/book")


def book(page, name: str, *, slot: int = 0) -> int:  # type: ignore[no-untyped-def]
    """Book the nth offered time for a client through the form; the booking's id."""
    page.goto("/book")
    page.locator("#slots input[name=slot_id]").nth(slot).check()
    page.locator("input[name=reasons]").first.check()
    page.locator("#client-name").fill(name)
    page.locator("#client-phone").fill("040 765 4321")
    page.locator("#client-age").fill("44")
    page.locator("#note").fill("Toimeentulo huolettaa")
    page.locator("#relationship-no").check()
    page.locator("button.primary").click()
    page.wait_for_url(BOOKING)
    found = BOOKING.match(page.url)
    assert found
    return int(found.group(1))


def test_a_nurse_finds_her_bookings_and_searches_a_day(page, server):
    sign_in(page, "espoo.nurse")
    book(page, "Listan Asiakas")
    day = page.locator("dl.summary time").get_attribute("datetime")[:10]
    page.get_by_role("link", name="Varaukset", exact=True).click()
    page.wait_for_url("**/bookings")
    assert page.get_by_role("heading", name="Tulevat varauksesi").is_visible()
    assert "Listan Asiakas" in page.inner_text("main")
    page.locator("#day").fill(day)
    page.get_by_role("button", name="Näytä päivä").click()
    page.wait_for_url(re.compile(r".*/bookings\?day="))
    assert re.search(r"Varauksesi: [a-zä]+ \d", page.inner_text("main")), (
        "a weekday in lowercase after the label"
    )
    assert "Listan Asiakas" in page.inner_text("main")
    screenshot(page, "bookings-1-day")


def test_a_nurse_cancels_with_the_keyboard_alone(page, server):
    sign_in(page, "espoo.nurse")
    booking_id = book(page, "Peruva Asiakas")
    started = time.monotonic()
    page.locator("h1").focus()  # from the top of the confirmation, as after loading it
    tab_to(page, lambda e: e["id"] == "cancelled-by-referrer")
    page.keyboard.press("ArrowLeft")  # the other radio of the group: the client cancels
    tab_to(page, lambda e: e["id"] == "cancel-reason")
    page.keyboard.type("Asiakas soitti ja perui")
    tab_to(page, lambda e: e["id"] == "cancel-button")
    page.keyboard.press("Enter")
    page.wait_for_selector("#cancelled-notice")
    elapsed = time.monotonic() - started
    assert page.url.endswith(f"/bookings/{booking_id}")
    assert page.get_by_role("heading", level=1).inner_text() == "Peruttu"
    notice = page.inner_text("#cancelled-notice")
    assert "Tämä aika peruttiin" in notice and "Perui: asiakas." in notice
    assert page.locator("section.instructions").count() == 0
    assert page.get_by_role("button", name="Tulosta ohjeet").count() == 0
    screenshot(page, "cancel-keyboard-done")
    server.timings["nurse_cancel_keyboard"] = {"seconds": round(elapsed, 2)}


def test_a_nurse_moves_with_the_keyboard_alone(page, server):
    sign_in(page, "espoo.nurse")
    old = book(page, "Siirtyvä Asiakas")
    started = time.monotonic()
    page.locator("h1").focus()
    tab_to(page, lambda e: e["id"] == "move-link")
    page.keyboard.press("Enter")
    page.wait_for_url(f"**/bookings/{old}/move")
    assert page.get_by_role("heading", level=1).inner_text() == "Siirrä varaus"
    # everything typed for the booking is there already
    assert page.locator("#client-name").input_value() == "Siirtyvä Asiakas"
    assert page.locator("#note").input_value() == "Toimeentulo huolettaa"
    tab_to(page, lambda e: e["name"] == "slot_id")
    page.keyboard.press("Space")
    tab_to(page, lambda e: e["type"] == "submit" and e["tag"] == "BUTTON" and e["name"] is None)
    page.keyboard.press("Enter")
    page.wait_for_url(BOOKING)
    elapsed = time.monotonic() - started
    new = int(BOOKING.match(page.url).group(1))  # type: ignore[union-attr]
    assert new != old and page.get_by_role("heading", level=1).inner_text() == "Varattu"
    assert "Siirtyvä Asiakas" in page.inner_text("main")
    page.goto(f"/bookings/{old}")
    assert "siirretty toiseen aikaan" in page.inner_text("main")
    assert page.get_by_role("link", name="Avaa uusi aika").get_attribute("href") == f"/bookings/{new}"
    screenshot(page, "move-keyboard-done")
    server.timings["nurse_move_keyboard"] = {"seconds": round(elapsed, 2)}


def test_a_swedish_nurse_moves_a_booking(page, server):
    sign_in(page, "esbo.nurse", swedish=True)
    old = book(page, "Flyttande Klient")
    page.get_by_role("link", name="Flytta till en annan tid").click()
    page.wait_for_url(f"**/bookings/{old}/move")
    assert page.get_by_role("heading", level=1).inner_text() == "Flytta bokningen"
    assert page.locator("#client-name").input_value() == "Flyttande Klient"
    assert "Nuvarande tid (Flyttande Klient)" in page.inner_text("main")
    page.locator("#slots input[name=slot_id]").nth(1).check()
    page.get_by_role("button", name="Flytta till den här tiden").click()
    page.wait_for_url(BOOKING)
    assert page.get_by_role("heading", level=1).inner_text() == "Bokad"
    page.goto(f"/bookings/{old}")
    assert page.get_by_role("heading", level=1).inner_text() == "Avbokad"
    assert "flyttad till en annan tid" in page.inner_text("main")
    screenshot(page, "move-swedish-done")


def test_changing_the_station_keeps_what_was_typed_and_the_earliest_times_are_one_click_away(page, server):
    sign_in(page, "espoo.nurse")
    assert "Kunta palvelee 18–64-vuotiaita." in page.inner_text("#client-age-hint")
    page.locator("#client-name").fill("Asemaa Vaihtava")
    page.locator("#client-age").fill("51")
    page.locator("#note").fill("Kirjoitettu ennen aseman vaihtoa")
    page.locator("#station-picker").select_option(label="Tapiolan terveysasema")
    with page.expect_navigation():
        page.get_by_role("button", name="Näytä ajat").click()
    assert page.locator("#station-picker option:checked").inner_text() == "Tapiolan terveysasema"
    assert page.locator("#client-name").input_value() == "Asemaa Vaihtava"
    assert page.locator("#note").input_value() == "Kirjoitettu ennen aseman vaihtoa"
    with page.expect_navigation():
        page.get_by_role("button", name="Aikaisimmat vapaat ajat kaikilla terveysasemilla").click()
    earliest = page.locator("ul[aria-labelledby=earliest-title] input[name=slot_id]")
    assert earliest.count() > 8
    assert page.locator("#client-age").input_value() == "51"
    screenshot(page, "book-earliest")


def test_a_time_to_rebook_is_rebooked_from_the_list(page, server):
    sign_in(page, "espoo.nurse")
    booking_id = book(page, "Orpo Asiakas", slot=-1)  # the last time offered, nearby
    starts = page.locator("dl.summary time").get_attribute("datetime")
    # the instructor falls ill for that hour, through the API
    api = httpx.Client(base_url=server.base)
    token = api.post(
        "/api/v1/auth/login", json={"username": "espoo.instructor", "password": PASSWORD}
    ).json()["token"]
    headers = {"Authorization": f"Bearer {token}"}
    worker_id = api.get("/api/v1/sessions", headers=headers).json()[0]["worker_id"]
    start = datetime.fromisoformat(starts)
    recorded = api.post(
        "/api/v1/absences",
        json={
            "worker_id": worker_id,
            "starts_at": start.isoformat(),
            "ends_at": (start + timedelta(minutes=1)).isoformat(),
            "reason": "sairas",
        },
        headers=headers,
    )
    assert recorded.status_code == 201 and recorded.json()["orphaned_bookings"] == 1, recorded.text
    page.get_by_role("link", name="Uudelleen varattavat").click()
    page.wait_for_url("**/orphaned")
    entry = page.locator("ul.worklist li", has_text="Orpo Asiakas")
    assert re.search(r"\d+ vapaata? aika[a]? lähellä", entry.inner_text())
    entry.get_by_role("link", name="Varaa uusi aika").click()
    page.wait_for_url(f"**/bookings/{booking_id}/move")
    assert page.locator("#client-name").input_value() == "Orpo Asiakas"
    page.locator("#slots input[name=slot_id]").first.check()
    page.get_by_role("button", name="Varaa uusi aika").click()
    page.wait_for_url(BOOKING)
    page.goto("/orphaned")
    assert "Orpo Asiakas" not in page.inner_text("main")


def test_the_new_pages_have_no_serious_accessibility_violation(scan_page, server):
    page = scan_page
    sign_in(page, "espoo.nurse")
    booking_id = book(page, "Axe Asiakas")
    assert_accessible(page, "axe-booking-with-cancel")
    with page.expect_navigation():
        page.locator("#cancel-button").click()  # no reason
    assert page.get_by_role("alert").is_visible()
    assert_accessible(page, "axe-cancel-errors")
    page.goto(f"/bookings/{booking_id}/move")
    assert_accessible(page, "axe-move")
    page.goto("/bookings")
    assert_accessible(page, "axe-bookings")
    page.goto("/bookings?day=eilen")
    assert_accessible(page, "axe-bookings-bad-day")
    page.goto("/orphaned")
    assert_accessible(page, "axe-orphaned")
    page.goto("/book")
    with page.expect_navigation():
        page.get_by_role("button", name="Aikaisimmat vapaat ajat kaikilla terveysasemilla").click()
    assert_accessible(page, "axe-book-earliest")
    page.goto(f"/bookings/{booking_id}")
    page.locator("#cancel-reason").fill("Asiakas perui")
    page.locator("#cancel-button").click()
    page.wait_for_selector("#cancelled-notice")
    assert_accessible(page, "axe-cancelled")
