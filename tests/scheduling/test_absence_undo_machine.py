"""A hypothesis state machine: absences recorded and undone in any order between bookings,
moves, dismissals and the passing of time. Undo never double-books a slot, never books a
time in a cancelled session or under a standing absence, and never restores a booking
that was rebooked or dismissed."""

from __future__ import annotations

from collections import Counter
from datetime import time, timedelta

from conftest import add_worker, machine_runtime, station_id
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule, run_state_machine_as_test
from sqlalchemy import select

from sotesilta.core.accounts import service as accounts
from sotesilta.core.kernel.clock import HELSINKI
from sotesilta.core.kernel.errors import DomainError
from sotesilta.core.kernel.runtime import Runtime
from sotesilta.core.scheduling.domain.bookings import SLOT_HOLDING_STATUSES, ClientDetails
from sotesilta.core.scheduling.service import absences, bookings, sessions, slots
from sotesilta.core.scheduling.tables import Absence, AbsenceBooking, Booking, GuidanceSession

HOLDING = {s.value for s in SLOT_HOLDING_STATUSES}


def test_undoing_absences_never_double_books(_migrated_template, plugins, tmp_path_factory):
    def fresh_runtime() -> Runtime:
        return machine_runtime(_migrated_template, plugins, tmp_path_factory)

    class Absences(RuleBasedStateMachine):
        @initialize()
        def setup(self) -> None:
            self.runtime = fresh_runtime()
            self.clock = self.runtime.clock

            def user(name: str, roles: list[str]) -> object:
                with self.runtime.uow() as uow:
                    accounts.add_user(
                        uow,
                        username=name,
                        display_name=name,
                        password="correct-horse-battery",
                        roles=roles,
                        municipalities=["444"],
                        station_keys=["lohja-keskusta"],
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

            self.admin = user("lohja.admin", ["admin"])
            self.nurse = user("lohja.nurse", ["health_staff"])
            self.worker = add_worker(self.runtime, None, "444", "Worker")
            today = self.clock.now().astimezone(HELSINKI).date()
            for weekday, start in ((1, 9), (3, 12)):  # Tuesdays and Thursdays, three hours
                with self.runtime.uow() as uow:
                    sessions.create_session_rule(
                        uow,
                        principal=self.admin,
                        draft=sessions.SessionRuleDraft(
                            worker_id=self.worker,
                            station_id=station_id(self.runtime, "lohja-keskusta"),
                            weekday=weekday,
                            start=time(start),
                            end=time(start + 3),
                            first_date=today + timedelta(days=(weekday - today.weekday()) % 7),
                            slot_minutes=30,
                        ),
                        horizon=timedelta(weeks=3),
                    )
            self.resolved: set[int] = set()  # rebooked or dismissed from the rebook list

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

        def _free(self) -> list[int]:
            with self.runtime.uow() as uow:
                found = slots.find_free_slots(
                    uow,
                    principal=self.nurse,
                    municipality="444",
                    scope=slots.SearchScope.MUNICIPALITY,
                    limit=40,
                )
            return [s.slot_id for s in found]

        def _ids(self, query) -> list[int]:  # type: ignore[no-untyped-def]
            with self.runtime.uow() as uow:
                return list(uow.session.scalars(query))

        # -- operations --------------------------------------------------------------
        @rule(pick=st.integers(0, 10_000))
        def book(self, pick):  # type: ignore[no-untyped-def]
            free = self._free()
            if free:
                request = bookings.BookingRequest(
                    slot_id=free[pick % len(free)],
                    reasons=("loneliness",),
                    client=ClientDetails(name="Client", phone=None, age=40),
                )
                self.attempt(lambda uow: bookings.create_booking(uow, principal=self.nurse, request=request))

        @rule(offset_hours=st.integers(0, 20 * 24), hours=st.sampled_from([1, 2, 4, 24, 72]))
        def absence(self, offset_hours, hours):  # type: ignore[no-untyped-def]
            start = self.clock.now().replace(minute=0, second=0, microsecond=0) + timedelta(
                hours=offset_hours
            )
            self.attempt(
                lambda uow: sessions.record_absence(
                    uow,
                    principal=self.admin,
                    worker_id=self.worker,
                    starts_at=start,
                    ends_at=start + timedelta(hours=hours),
                    reason="random",
                )
            )

        @rule(pick=st.integers(0, 10_000), before=st.integers(0, 3), hours=st.sampled_from([1, 2, 24]))
        def absence_over_a_booking(self, pick, before, hours):  # type: ignore[no-untyped-def]
            """Most random absences miss the bookings: this one is over one."""
            times = self._ids(
                select(Booking.starts_at).where(Booking.status == "booked").order_by(Booking.id)
            )
            if times:
                start = times[pick % len(times)] - timedelta(hours=before)  # type: ignore[operator]
                self.attempt(
                    lambda uow: sessions.record_absence(
                        uow,
                        principal=self.admin,
                        worker_id=self.worker,
                        starts_at=start,
                        ends_at=start + timedelta(hours=hours),
                        reason="random",
                    )
                )

        @rule(pick=st.integers(0, 10_000))
        def undo(self, pick):  # type: ignore[no-untyped-def]
            ids = self._ids(select(Absence.id).where(Absence.undone_at.is_(None)).order_by(Absence.id))
            if ids:
                absence_id = ids[pick % len(ids)]
                view = self.attempt(
                    lambda uow: absences.undo_absence(uow, principal=self.admin, absence_id=absence_id)
                )
                if view is not None:
                    for b in view.bookings:  # type: ignore[attr-defined]
                        if b.booking_id in self.resolved:
                            assert b.undo_outcome in ("rebooked", "dismissed"), b

        def _waiting(self) -> list[int]:
            return self._ids(
                select(Booking.id)
                .where(Booking.orphaned_at.is_not(None), Booking.orphan_resolved_at.is_(None))
                .order_by(Booking.id)
            )

        @rule(pick=st.integers(0, 10_000), destination=st.integers(0, 10_000))
        def rebook(self, pick, destination):  # type: ignore[no-untyped-def]
            waiting, free = self._waiting(), self._free()
            if waiting and free:
                booking_id = waiting[pick % len(waiting)]
                made = self.attempt(
                    lambda uow: bookings.reschedule_booking(
                        uow,
                        principal=self.nurse,
                        booking_id=booking_id,
                        slot_id=free[destination % len(free)],
                        hold_id=None,
                    )
                )
                if made is not None:
                    self.resolved.add(booking_id)

        @rule(pick=st.integers(0, 10_000))
        def dismiss(self, pick):  # type: ignore[no-untyped-def]
            waiting = self._waiting()
            if waiting:
                booking_id = waiting[pick % len(waiting)]
                done = self.attempt(
                    lambda uow: bookings.cancel_booking(
                        uow, principal=self.nurse, booking_id=booking_id, reason="not needed"
                    )
                )
                if done is not None:
                    self.resolved.add(booking_id)

        @rule(pick=st.integers(0, 10_000))
        def hold(self, pick):  # type: ignore[no-untyped-def]
            ids = self._ids(select(Booking.slot_id))
            if ids:
                self.attempt(
                    lambda uow: slots.hold_slot(uow, principal=self.nurse, slot_id=ids[pick % len(ids)])
                )

        @rule(minutes=st.integers(1, 4 * 24 * 60))
        def advance(self, minutes):  # type: ignore[no-untyped-def]
            self.clock.advance(minutes=minutes)

        # -- invariants --------------------------------------------------------------
        @invariant()
        def no_slot_is_booked_twice(self) -> None:
            if not hasattr(self, "runtime"):
                return
            holding = self._ids(select(Booking.slot_id).where(Booking.status.in_(HOLDING)))
            assert max(Counter(holding).values(), default=0) <= 1

        @invariant()
        def no_booking_stands_in_a_cancelled_session_or_under_a_standing_absence(self) -> None:
            if not hasattr(self, "runtime"):
                return
            with self.runtime.uow() as uow:
                booked = uow.session.execute(
                    select(Booking.id, Booking.starts_at, Booking.ends_at, GuidanceSession.status)
                    .join(GuidanceSession, GuidanceSession.id == Booking.session_id)
                    .where(Booking.status == "booked")
                ).all()
                standing = uow.session.execute(
                    select(Absence.id, Absence.starts_at, Absence.ends_at, Absence.recorded_at).where(
                        Absence.undone_at.is_(None)
                    )
                ).all()
                taken = set(uow.session.scalars(select(AbsenceBooking.booking_id)))
            for b in booked:
                assert b.status == "scheduled", ("a booking in a cancelled session", b)
                for a in standing:
                    # a booking made before an absence and under it is one the absence took
                    assert not (a.starts_at < b.ends_at and b.starts_at < a.ends_at) or b.id not in taken, (
                        "a booking restored under a standing absence",
                        b,
                        a,
                    )

        @invariant()
        def a_rebooked_or_dismissed_booking_stays_cancelled(self) -> None:
            if not hasattr(self, "runtime") or not self.resolved:
                return
            statuses = self._ids(select(Booking.status).where(Booking.id.in_(self.resolved)))
            assert set(statuses) <= {"cancelled"}

    Absences.TestCase.settings = settings(
        # small enough for the fast loop; the database's unique index backs it anyway
        max_examples=12,
        stateful_step_count=40,
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
    )
    run_state_machine_as_test(Absences, settings=Absences.TestCase.settings)
