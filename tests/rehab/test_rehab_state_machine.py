"""A hypothesis state machine drives random sequences of intensive-rehabilitation
operations through the use cases and checks the invariants after every step:
one open period per client, no period beyond its maximum, no live contact
outside its period, no worker double-booked, intensity adding up."""

from __future__ import annotations

from collections import Counter
from datetime import date, time, timedelta
from itertools import pairwise

import pytest
from conftest import add_worker, machine_runtime
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
from support import identity_code

from sotesilta.core.accounts import service as accounts
from sotesilta.core.clients import service as clients
from sotesilta.core.kernel.clock import HELSINKI, local_to_utc
from sotesilta.core.kernel.errors import DomainError
from sotesilta.core.rehab.domain import ContactKind, ContactStatus, EndReason, add_months
from sotesilta.core.rehab.service import contacts
from sotesilta.core.rehab.service import outcomes as rehab_outcomes
from sotesilta.core.rehab.service import periods as rehab_periods
from sotesilta.core.rehab.tables import Contact, ContactWorker, IntensivePeriod

KINDS = [k for k in ContactKind if k is not ContactKind.GROUP_SESSION]


@pytest.mark.slow
def test_rehab_invariants_hold_under_random_operations(_migrated_template, plugins, tmp_path_factory):
    class Rehab(RuleBasedStateMachine):
        @initialize()
        def setup(self) -> None:
            self.runtime = machine_runtime(_migrated_template, plugins, tmp_path_factory)
            self.clock = self.runtime.clock
            with self.runtime.uow() as uow:
                accounts.add_user(
                    uow,
                    username="ph.machine",
                    display_name="Machine",
                    password="correct-horse-battery",
                    roles=["instructor"],
                    municipalities=["398"],
                    station_keys=[],
                )
            with self.runtime.uow() as uow:
                self.principal = accounts.principal_of_user(uow, "ph.machine")
            self.workers = [add_worker(self.runtime, None, "398", f"Worker {n}") for n in range(2)]
            self.clients = []
            for n, birth in enumerate((date(2000, 1, 1), date(1995, 6, 30), date(1970, 3, 3))):
                with self.runtime.uow() as uow:
                    self.clients.append(
                        clients.create_client(
                            uow,
                            principal=self.principal,
                            municipality="398",
                            name=f"Client {n}",
                            identity_code=identity_code(birth, 950 + n),
                            phone=None,
                            language="fi",
                            index_key=self.runtime.index_key,
                        ).id
                    )
            self.periods: list[int] = []
            self.contacts: list[int] = []
            self.meetings: list[tuple[int, tuple[int, ...]]] = []
            # a period for each eligible client to start from, so most sequences plan contacts
            self.open_period(client=0, offset=0, days=120, exception=False)
            self.open_period(client=1, offset=3, days=90, exception=False)

        def teardown(self) -> None:
            if hasattr(self, "runtime"):
                self.runtime.engine.dispose()

        def attempt(self, operation):  # type: ignore[no-untyped-def]
            """Domain refusals are expected answers; anything else is a bug."""
            try:
                with self.runtime.uow() as uow:
                    return operation(uow)
            except DomainError:
                return None

        def today(self) -> date:
            return self.clock.now().astimezone(HELSINKI).date()

        # -- operations --------------------------------------------------------------
        @rule(
            client=st.integers(0, 2),
            offset=st.integers(-10, 20),
            days=st.integers(0, 220),
            exception=st.booleans(),
        )
        def open_period(self, client, offset, days, exception):  # type: ignore[no-untyped-def]
            start = self.today() + timedelta(days=offset)
            decision = self.attempt(
                lambda uow: rehab_periods.create_service_decision(
                    uow,
                    principal=self.principal,
                    client_id=self.clients[client],
                    decided_on=min(start, self.today()),
                    valid_from=start,
                    valid_until=add_months(start, 7),
                    decision_maker="Machine",
                )
            )
            if decision is None:
                return
            period = self.attempt(
                lambda uow: rehab_periods.open_intensive_period(
                    uow,
                    principal=self.principal,
                    draft=rehab_periods.PeriodDraft(
                        decision_id=decision.id,
                        starts_on=start,
                        planned_end=start + timedelta(days=days),
                        responsible_worker_id=self.workers[client % 2],
                        age_exception_reason="machine" if exception else None,
                    ),
                )
            )
            if period is not None:
                self.periods.append(period.id)

        @rule(
            index=st.integers(0, 20),
            after=st.integers(0, 40) | st.integers(0, 200),
            reason=st.sampled_from(list(EndReason)),
        )
        @precondition(lambda self: bool(self.periods))
        def close_period(self, index, after, reason):  # type: ignore[no-untyped-def]
            period_id = self.periods[index % len(self.periods)]
            with self.runtime.uow() as uow:
                starts_on = uow.session.get(IntensivePeriod, period_id).starts_on  # type: ignore[union-attr]
            self.attempt(
                lambda uow: rehab_periods.close_intensive_period(
                    uow,
                    principal=self.principal,
                    period_id=period_id,
                    ended_on=starts_on + timedelta(days=after),
                    reason=reason,
                )
            )

        @rule(
            index=st.integers(0, 20),
            day=st.integers(0, 40) | st.integers(-5, 230),
            hour=st.integers(7, 17),
            minutes=st.sampled_from([10, 30, 60, 90, 240]),
            kind=st.sampled_from(KINDS),
            workers=st.sampled_from([(0,), (1,), (0, 1)]),
        )
        @precondition(lambda self: bool(self.periods))
        def plan_contact(self, index, day, hour, minutes, kind, workers):  # type: ignore[no-untyped-def]
            period_id = self.periods[index % len(self.periods)]
            when = local_to_utc(self.today() + timedelta(days=day), time(hour))
            contact = self.attempt(
                lambda uow: contacts.plan_contact(
                    uow,
                    principal=self.principal,
                    period_id=period_id,
                    draft=contacts.ContactDraft(
                        kind=kind,
                        starts_at=when,
                        minutes=minutes,
                        worker_ids=tuple(self.workers[w] for w in workers),
                        place="Lahti",
                        video_link="https://video.example.invalid/x",
                    ),
                )
            )
            if contact is not None:
                self.contacts.append(contact.id)

        @rule(
            period_a=st.integers(0, 20),
            period_b=st.integers(0, 20),
            weekday=st.integers(0, 4),
            meetings=st.integers(1, 4),
        )
        @precondition(lambda self: bool(self.periods))
        def create_group(self, period_a, period_b, weekday, meetings):  # type: ignore[no-untyped-def]
            members = {self.periods[period_a % len(self.periods)], self.periods[period_b % len(self.periods)]}
            group = self.attempt(
                lambda uow: contacts.create_group(
                    uow,
                    principal=self.principal,
                    draft=contacts.GroupDraft(
                        municipality="398",
                        name="Ryhmä",
                        worker_ids=(self.workers[0],),
                        member_period_ids=tuple(sorted(members)),
                        weekday=weekday,
                        start=time(14),
                        minutes=90,
                        first_date=self.today() + timedelta(days=1),
                        meetings=meetings,
                        place="Ryhmätila",
                    ),
                )
            )
            if group is not None:
                self.meetings.extend(
                    (meeting_id, group.member_period_ids) for meeting_id, _, _ in group.meetings
                )

        @rule(index=st.integers(0, 20), status=st.sampled_from(list(ContactStatus)))
        @precondition(lambda self: bool(self.meetings))
        def record_attendance(self, index, status):  # type: ignore[no-untyped-def]
            meeting_id, members = self.meetings[index % len(self.meetings)]
            self.attempt(
                lambda uow: contacts.record_group_attendance(
                    uow,
                    principal=self.principal,
                    meeting_id=meeting_id,
                    attendance=[(member, status) for member in members],
                )
            )

        @rule(index=st.integers(0, 50), status=st.sampled_from(list(ContactStatus)))
        @precondition(lambda self: bool(self.contacts))
        def record_outcome(self, index, status):  # type: ignore[no-untyped-def]
            contact_id = self.contacts[index % len(self.contacts)]
            self.attempt(
                lambda uow: contacts.record_contact_outcome(
                    uow,
                    principal=self.principal,
                    contact_id=contact_id,
                    status=status,
                    note=None,
                )
            )

        @rule(days=st.integers(1, 40))
        def advance_clock(self, days):  # type: ignore[no-untyped-def]
            self.clock.advance(days=days)

        # -- invariants ----------------------------------------------------------------
        @invariant()
        def periods_stay_within_their_rules(self) -> None:
            if not hasattr(self, "runtime"):
                return
            with self.runtime.uow() as uow:
                periods = uow.session.scalars(select(IntensivePeriod)).all()
                uow.session.expunge_all()  # plain objects from here on
            open_ = Counter((p.client_id, p.service) for p in periods if p.ended_on is None)
            assert all(n == 1 for n in open_.values()), "two open periods for one client"
            for p in periods:
                assert p.starts_on <= p.planned_end <= p.max_end <= add_months(p.starts_on, 6)
                assert p.ended_on is None or p.starts_on <= p.ended_on <= p.max_end

        @invariant()
        def live_contacts_lie_in_their_period_and_never_double_book_a_worker(self) -> None:
            if not hasattr(self, "runtime"):
                return
            with self.runtime.uow() as uow:
                periods = {p.id: p for p in uow.session.scalars(select(IntensivePeriod))}
                rows = uow.session.execute(
                    select(Contact, ContactWorker.worker_id).join(
                        ContactWorker, ContactWorker.contact_id == Contact.id
                    )
                ).all()
                uow.session.expunge_all()
            by_worker: dict[int, list[Contact]] = {}
            for contact, worker in rows:
                assert contact.sequence >= 0 and ContactStatus(contact.status)
                if contact.status == ContactStatus.CANCELLED.value:
                    continue
                period = periods[contact.period_id]
                end = period.ended_on or period.planned_end
                first = contact.starts_at.astimezone(HELSINKI).date()
                last = (contact.ends_at - timedelta(microseconds=1)).astimezone(HELSINKI).date()
                assert period.starts_on <= first and last <= end, "a live contact outside its period"
                by_worker.setdefault(worker, []).append(contact)
            for worker_contacts in by_worker.values():
                ordered = sorted(worker_contacts, key=lambda c: c.starts_at)
                for before, after in pairwise(ordered):
                    same_meeting = before.group_meeting_id is not None and (
                        before.group_meeting_id == after.group_meeting_id
                    )
                    assert same_meeting or before.ends_at <= after.starts_at, "a worker double-booked"

        @invariant()
        def intensity_adds_up_to_the_contacts(self) -> None:
            if not hasattr(self, "runtime") or not self.periods:
                return
            with self.runtime.uow() as uow:
                for period_id in self.periods:
                    view = rehab_outcomes.get_period_intensity(
                        uow,
                        principal=self.principal,
                        period_id=period_id,
                    )
                    statuses = Counter(
                        uow.session.scalars(select(Contact.status).where(Contact.period_id == period_id))
                    )
                    assert view.planned == sum(statuses.values()) - statuses[ContactStatus.CANCELLED.value]
                    assert view.realised == statuses[ContactStatus.FULFILLED.value]

    settings_ = settings(
        max_examples=30,
        stateful_step_count=50,
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
    )
    run_state_machine_as_test(Rehab, settings=settings_)
