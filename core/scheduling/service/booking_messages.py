"""Messages to a client about their appointment, where the client agreed at booking: a
confirmation, a reminder (24 h before by default, the municipality's plugin may say otherwise),
a notice when the time is cancelled or moved, and the feedback link after the visit.

Written into the outbox in the booking's own transaction (``uow.outbox``), in the client's
language. What a message says is the time, the place and the link to the instructions: never
the reasons, the topics, the instructor or their field. Messages wait out the night (quiet
hours, 21-08 Helsinki time); a reminder that would come only at or after the time is not sent.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from sotesilta.core.feedback import public as feedback
from sotesilta.core.kernel.outbox import MessageKind, OutgoingMessage
from sotesilta.core.kernel.uow import UnitOfWork
from sotesilta.core.scheduling.domain.bookings import AppointmentStatus, MessageChannel, reminder_due
from sotesilta.core.scheduling.service.client_links import link_token
from sotesilta.core.scheduling.service.instructions import Instructions

if TYPE_CHECKING:
    from sotesilta.core.scheduling.service.bookings import BookingView

#: the client's link to the instructions (scheduling's page ``/c/{token}``)
LINK_PATH = "/c/"
#: the feedback link goes this long after the visit's end
FEEDBACK_AFTER = timedelta(hours=1)
#: what a cancelled or moved booking had waiting, withdrawn
PENDING_KINDS = (MessageKind.BOOKING_REMINDER, MessageKind.FEEDBACK_REQUEST)

TEXTS: dict[str, dict[str, str]] = {
    "fi": {
        MessageKind.BOOKING_CONFIRMATION: "Sinulle on varattu aika.",
        MessageKind.BOOKING_REMINDER: "Muistutus varatusta ajastasi.",
        MessageKind.BOOKING_CANCELLED: "Varattu aikasi on peruttu.",
        MessageKind.BOOKING_MOVED: "Varattu aikasi on siirretty. Uusi aika:",
        MessageKind.FEEDBACK_REQUEST: "Kiitos käynnistäsi. Kerro halutessasi nimettömästi, oliko siitä apua:",
        "subject": "Varattu aikasi",
        "subject_cancelled": "Aikasi on peruttu",
        "subject_moved": "Aikasi on siirretty",
        "subject_feedback": "Kiitos käynnistäsi",
        "time": "Aika",
        "place": "Paikka",
        "video": "videovastaanotto (linkki ohjeissa)",
        "instructions": "Ohjeet",
        "footer": "Saat tämän viestin, koska annoit luvan viesteihin ajan varaamisen yhteydessä.",
    },
    "sv": {
        MessageKind.BOOKING_CONFIRMATION: "En tid har bokats åt dig.",
        MessageKind.BOOKING_REMINDER: "Påminnelse om din bokade tid.",
        MessageKind.BOOKING_CANCELLED: "Din bokade tid har avbokats.",
        MessageKind.BOOKING_MOVED: "Din bokade tid har flyttats. Ny tid:",
        MessageKind.FEEDBACK_REQUEST: "Tack för besöket. Berätta gärna anonymt om det var till hjälp:",
        "subject": "Din bokade tid",
        "subject_cancelled": "Din tid har avbokats",
        "subject_moved": "Din tid har flyttats",
        "subject_feedback": "Tack för besöket",
        "time": "Tid",
        "place": "Plats",
        "video": "videomottagning (länken finns i anvisningarna)",
        "instructions": "Anvisningar",
        "footer": (
            "Du får det här meddelandet eftersom du gav ditt samtycke till meddelanden när tiden bokades."
        ),
    },
    "en": {
        MessageKind.BOOKING_CONFIRMATION: "An appointment has been booked for you.",
        MessageKind.BOOKING_REMINDER: "A reminder of your appointment.",
        MessageKind.BOOKING_CANCELLED: "Your appointment has been cancelled.",
        MessageKind.BOOKING_MOVED: "Your appointment has been moved. The new time:",
        MessageKind.FEEDBACK_REQUEST: (
            "Thank you for your visit. If you like, tell us anonymously whether it helped:"
        ),
        "subject": "Your appointment",
        "subject_cancelled": "Your appointment is cancelled",
        "subject_moved": "Your appointment has moved",
        "subject_feedback": "Thank you for your visit",
        "time": "Time",
        "place": "Place",
        "video": "video appointment (the link is in the instructions)",
        "instructions": "Instructions",
        "footer": "You get this message because you agreed to messages when the appointment was booked.",
    },
}
_SUBJECTS = {
    MessageKind.BOOKING_CONFIRMATION: "subject",
    MessageKind.BOOKING_REMINDER: "subject",
    MessageKind.BOOKING_CANCELLED: "subject_cancelled",
    MessageKind.BOOKING_MOVED: "subject_moved",
    MessageKind.FEEDBACK_REQUEST: "subject_feedback",
}


def instructions_url(uow: UnitOfWork, reference: str) -> str:
    outbox = uow.outbox
    return f"{outbox.public_base_url}{LINK_PATH}{link_token(outbox.link_secret, reference)}"


def compose(kind: MessageKind, instructions: Instructions, link: str) -> tuple[str, str]:
    """Subject and body in the instructions' language: when, where and the link, nothing else."""
    texts = TEXTS.get(instructions.language, TEXTS["fi"])
    if kind is MessageKind.FEEDBACK_REQUEST:
        lines = [f"{texts[kind]} {link}"]
    else:
        place = texts["video"] if instructions.video_link else f"{instructions.place}, {instructions.address}"
        lines = [
            texts[kind],
            f"{texts['time']}: {instructions.when}",
            f"{texts['place']}: {place}",
            f"{texts['instructions']}: {link}",
        ]
    return texts[_SUBJECTS[kind]], "\n".join([*lines, "", texts["footer"]])


