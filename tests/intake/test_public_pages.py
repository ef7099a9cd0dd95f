"""The public front page and service descriptions: no sign-in, four text variants, texts
the county's admins edit, walk-in hours from the sessions."""

from __future__ import annotations

from datetime import date, time

from page_support import sign_in, token_of

from sotesilta.core.intake.domain import DEFAULT_TEXTS, PLAIN_FINNISH, Section


def test_the_front_page_is_public_and_names_the_stations_the_self_assessment_and_staff_sign_in(client):
    front = client.get("/")
    assert front.status_code == 200, front.text
    assert "Sosiaaliohjaus terveysasemalla" in front.text
    assert 'href="/services/03/espoo-leppavaara"' in front.text and 'href="/services/03"' in front.text
    assert 'href="/self-assessment/03"' in front.text  # Länsi-Uusimaa's plugin ships the questionnaire
    assert 'href="/self-assessment/09"' not in front.text  # Päijät-Häme offers none
    assert 'href="/login"' in front.text


def test_signed_in_staff_still_land_on_their_own_start_page(client, scheduling, make_user):
    make_user("espoo.manager", ["manager"], ["049"])
    for user, home in (
        (scheduling.instructor.username, "/work"),
        (scheduling.nurse.username, "/book"),
        ("espoo.manager", "/statistics"),
        (scheduling.admin.username, "/admin"),
    ):
        sign_in(client, user)
        answer = client.get("/", follow_redirects=False)
        assert answer.status_code == 303 and answer.headers["location"] == home, user
    client.cookies.set("sotesilta_session", "ended-or-forged")
    assert client.get("/", follow_redirects=False).status_code == 200  # the public page, not an error


def test_a_station_page_reads_in_swedish_and_in_plain_finnish_with_address_needs_and_age_group(client):
    swedish = client.get("/services/03/espoo-leppavaara", params={"lang": "sv"})
    assert swedish.status_code == 200, swedish.text
    assert '<html lang="sv">' in swedish.text
    assert DEFAULT_TEXTS["sv"][Section.WHAT][:40] in swedish.text
    assert "Ensamhet eller brist på sysselsättning" in swedish.text  # one of the six needs
    assert "Esbo 18–64" in swedish.text  # the municipality's age group, from its plugin
    plain = client.get("/services/03/espoo-leppavaara", params={"lang": PLAIN_FINNISH})
    assert plain.status_code == 200 and '<html lang="fi">' in plain.text
    assert DEFAULT_TEXTS[PLAIN_FINNISH][Section.WHAT][:40] in plain.text
    assert "Olet yksinäinen tai sinulla ei ole tekemistä." in plain.text
    # the switch offers the four variants as plain links, the current one marked
    assert (
        'href="/services/03/espoo-leppavaara?lang=fi-x-selko" lang="fi" aria-current="true">Selkosuomi'
        in plain.text
    )
    assert client.get("/services/03/no-such-station").status_code == 404
    assert client.get("/services/99").status_code == 404


def test_walk_in_hours_of_this_week_come_from_the_sessions(client, runtime, scheduling, principal_of):
    from sotesilta.core.scheduling.service import sessions

    # Lohja's instructor takes walk-ins on Wednesdays 12-14 (the clock says Monday 2 March 2026)
    with runtime.uow() as uow:
        sessions.create_session_rule(
            uow,
            principal=principal_of(scheduling.lohja_instructor),
            draft=sessions.SessionRuleDraft(
                worker_id=scheduling.lohja_worker_id,
                station_id=scheduling.lohja_station_id,
                weekday=2,
                start=time(12),
                end=time(14),
                first_date=date(2026, 3, 4),
                booked_slots=False,
                walk_in=(time(12), time(14)),
                walk_in_capacity=6,
            ),
        )
    page = client.get("/services/03/lohja-keskusta", params={"lang": "en"})
    assert page.status_code == 200, page.text
    assert "12:00–14:00" in page.text or "12.00–14.00" in page.text
    api = client.get(
        "/api/v1/service-descriptions/03", params={"station": "lohja-keskusta", "lang": "sv"}
    ).json()
    assert [h["day"] for h in api["walk_in_hours"]] == ["2026-03-04"]
    assert api["station"]["key"] == "lohja-keskusta" and api["station"]["municipality"] == "Lojo"
    assert api["self_assessment"] is True and len(api["needs"]) >= 6
    assert client.get("/api/v1/service-descriptions/03", params={"lang": "de"}).status_code == 422


def test_admins_edit_the_texts_per_variant_and_a_station_overrides_its_county(client, scheduling):
    sign_in(client, scheduling.admin.username)
    editor = client.get("/admin/service-texts", params={"lang": "sv"})
    assert editor.status_code == 200, editor.text
    saved = client.post(
        "/admin/service-texts",
        data={"_csrf_token": token_of(editor.text), "lang": "sv", "what": "Länets egen text.", "remote": ""},
        follow_redirects=False,
    )
    assert saved.status_code == 303, saved.text
    station = client.get("/admin/service-texts", params={"lang": "sv", "station": "espoo-leppavaara"})
    client.post(
        "/admin/service-texts",
        data={
            "_csrf_token": token_of(station.text),
            "lang": "sv",
            "station": "espoo-leppavaara",
            "what": "Stationens egen text.",
        },
    )
    client.cookies.clear()
    assert "Länets egen text." in client.get("/services/03?lang=sv").text
    assert "Stationens egen text." in client.get("/services/03/espoo-leppavaara?lang=sv").text
    assert "Länets egen text." in client.get("/services/03/lohja-keskusta?lang=sv").text
    # the other variants keep their defaults
    assert DEFAULT_TEXTS["fi"][Section.WHAT][:40] in client.get("/services/03?lang=fi").text
    # a nurse may not edit
    sign_in(client, scheduling.nurse.username)
    assert client.get("/admin/service-texts").status_code == 403
