"""Rules of the public's way in: the text variants of a service description, a
contact request's states and its response-time target, and what a member of the
public may type.

Pure: no database, no HTTP. The use cases load, ask these, write and log.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum

from sotesilta.core.kernel.errors import InputInvalid, StateConflict
from sotesilta.core.scheduling.domain.sessions import ClosingDayPolicy

#: Plain-language Finnish (selkosuomi) is a fourth text variant, not a fourth interface
#: language: the page around it is Finnish. Its tag is a BCP 47 private-use subtag, so
#: it stays a valid language tag in an address (``?lang=fi-x-selko``) and in the API.
PLAIN_FINNISH = "fi-x-selko"
VARIANTS: tuple[str, ...] = ("fi", PLAIN_FINNISH, "sv", "en")


def interface_language(variant: str) -> str:
    """The language of the page around a text variant: plain Finnish is read in a Finnish page."""
    return "fi" if variant == PLAIN_FINNISH else variant


class Section(StrEnum):
    """The parts of a service description that admins may reword."""

    WHAT = "what"  # what social guidance at the health station is
    FOR_WHOM = "for_whom"  # the introduction above the six needs and the age group
    GETTING_A_TIME = "getting_a_time"  # through health staff, or walk in
    REMOTE = "remote"  # phone and video options


#: the longest text an admin may store in one section
SECTION_MAX = 4000

#: the defaults, until a county's admins reword them (their words are stored per county,
#: station and variant; a station's own text wins over its county's)
DEFAULT_TEXTS: dict[str, dict[Section, str]] = {
    "fi": {
        Section.WHAT: (
            "Terveysaseman sosiaaliohjaaja auttaa, kun elämäntilanteessa on jotain, mihin tarvitset "
            "tukea tai tietoa palveluista. Sosiaaliohjaaja kartoittaa tilanteesi kanssasi, neuvoo ja "
            "ohjaa oikeaan palveluun, tarvittaessa varaamalla ajan puolestasi. Käynti on maksuton."
        ),
        Section.FOR_WHOM: "Sosiaaliohjaukseen voit tulla, jos sinulla on esimerkiksi",
        Section.GETTING_A_TIME: (
            "Terveysaseman hoitaja tai lääkäri voi varata sinulle ajan vastaanottonsa aikana. "
            "Ilman ajanvarausta voit tulla avoimeen vastaanottoon alla olevina aikoina. Voit myös "
            "täyttää oma-arvion verkossa ja pyytää, että sosiaaliohjaus ottaa sinuun yhteyttä."
        ),
        Section.REMOTE: "Tapaaminen voi olla myös puhelimessa tai videoyhteydellä.",
    },
    PLAIN_FINNISH: {
        Section.WHAT: (
            "Sosiaaliohjaaja on terveysasemalla. Sosiaaliohjaaja auttaa sinua, jos elämässäsi on "
            "vaikeaa. Sosiaaliohjaaja kertoo, mistä saat apua. Käynti on ilmainen."
        ),
        Section.FOR_WHOM: "Voit tulla, jos sinulla on esimerkiksi",
        Section.GETTING_A_TIME: (
            "Hoitaja tai lääkäri voi varata sinulle ajan. Voit myös tulla ilman aikaa. "
            "Ajat ovat alla. Voit myös vastata kysymyksiin netissä. Sitten sosiaaliohjaaja "
            "soittaa sinulle tai lähettää viestin."
        ),
        Section.REMOTE: "Voit puhua sosiaaliohjaajan kanssa myös puhelimessa tai videolla.",
    },
    "sv": {
        Section.WHAT: (
            "Socialhandledaren vid hälsostationen hjälper när du behöver stöd i din livssituation "
            "eller information om service. Handledaren kartlägger din situation tillsammans med dig, "
            "ger råd och hänvisar dig till rätt service, vid behov genom att boka en tid åt dig. "
            "Besöket är avgiftsfritt."
        ),
        Section.FOR_WHOM: "Du kan komma till socialhandledningen om du till exempel har",
        Section.GETTING_A_TIME: (
            "Hälsostationens skötare eller läkare kan boka en tid åt dig under sin mottagning. "
            "Utan tidsbokning kan du komma till den öppna mottagningen på tiderna nedan. Du kan "
            "också fylla i en självbedömning på nätet och be att socialhandledningen kontaktar dig."
        ),
        Section.REMOTE: "Mötet kan också ske per telefon eller via video.",
    },
    "en": {
        Section.WHAT: (
            "The social instructor at the health station helps when something in your life calls "
            "for support, or when you need to know about services. The instructor maps your "
            "situation with you, advises, and guides you to the right service, booking a time for "
            "you if needed. The visit is free of charge."
        ),
        Section.FOR_WHOM: "You can come to social guidance if you have, for example,",
        Section.GETTING_A_TIME: (
            "A nurse or doctor at the health station can book you a time during their appointment. "
            "Without a booking you can come to the walk-in hours below. You can also fill in a "
            "self-assessment online and ask social guidance to contact you."
        ),
        Section.REMOTE: "The meeting can also be by phone or video.",
    },
}


#: the six needs of the shared client definition in plain Finnish (the code list's own
#: labels serve the other variants; a municipality's extra needs show their Finnish label)
PLAIN_NEEDS: dict[str, str] = {
    "service_mapping": "Haluat tietoa sosiaalipalveluista tai neuvoja.",
    "life_situation": "Olet huolissasi asumisesta, rahasta tai elämästäsi.",
    "everyday_management": "Arki on vaikeaa tai et jaksa hoitaa asioita.",
    "rehabilitation_assessment": "Tarvitset kuntoutusta tai arvion siitä, voitko tehdä työtä.",
    "loneliness": "Olet yksinäinen tai sinulla ei ole tekemistä.",
    "substance_use": "Alkoholi tai huumeet tekevät arjesta vaikeaa.",
}


def check_variant(variant: str) -> str:
    if variant not in VARIANTS:
        raise InputInvalid(f"lang must be one of {', '.join(VARIANTS)}", field="lang")
    return variant


def check_section_text(section: str, text: str) -> str:
    """An admin's text for a section: trimmed, bounded, no control characters."""
    if section not in {s.value for s in Section}:
        raise InputInvalid(f"no section {section!r}", field="section")
    clean = text.replace("\r\n", "\n").replace("\r", "\n").strip()
    if len(clean) > SECTION_MAX:
        raise InputInvalid(f"{section}: at most {SECTION_MAX} characters", field=section)
    if _CONTROL.search(clean):
        raise InputInvalid(f"{section}: contains control characters", field=section)
    return clean


