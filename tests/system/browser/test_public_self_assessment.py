"""On a phone: a member of the public reads a station's page in Swedish and in plain
Finnish, fills the self-assessment and asks to be contacted; the instructor sees the
request, books a time from it, and the request shows as booked (issue 23's acceptance).
Every page is scanned by axe-core and must fit the phone's width."""

from __future__ import annotations

import re

import pytest
from browser_support import assert_accessible, screenshot
from support import PASSWORD

pytestmark = pytest.mark.slow

#: an ordinary phone's viewport (CSS pixels)
PHONE = {
    "viewport": {"width": 390, "height": 844},
    "is_mobile": True,
    "has_touch": True,
    "device_scale_factor": 2,
}
NAME = "Pia Puhelin"


def phone_page(browser, server):  # type: ignore[no-untyped-def]
    # axe's script is injected, which the pages' CSP would block
    context = browser.new_context(base_url=server.base, locale="fi-FI", bypass_csp=True, **PHONE)
    return context.new_page()


def fits_the_phone(page) -> None:  # type: ignore[no-untyped-def]
    """No sideways scrolling: the page is no wider than the phone (a mobile browser widens its
    layout viewport to fit wider content, so compare with the phone's own width)."""
    width = page.evaluate("() => document.documentElement.scrollWidth")
    assert width <= PHONE["viewport"]["width"], width


def test_the_public_asks_to_be_contacted_and_the_instructor_books_a_time_from_it(browser, server):
    public = phone_page(browser, server)
    public.goto("/")
    assert public.get_by_role("heading", level=1).inner_text() == "Sosiaaliohjaus terveysasemalla"
    assert_accessible(public, "axe-public-front-phone")
    fits_the_phone(public)
    with public.expect_navigation():
        public.get_by_role("link", name="Leppävaaran terveysasema").first.click()
    public.wait_for_url("**/services/03/espoo-leppavaara")

    with public.expect_navigation():
        public.get_by_role("link", name="Svenska").click()
    assert public.locator("html").get_attribute("lang") == "sv"
    assert public.get_by_role("heading", name="För vem").is_visible()
    assert "Ensamhet eller brist på sysselsättning" in public.inner_text("main")
    assert_accessible(public, "axe-public-station-sv-phone")
    fits_the_phone(public)

    with public.expect_navigation():
        public.get_by_role("link", name="Selkosuomi").click()
    assert public.url.endswith("?lang=fi-x-selko") and public.locator("html").get_attribute("lang") == "fi"
    assert "Sosiaaliohjaaja auttaa sinua, jos elämässäsi on vaikeaa." in public.inner_text("main")
    assert_accessible(public, "axe-public-station-plain-finnish-phone")
    fits_the_phone(public)

    with public.expect_navigation():
        public.get_by_role("link", name="Täytä oma-arvio ja pyydä yhteydenottoa").click()
    public.wait_for_url(re.compile(r".*/self-assessment/03\?lang=fi-x-selko&station=espoo-leppavaara$"))
    public.locator("#loneliness-yes").check()
    public.locator("#life_situation-partly").check()
    public.locator("#contact").check()
    public.locator("#contact-name").fill(NAME)
    public.locator("#channel-sms").check()
    public.locator("#contact-phone").fill("040 111 2233")
    public.locator("#contact-when").fill("Iltapäivisin")
    assert_accessible(public, "axe-public-self-assessment-phone")
    fits_the_phone(public)
    with public.expect_navigation():
        public.get_by_role("button", name="Lähetä").click()
    public.wait_for_url("**/self-assessment/03/sent?lang=fi-x-selko&contact=1")
    assert NAME not in public.url
    assert "Pyrimme ottamaan sinuun yhteyttä 2 arkipäivän kuluessa" in public.inner_text("main")
    assert_accessible(public, "axe-public-self-assessment-sent-phone")
    public.context.close()

    instructor = phone_page(browser, server)
    instructor.goto("/login")
    instructor.get_by_label("Käyttäjätunnus").fill("espoo.instructor")
    instructor.get_by_label("Salasana").fill(PASSWORD)
    with instructor.expect_navigation():
        instructor.get_by_role("button", name="Kirjaudu sisään").click()
    instructor.wait_for_url("**/work")
    instructor.goto("/contact-requests")
    assert NAME not in instructor.inner_text("main")  # the list names nobody
    assert_accessible(instructor, "axe-contact-requests-phone")
    fits_the_phone(instructor)
    with instructor.expect_navigation():
        instructor.locator("table a[href^='/contact-requests/']").first.click()
    request_path = instructor.url.split(server.base, 1)[1]
    assert instructor.get_by_role("heading", level=1).inner_text() == f"Yhteydenottopyyntö: {NAME}"
    assert instructor.locator("#request-status").inner_text() == "Uusi"
    assert_accessible(instructor, "axe-contact-request-phone")
    fits_the_phone(instructor)

    with instructor.expect_navigation():
        instructor.get_by_role("link", name="Varaa aika pyynnön pohjalta").click()
    assert instructor.locator("#client-name").input_value() == NAME
    assert instructor.locator("#client-phone").input_value() == "040 111 2233"
    instructor.locator("#slots input[name=slot_id]").first.check()
    instructor.locator("input[name=reasons]").first.check()
    instructor.locator("#client-age").fill("45")
    with instructor.expect_navigation():
        instructor.get_by_role("button", name="Varaa aika").click()
    instructor.wait_for_url(re.compile(r".*/bookings/\d+$"))
    booking_path = instructor.url.split(server.base, 1)[1]

    instructor.goto(request_path)
    assert instructor.locator("#request-status").inner_text() == "Varattu"
    assert instructor.locator(f"a[href='{booking_path}']").is_visible()
    assert_accessible(instructor, "axe-contact-request-booked-phone")
    screenshot(instructor, "contact-request-booked-phone")
    instructor.context.close()
