"""The rules a booking must pass, as plain functions: no database, no server.

create_booking (tests/scheduling/test_bookings.py) runs them against what it reads;
here each rule is tried on its own, with the facts a query would give.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from sotesilta.core.kernel.errors import (
    AgeNotEligible,
    BookingModeNotAllowed,
    BookingVetoed,
    CodeUnknown,
    HoldExpired,
    InputInvalid,
    RecordNotFound,
    SlotHeld,
    SlotUnavailable,
)
from sotesilta.core.organisations.domain import AgeGroup, BookingMode, CountyProfile, MunicipalityProfile
from sotesilta.core.scheduling.domain.bookings import (
    BookingRequest,
    ClientDetails,
    SlotFacts,
    SlotHoldFacts,
    check_booking,
    check_hold,
    check_idempotency_key,
    check_request,
    ensure_age_eligible,
    ensure_bookable,
    ensure_client_of,
    ensure_not_vetoed,
    ensure_takes_bookings,
)

NOW = datetime(2026, 3, 2, 8, tzinfo=UTC)
NURSE = 7
ESPOO = MunicipalityProfile(
    "049", "Espoo", "Esbo", CountyProfile("03", "Länsi-Uusimaa", "Västra Nyland"), (AgeGroup(18, 64),)
)
SLOT = SlotFacts(
    slot_id=1,
    municipality="049",
    station_key="espoo-leppavaara",
    station_name="Leppävaaran terveysasema",
    booking_mode=BookingMode.BOOKED,
    starts_at=NOW + timedelta(days=1),
    mode="on_site",
    session_status="scheduled",
    worker_busy=False,
)
REQUEST = BookingRequest(
    slot_id=1,
    client=ClientDetails(name=" Maija Meikäläinen ", phone="040 123 4567", age=40),
    reasons=("loneliness",),
)
REASONS = frozenset({"loneliness", "housing"})


def check(slot: SlotFacts | None = SLOT, request: BookingRequest = REQUEST, **changes: object):  # type: ignore[no-untyped-def]
    arguments: dict[str, object] = {
        "slot_id": 1,
        "now": NOW,
        "municipalities": frozenset({"049"}),
        "known_reasons": REASONS,
        "profile": ESPOO,
        "client_owner": None,
    }
    return check_booking(slot, request, **{**arguments, **changes})  # type: ignore[arg-type]


def test_a_bookable_slot_gives_the_draft_the_plugins_see_and_the_client_as_kept():
    checked = check()
    assert checked.draft.municipality == "049" and checked.draft.station_key == "espoo-leppavaara"
    assert checked.draft.client_age == 40 and checked.draft.reasons == ("loneliness",)
    assert checked.client == ClientDetails(name="Maija Meikäläinen", phone="+358401234567", age=40)


@pytest.mark.parametrize(
    ("changes", "error", "message"),
    [
        ({"municipality": "444"}, RecordNotFound, "no slot 1"),  # another municipality's: not found
        ({"starts_at": NOW}, SlotUnavailable, "in the past"),
        ({"session_status": "cancelled"}, SlotUnavailable, "cancelled session"),
        ({"worker_busy": True}, SlotUnavailable, "busy"),
    ],
)
def test_a_slot_out_of_reach_is_refused_with_its_reason(changes, error, message):
    with pytest.raises(error, match=message):
        check(replace(SLOT, **changes))


def test_a_missing_slot_is_not_found():
    with pytest.raises(RecordNotFound):
        check(None)
    with pytest.raises(RecordNotFound):
        ensure_bookable(
            9, NOW, municipalities=frozenset({"049"}), municipality=None, starts_at=None, session_status=None
        )


@pytest.mark.parametrize(
    ("changes", "error", "field"),
    [
        ({"reasons": ()}, InputInvalid, "reasons"),
        ({"reasons": ("loneliness", "astrology")}, CodeUnknown, "reasons"),
        ({"preferred_language": "de"}, InputInvalid, "preferred_language"),
        ({"note": "x" * 1001}, InputInvalid, "note"),
    ],
)
def test_the_request_is_checked_against_the_municipalitys_reasons_and_limits(changes, error, field):
    with pytest.raises(error) as refused:
        check_request(replace(REQUEST, **changes), REASONS)
    assert refused.value.field == field


def test_a_note_of_the_limit_is_accepted():
    check_request(replace(REQUEST, note="x" * 1000), REASONS)


def test_a_client_record_of_another_county_is_not_found():
    ensure_client_of(None, None, "03")
    ensure_client_of(5, "03", "03")  # a Lohja resident at an Espoo station: the same county
    with pytest.raises(RecordNotFound) as refused:
        ensure_client_of(5, "09", "03")  # a Päijät-Häme record at a Länsi-Uusimaa station
    assert refused.value.field == "client_id"
    with pytest.raises(RecordNotFound):
        ensure_client_of(5, None, "03")  # no such record at all
    with pytest.raises(RecordNotFound):
        ensure_client_of(5, "03", None)  # a station of no registered municipality


def test_a_walk_in_only_station_takes_no_bookings():
    ensure_takes_bookings(BookingMode.BOTH, "Lohjan terveysasema")
    with pytest.raises(BookingModeNotAllowed, match="walk-ins only"):
        ensure_takes_bookings(BookingMode.WALK_IN, "Lohjan terveysasema")


@given(age=st.integers(0, 130))
def test_the_age_group_is_the_municipalitys_own(age):
    if 18 <= age <= 64:
        ensure_age_eligible(ESPOO, age)
    else:
        with pytest.raises(AgeNotEligible, match="serves ages 18-64"):
            ensure_age_eligible(ESPOO, age)
    ensure_age_eligible(None, age)  # a municipality no plugin registers sets no group


def test_refusals_come_in_the_order_the_nurse_reads_them():
    # a slot in the past with an unknown reason and a wrong age: the slot is reported first
    bad = replace(REQUEST, reasons=("astrology",), client=ClientDetails("Maija", None, 12))
    with pytest.raises(SlotUnavailable):
        check(replace(SLOT, starts_at=NOW), bad)
    with pytest.raises(CodeUnknown):
        check(SLOT, bad)
    with pytest.raises(RecordNotFound):
        check(SLOT, replace(bad, reasons=("loneliness",), client_id=3), client_owner="444")
    with pytest.raises(InputInvalid, match="phone"):
        check(SLOT, replace(bad, reasons=("loneliness",), client=ClientDetails("Maija", "12", 12)))
    with pytest.raises(BookingModeNotAllowed):
        check(replace(SLOT, booking_mode=BookingMode.WALK_IN), replace(bad, reasons=("loneliness",)))
    with pytest.raises(AgeNotEligible):
        check(SLOT, replace(bad, reasons=("loneliness",)))


def test_a_plugins_veto_is_reported_in_its_own_words():
    ensure_not_vetoed([])
    with pytest.raises(BookingVetoed, match="no bookings on Fridays; ask the station"):
        ensure_not_vetoed(["no bookings on Fridays", "ask the station"])


def test_an_idempotency_key_is_1_to_100_characters():
    check_idempotency_key(None)
    check_idempotency_key("k" * 100)
    for key in ("", "k" * 101):
        with pytest.raises(InputInvalid):
            check_idempotency_key(key)


def hold(user: int, minutes: int, hold_id: str = "h1") -> SlotHoldFacts:
    return SlotHoldFacts(hold_id=hold_id, user_id=user, expires_at=NOW + timedelta(minutes=minutes))


def test_holds():
    check_hold(None, None, slot_id=1, user_id=NURSE, now=NOW)  # no hold: anyone books
    check_hold(hold(NURSE, 3), "h1", slot_id=1, user_id=NURSE, now=NOW)  # her own live hold
    check_hold(hold(NURSE, 3), None, slot_id=1, user_id=NURSE, now=NOW)  # hers, not named
    check_hold(hold(99, -1), None, slot_id=1, user_id=NURSE, now=NOW)  # someone's expired hold
    with pytest.raises(SlotHeld):
        check_hold(hold(99, 3), None, slot_id=1, user_id=NURSE, now=NOW)
    with pytest.raises(HoldExpired):
        check_hold(hold(NURSE, -1), "h1", slot_id=1, user_id=NURSE, now=NOW)  # hers, expired
    with pytest.raises(HoldExpired):
        check_hold(hold(NURSE, 3, "h2"), "h1", slot_id=1, user_id=NURSE, now=NOW)  # another hold
    with pytest.raises(HoldExpired):
        check_hold(None, "h1", slot_id=1, user_id=NURSE, now=NOW)


@given(
    holder=st.sampled_from([None, NURSE, 99]),
    minutes=st.integers(-10, 10),
    named=st.sampled_from([None, "h1", "h2"]),
)
def test_she_books_exactly_when_no_one_else_holds_the_slot_and_the_hold_she_names_is_live(
    holder, minutes, named
):
    facts = None if holder is None else hold(holder, minutes)
    live = facts is not None and facts.expires_at > NOW
    allowed = (not live or holder == NURSE) and (named is None or (live and named == "h1"))
    try:
        check_hold(facts, named, slot_id=1, user_id=NURSE, now=NOW)
    except (SlotHeld, HoldExpired):
        assert not allowed
    else:
        assert allowed