# --- contact requests ----------------------------------------------------------


class ContactRequestStatus(StrEnum):
    NEW = "new"
    CONTACTED = "contacted"
    BOOKED = "booked"
    CLOSED = "closed"


#: where a request may go from each state; "booked" needs the booking it names
TRANSITIONS: dict[ContactRequestStatus, frozenset[ContactRequestStatus]] = {
    ContactRequestStatus.NEW: frozenset(
        {ContactRequestStatus.CONTACTED, ContactRequestStatus.BOOKED, ContactRequestStatus.CLOSED}
    ),
    ContactRequestStatus.CONTACTED: frozenset({ContactRequestStatus.BOOKED, ContactRequestStatus.CLOSED}),
    ContactRequestStatus.BOOKED: frozenset({ContactRequestStatus.CLOSED}),
    ContactRequestStatus.CLOSED: frozenset(),
}
#: the states an instructor still has to act on: they count against the flood caps
OPEN_STATES: tuple[str, ...] = (ContactRequestStatus.NEW.value,)


def check_transition(current: str, wanted: str, *, booking_id: int | None) -> ContactRequestStatus:
    try:
        target = ContactRequestStatus(wanted)
    except ValueError:
        raise InputInvalid("status must be new, contacted, booked or closed", field="status") from None
    source = ContactRequestStatus(current)
    if target is ContactRequestStatus.BOOKED and booking_id is None:
        raise InputInvalid("a booked request names its booking", field="booking_id")
    if target is not ContactRequestStatus.BOOKED and booking_id is not None:
        raise InputInvalid("only a booked request names a booking", field="booking_id")
    if target not in TRANSITIONS[source]:
        raise StateConflict(f"a {source.value} request cannot become {target.value}")
    return target


