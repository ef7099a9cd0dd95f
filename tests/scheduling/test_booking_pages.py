"""The web pages through Litestar's test client: login, CSRF, headers, languages,
and the nurse's booking from the form to the confirmation (fast; no browser)."""

from __future__ import annotations

import re
from datetime import date, time
from urllib.parse import parse_qs, urlsplit

import pytest
from page_support import booking_form, post_login, token_of
from sqlalchemy import select
from support import PASSWORD, bearer, login

from sotesilta.core.accounts import service as accounts
from sotesilta.core.scheduling.service import sessions
from sotesilta.core.scheduling.tables import Booking


@pytest.fixture
def nurse_client(client, scheduling):  # type: ignore[no-untyped-def]
    assert post_login(client, scheduling.nurse.username).status_code == 303
    return client


def test_the_login_page_is_finnish_by_default_with_security_headers_and_a_form_token(client):
    response = client.get("/login")
    assert response.status_code == 200
    assert '<html lang="fi">' in response.text and "Kirjaudu sisään" in response.text
    csp = response.headers["content-security-policy"]
    assert "default-src 'self'" in csp and "frame-ancestors 'none'" in csp
    assert "unsafe-inline" not in csp and "script-src 'self'" in csp
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["referrer-policy"] == "same-origin"
    assert response.headers["cache-control"] == "no-store"
    cookie = response.headers["set-cookie"]
    assert cookie.startswith("sotesilta_csrf=") and "HttpOnly" in cookie and "samesite=lax" in cookie.lower()
    # no inline script or style anywhere: the CSP would block it
    assert "<style" not in response.text and " style=" not in response.text
    assert re.search(r"<script(?![^>]*\bsrc=)", response.text) is None


def test_the_browser_language_is_used_before_login(client):
    response = client.get("/login", headers={"Accept-Language": "en-GB;q=0.5, sv-FI;q=0.9"})
    assert '<html lang="sv">' in response.text and "Logga in" in response.text


def test_static_files_are_served_by_the_server_itself_with_nosniff(client):
    css = client.get("/static/site.css")
    assert css.status_code == 200 and css.headers["content-type"].startswith("text/css")
    assert css.headers["x-content-type-options"] == "nosniff"
    assert ":focus-visible" in css.text
    page = client.get("/login").text
    assert not re.search(r'(src|href)="(https?:)?//', page), "nothing may come from another site"


def test_a_form_without_its_token_is_refused(client, scheduling):
    client.get("/login")
    response = client.post(
        "/login", data={"username": scheduling.nurse.username, "password": PASSWORD}, follow_redirects=False
    )
    assert response.status_code == 403
    assert "sotesilta_session" not in response.headers.get("set-cookie", "")


def test_a_cross_site_form_is_refused_even_with_a_genuine_token(client, scheduling):
    token = token_of(client.get("/login").text)
    response = client.post(
        "/login",
        data={"username": scheduling.nurse.username, "password": PASSWORD, "_csrf_token": token},
        headers={"Origin": "https://evil.example", "Sec-Fetch-Site": "cross-site"},
        follow_redirects=False,
    )
    assert response.status_code == 403
    forged_origin = client.post(
        "/login",
        data={"username": scheduling.nurse.username, "password": PASSWORD, "_csrf_token": token},
        headers={"Origin": "https://evil.example"},
        follow_redirects=False,
    )
    assert forged_origin.status_code == 403


def test_a_token_from_another_browser_does_not_fit(client, scheduling):
    token = token_of(client.get("/login").text)
    client.cookies.clear()
    client.cookies.set("sotesilta_csrf", "someone-elses-cookie")
    response = client.post(
        "/login",
        data={"username": scheduling.nurse.username, "password": PASSWORD, "_csrf_token": token},
        follow_redirects=False,
    )
    assert response.status_code == 403


def test_login_sets_the_session_cookie_with_safe_flags_and_goes_to_booking(client, scheduling):
    response = post_login(client, scheduling.nurse.username)
    assert response.status_code == 303 and response.headers["location"] == "/book"
    cookies = response.headers.get_list("set-cookie")
    session = next(c for c in cookies if c.startswith("sotesilta_session="))
    assert "HttpOnly" in session and "samesite=lax" in session.lower() and "Path=/" in session
    # development on http://127.0.0.1: not Secure, or the browser would drop it
    assert "Secure" not in session


