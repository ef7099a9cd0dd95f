"""The visit-outcome form: from posted fields to an ``OutcomeRecord``, and refusals to
errors beside their fields. The rules stay in ``record_visit_outcome``."""

from __future__ import annotations

from dataclasses import dataclass, field

from litestar.datastructures import FormMultiDict

from sotesilta.core.kernel.errors import DomainError, InputInvalid
from sotesilta.core.kernel.web.forms import FormError, text_field
from sotesilta.core.kernel.web.i18n import N_
from sotesilta.core.scheduling.public import ReferralMode, VisitOutcome
from sotesilta.core.visits.service.outcomes import OutcomeRecord, VisitReferralView, VisitView

OUTCOMES = tuple(o.value for o in VisitOutcome)
MODES = tuple(m.value for m in ReferralMode)
REFERRAL_PREFIX = "referral-"


@dataclass
class OutcomeForm:
    """What the instructor chose, kept to show again when something is refused."""

    kind: str = ""
    id: str = ""
    outcome: str = ""
    topic: str = ""
    referrals: dict[str, str] = field(default_factory=dict)  # target -> mode
    shl_notification: bool = False
    shl_notification_to: str = ""
    network_meeting: bool = False
    follow_up: bool = False
    #: the revision being corrected ("0": none recorded yet); a stale one is refused
    revision: str = ""

    @classmethod
    def from_form(cls, form: FormMultiDict) -> OutcomeForm:
        referrals = {
            str(key)[len(REFERRAL_PREFIX) :][:64]: str(value)[:20]
            for key, value in form.multi_items()
            if str(key).startswith(REFERRAL_PREFIX) and value
        }
        return cls(
            kind=text_field(form, "kind", 10),
            id=text_field(form, "id", 12),
            outcome=text_field(form, "outcome", 30),
            topic=text_field(form, "topic", 64),
            referrals=dict(list(referrals.items())[:40]),
            shl_notification=form.get("shl_notification") == "yes",
            shl_notification_to=text_field(form, "shl_notification_to", 400),
            network_meeting=form.get("network_meeting") == "yes",
            follow_up=form.get("follow_up") == "yes",
            revision=text_field(form, "revision", 6),
        )

    @classmethod
    def from_visit(cls, kind: str, source_id: int, visit: VisitView) -> OutcomeForm:
        """The recorded outcome, to correct it."""
        return cls(
            kind=kind,
            id=str(source_id),
            outcome=visit.outcome,
            topic=visit.topic or "",
            referrals={r.target: r.mode.value for r in visit.referrals},
            shl_notification=visit.shl_notification_to is not None,
            shl_notification_to=visit.shl_notification_to or "",
            network_meeting=visit.network_meeting_coordinated,
            follow_up=visit.follow_up_needed,
            revision=str(visit.revision),
        )

    def expected_revision(self) -> int | None:
        return int(self.revision) if self.revision.isdigit() else None

    def target(self) -> tuple[int | None, int | None]:
        """``(booking_id, walk_in_id)``."""
        if self.kind not in ("booking", "walk_in") or not self.id.isdigit():
            raise InputInvalid("choose a visit from the worklist", field="booking_id")
        return (int(self.id), None) if self.kind == "booking" else (None, int(self.id))

    def to_record(self) -> OutcomeRecord:
        if self.outcome not in OUTCOMES:
            raise InputInvalid("choose what happened", field="outcome")
        outcome = VisitOutcome(self.outcome)
        if any(mode not in MODES for mode in self.referrals.values()):
            raise InputInvalid("choose advised or concrete", field="referrals")
        realised = outcome is VisitOutcome.REALISED
        if self.shl_notification and not self.shl_notification_to:
            raise InputInvalid("say to whom", field="shl_notification_to")
        return OutcomeRecord(
            outcome=outcome,
            # a topic or referral chosen before switching to "no-show" is not the visit's
            topic=(self.topic or None) if realised else None,
            referrals=tuple(
                VisitReferralView(target=t, mode=ReferralMode(m)) for t, m in self.referrals.items()
            )
            if realised
            else (),
            shl_notification_to=(self.shl_notification_to or None)
            if realised and self.shl_notification
            else None,
            network_meeting_coordinated=self.network_meeting and realised,
            follow_up_needed=self.follow_up,
        )


STALE = N_("Someone changed the outcome meanwhile: see its history below. Save again to replace it.")
FIELD_MESSAGES = {
    "outcome": N_("Choose what happened at the visit."),
    "topic": N_("Choose the main topic of a realised visit."),
    "referrals": N_("Choose the onward referrals from the list, each once."),
    "shl_notification_to": N_("Say to whom the SHL notification was made (at most 200 characters)."),
    "booking_id": N_("Choose a visit from the worklist."),
}
TARGETS = {
    "outcome": "outcome",
    "topic": "topic",
    "referrals": "referrals",
    "shl_notification_to": "shl-notification-to",
}


def outcome_error(exc: DomainError) -> FormError:
    if exc.code == "revision-stale":
        return FormError(STALE, {}, "")
    if exc.code == "booking-state":
        return FormError(
            N_(
                "The outcome can be recorded once the visit has begun, and not for a booking cancelled in time."  # noqa: E501
            ),
            {},
            "",
        )
    if exc.field in FIELD_MESSAGES:
        return FormError(FIELD_MESSAGES[exc.field], {}, TARGETS.get(exc.field, ""))
    return FormError(N_("The outcome could not be recorded: %(reason)s"), {"reason": exc.detail}, "")
