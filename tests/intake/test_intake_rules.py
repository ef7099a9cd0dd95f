"""The pure rules: a contact request's states, the response-time target in working days,
what a member of the public may type (property-based where there is an invariant)."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sotesilta.core.intake.domain import (
    PLAIN_FINNISH,
    TRANSITIONS,
    ContactRequestStatus,
    add_working_days,
    check_section_text,
    check_transition,
    check_variant,
    contact_details,
    interface_language,
)
from sotesilta.core.kernel.errors import InputInvalid, StateConflict
from sotesilta.core.scheduling.domain.sessions import ClosingDayPolicy

STATES = [s.value for s in ContactRequestStatus]


#: generation, not the rule, is what a busy shared machine slows down
RELAXED = settings(suppress_health_check=[HealthCheck.too_slow], deadline=None)


@RELAXED
@given(st.lists(st.tuples(st.sampled_from(STATES), st.booleans()), max_size=8))
def test_a_request_only_moves_forward_and_is_booked_only_with_a_booking(steps):
    current, booking = ContactRequestStatus.NEW, None
    seen = [current]
    for wanted, with_booking in steps:
        try:
            moved = check_transition(current.value, wanted, booking_id=1 if with_booking else None)
        except (StateConflict, InputInvalid):
            continue
        assert moved in TRANSITIONS[current]
        if moved is ContactRequestStatus.BOOKED:
            assert with_booking
            booking = 1
        current = moved
        seen.append(current)
    order = STATES
    assert [order.index(s.value) for s in seen] == sorted(order.index(s.value) for s in seen)
    assert current is not ContactRequestStatus.BOOKED or booking == 1
    # nothing leaves closed
    assert TRANSITIONS[ContactRequestStatus.CLOSED] == frozenset()


@RELAXED
@given(
    st.dates(min_value=date(2024, 1, 1), max_value=date(2030, 12, 31)), st.integers(min_value=1, max_value=15)
)
def test_the_target_day_is_exactly_n_working_days_on(day, days):
    policy = ClosingDayPolicy()
    target = add_working_days(day, days, policy)
    assert target.weekday() < 5 and not policy.is_closed(target)
    between = [day + timedelta(d) for d in range(1, (target - day).days + 1)]
    assert sum(1 for d in between if d.weekday() < 5 and not policy.is_closed(d)) == days


def test_two_working_days_skip_the_weekend_and_christmas():
    assert add_working_days(date(2026, 3, 6), 2) == date(2026, 3, 10)  # Friday -> Tuesday
    assert add_working_days(date(2026, 12, 23), 2) == date(2026, 12, 29)  # over Christmas


def test_plain_finnish_is_a_variant_read_in_a_finnish_page():
    assert interface_language(PLAIN_FINNISH) == "fi" and interface_language("sv") == "sv"
    assert check_variant("fi-x-selko") == PLAIN_FINNISH
    with pytest.raises(InputInvalid):
        check_variant("fi-x-plain")


@RELAXED
@given(st.text(max_size=5000))
def test_a_section_text_is_bounded_and_clean_or_refused(raw):
    try:
        clean = check_section_text("what", raw)
    except InputInvalid:
        return
    assert len(clean) <= 4000 and clean == clean.strip()
    assert not any(ord(c) < 32 and c not in "\n\t" for c in clean)


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"name": ""}, "contact.name"),
        ({"name": "x" * 201}, "contact.name"),
        ({"name": "Maija\nMeikäläinen"}, "contact.name"),
        ({"phone": "12345"}, "contact.phone"),
        ({"phone": None}, "contact.phone"),
        ({"channel": "email", "email": "no-at-sign"}, "contact.email"),
        ({"channel": "fax"}, "contact.channel"),
        ({"language": "de"}, "contact.language"),
        ({"when": "x" * 301}, "contact.when"),
    ],
)
def test_contact_details_refuse_what_cannot_be_used(changes, field):
    given_ = {
        "name": "Maija",
        "channel": "sms",
        "phone": "040 123 4567",
        "email": None,
        "when": "",
        "language": "fi",
    }
    with pytest.raises(InputInvalid) as refused:
        contact_details(**{**given_, **changes})
    assert refused.value.field == field


def test_a_phone_channel_keeps_no_email_and_an_email_channel_no_phone():
    by_phone = contact_details(
        name=" Maija ", channel="phone", phone="040 123 4567", email="a@b.fi", when="", language="fi"
    )
    assert (by_phone.name, by_phone.email) == ("Maija", None)
    by_mail = contact_details(
        name="Maija", channel="email", phone="040", email="maija@example.fi", when="", language="sv"
    )
    assert (by_mail.phone, by_mail.email) == (None, "maija@example.fi")
