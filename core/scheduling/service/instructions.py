"""The client's printable instructions, in the client's language.

Who organises it (the county), when (start and end), whom the client meets,
where (the station's street address in the client's language) and the
station's phone, or the video link: nothing about why the client comes.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from typing import Any

import msgspec
from babel import Locale
from babel.dates import format_datetime

from sotesilta.core.kernel.clock import HELSINKI
from sotesilta.core.organisations.public import StationKind

TEXTS = {
    "fi": {
        "title": "Aika sosiaaliohjaajalle",
        "time": "Aika",
        "place": "Paikka",
        "worker": "Sosiaaliohjaaja",
        "phone": "Terveysaseman puhelin",
        "video": "Linkki videovastaanotolle",
        "advice": (
            "Tule paikalle muutama minuutti ennen varattua aikaa. "
            "Jos et pääse tulemaan, ilmoita siitä terveysasemalle."
        ),
        # the same where the place is a social-care office, not a health station
        "office_phone": "Toimipisteen puhelin",
        "office_advice": (
            "Tule paikalle muutama minuutti ennen varattua aikaa. "
            "Jos et pääse tulemaan, ilmoita siitä toimipisteeseen."
        ),
        "video_advice": "Avaa linkki muutama minuutti ennen aikaa.",
        "feedback": "Kerro käynnin jälkeen, oliko siitä apua (nimettömästi)",
        "format": "EEEE d.M.yyyy 'klo' H.mm",
        "end_format": "H.mm",
        "locale": "fi_FI",
    },
    "sv": {
        "title": "Tid hos socialhandledaren",
        "time": "Tid",
        "place": "Plats",
        "worker": "Socialhandledare",
        "phone": "Hälsostationens telefon",
        "video": "Länk till videomottagningen",
        "advice": "Kom några minuter före utsatt tid. Om du inte kan komma, meddela hälsostationen.",
        "office_phone": "Verksamhetsställets telefon",
        "office_advice": (
            "Kom några minuter före utsatt tid. Om du inte kan komma, meddela verksamhetsstället."
        ),
        "video_advice": "Öppna länken några minuter före utsatt tid.",
        "feedback": "Berätta efter besöket om det var till hjälp (anonymt)",
        # one time format in every text of ours: "kl. 9.00", as Finnish "klo 9.00"
        "format": "EEEE d.M.yyyy 'kl.' H.mm",
        "end_format": "H.mm",
        "locale": "sv_FI",
    },
    "en": {
        "title": "Appointment with a social instructor",
        "time": "Time",
        "place": "Place",
        "worker": "Social instructor",
        "phone": "Health station's phone",
        "video": "Link to the video appointment",
        "advice": "Please arrive a few minutes early. If you cannot come, let the health station know.",
        "office_phone": "Office's phone",
        "office_advice": "Please arrive a few minutes early. If you cannot come, let the office know.",
        "video_advice": "Open the link a few minutes before the appointment.",
        "feedback": "After the visit, tell us whether it helped (anonymously)",
        "format": "EEEE d MMMM yyyy, HH:mm",
        "end_format": "HH:mm",
        "locale": "en_GB",
    },
}


class Instructions(msgspec.Struct, frozen=True):
    """Where and when, in the client's language: printed, sent, or shown behind a link."""

    language: str
    title: str
    when: str  # the start and the end: "tiistaina 3.3.2026 klo 9.00–9.45"
    place: str
    address: str  # in the client's language where the station has one
    video_link: str | None
    lines: tuple[str, ...]
    worker_name: str = ""
    phone: str = ""  # the station's, for "I cannot come"; "" when it has none
    county: str = ""  # who organises the service: the wellbeing services county
    #: the client's anonymous feedback form (a QR code may carry it), where the municipality has one
    feedback_url: str | None = None


@lru_cache(maxsize=8)
def _locale(name: str) -> Locale:
    return Locale.parse(name)  # parsed once: half of a formatting call's cost otherwise


@dataclass(frozen=True)
class Venue:
    """What the instructions say of the station and its county, in both languages."""

    name_fi: str
    name_sv: str
    address: str  # in Finnish
    address_sv: str  # "" when the station has no Swedish address
    phone: str
    county_fi: str
    county_sv: str
    kind: str  # StationKind: a health station, or a social-care office (whom to tell "I cannot come")

    @classmethod
    def of_row(cls, row: Any) -> Venue:
        """From a query's row that selected the station's columns and the county's names
        (``county_fi``, ``county_sv``)."""
        names = (row.name_fi, row.name_sv, row.address, row.address_sv)
        return cls(*names, row.phone, row.county_fi, row.county_sv, row.kind)

    def in_language(self, language: str) -> tuple[str, str, str]:
        """Name, street address and county as a client of ``language`` reads them
        (English reads the Finnish names, as the signs do)."""
        if language == "sv":
            return self.name_sv, self.address_sv or self.address, self.county_sv
        return self.name_fi, self.address, self.county_fi


@lru_cache(maxsize=4096)
def _when(starts_at: datetime, ends_at: datetime, language: str) -> str:
    """The time as the client reads it, start to end; cached: babel's formatting costs
    more than the rest of a booking's answer, and a station's slots repeat."""
    texts, locale = TEXTS[language], _locale(TEXTS[language]["locale"])
    when = format_datetime(starts_at.astimezone(HELSINKI), texts["format"], locale=locale)
    end = format_datetime(ends_at.astimezone(HELSINKI), texts["end_format"], locale=locale)
    return f"{when}–{end}"  # read after a label: "Aika: tiistaina …", the weekday lowercase


def client_instructions(
    *,
    language: str,
    starts_at: datetime,
    ends_at: datetime,
    worker_name: str,
    venue: Venue,
    video_link: str | None,
) -> Instructions:
    language = language if language in TEXTS else "fi"
    texts = TEXTS[language]
    when = _when(starts_at, ends_at, language)
    place, address, county = venue.in_language(language)
    lines = [texts["title"]]
    if county:
        lines.append(county)
    lines += [f"{texts['time']}: {when}", f"{texts['worker']}: {worker_name}"]
    if video_link:
        lines += [f"{texts['video']}: {video_link}", texts["video_advice"]]
    office = venue.kind == StationKind.SOCIAL_CARE_UNIT.value
    if not video_link:
        lines += [f"{texts['place']}: {place}, {address}", texts["office_advice" if office else "advice"]]
    if venue.phone:
        lines.append(f"{texts['office_phone' if office else 'phone']}: {venue.phone}")
    return Instructions(
        language,
        texts["title"],
        when,
        place,
        address,
        video_link,
        tuple(lines),
        worker_name=worker_name,
        phone=venue.phone,
        county=county,
    )


def with_feedback(instructions: Instructions, feedback_url: str | None) -> Instructions:
    """The instructions with the link to the client's feedback form, where there is one."""
    if not feedback_url:
        return instructions
    texts = TEXTS[instructions.language]
    line = f"{texts['feedback']}: {feedback_url}"
    return msgspec.structs.replace(instructions, lines=(*instructions.lines, line), feedback_url=feedback_url)
