"""A hypothesis state machine drives random sequences of scheduling operations
through the use cases and checks the invariants after every step."""

from __future__ import annotations

from collections import Counter
from datetime import time, timedelta
from itertools import pairwise

import pytest
from conftest import add_worker, machine_runtime, station_id
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule, run_state_machine_as_test
from sqlalchemy import func, select

from sotesilta.core.accounts import service as accounts
from sotesilta.core.kernel.clock import HELSINKI
from sotesilta.core.kernel.errors import DomainError
from sotesilta.core.kernel.runtime import Runtime
from sotesilta.core.scheduling.domain.bookings import (
    SLOT_HOLDING_STATUSES,
    AppointmentStatus,
    ClientDetails,
    Referrer,
)
from sotesilta.core.scheduling.domain.sessions import ClosingDayPolicy
from sotesilta.core.scheduling.service import bookings, sessions, slots, walk_ins
from sotesilta.core.scheduling.tables import Booking, GuidanceSession, Slot, WalkInPlace
from sotesilta.core.visits.service import outcomes as visits

HOLDING = {s.value for s in SLOT_HOLDING_STATUSES}


@pytest.mark.slow
def test_scheduling_invariants_hold_under_random_operations(_migrated_template, plugins, tmp_path_factory):
    def fresh_runtime() -> Runtime:
        return machine_runtime(_migrated_template, plugins, tmp_path_factory)

    class Scheduling(RuleBasedStateMachine):
        @initialize()
        def setup(self) -> None:
            self.runtime = fresh_runtime()
            self.clock = self.runtime.clock

            def user(name: str, roles: list[str], code: str, station: str) -> object:
                with self.runtime.uow() as uow:
                    accounts.add_user(
                        uow,
                        username=name,
                        display_name=name,
                        password="correct-horse-battery",
                        roles=roles,
                        municipalities=[code],
                        station_keys=[station],
                    )
                with self.runtime.uow() as uow:
                    issued = accounts.login(
                        uow,
                        username=name,
                        password="correct-horse-battery",
                        secret=self.runtime.secret,
                        policy=self.runtime.settings.session_policy,
                    )
                    return accounts.authenticate(
                        uow, token=issued.token, policy=self.runtime.settings.session_policy
                    )

            self.admin = user("lohja.admin", ["admin"], "444", "lohja-keskusta")
            self.nurse = user("lohja.nurse", ["health_staff"], "444", "lohja-keskusta")
            self.instructor = user("lohja.instructor", ["instructor"], "444", "lohja-keskusta")
            self.workers = [add_worker(self.runtime, None, "444", f"Worker {n}") for n in range(2)]
            self.station = station_id(self.runtime, "lohja-keskusta")
            self.booked: set[int] = set()
            # two rules to start from, so most sequences have slots to fight over
            self.create_rule(worker=0, weekday=1, start=9, hours=3, interval=1, walk_in=True)
            self.create_rule(worker=1, weekday=3, start=12, hours=3, interval=1, walk_in=False)

        def teardown(self) -> None:
            if hasattr(self, "runtime"):
                self.runtime.engine.dispose()

        def attempt(self, operation) -> object:  # type: ignore[no-untyped-def]
            """Domain refusals are expected answers; anything else is a bug."""
            try:
                with self.runtime.uow() as uow:
                    return operation(uow)
            except DomainError:
                return None

        # -- operations --------------------------------------------------------------
        @rule(
            worker=st.integers(0, 1),
            weekday=st.integers(0, 4),
            start=st.integers(8, 14),
            hours=st.integers(1, 3),
            interval=st.integers(1, 2),
            walk_in=st.booleans(),
        )
        def create_rule(self, worker, weekday, start, hours, interval, walk_in):  # type: ignore[no-untyped-def]
            today = self.clock.now().astimezone(HELSINKI).date()
            first = today + timedelta(days=(weekday - today.weekday()) % 7)
            draft = sessions.SessionRuleDraft(
                worker_id=self.workers[worker],
                station_id=self.station,
                weekday=weekday,
                start=time(start),
                end=time(start + hours),
                first_date=first,
                interval_weeks=interval,
                slot_minutes=30,
                walk_in=(time(start), time(start, 30)) if walk_in else None,
                walk_in_capacity=2 if walk_in else 0,
            )
            self.attempt(
                lambda uow: sessions.create_session_rule(
                    uow,
                    principal=self.admin,
                    draft=draft,
                    horizon=timedelta(weeks=3),
                )
            )

        def _slot_ids(self) -> list[int]:
            with self.runtime.uow() as uow:
                return list(uow.session.scalars(select(Slot.id).order_by(Slot.id)))

        @rule(pick=st.integers(0, 10_000), age=st.sampled_from([15, 30, 70]), use_free=st.booleans())
        def book(self, pick, age, use_free):  # type: ignore[no-untyped-def]
            if use_free:
                with self.runtime.uow() as uow:
                    candidates = [
                        s.slot_id
                        for s in slots.find_free_slots(
                            uow,
                            principal=self.nurse,
                            municipality="444",
                            scope=slots.SearchScope.MUNICIPALITY,
                            limit=20,
                        )
                    ]
            else:
                candidates = self._slot_ids()  # any slot: past, taken, cancelled or free
            if not candidates:
                return
            request = bookings.BookingRequest(
                slot_id=candidates[pick % len(candidates)],
                reasons=("loneliness",),
                client=ClientDetails(name="Client", phone=None, age=age),
            )
            made = self.attempt(
                lambda uow: bookings.create_booking(
                    uow,
                    principal=self.nurse,
                    request=request,
                )
            )
            if made is not None:
                self.booked.add(made.booking.id)

        @rule(pick=st.integers(0, 10_000))
        def hold(self, pick):  # type: ignore[no-untyped-def]
            ids = self._slot_ids()
            if ids:
                self.attempt(
                    lambda uow: slots.hold_slot(uow, principal=self.nurse, slot_id=ids[pick % len(ids)])
                )

        @rule(pick=st.integers(0, 10_000))
        def cancel(self, pick):  # type: ignore[no-untyped-def]
            if self.booked:
                booking_id = sorted(self.booked)[pick % len(self.booked)]
                self.attempt(
                    lambda uow: bookings.cancel_booking(
                        uow,
                        principal=self.nurse,
                        booking_id=booking_id,
                        reason="random",
                    )
                )

        @rule(pick=st.integers(0, 10_000), destination=st.integers(0, 10_000))
        def reschedule(self, pick, destination):  # type: ignore[no-untyped-def]
            ids = self._slot_ids()
            if self.booked and ids:
                booking_id = sorted(self.booked)[pick % len(self.booked)]
                made = self.attempt(
                    lambda uow: bookings.reschedule_booking(
                        uow,
                        principal=self.nurse,
                        booking_id=booking_id,
                        slot_id=ids[destination % len(ids)],
                        hold_id=None,
                    )
                )
                if made is not None:
                    self.booked.add(made.booking.id)

        @rule(worker=st.integers(0, 1), offset_days=st.integers(0, 14), days=st.integers(1, 3))
        def absence(self, worker, offset_days, days):  # type: ignore[no-untyped-def]
            start = self.clock.now() + timedelta(days=offset_days)
            self.attempt(
                lambda uow: sessions.record_absence(
                    uow,
                    principal=self.admin,
                    worker_id=self.workers[worker],
                    starts_at=start,
                    ends_at=start + timedelta(days=days),
                    reason="random",
                )
            )

        @rule(pick=st.integers(0, 10_000))
        def walk_in(self, pick):  # type: ignore[no-untyped-def]
            with self.runtime.uow() as uow:
                ids = list(
                    uow.session.scalars(
                        select(GuidanceSession.id).where(GuidanceSession.walk_in_capacity > 0)
                    )
                )
            if ids:
                self.attempt(
                    lambda uow: walk_ins.register_walk_in(
                        uow,
                        principal=self.nurse,
                        session_id=ids[pick % len(ids)],
                        referrer=Referrer.SELF,
                    )
                )

        @rule(pick=st.integers(0, 10_000), arrivals=st.integers(1, 4))
        def walk_ins_during_a_session(self, pick, arrivals):  # type: ignore[no-untyped-def]
            """Move the clock into a coming walk-in time and let people arrive."""
            with self.runtime.uow() as uow:
                coming = uow.session.execute(
                    select(GuidanceSession.id, GuidanceSession.walk_in_starts_at)
                    .where(
                        GuidanceSession.walk_in_capacity > 0,
                        GuidanceSession.walk_in_starts_at > self.clock.now(),
                    )
                    .order_by(GuidanceSession.walk_in_starts_at)
                ).all()
            if not coming:
                return
            session_id, opens = coming[pick % len(coming)]
            self.clock._now = opens  # time only moves forward: opens is in the future
            for _ in range(arrivals):
                self.attempt(
                    lambda uow: walk_ins.register_walk_in(
                        uow,
                        principal=self.nurse,
                        session_id=session_id,
                        referrer=Referrer.STAFF,
                    )
                )

        @rule(pick=st.integers(0, 10_000), outcome=st.sampled_from(list(visits.VisitOutcome)))
        def record_outcome(self, pick, outcome):  # type: ignore[no-untyped-def]
            if self.booked:
                booking_id = sorted(self.booked)[pick % len(self.booked)]
                record = visits.OutcomeRecord(
                    outcome=outcome, topic="housing" if outcome == "realised" else None
                )
                self.attempt(
                    lambda uow: visits.record_visit_outcome(
                        uow,
                        principal=self.instructor,
                        record=record,
                        booking_id=booking_id,
                    )
                )

        @rule(minutes=st.integers(1, 3 * 24 * 60))
        def advance(self, minutes):  # type: ignore[no-untyped-def]
            self.clock.advance(minutes=minutes)

        # -- invariants --------------------------------------------------------------
        @invariant()
        def no_double_booking(self) -> None:
            if not hasattr(self, "runtime"):
                return
            with self.runtime.uow() as uow:
                holding = uow.session.scalars(
                    select(Booking.slot_id).where(Booking.status.in_(HOLDING))
                ).all()
            assert max(Counter(holding).values(), default=0) <= 1

        @invariant()
        def every_booking_is_accounted_for(self) -> None:
            if not hasattr(self, "runtime"):
                return
            with self.runtime.uow() as uow:
                rows = uow.session.execute(
                    select(
                        Booking.id,
                        Booking.status,
                        Booking.cancelled_at,
                        Booking.cancelled_by,
                        Booking.orphaned_at,
                        Booking.booked_at,
                        Booking.starts_at,
                    )
                ).all()
                by_status = dict(
                    uow.session.execute(select(Booking.status, func.count()).group_by(Booking.status)).all()
                )
            assert {r.id for r in rows} == self.booked
            assert sum(by_status.values()) == len(rows)
            assert set(by_status) <= {s.value for s in AppointmentStatus}
            closing = ClosingDayPolicy()
            for r in rows:
                assert r.booked_at < r.starts_at, "booked in the past"
                assert not closing.is_closed(r.starts_at.astimezone(HELSINKI).date()), (
                    "booked on a closed day"
                )
                if r.status == AppointmentStatus.CANCELLED.value:
                    assert r.cancelled_at is not None and r.cancelled_by is not None
                if r.orphaned_at is not None:
                    assert r.status == AppointmentStatus.CANCELLED.value and r.cancelled_by == "system"

        @invariant()
        def walk_ins_stay_within_capacity_and_sessions_never_overlap(self) -> None:
            if not hasattr(self, "runtime"):
                return
            with self.runtime.uow() as uow:
                for session_id, capacity in uow.session.execute(
                    select(GuidanceSession.id, GuidanceSession.walk_in_capacity)
                ).all():
                    places = uow.session.scalars(
                        select(WalkInPlace.status).where(WalkInPlace.session_id == session_id)
                    ).all()
                    assert len(places) == capacity
                    numbers = uow.session.scalars(
                        select(WalkInPlace.number).where(WalkInPlace.session_id == session_id)
                    ).all()
                    assert sorted(numbers) == list(range(1, capacity + 1))
                scheduled = uow.session.execute(
                    select(GuidanceSession.worker_id, GuidanceSession.starts_at, GuidanceSession.ends_at)
                    .where(GuidanceSession.status == "scheduled")
                    .order_by(GuidanceSession.worker_id, GuidanceSession.starts_at)
                ).all()
            for before, after in pairwise(scheduled):
                if before.worker_id == after.worker_id:
                    assert before.ends_at <= after.starts_at

    Scheduling.TestCase.settings = settings(
        max_examples=20,
        stateful_step_count=40,
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
    )
    run_state_machine_as_test(Scheduling, settings=Scheduling.TestCase.settings)