def test_cookies_are_secure_behind_an_https_address(runtime, plugins, clock, scheduling, tmp_path):
    from litestar.testing import TestClient

    from sotesilta.core.app import create_app
    from sotesilta.core.kernel.runtime import Runtime
    from sotesilta.core.kernel.settings import load_settings

    settings = load_settings(
        data_dir=tmp_path,
        database_url=runtime.settings.database_url,
        secret_key=runtime.settings.secret_key.get_secret_value(),
        public_base_url="https://sotesilta.example.fi",
    )
    secure_runtime = Runtime(settings=settings, engine=runtime.engine, plugins=plugins, clock=clock)
    with TestClient(app=create_app(secure_runtime), base_url="https://testserver.local") as https_client:
        first = https_client.get("/login")
        assert "Secure" in first.headers["set-cookie"]
        response = post_login(https_client, scheduling.nurse.username)
        assert all("Secure" in c for c in response.headers.get_list("set-cookie"))


def test_a_wrong_password_is_shown_on_the_form_without_saying_which_part_was_wrong(client, scheduling):
    response = post_login(client, scheduling.nurse.username, "not-the-password")
    assert response.status_code == 422
    assert "Väärä käyttäjätunnus tai salasana" in response.text
    assert 'value="espoo.nurse"' in response.text  # the username is kept, the password is not


def test_pages_send_a_signed_out_person_to_login_and_back(client, scheduling):
    response = client.get("/book?station=3", follow_redirects=False)
    assert response.status_code == 303
    target = urlsplit(response.headers["location"])
    assert target.path == "/login" and parse_qs(target.query)["next"] == ["/book?station=3"]
    token = token_of(client.get(response.headers["location"]).text)
    back = client.post(
        "/login",
        data={
            "username": scheduling.nurse.username,
            "password": PASSWORD,
            "_csrf_token": token,
            "next_path": "/book?station=3",
        },
        follow_redirects=False,
    )
    assert back.headers["location"] == "/book?station=3"


def test_login_never_redirects_to_another_site(client, scheduling):
    token = token_of(client.get("/login").text)
    for target in ("https://evil.example/", "//evil.example/", "/\\evil.example"):
        response = client.post(
            "/login",
            data={
                "username": scheduling.nurse.username,
                "password": PASSWORD,
                "_csrf_token": token,
                "next_path": target,
            },
            follow_redirects=False,
        )
        assert response.headers["location"] == "/book", target


def test_the_json_api_with_a_bearer_token_needs_no_form_token(client, scheduling):
    token = login(client, scheduling.nurse.username)
    slots = client.get(
        "/api/v1/slots/free",
        params={"municipality": "049", "station_id": scheduling.station_id},
        headers=bearer(token),
    )
    hold = client.post(f"/api/v1/slots/{slots.json()[0]['slot_id']}/hold", headers=bearer(token))
    assert hold.status_code == 201, hold.text


def test_the_booking_screen_preselects_her_station_and_offers_its_times_and_the_reasons(nurse_client):
    screen = nurse_client.get("/book")
    assert screen.status_code == 200
    assert re.search(r'<option value="\d+" selected>Leppävaaran terveysasema</option>', screen.text)
    assert "Vapaat ajat: Leppävaaran terveysasema" in screen.text
    # Tuesday 3 March 2026 at 9.00 Helsinki time, in Finnish format
    assert "ti 3.3.2026 klo 9.00–9.45" in screen.text
    assert len(re.findall(r'type="checkbox" name="reasons"', screen.text)) == 6
    for label in ('for="client-name"', 'for="client-phone"', 'for="client-age"', 'for="preferred-language"'):
        assert label in screen.text
    assert "Tänään ei ole avovastaanottoa." in screen.text


