"""A consent state machine: grant, expire, withdraw and use in random order; a
named consultation goes through exactly when a consent was active at the time, and shows
whom it names to the instructor it is addressed to exactly then (to another instructor never)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from conftest import add_worker
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, rule, run_state_machine_as_test

from sotesilta.consent import services as consent_services
from sotesilta.core.clients import service as clients
from sotesilta.core.consultations import service as consultations
from sotesilta.core.kernel.errors import ConsentMissing, RecordConflict, StateConflict


@pytest.mark.slow
def test_named_consultations_never_pass_without_an_active_consent(
    runtime, scheduling, principal_of, clock, make_user
):
    nurse = principal_of(scheduling.nurse)
    addressee = principal_of(scheduling.instructor)
    other = make_user("espoo.colleague", ["instructor"], ["049"], ["espoo-tapiola"])
    add_worker(runtime, other.id, "049", "Kaisa Kollega")
    colleague = principal_of(other)
    with runtime.uow() as uow:
        client_id = clients.create_client(
            uow,
            principal=nurse,
            municipality="049",
            name="Aino",
            identity_code=None,
            phone=None,
            language="fi",
            index_key=runtime.index_key,
        ).id

    class Consents(RuleBasedStateMachine):
        @initialize()
        def start(self) -> None:
            # each example starts from no live consent (withdraw what earlier examples left)
            with runtime.uow() as uow:
                for c in consent_services.list_consents(uow, principal=nurse, client_id=client_id):
                    if c.withdrawn_at is None:
                        with runtime.uow() as inner:
                            consent_services.withdraw_consent(inner, principal=nurse, consent_id=c.id)
            self.model: dict[int, tuple[object, object | None, bool, str]] = {}
            self.uses = 0
            self.named: list[int] = []  # the consultations made, to read again later

        def active(self, recipient: str = "03") -> bool:
            now = clock.now()
            return any(
                not withdrawn and start <= now and (until is None or now < until) and rec == recipient
                for start, until, withdrawn, rec in self.model.values()
            )

        @rule(
            starts_in=st.integers(-60, 60),
            lasts=st.none() | st.integers(1, 240),
            # the county's social care; another county's, or a named organisation, covers nothing here
            recipient=st.sampled_from(["03", "09", "Kela"]),
        )
        def grant(self, starts_in, lasts, recipient):  # type: ignore[no-untyped-def]
            start = clock.now() + timedelta(minutes=starts_in)
            until = start + timedelta(minutes=lasts) if lasts else None
            try:
                with runtime.uow() as uow:
                    made = consent_services.create_consent(
                        uow,
                        principal=nurse,
                        client_id=client_id,
                        scope="named_consultation",
                        recipient=recipient,
                        given_how="oral",
                        valid_from=start,
                        valid_until=until,
                    )
            except RecordConflict:
                live = [k for k, (_s, _u, w, r) in self.model.items() if not w and r == recipient]
                assert live, "refused as a duplicate with no live consent of that recipient"
                return
            self.model[made.id] = (start, until, False, recipient)

        @rule(pick=st.integers(0, 50))
        def withdraw(self, pick):  # type: ignore[no-untyped-def]
            if not self.model:
                return
            consent_id = sorted(self.model)[pick % len(self.model)]
            start, until, withdrawn, recipient = self.model[consent_id]
            try:
                with runtime.uow() as uow:
                    consent_services.withdraw_consent(uow, principal=nurse, consent_id=consent_id)
            except StateConflict:
                assert withdrawn
                return
            assert not withdrawn
            self.model[consent_id] = (start, until, True, recipient)

        @rule(minutes=st.integers(1, 120))
        def advance(self, minutes):  # type: ignore[no-untyped-def]
            clock.advance(minutes=minutes)

        @rule()
        def use(self) -> None:
            expected = self.active()
            try:
                with runtime.uow() as uow:
                    made = consultations.create_consultation(
                        uow,
                        principal=nurse,
                        municipality="049",
                        channel=consultations.Channel.PHONE,
                        question="?",
                        client_id=client_id,
                        to_worker_id=scheduling.worker_id,
                    )
                self.named.append(made.id)
                allowed = True
            except ConsentMissing:
                allowed = False
            assert allowed == expected
            self.uses += 1

        @rule(pick=st.integers(0, 50))
        def read_the_name(self, pick):  # type: ignore[no-untyped-def]
            if not self.named:
                return
            consultation_id = self.named[pick % len(self.named)]
            expected = self.active()
            try:
                with runtime.uow() as uow:
                    named = consultations.identify_client(
                        uow, principal=addressee, consultation_id=consultation_id
                    )
                shown = named is not None and named.name == "Aino"
            except ConsentMissing:
                shown = False
            assert shown == expected
            with runtime.uow() as uow:  # another instructor: never, whatever the consent
                assert (
                    consultations.identify_client(uow, principal=colleague, consultation_id=consultation_id)
                    is None
                )
            self.uses += 1

        def teardown(self) -> None:
            usages.append(self.uses)

    usages: list[int] = []
    run_state_machine_as_test(
        Consents,
        settings=settings(
            max_examples=25,
            stateful_step_count=25,
            deadline=None,
            suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
        ),
    )
    assert sum(usages) > 20  # the machine really exercised uses
