"""Times are stored as UTC and come back as the same instant, on both engines."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from sotesilta.core.accounts.tables import SecurityEvent
from sotesilta.core.kernel.clock import HELSINKI, ensure_utc

ZONES = st.sampled_from([UTC, HELSINKI, ZoneInfo("America/New_York"), ZoneInfo("Asia/Kolkata")])
# around both 2026 daylight-saving changes in Helsinki (29 March and 25 October)
DST_DAYS = st.sampled_from([datetime(2026, 3, 29, tzinfo=UTC), datetime(2026, 10, 25, tzinfo=UTC)])


@st.composite
def aware_times(draw):  # type: ignore[no-untyped-def]
    if draw(st.booleans()):
        base = draw(DST_DAYS) + timedelta(minutes=draw(st.integers(-12 * 60, 12 * 60)))
    else:
        base = draw(st.datetimes(datetime(1990, 1, 1), datetime(2090, 1, 1))).replace(tzinfo=UTC)
    return base.replace(microsecond=draw(st.integers(0, 999_999))).astimezone(draw(ZONES))


@settings(max_examples=50, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(moment=aware_times())
def test_any_aware_time_round_trips_as_the_same_instant_in_utc(runtime, moment):
    with runtime.uow() as uow:
        event = SecurityEvent(at=moment, kind="probe", username_digest="x")
        uow.session.add(event)
        uow.commit()
        event_id = event.id
    with runtime.uow() as uow:
        stored = uow.session.scalar(select(SecurityEvent.at).where(SecurityEvent.id == event_id))
    # compared in UTC: PEP 495 makes an ambiguous local time unequal to every
    # other zone's value, which is why the code converts to UTC at once
    assert stored == moment.astimezone(UTC)
    assert stored.utcoffset() == timedelta(0)


def test_naive_times_are_refused_not_guessed(runtime):
    with runtime.uow() as uow:
        uow.session.add(SecurityEvent(at=datetime(2026, 3, 29, 3, 30), kind="probe", username_digest="x"))
        with pytest.raises(Exception, match="naive"):
            uow.commit()
    with pytest.raises(ValueError, match="naive"):
        ensure_utc(datetime(2026, 1, 1))


def test_utc_ordering_holds_across_the_autumn_change(runtime):
    # 03:30 local happens twice on 25 October 2026; UTC keeps them apart and ordered
    first = datetime(2026, 10, 25, 3, 30, fold=0, tzinfo=HELSINKI)
    second = datetime(2026, 10, 25, 3, 30, fold=1, tzinfo=HELSINKI)
    with runtime.uow() as uow:
        uow.session.add_all(
            [
                SecurityEvent(at=second, kind="second", username_digest="x"),
                SecurityEvent(at=first, kind="first", username_digest="x"),
            ]
        )
        uow.commit()
    with runtime.uow() as uow:
        kinds = list(uow.session.scalars(select(SecurityEvent.kind).order_by(SecurityEvent.at)))
    assert kinds == ["first", "second"]
    assert (second - first) == timedelta(0) and second.astimezone(UTC) - first.astimezone(UTC) == timedelta(
        hours=1
    )