def test_a_nurse_books_and_gets_instructions_in_the_clients_language(nurse_client, runtime):
    _, fields = booking_form(nurse_client)
    response = nurse_client.post("/book", data=fields, follow_redirects=False)
    assert response.status_code == 303, response.text
    assert re.fullmatch(r"/bookings/\d+", response.headers["location"])
    confirmation = nurse_client.get(response.headers["location"])
    assert confirmation.status_code == 200
    text = confirmation.text
    assert "Maija Meikäläinen" in text and "Yksinäisyys tai tekemisen puute" in text
    assert '<section class="printable instructions" lang="sv"' in text
    assert "Tid hos socialhandledaren" in text and "Alberga hälsostation" in text
    with runtime.uow() as uow:
        booking = uow.session.scalars(select(Booking)).one()
        assert booking.client_age == 42 and booking.preferred_language == "sv"
        assert booking.existing_relationship == "no" and booking.client_phone != "+358401234567"  # sealed
    ics = re.search(r'href="([^"]+invitation\.ics)"', text).group(1)
    invitation = nurse_client.get(ics)
    assert invitation.status_code == 200 and "BEGIN:VEVENT" in invitation.text


def test_submitting_the_same_form_twice_books_once(nurse_client, runtime):
    _, fields = booking_form(nurse_client)
    first = nurse_client.post("/book", data=fields, follow_redirects=False)
    again = nurse_client.post("/book", data=fields, follow_redirects=False)
    assert first.headers["location"] == again.headers["location"]
    with runtime.uow() as uow:
        assert len(uow.session.scalars(select(Booking)).all()) == 1


def test_refusals_come_back_beside_their_fields_with_what_was_typed(nurse_client):
    _, fields = booking_form(nurse_client, reasons=[], client_phone="12", note="x" * 5)
    response = nurse_client.post("/book", data=fields, follow_redirects=False)
    assert response.status_code == 422
    assert "Varausta ei tehty" in response.text
    assert "Valitse vähintään yksi syy." in response.text
    assert 'value="Maija Meikäläinen"' in response.text and ">xxxxx</textarea>" in response.text
    fixed = {**fields, "reasons": ["loneliness"]}
    phone = nurse_client.post("/book", data=fixed, follow_redirects=False)
    assert phone.status_code == 422
    assert 'href="#client-phone"' in phone.text and 'aria-invalid="true"' in phone.text


def test_every_empty_required_field_is_reported_at_once(nurse_client):
    _, fields = booking_form(nurse_client, slot_id="", reasons=[], client_name="", client_age="")
    response = nurse_client.post("/book", data=fields, follow_redirects=False)
    assert response.status_code == 422
    for target in ("slots", "reasons", "client-name", "client-age"):
        assert f'href="#{target}"' in response.text, target
    assert "Valitse aika." in response.text and "Anna asiakkaan nimi" in response.text


def test_an_age_outside_the_municipalitys_group_is_explained(nurse_client):
    _, fields = booking_form(nurse_client, client_age="70")
    response = nurse_client.post("/book", data=fields, follow_redirects=False)
    assert response.status_code == 422
    assert "kunnan palvelemaan ikäryhmään (18–64)" in response.text, re.findall(
        r"<li>.*?</li>", response.text
    )[:3]


@pytest.mark.parametrize("age", ["forty", "-1", "9999", "4.5"])
def test_an_unreadable_age_is_a_form_error_not_a_crash(nurse_client, age):
    _, fields = booking_form(nurse_client, client_age=age)
    response = nurse_client.post("/book", data=fields, follow_redirects=False)
    assert response.status_code == 422
    assert 'href="#client-age"' in response.text


def test_a_time_booked_meanwhile_is_refused_and_not_offered_again(nurse_client, client, scheduling):
    _, fields = booking_form(nurse_client)
    taken = fields["slot_id"]
    # someone else books it first, through the API
    other = login(client, scheduling.instructor.username)
    booked = client.post(
        "/api/v1/bookings",
        json={"slot_id": int(taken), "reasons": ["loneliness"], "client": {"name": "X", "age": 30}},
        headers=bearer(other),
    )
    assert booked.status_code == 201
    response = nurse_client.post("/book", data=fields, follow_redirects=False)
    assert response.status_code == 409
    assert "Joku muu varasi juuri tämän ajan" in response.text
    assert f'id="slot-{taken}"' not in response.text
    assert 'value="Maija Meikäläinen"' in response.text


