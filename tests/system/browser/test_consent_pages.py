"""A nurse names the client in a consultation: from the form to the consent plugin's pages, the
client registered and the client's oral consent recorded, back to the form and the named
consultation opened; a second nurse's question refused without consent. Every page scanned by
axe, with the keyboard where it matters."""

from __future__ import annotations

import re
from datetime import date

import pytest
from browser_support import assert_accessible
from support import PASSWORD, identity_code

pytestmark = pytest.mark.slow


def sign_in(page, username: str, landing: str) -> None:  # type: ignore[no-untyped-def]
    page.goto("/login")
    page.get_by_label("Käyttäjätunnus").fill(username)
    page.get_by_label("Salasana").fill(PASSWORD)
    page.get_by_role("button", name="Kirjaudu sisään").click()
    page.wait_for_url(f"**{landing}")


def test_a_nurse_records_the_clients_consent_and_opens_a_named_consultation(browser, server):
    # axe's script is injected, which the Content-Security-Policy would block
    page = browser.new_context(base_url=server.base, locale="fi-FI", bypass_csp=True).new_page()
    sign_in(page, "espoo.nurse", "/book")
    page.goto("/consultations/new")
    page.get_by_role("link", name="Nimeä asiakas").click()
    page.wait_for_url(re.compile(r".*/consents\?"))
    assert_accessible(page, "axe-consents-find")

    code = identity_code(date(1990, 1, 10), 942)
    page.get_by_label("Asiakkaan henkilötunnus").fill(code)
    page.get_by_label("Asiakkaan henkilötunnus").press("Enter")
    page.wait_for_url("**/consents/find")
    # no relationship with whoever has the code (if anyone): the page asks why, and shows nothing
    assert page.get_by_role("status").count() == 0
    assert_accessible(page, "axe-consents-reason")
    page.get_by_label("Syy", exact=True).select_option("client_present")
    page.get_by_label("Omin sanoin").fill("Asiakas vastaanotollani")
    page.get_by_role("button", name="Hae asiakas").click()
    page.wait_for_url("**/consents/find")
    assert page.get_by_role("status").is_visible()  # nobody with that code yet: register
    page.get_by_label("Asiakkaan nimi").fill("Testi Asiakas")
    page.get_by_role("button", name="Rekisteröi asiakas").click()
    page.wait_for_url(re.compile(r".*/clients/\d+/consents\?"))
    assert code not in page.url
    page.get_by_role("button", name="Kirjaa suostumus").click()  # how it was given is missing
    assert page.get_by_role("alert").is_visible()
    assert_accessible(page, "axe-consent-errors")
    page.get_by_label("Suullisesti").check()
    page.get_by_role("button", name="Kirjaa suostumus").click()
    page.wait_for_url(re.compile(r".*recorded=\d+"))
    assert page.get_by_text("Suostumus kirjattiin.").is_visible()
    assert_accessible(page, "axe-consent-recorded")

    page.get_by_role("link", name=re.compile("Jatka asiakkaan")).click()
    page.wait_for_url(re.compile(r".*/consultations/new\?.*client=\d+"))
    assert page.get_by_label(re.compile("Nimeä asiakas nro")).is_checked()
    assert_accessible(page, "axe-consultation-named")
    page.get_by_label("Sosiaaliohjaaja (valinnainen)").select_option(label="Elina Ohjaaja")
    page.get_by_label("Kysymyksesi").fill("Asiakkaan asumisen tilanne")
    page.get_by_role("button", name="Lähetä kysymys").click()
    page.wait_for_url(re.compile(r".*/consultations/\d+$"))
    assert page.get_by_text("asiakas nimetty (suostumuksella)").is_visible()
    assert page.get_by_text("osoitettu: Elina Ohjaaja").is_visible()
    client_path = page.get_by_role("link", name=re.compile("suostumukset")).get_attribute("href")

    # withdrawn: the next named question is refused, and what she wrote stays on the form
    page.goto(client_path)
    page.get_by_role("button", name=re.compile("^Peru")).click()
    page.wait_for_url(re.compile(r".*withdrawn=\d+"))
    client_id = re.search(r"/clients/(\d+)/", client_path).group(1)
    page.goto(f"/consultations/new?client={client_id}")
    page.get_by_label("Kysymyksesi").fill("Toinen kysymys")
    page.get_by_role("button", name="Lähetä kysymys").click()
    assert page.get_by_role("alert").is_visible()
    assert page.get_by_label("Kysymyksesi").input_value() == "Toinen kysymys"
    assert_accessible(page, "axe-consultation-consent-missing")
    page.context.close()