class ContactChannel(StrEnum):
    PHONE = "phone"
    SMS = "sms"
    EMAIL = "email"


#: the languages a requester may ask to be contacted in (an interpreter is arranged otherwise)
CONTACT_LANGUAGES: tuple[str, ...] = ("fi", "sv", "en")
NAME_MAX = 200
#: as many answers as a questionnaire may have questions (feedback forms' limit)
MAX_ANSWERS = 40
WHEN_MAX = 300
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_PHONE = re.compile(r"^\+?[0-9 ()-]{6,24}$")
_EMAIL = re.compile(r"^[^@\s]{1,64}@[^@\s]{1,190}\.[^@\s.]{2,63}$")


@dataclass(frozen=True)
class ContactDetails:
    """How and when the person wants to be reached, as they typed it."""

    name: str
    channel: ContactChannel
    phone: str | None
    email: str | None
    when: str
    language: str

    def __post_init__(self) -> None:
        for label, value, limit in (("name", self.name, NAME_MAX), ("when", self.when, WHEN_MAX)):
            if len(value) > limit or _CONTROL.search(value) or "\n" in value:
                raise InputInvalid(
                    f"{label}: one line of at most {limit} characters", field=f"contact.{label}"
                )
        if not self.name.strip():
            raise InputInvalid("give a name (a first name is enough)", field="contact.name")
        if self.language not in CONTACT_LANGUAGES:
            raise InputInvalid("language must be fi, sv or en", field="contact.language")
        if self.channel is ContactChannel.EMAIL:
            if not self.email or not _EMAIL.match(self.email):
                raise InputInvalid("give an e-mail address", field="contact.email")
        elif not self.phone or not _PHONE.match(self.phone) or not 6 <= _digits(self.phone) <= 15:
            raise InputInvalid("give a phone number with 6-15 digits", field="contact.phone")


def _digits(text: str) -> int:
    return sum(c.isdigit() for c in text)


def contact_details(
    *, name: str, channel: str, phone: str | None, email: str | None, when: str, language: str
) -> ContactDetails:
    """The typed details, trimmed, or ``InputInvalid`` naming the field."""
    try:
        chosen = ContactChannel(channel)
    except ValueError:
        raise InputInvalid("channel must be phone, sms or email", field="contact.channel") from None
    return ContactDetails(
        name=name.strip(),
        channel=chosen,
        phone=(phone or "").strip() or None if chosen is not ContactChannel.EMAIL else None,
        email=(email or "").strip() or None if chosen is ContactChannel.EMAIL else None,
        when=when.strip(),
        language=language,
    )


# --- abuse control -------------------------------------------------------------


@dataclass(frozen=True)
class FloodLimits:
    """How much one address, and everyone together, may put into a county's queue.

    Counted in the database, so they hold across server instances. A refused
    attempt writes nothing: a burst costs reads only.
    """

    #: self-assessments from one address in ``window``
    per_address: int = 5
    window: timedelta = timedelta(hours=1)
    #: unreviewed ("new") contact requests from one address in one county
    open_per_address: int = 2
    #: unreviewed contact requests in one county: past this the queue takes no more
    open_per_county: int = 200


# --- the response-time target ----------------------------------------------------

DEFAULT_RESPONSE_DAYS = 2


def add_working_days(day: date, days: int, closing: ClosingDayPolicy | None = None) -> date:
    """The day ``days`` working days after ``day``: weekends and public holidays do not count."""
    policy = closing or ClosingDayPolicy()
    current = day
    left = days
    while left > 0:
        current += timedelta(days=1)
        if current.weekday() < 5 and not policy.is_closed(current):
            left -= 1
    return current
