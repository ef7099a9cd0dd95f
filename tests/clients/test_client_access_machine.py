"""A hypothesis state machine over registrations, bookings, named consultations, reads and time: a
client's data is readable by a user exactly when a relationship or a live stated reason
exists, never across counties, and every allowed read is in the access log with its basis.

Users: an Espoo and a Lohja nurse (one county, Länsi-Uusimaa), an Espoo instructor with a
worker record (social care: an unaddressed consultation in Espoo is in her unit's worklist)
and a Lahti nurse (Päijät-Häme, another county). The Espoo nurse books the instructor's
guidance times for registered clients: the booker and the instructor booked are then related.
"""

from __future__ import annotations

import re
from datetime import date, time, timedelta

import pytest
from conftest import add_worker, machine_runtime, station_id
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    precondition,
    rule,
    run_state_machine_as_test,
)
from sqlalchemy import select
from sqlmodel import col
from support import chain_access_log, identity_code

from sotesilta.consent import services as consents
from sotesilta.consent.tables import AccessLogEntry
from sotesilta.core.accounts import service as accounts
from sotesilta.core.clients import service as clients
from sotesilta.core.clients.access import REASON_HOLDS
from sotesilta.core.consultations import service as consultations
from sotesilta.core.kernel.clock import HELSINKI
from sotesilta.core.kernel.errors import AccessReasonRequired, RecordNotFound
from sotesilta.core.kernel.privacy import AccessReason, AccessReasonCode
from sotesilta.core.scheduling.domain.bookings import ClientDetails
from sotesilta.core.scheduling.service import bookings, sessions, slots

USERS = {  # username: (roles, municipality, county)
    "espoo.nurse": (["health_staff"], "049", "03"),
    "lohja.nurse": (["health_staff"], "444", "03"),
    "espoo.instructor": (["instructor"], "049", "03"),
    "lahti.nurse": (["health_staff"], "398", "09"),
}
NURSES = [u for u, (roles, _m, _c) in USERS.items() if roles == ["health_staff"]]
REASON = AccessReason(AccessReasonCode.CLIENT_PRESENT, "asiakas paikalla")


