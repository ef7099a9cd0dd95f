"""The requester's confirmation that a contact request arrived, through the message outbox.

Sent only where the person gave a channel a message can use: a text message when they asked
to be sent one, an e-mail when they gave an address. Someone who asked to be phoned gets no
text they did not ask for (a shared phone would show it). The message says that the request
arrived and by which day social guidance answers: never what the person answered, nor their
name (the message may be read by someone else). It waits out the night like every message to
a client, and is written in the request's own transaction, so it exists only if the request
does.
"""

from __future__ import annotations

from datetime import date

from sotesilta.core.intake.domain import ContactChannel, ContactDetails
from sotesilta.core.kernel.outbox import MessageKind, OutgoingMessage
from sotesilta.core.kernel.uow import UnitOfWork

TEXTS = {
    "fi": (
        "Yhteydenottopyyntösi on vastaanotettu",
        "Yhteydenottopyyntösi sosiaaliohjaukseen on vastaanotettu. Otamme sinuun yhteyttä "
        "viimeistään {day}.\n\nTähän viestiin ei voi vastata.",
    ),
    "sv": (
        "Din kontaktbegäran har tagits emot",
        "Din begäran om kontakt med socialhandledningen har tagits emot. Vi kontaktar dig "
        "senast {day}.\n\nDet går inte att svara på detta meddelande.",
    ),
    "en": (
        "Your request to be contacted has arrived",
        "Your request to be contacted by social guidance has arrived. We will contact you by "
        "{day} at the latest.\n\nPlease do not reply to this message.",
    ),
}


def _day(day: date, language: str) -> str:
    return day.strftime("%-d.%-m.%Y") if language in ("fi", "sv") else day.isoformat()


def confirm_receipt(
    uow: UnitOfWork, county: str, request_id: int, contact: ContactDetails, due: date
) -> bool:
    """Write the confirmation into the outbox when the person gave a channel for it; whether
    one was written."""
    if contact.channel is ContactChannel.SMS and contact.phone:
        channel, recipient = "sms", contact.phone
    elif contact.channel is ContactChannel.EMAIL and contact.email:
        channel, recipient = "email", contact.email
    else:
        return False
    language = contact.language if contact.language in TEXTS else "fi"
    subject, body = TEXTS[language]
    return uow.outbox.enqueue(
        uow,
        OutgoingMessage(
            county=county,
            channel=channel,
            kind=MessageKind.CONTACT_REQUEST_RECEIVED,
            recipient=recipient,
            subject=subject,
            body=body.format(day=_day(due, language)),
            idempotency_key=f"contact-request:{request_id}:received",
            language=language,
            quiet_hours=True,
            about=f"contact-request:{request_id}",
        ),
    )