def test_a_manager_cannot_open_the_booking_screen(client, make_user):
    make_user("espoo.manager", ["manager"], ["049"])
    response = post_login(client, "espoo.manager")
    assert response.headers["location"] == "/statistics"  # a manager starts on her statistics
    refused = client.get("/book")
    assert refused.status_code == 403 and "Ei sallittu" in refused.text


def test_another_nurses_booking_is_not_found(nurse_client, client, make_user):
    _, fields = booking_form(nurse_client)
    location = nurse_client.post("/book", data=fields, follow_redirects=False).headers["location"]
    make_user("espoo.nurse2", ["health_staff"], ["049"], ["espoo-leppavaara"])
    nurse_client.cookies.clear()
    post_login(nurse_client, "espoo.nurse2")
    assert nurse_client.get(location).status_code == 404


def test_the_language_is_the_users_own_and_she_can_change_it(nurse_client, runtime, scheduling):
    screen = nurse_client.get("/book")
    response = nurse_client.post(
        "/me/language",
        data={"language": "sv", "_csrf_token": token_of(screen.text), "next_path": "/book"},
        follow_redirects=False,
    )
    assert response.status_code == 303 and response.headers["location"] == "/book"
    swedish = nurse_client.get("/book")
    assert '<html lang="sv">' in swedish.text and "Boka socialhandledning" in swedish.text
    assert "tis 3.3.2026 kl. 9.00–9.45" in swedish.text
    with runtime.uow() as uow:
        assert accounts.get_user(uow, scheduling.nurse.id).language == "sv"
    # a new browser: the stored preference, not the browser's language
    nurse_client.cookies.clear()
    post_login(nurse_client, scheduling.nurse.username)
    assert '<html lang="sv">' in nurse_client.get("/book", headers={"Accept-Language": "fi"}).text


def test_logout_ends_the_session(nurse_client):
    token = token_of(nurse_client.get("/book").text)
    response = nurse_client.post("/logout", data={"_csrf_token": token}, follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"] == "/login"
    assert nurse_client.get("/book", follow_redirects=False).status_code == 303


def test_todays_walk_in_times_are_shown(client, runtime, scheduling, principal_of):
    # the clock says Monday 2 March 2026; Lohja has walk-in 12-14 that day
    with runtime.uow() as uow:
        sessions.create_session_rule(
            uow,
            principal=principal_of(scheduling.lohja_instructor),
            draft=sessions.SessionRuleDraft(
                worker_id=scheduling.lohja_worker_id,
                station_id=scheduling.lohja_station_id,
                weekday=0,
                start=time(12),
                end=time(15),
                first_date=date(2026, 3, 2),
                slot_minutes=60,
                walk_in=(time(12), time(14)),
                walk_in_capacity=4,
            ),
        )
    post_login(client, scheduling.lohja_nurse.username)
    screen = client.get("/book")
    assert re.search(r"Lohjan[^<]*: <time[^>]*>12\.00–14\.00</time> \(Laura Ohjaaja\)", screen.text), (
        screen.text
    )


def test_the_client_link_shows_the_instructions_without_login_and_nothing_else(nurse_client, client):
    _, fields = booking_form(nurse_client)
    location = nurse_client.post("/book", data=fields, follow_redirects=False).headers["location"]
    confirmation = nurse_client.get(location).text
    link = re.search(r'id="client-link" type="text" readonly value="([^"]+)"', confirmation).group(1)
    path = urlsplit(link).path
    client.cookies.clear()
    page = client.get(path)
    assert page.status_code == 200
    assert '<html lang="sv">' in page.text and "Tid hos socialhandledaren" in page.text
    assert "Maija" not in page.text and "Yksinäisyys" not in page.text and "040" not in page.text
    assert "Appointment with a social instructor" in client.get(path + "?lang=en").text
    forged = path[:-3] + ("AAA" if not path.endswith("AAA") else "BBB")
    assert client.get(forged).status_code == 404
