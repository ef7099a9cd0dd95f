"""The issue's acceptance, in a real browser and through the pages only: an admin adds a station
with its phone number and a worker, links the worker to a new user, creates a session rule
for them, and a nurse books it. The new pages are scanned by axe along the way."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
from browser_support import assert_accessible
from support import PASSWORD

pytestmark = pytest.mark.slow

PHONE = "+358 9 816 31300"


def sign_in(page, username: str, landing: str) -> None:  # type: ignore[no-untyped-def]
    page.goto("/login")
    page.get_by_label("Käyttäjätunnus").fill(username)
    page.get_by_label("Salasana").fill(PASSWORD)
    page.get_by_role("button", name="Kirjaudu sisään").click()
    page.wait_for_url(f"**{landing}")


def next_weekday(after: date) -> date:
    day = after + timedelta(days=1)
    while day.weekday() >= 5:
        day += timedelta(days=1)
    return day


def test_an_admin_sets_up_a_station_and_a_worker_and_a_nurse_books_there(browser, server):
    # axe's script is injected, which the Content-Security-Policy would block
    context = browser.new_context(base_url=server.base, locale="fi-FI", bypass_csp=True)
    page = context.new_page()
    sign_in(page, "espoo.admin", "/admin")
    assert_accessible(page, "axe-admin-organisation")

    # a station, with its phone number; a refused form first keeps what was typed
    page.get_by_role("link", name="Lisää toimipiste").click()
    page.wait_for_url("**/admin/stations/new")
    page.get_by_label("Nimi suomeksi").fill("Otaniemen terveysasema")
    page.get_by_label("Nimi ruotsiksi").fill("Otnäs hälsostation")
    page.get_by_label("Kunta").select_option("049")
    page.get_by_label("Osoite suomeksi").fill("Otakaari 1, 02150 Espoo")
    page.get_by_label("Puhelin (valinnainen)").fill("soita")
    page.get_by_label("Tunnus").fill("espoo-otaniemi")
    page.get_by_role("button", name="Tallenna toimipiste").click()
    assert page.get_by_role("alert").is_visible()
    assert page.get_by_label("Nimi suomeksi").input_value() == "Otaniemen terveysasema"
    assert_accessible(page, "axe-admin-station-errors")
    page.get_by_label("Puhelin (valinnainen)").fill(PHONE)
    page.get_by_role("button", name="Tallenna toimipiste").click()
    page.wait_for_url("**/admin?saved=station*")
    assert page.get_by_role("row", name=re.compile("Otaniemen terveysasema")).get_by_text(PHONE).is_visible()

    # a worker of Espoo's unit, serving Espoo, receiving at the new station
    page.get_by_role("link", name="Lisää työntekijä").click()
    page.wait_for_url("**/admin/workers/new")
    assert_accessible(page, "axe-admin-worker")
    page.get_by_label("Nimi", exact=True).fill("Onni Ohjaaja")
    page.get_by_label("Yksikkö").select_option(
        label="Espoon aikuissosiaalityö, sosiaaliohjaus terveysasemilla"
    )
    page.get_by_label("Espoo", exact=True).check()
    page.get_by_label("Otaniemen terveysasema").check()
    page.get_by_role("button", name="Tallenna työntekijä").click()
    page.wait_for_url("**/admin?saved=worker*")

    # a new user for them
    page.get_by_role("link", name="Käyttäjät ja roolit").first.click()
    page.wait_for_url("**/admin/users")
    page.locator("#username").fill("espoo.onni")
    page.locator("#display_name").fill("Onni Ohjaaja")
    page.locator("#role-instructor").check()
    page.locator("#municipality-049").check()
    page.locator("#password").fill(PASSWORD)
    page.get_by_role("button", name="Lisää käyttäjä").click()
    assert page.get_by_role("status").get_by_text("espoo.onni").is_visible()

    # linked to the worker
    page.get_by_role("link", name="Organisaatio").first.click()
    page.get_by_role("link", name="Muokkaa Onni Ohjaaja").click()
    page.wait_for_url(re.compile(r".*/admin/workers/\d+$"))
    page.get_by_label("Käyttäjätunnus", exact=True).select_option(label="Onni Ohjaaja (espoo.onni)")
    page.get_by_role("button", name="Tallenna työntekijä").click()
    page.wait_for_url("**/admin?saved=worker*")
    assert page.get_by_role("row", name=re.compile("Onni Ohjaaja")).get_by_text("espoo.onni").is_visible()
    assert page.get_by_role("listitem").filter(has_text="Onni Ohjaaja").first.is_visible()  # the change log

    # a session rule for them at the new station
    page.get_by_role("link", name="Vastaanotot ja poissaolot").first.click()
    page.wait_for_url("**/admin/sessions")
    page.locator("#rule-worker").select_option(label="Onni Ohjaaja (Espoo)")
    page.locator("#rule-station").select_option(label="Otaniemen terveysasema")
    page.locator("#rule-first").fill(next_weekday(date.today()).isoformat())
    page.get_by_role("button", name="Tallenna sääntö").click()
    page.wait_for_url(re.compile(r".*/admin/sessions\?sessions=[1-9]"))
    context.close()

    # a nurse books it
    context = browser.new_context(base_url=server.base, locale="fi-FI")
    page = context.new_page()
    page.goto("/book")  # not signed in: the login page, which comes back here
    page.get_by_label("Käyttäjätunnus").fill("espoo.nurse")
    page.get_by_label("Salasana").fill(PASSWORD)
    page.get_by_role("button", name="Kirjaudu sisään").click()
    page.wait_for_url("**/book")
    page.locator("#station-picker").select_option(label="Otaniemen terveysasema")
    with page.expect_navigation():  # the form is posted: what was typed stays
        page.get_by_role("button", name="Näytä ajat").click()
    assert page.locator("#station-picker option:checked").inner_text() == "Otaniemen terveysasema"
    assert "Onni Ohjaaja" in page.locator("input[name=slot_id]").first.locator("xpath=..").inner_text()
    page.locator("input[name=slot_id]").first.check()
    page.locator("input[name=reasons]").first.check()
    page.locator("#client-name").fill("Maija Meikäläinen")
    page.locator("#client-age").fill("42")
    page.locator("#relationship-no").check()
    page.get_by_role("button", name="Varaa aika").click()
    page.wait_for_url(re.compile(r".*/bookings/\d+$"))
    assert page.get_by_role("heading", level=1).inner_text() == "Varattu"
    assert "Otaniemen terveysasema" in page.content()
    assert PHONE in page.content() or "Otakaari 1" in page.content()
    context.close()
