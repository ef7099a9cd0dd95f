"""Helpers of the page tests: form tokens, signing in through the login page, booking through the API."""

from __future__ import annotations

import re

from support import PASSWORD, bearer, login

CSRF = re.compile(r'name="_csrf_token" value="([^"]+)"')


def token_of(text: str) -> str:
    found = CSRF.search(text)
    assert found, "the page has no form token"
    return found.group(1)


def sign_in(client, username: str):  # type: ignore[no-untyped-def]
    client.cookies.clear()
    token = token_of(client.get("/login").text)
    response = client.post(
        "/login",
        data={"username": username, "password": PASSWORD, "_csrf_token": token, "next_path": "/"},
        follow_redirects=False,
    )
    assert response.status_code == 303, response.text
    return response


def book(client, scheduling, name: str = "Maija Meikäläinen", index: int = 0) -> int:  # type: ignore[no-untyped-def]
    """The nurse books a time at Leppävaara through the API; the booking's id."""
    token = login(client, scheduling.nurse.username)
    free = client.get(
        "/api/v1/slots/free",
        params={"municipality": "049", "station_id": scheduling.station_id, "limit": 20},
        headers=bearer(token),
    ).json()
    booked = client.post(
        "/api/v1/bookings",
        json={
            "slot_id": free[index]["slot_id"],
            "reasons": ["loneliness"],
            "client": {"name": name, "age": 40},
        },
        headers=bearer(token),
    )
    assert booked.status_code == 201, booked.text
    return int(booked.json()["id"])


IDEMPOTENCY = re.compile(r'name="idempotency_key" value="([^"]+)"')


SLOT = re.compile(r'name="slot_id" id="slot-(\d+)"')


def post_login(client, username: str, password: str = PASSWORD):  # type: ignore[no-untyped-def]
    token = token_of(client.get("/login").text)
    return client.post(
        "/login",
        data={"username": username, "password": password, "_csrf_token": token, "next_path": "/"},
        follow_redirects=False,
    )


def booking_form(client, **changes):  # type: ignore[no-untyped-def]
    """The nurse's booking screen and a filled form for its first time."""
    screen = client.get("/book")
    assert screen.status_code == 200, screen.text
    fields = {
        "_csrf_token": token_of(screen.text),
        "idempotency_key": IDEMPOTENCY.search(screen.text).group(1),
        "slot_id": SLOT.search(screen.text).group(1),
        "station": re.search(r'<option value="(\d+)" selected>', screen.text).group(1),
        "reasons": ["life_situation", "loneliness"],
        "client_name": "Maija Meikäläinen",
        "client_phone": "040 123 4567",
        "client_age": "42",
        "preferred_language": "sv",
        "existing_relationship": "no",
        "note": "",
    }
    fields.update(changes)
    return screen, fields
