"""Hypothesis drives random appointment histories (book, move, cancel, absence, time
passing) through the use cases and reads the feed and the client's invitation
after every step: UIDs stay with their appointment, SEQUENCE never falls and
rises with every change, and cancelled appointments read CANCELLED for as long
as their tombstone lasts."""

from __future__ import annotations

from datetime import UTC, date, time, timedelta

import icalendar
import pytest
from conftest import add_worker, machine_runtime, station_id
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)
from sqlalchemy import select

from sotesilta.calendar import feeds, invitations, subscriptions
from sotesilta.core.accounts import service as accounts
from sotesilta.core.kernel.errors import DomainError
from sotesilta.core.scheduling.domain.bookings import ClientDetails
from sotesilta.core.scheduling.service import bookings, sessions
from sotesilta.core.scheduling.tables import Booking, Slot

TOMBSTONE_DAYS = 30


@pytest.mark.slow
def test_feed_histories_keep_uids_and_raise_sequences(_migrated_template, plugins, tmp_path_factory):
    class Feeds(RuleBasedStateMachine):
        @initialize()
        def setup(self) -> None:
            self.runtime = machine_runtime(_migrated_template, plugins, tmp_path_factory)
            self.clock = self.runtime.clock
            with self.runtime.uow() as uow:
                for name, role in (("espoo.nurse", "health_staff"), ("espoo.instructor", "instructor")):
                    accounts.add_user(
                        uow,
                        username=name,
                        display_name=name,
                        password="correct-horse-battery",
                        roles=[role],
                        municipalities=["049"],
                        station_keys=["espoo-leppavaara"],
                    )
            with self.runtime.uow() as uow:
                self.nurse = accounts.principal_of_user(uow, "espoo.nurse")
                self.instructor = accounts.principal_of_user(uow, "espoo.instructor")
            self.worker = add_worker(self.runtime, self.instructor.user_id, "049", "Elina Ohjaaja")
            with self.runtime.uow() as uow:
                sessions.create_session_rule(
                    uow,
                    principal=self.instructor,
                    draft=sessions.SessionRuleDraft(
                        worker_id=self.worker,
                        station_id=station_id(self.runtime, "espoo-leppavaara"),
                        weekday=1,
                        start=time(9),
                        end=time(12),
                        first_date=date(2026, 3, 3),
                        slot_minutes=45,
                    ),
                )
            with self.runtime.uow() as uow:
                self.slots = list(uow.session.scalars(select(Slot.id).order_by(Slot.starts_at)))[:24]
                issued = subscriptions.create_feed_subscription(
                    uow,
                    principal=self.instructor,
                    name="phone",
                    feed="mine",
                    privacy="pseudonymous",
                    language="fi",
                )
            self.token = issued.token
            self.bookings: list[int] = []
            self.seen: dict[str, tuple[int, object, str]] = {}  # uid -> (sequence, start, status)
            self.invitations: dict[int, int] = {}  # chain root -> last invitation SEQUENCE
            for slot in (0, 5):  # something to move and cancel from the first step
                self.book(slot)

        def teardown(self) -> None:
            if hasattr(self, "runtime"):
                self.runtime.engine.dispose()

        def attempt(self, operation):  # type: ignore[no-untyped-def]
            try:
                with self.runtime.uow() as uow:
                    return operation(uow)
            except DomainError:
                return None

        @rule(slot=st.integers(0, 23))
        def book(self, slot):  # type: ignore[no-untyped-def]
            request = bookings.BookingRequest(
                slot_id=self.slots[slot], client=ClientDetails("Asiakas", None, 40), reasons=("loneliness",)
            )
            made = self.attempt(
                lambda uow: bookings.create_booking(uow, principal=self.nurse, request=request)
            )
            if made is not None:
                self.bookings.append(made.booking.id)

        @precondition(lambda self: bool(self.bookings))
        @rule(index=st.integers(0, 30))
        def cancel(self, index):  # type: ignore[no-untyped-def]
            booking_id = self.bookings[index % len(self.bookings)]
            self.attempt(
                lambda uow: bookings.cancel_booking(
                    uow, principal=self.nurse, booking_id=booking_id, reason="x"
                )
            )

        @precondition(lambda self: bool(self.bookings))
        @rule(index=st.integers(0, 30), slot=st.integers(0, 23))
        def move(self, index, slot):  # type: ignore[no-untyped-def]
            booking_id = self.bookings[index % len(self.bookings)]
            moved = self.attempt(
                lambda uow: bookings.reschedule_booking(
                    uow,
                    principal=self.nurse,
                    booking_id=booking_id,
                    slot_id=self.slots[slot],
                    hold_id=None,
                )
            )
            if moved is not None:
                self.bookings.append(moved.booking.id)

        @rule(week=st.integers(0, 5))
        def absence(self, week):  # type: ignore[no-untyped-def]
            start = self.clock.now() + timedelta(weeks=week)
            self.attempt(
                lambda uow: sessions.record_absence(
                    uow,
                    principal=self.instructor,
                    worker_id=self.worker,
                    starts_at=start,
                    ends_at=start + timedelta(days=3),
                    reason="sairas",
                )
            )

        @rule(days=st.integers(1, 20))
        def time_passes(self, days):  # type: ignore[no-untyped-def]
            self.clock.advance(days=days)

        @invariant()
        def the_feed_keeps_uids_and_raises_sequences(self) -> None:
            if not hasattr(self, "runtime"):
                return
            settings_ = self.runtime.settings
            with self.runtime.uow() as uow:
                answer = feeds.serve_feed(
                    uow,
                    token=self.token,
                    secret=self.runtime.secret,
                    past_days=settings_.feed_past_days,
                    future_days=settings_.feed_future_days,
                    tombstone_days=TOMBSTONE_DAYS,
                )
                cancelled = {
                    b.id: b.cancelled_at
                    for b in uow.session.scalars(select(Booking).where(Booking.status == "cancelled"))
                }
                starts = dict(uow.session.execute(select(Booking.id, Booking.starts_at)).all())
            events = {str(e["uid"]): e for e in icalendar.Calendar.from_ical(answer.body).walk("VEVENT")}
            assert len(events) == len(icalendar.Calendar.from_ical(answer.body).walk("VEVENT")), "a UID twice"
            for uid, event in events.items():
                state = (int(event["sequence"]), event["dtstart"].dt.astimezone(UTC), str(event["status"]))
                if uid in self.seen:
                    before = self.seen[uid]
                    assert state[1] == before[1], "a UID moved to another time"
                    assert state[0] >= before[0], "SEQUENCE fell"
                    if state[2] != before[2]:
                        assert state[0] > before[0], "changed without a higher SEQUENCE"
                self.seen[uid] = state
            now = self.clock.now()
            window_start = now - timedelta(days=settings_.feed_past_days - 1)
            for booking_id, at in cancelled.items():
                uid = f"sotesilta-booking-{booking_id}@sotesilta"
                if at >= now - timedelta(days=TOMBSTONE_DAYS - 1) and starts[booking_id] >= window_start:
                    assert str(events[uid]["status"]) == "CANCELLED", "a fresh cancellation is missing"

        @invariant()
        def the_invitation_sequence_rises_along_each_chain(self) -> None:
            if not hasattr(self, "runtime") or not self.bookings:
                return
            with self.runtime.uow() as uow:
                latest: dict[int, tuple[int, int]] = {}
                for booking_id in self.bookings:
                    root, sequence = invitations.chain_position(uow, booking_id)
                    if booking_id >= latest.get(root, (0, 0))[0]:
                        latest[root] = (booking_id, sequence)
            for root, (_, sequence) in latest.items():
                assert sequence >= self.invitations.get(root, 0)
                self.invitations[root] = sequence

    settings_ = settings(
        max_examples=25,
        stateful_step_count=30,
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
    )
    run_state_machine_as_test(Feeds, settings=settings_)
