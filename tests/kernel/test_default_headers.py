"""Answers with client data are never cached and never sniffed: the API's (errors included),
not only the pages'. A handler that names its own caching (a feed) keeps it."""

from __future__ import annotations

from page_support import book
from support import bearer, login


def test_a_booking_read_through_the_api_is_neither_stored_nor_sniffed(client, scheduling):
    booking_id = book(client, scheduling)
    token = login(client, scheduling.nurse.username)
    answer = client.get(f"/api/v1/bookings/{booking_id}", headers=bearer(token))
    assert answer.status_code == 200 and "Maija" in answer.text
    assert answer.headers["cache-control"] == "no-store"
    assert answer.headers["x-content-type-options"] == "nosniff"


def test_refusals_and_errors_carry_them_too(client, scheduling):
    for answer in (
        client.get("/api/v1/bookings/1"),  # 401 from the authentication
        client.get("/api/v1/nowhere"),  # 404 from the router
    ):
        assert answer.status_code in (401, 404)
        assert answer.headers["cache-control"] == "no-store"
        assert answer.headers["x-content-type-options"] == "nosniff"
