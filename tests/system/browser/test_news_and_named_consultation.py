"""New things announce themselves, and a named consultation shows whom it names to the
instructor it is addressed to: the nurse asks about a client who consented, addressed to the
instructor; the instructor sees the count in her menu and on her start page, follows it, reads
the client's name and identity code and who asked from where, answers; the nurse then sees the
answer counted. A rehabilitation worker sees her measurement due counted and her client named.
Every page with a count is scanned by axe-core; times are recorded, never asserted."""

from __future__ import annotations

import re
import time
from datetime import date

import pytest
from browser_support import assert_accessible, screenshot
from support import PASSWORD, identity_code

pytestmark = pytest.mark.slow

CODE = identity_code(date(1988, 4, 12), 907)


def new_page(browser, server):  # type: ignore[no-untyped-def]
    # axe's script is injected, which the Content-Security-Policy would block
    return browser.new_context(base_url=server.base, locale="fi-FI", bypass_csp=True).new_page()


def sign_in(page, username: str, landing: str) -> None:  # type: ignore[no-untyped-def]
    page.goto("/login")
    page.get_by_label("Käyttäjätunnus").fill(username)
    page.get_by_label("Salasana").fill(PASSWORD)
    with page.expect_navigation():
        page.get_by_role("button", name="Kirjaudu sisään").click()
    page.wait_for_url(f"**{landing}")


def test_a_named_question_is_announced_to_its_instructor_who_sees_whom_it_names(browser, server):
    nurse = new_page(browser, server)
    sign_in(nurse, "espoo.nurse", "/book")
    # the client and the consent through the API, with her session (the consent pages have a test of their own)
    made = nurse.request.post(
        "/api/v1/clients", data={"municipality": "049", "name": "Väinö Nimetty", "identity_code": CODE}
    )
    assert made.ok, made.text()
    client_id = made.json()["id"]
    consent = nurse.request.post(
        f"/api/v1/clients/{client_id}/consents",
        data={"scope": "named_consultation", "recipient": "03", "given_how": "oral"},
    )
    assert consent.ok, consent.text()
    nurse.goto(f"/consultations/new?client={client_id}")
    nurse.get_by_label("Sosiaaliohjaaja (valinnainen)").select_option(label="Elina Ohjaaja")
    nurse.get_by_label("Kysymyksesi").fill("Väinön vuokrarästit: mihin ohjaan?")
    with nurse.expect_navigation():
        nurse.get_by_role("button", name="Lähetä kysymys").click()
    nurse.wait_for_url(re.compile(r".*/consultations/\d+$"))
    thread = nurse.url

    instructor = new_page(browser, server)
    started = time.monotonic()
    sign_in(instructor, "espoo.instructor", "/work")
    menu = instructor.get_by_role("navigation", name="Päävalikko")
    assert menu.get_by_role("link", name="Konsultaatiot, 1 uusi").is_visible()
    assert_accessible(instructor, "axe-news-instructor-day")
    with instructor.expect_navigation():
        instructor.get_by_role("link", name="1 konsultaatio, jossa on uutta").click()
    with instructor.expect_navigation():
        instructor.get_by_role("link", name=re.compile(r"^Konsultaatio \d+$")).first.click()
    assert instructor.url == thread
    assert instructor.locator("#named-client").inner_text() == f"Väinö Nimetty, henkilötunnus {CODE}"
    elapsed = time.monotonic() - started
    assert (
        instructor.locator("#asked-by")
        .inner_text()
        .startswith("Eeva Hoitaja, Leppävaaran terveysasema, puh. 09 816 31300")
    )
    assert menu.get_by_role("link", name="Konsultaatiot", exact=True).is_visible()  # read: no count
    assert_accessible(instructor, "axe-named-consultation-instructor")
    instructor.get_by_label("Vastauksesi").fill("Soitan Väinölle huomenna.")
    with instructor.expect_navigation():
        instructor.get_by_role("button", name="Lähetä", exact=True).click()
    server.timings["instructor_follows_the_count_to_a_named_consultation"] = {"seconds": round(elapsed, 2)}

    nurse.goto("/book")
    assert (
        nurse.get_by_role("navigation", name="Päävalikko")
        .get_by_role("link", name="Konsultaatiot, 1 uusi")
        .is_visible()
    )
    assert nurse.get_by_role("link", name="1 konsultaatio, jossa on uutta").is_visible()
    assert_accessible(nurse, "axe-news-nurse-book")
    screenshot(nurse, "news-nurse-book")
    for opened in (nurse, instructor):
        opened.context.close()


def test_a_rehabilitation_worker_sees_her_measurement_due_counted_and_her_client_named(browser, server):
    page = new_page(browser, server)
    sign_in(page, "lahti.instructor", "/work")
    # the seeded period began a week ago: its start measurement is due
    link = page.get_by_role("navigation", name="Päävalikko").get_by_role(
        "link", name=re.compile(r"^Intensiivijaksot, \d+ mittaus(ta)? tulossa$")
    )
    assert link.is_visible()
    with page.expect_navigation():
        link.click()
    assert page.get_by_role("link", name=re.compile(r"^Nuori Asiakas, jakso \d+$")).is_visible()
    assert "Asiakas nro" not in page.inner_text("main")
    assert_accessible(page, "axe-news-rehab-periods")
    page.context.close()