def _address(view: BookingView) -> str | None:
    if view.messages is MessageChannel.SMS:
        return view.client.phone
    if view.messages is MessageChannel.EMAIL:
        return view.client.email
    return None


def _enqueue(
    uow: UnitOfWork, view: BookingView, kind: MessageKind, *, link: str, due_at: datetime | None = None
) -> None:
    profile = uow.plugins.municipalities.get(view.municipality_code)
    address = _address(view)
    if profile is None or address is None or view.messages is None:
        return  # a municipality no plugin registers any more, or nowhere to send
    subject, body = compose(kind, view.instructions, link)
    uow.outbox.enqueue(
        uow,
        OutgoingMessage(
            county=profile.county.code,
            channel=view.messages.value,
            kind=kind,
            recipient=address,
            subject=subject,
            body=body,
            idempotency_key=f"booking:{view.id}:{kind.value}",
            language=view.instructions.language,
            due_at=due_at,
            quiet_hours=True,
            about=f"booking:{view.id}",
        ),
    )


def booked(uow: UnitOfWork, view: BookingView) -> None:
    """A new booking (or the new time of a moved one): the confirmation (the notice of the move),
    the reminder and the feedback link, each when its time comes."""
    if view.messages is None:
        return
    link = instructions_url(uow, view.reference)
    first = MessageKind.BOOKING_MOVED if view.rescheduled_from else MessageKind.BOOKING_CONFIRMATION
    _enqueue(uow, view, first, link=link)
    profile = uow.plugins.municipalities.get(view.municipality_code)
    hours = profile.reminder_hours if profile is not None else 24
    due = reminder_due(view.starts_at, hours, uow.now)
    if due is not None:
        _enqueue(uow, view, MessageKind.BOOKING_REMINDER, link=link, due_at=due)
    outbox = uow.outbox
    survey = feedback.feedback_url(
        outbox.link_secret,
        outbox.public_base_url,
        uow.plugins.feedback_forms,
        reference=view.reference,
        municipality=view.municipality_code,
        status=AppointmentStatus.BOOKED.value,
    )
    if survey is not None:
        _enqueue(uow, view, MessageKind.FEEDBACK_REQUEST, link=survey, due_at=view.ends_at + FEEDBACK_AFTER)


def withdrawn(uow: UnitOfWork, booking_id: int) -> None:
    """A booking cancelled or moved away from: its reminder and feedback link go nowhere."""
    uow.outbox.withdraw(uow, about=f"booking:{booking_id}", kinds=PENDING_KINDS)


def no_visit(uow: UnitOfWork, booking_id: int) -> None:
    """The client did not come (or cancelled late): no feedback link."""
    uow.outbox.withdraw(uow, about=f"booking:{booking_id}", kinds=[MessageKind.FEEDBACK_REQUEST])


def cancelled(uow: UnitOfWork, view: BookingView) -> None:
    """A cancelled time: what it had waiting is withdrawn, and the client is told."""
    withdrawn(uow, view.id)
    if view.messages is not None:
        _enqueue(uow, view, MessageKind.BOOKING_CANCELLED, link=instructions_url(uow, view.reference))