@pytest.mark.slow
def test_a_client_is_readable_exactly_with_a_relationship_or_a_stated_reason(
    _migrated_template, plugins, tmp_path_factory
):
    class Access(RuleBasedStateMachine):
        @initialize()
        def setup(self) -> None:
            self.runtime = machine_runtime(_migrated_template, plugins, tmp_path_factory)
            for username, (roles, municipality, _county) in USERS.items():
                with self.runtime.uow() as uow:
                    user = accounts.add_user(
                        uow,
                        username=username,
                        display_name=username,
                        password="correct-horse-battery",
                        roles=roles,
                        municipalities=[municipality],
                        station_keys=[],
                    )
                if "instructor" in roles:
                    self.worker_id = add_worker(self.runtime, user.id, municipality, "Elina Ohjaaja")
            self.principals = {}
            for username in USERS:
                with self.runtime.uow() as uow:
                    self.principals[username] = accounts.principal_of_user(uow, username)
            self._guidance_times()
            self.clients: dict[int, str] = {}  # client id: county
            self.related: set[tuple[str, int]] = set()
            self.granted: dict[tuple[str, int], object] = {}  # (user, client): until
            self.serial = 0

        def now(self):  # type: ignore[no-untyped-def]
            return self.runtime.clock.now()

        def _guidance_times(self) -> None:
            """The instructor's guidance times at Leppävaara on every weekday, for three weeks."""
            with self.runtime.uow() as uow:
                accounts.add_user(
                    uow,
                    username="espoo.admin",
                    display_name="espoo.admin",
                    password="correct-horse-battery",
                    roles=["admin"],
                    municipalities=["049"],
                    station_keys=[],
                )
            with self.runtime.uow() as uow:
                admin = accounts.principal_of_user(uow, "espoo.admin")
            today = self.now().astimezone(HELSINKI).date()
            for weekday in range(5):
                with self.runtime.uow() as uow:
                    sessions.create_session_rule(
                        uow,
                        principal=admin,
                        draft=sessions.SessionRuleDraft(
                            worker_id=self.worker_id,
                            station_id=station_id(self.runtime, "espoo-leppavaara"),
                            weekday=weekday,
                            start=time(8),
                            end=time(16),
                            first_date=today + timedelta(days=(weekday - today.weekday()) % 7),
                            interval_weeks=1,
                            slot_minutes=30,
                        ),
                        horizon=timedelta(weeks=3),
                    )

        def may_read(self, user: str, client_id: int) -> bool:
            if self.clients[client_id] != USERS[user][2]:
                return False
            until = self.granted.get((user, client_id))
            return (user, client_id) in self.related or (until is not None and self.now() < until)

        @rule(user=st.sampled_from(list(USERS)))
        def register(self, user: str) -> None:
            self.serial += 1
            _roles, municipality, county = USERS[user]
            with self.runtime.uow() as uow:
                made = clients.create_client(
                    uow,
                    principal=self.principals[user],
                    municipality=municipality,
                    name=f"Asiakas {self.serial}",
                    identity_code=identity_code(date(1990, 1, 1), 900 + self.serial % 99),
                    phone=None,
                    language="fi",
                    index_key=self.runtime.index_key,
                )
            self.clients[made.id] = county
            self.related.add((user, made.id))

        @precondition(lambda self: self.clients)
        @rule(pick=st.integers(min_value=0))
        def book(self, pick: int) -> None:
            """The Espoo nurse books a guidance time for a registered client: only one she may
            open, and then the instructor booked may open the client too."""
            client_id = sorted(self.clients)[pick % len(self.clients)]
            nurse = self.principals["espoo.nurse"]
            with self.runtime.uow() as uow:
                free = slots.find_free_slots(
                    uow, principal=nurse, municipality="049", scope=slots.SearchScope.MUNICIPALITY, limit=1
                )
            if not free:
                return
            request = bookings.BookingRequest(
                slot_id=free[0].slot_id,
                reasons=("loneliness",),
                client=ClientDetails(name="Asiakas", phone=None, age=40),
                client_id=client_id,
            )
            try:
                with self.runtime.uow() as uow:
                    bookings.create_booking(uow, principal=nurse, request=request)
                allowed = True
            except (AccessReasonRequired, RecordNotFound):
                allowed = False
            assert allowed == self.may_read("espoo.nurse", client_id), client_id
            if allowed:
                self.related.update({("espoo.nurse", client_id), ("espoo.instructor", client_id)})

        @precondition(lambda self: self.clients)
        @rule(user=st.sampled_from(NURSES), pick=st.integers(min_value=0))
        def consult(self, user: str, pick: int) -> None:
            """A named consultation to the nurse's own municipality, under the county's consent."""
            client_id = sorted(self.clients)[pick % len(self.clients)]
            _roles, municipality, county = USERS[user]
            principal = self.principals[user]
            try:
                with self.runtime.uow() as uow:
                    consents.list_consents(uow, principal=principal, client_id=client_id)
                    live = consents.list_consents(uow, principal=principal, client_id=client_id)
                    if not any(c.recipient == county and c.withdrawn_at is None for c in live):
                        consents.create_consent(
                            uow,
                            principal=principal,
                            client_id=client_id,
                            scope="named_consultation",
                            recipient=county,
                            given_how="oral",
                        )
                    consultations.create_consultation(
                        uow,
                        principal=principal,
                        municipality=municipality,
                        channel=consultations.Channel.PHONE,
                        question="?",
                        client_id=client_id,
                    )
                allowed = True
            except (AccessReasonRequired, RecordNotFound):
                allowed = False
            assert allowed == self.may_read(user, client_id)
            if allowed:
                self.related.add((user, client_id))
                if municipality == "049":  # unaddressed in Espoo: the Espoo unit's worklist
                    self.related.add(("espoo.instructor", client_id))

        @precondition(lambda self: self.clients)
        @rule(user=st.sampled_from(list(USERS)), pick=st.integers(min_value=0), with_reason=st.booleans())
        def read(self, user: str, pick: int, with_reason: bool) -> None:
            client_id = sorted(self.clients)[pick % len(self.clients)]
            expected = self.may_read(user, client_id) or (
                with_reason and self.clients[client_id] == USERS[user][2]
            )
            basis_expected = "client_relationship" if (user, client_id) in self.related else "stated_reason"
            try:
                with self.runtime.uow() as uow:
                    consents.list_consents(
                        uow,
                        principal=self.principals[user],
                        client_id=client_id,
                        reason=REASON if with_reason else None,
                    )
                allowed = True
            except AccessReasonRequired:
                allowed = False
                # without a reason the refusal is the same for another county's client
                assert not with_reason
            except RecordNotFound:
                allowed = False
                assert with_reason and self.clients[client_id] != USERS[user][2]
            assert allowed == expected, (user, client_id, with_reason)
            if not allowed:
                return
            if with_reason and (user, client_id) not in self.related:
                self.granted[(user, client_id)] = self.now() + REASON_HOLDS
            chain_access_log(self.runtime)
            with self.runtime.uow() as uow:
                last = uow.session.execute(
                    select(
                        AccessLogEntry.user_id,
                        AccessLogEntry.client_id,
                        AccessLogEntry.basis,
                        AccessLogEntry.reason,
                    )
                    .order_by(col(AccessLogEntry.seq).desc())
                    .limit(1)
                ).one()
            who = self.principals[user].user_id
            assert tuple(last[:3]) == (who, client_id, basis_expected)
            if basis_expected == "stated_reason":
                # by reference: the words stay sealed in the grant, never in the chained log
                assert last.reason and re.fullmatch(r"client_present \(grant \d+\)", last.reason)

        @rule(hours=st.sampled_from([1, 6, 13]))
        def advance(self, hours: int) -> None:
            self.runtime.clock.advance(hours=hours)  # type: ignore[attr-defined]

        def teardown(self) -> None:
            if hasattr(self, "runtime"):
                self.runtime.engine.dispose()

    run_state_machine_as_test(
        Access,
        settings=settings(
            max_examples=20,
            stateful_step_count=20,
            deadline=None,
            suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
        ),
    )
    assert timedelta(hours=12) == REASON_HOLDS  # the machine's advance steps straddle it
