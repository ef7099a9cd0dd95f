"""The outbox's rules, without a database: backoff, quiet hours, Message-IDs."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st

from sotesilta.core.kernel.clock import HELSINKI
from sotesilta.core.messages.domain import (
    FIRST_BACKOFF,
    MAX_BACKOFF,
    after_quiet_hours,
    backoff,
    first_try,
    in_quiet_hours,
    message_id,
    next_try,
)

instants = st.datetimes(
    min_value=datetime(2000, 1, 1), max_value=datetime(2100, 1, 1), timezones=st.just(UTC)
)


def test_backoff_doubles_from_thirty_seconds_up_to_six_hours():
    assert [backoff(n) for n in (1, 2, 3, 4)] == [timedelta(seconds=s) for s in (30, 60, 120, 240)]
    assert backoff(100) == MAX_BACKOFF


@given(st.integers(min_value=1, max_value=10_000))
def test_backoff_grows_and_is_bounded(attempts):
    assert FIRST_BACKOFF <= backoff(attempts) <= backoff(attempts + 1) <= MAX_BACKOFF


@given(instants)
def test_after_quiet_hours_is_never_in_the_night_nor_early_nor_later_than_needed(at):
    moved = after_quiet_hours(at)
    assert not in_quiet_hours(moved)
    assert at <= moved < at + timedelta(hours=12)
    assert after_quiet_hours(moved) == moved
    if not in_quiet_hours(at):
        assert moved == at
    else:
        local = moved.astimezone(HELSINKI)
        assert (local.hour, local.minute, local.second) == (8, 0, 0)


def test_quiet_hours_end_at_eight_on_either_side_of_a_daylight_saving_change():
    # the night of 29 March 2026: clocks go from 03:00 to 04:00
    night = datetime(2026, 3, 28, 22, 0, tzinfo=UTC)  # 00:00 EET
    assert after_quiet_hours(night) == datetime(2026, 3, 29, 5, 0, tzinfo=UTC)  # 08:00 EEST
    # 25 October 2026: 04:00 back to 03:00
    autumn = datetime(2026, 10, 24, 20, 0, tzinfo=UTC)  # 23:00 EEST
    assert after_quiet_hours(autumn) == datetime(2026, 10, 25, 6, 0, tzinfo=UTC)  # 08:00 EET


@given(instants, st.integers(min_value=1, max_value=50), st.booleans())
def test_a_retry_is_later_than_now_and_respects_quiet_hours_when_asked(now, attempts, quiet):
    at = next_try(now, attempts, quiet_hours=quiet)
    assert at >= now + backoff(attempts)
    assert not (quiet and in_quiet_hours(at))


@given(instants, st.one_of(st.none(), instants))
def test_a_new_message_is_never_tried_in_the_past(now, due):
    assert first_try(now, due, quiet_hours=False) == (now if due is None else max(now, due))


@given(st.text(min_size=1, max_size=200), st.text(min_size=1, max_size=200))
def test_message_ids_are_stable_per_key_and_differ_between_keys(a, b):
    assert message_id(a, "hus.example") == message_id(a, "hus.example")
    assert (message_id(a, "x.fi") == message_id(b, "x.fi")) == (a == b)
    assert message_id(a, "x.fi").startswith("<") and message_id(a, "x.fi").endswith("@x.fi>")
