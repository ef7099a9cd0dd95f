"""The client's printable instructions, in the client's language.

Place, address, time and video link only: nothing about why the client comes.
"""

from __future__ import annotations

from datetime import datetime
from functools import lru_cache

import msgspec
from babel import Locale
from babel.dates import format_datetime

from sotesilta.core.kernel.clock import HELSINKI

TEXTS = {
    "fi": {
        "title": "Aika sosiaaliohjaajalle",
        "time": "Aika",
        "place": "Paikka",
        "video": "Videovastaanotto",
        "advice": "Tule paikalle muutama minuutti ennen aikaa. Jos et pääse, ilmoita siitä terveysasemalle.",
        "video_advice": "Avaa linkki muutama minuutti ennen aikaa.",
        "feedback": "Kerro käynnin jälkeen, oliko siitä apua (nimettömästi)",
        "format": "EEEE d.M.yyyy 'klo' H.mm",
        "locale": "fi_FI",
    },
    "sv": {
        "title": "Tid hos socialhandledaren",
        "time": "Tid",
        "place": "Plats",
        "video": "Videomottagning",
        "advice": "Kom några minuter före utsatt tid. Om du inte kan komma, meddela hälsostationen.",
        "video_advice": "Öppna länken några minuter före utsatt tid.",
        "feedback": "Berätta efter besöket om det var till hjälp (anonymt)",
        "format": "EEEE d.M.yyyy 'kl.' H.mm",  # as the pages write times
        "locale": "sv_FI",
    },
    "en": {
        "title": "Appointment with a social instructor",
        "time": "Time",
        "place": "Place",
        "video": "Video appointment",
        "advice": "Please arrive a few minutes early. If you cannot come, let the health station know.",
        "video_advice": "Open the link a few minutes before the appointment.",
        "feedback": "After the visit, tell us whether it helped (anonymously)",
        "format": "EEEE d MMMM yyyy, HH:mm",
        "locale": "en_GB",
    },
}


class Instructions(msgspec.Struct, frozen=True):
    """Where and when, in the client's language: printed, sent, or shown behind a link."""

    language: str
    title: str
    when: str
    place: str
    address: str
    video_link: str | None
    lines: tuple[str, ...]
    #: the client's anonymous feedback form (a QR code may carry it), where the municipality has one
    feedback_url: str | None = None


@lru_cache(maxsize=8)
def _locale(name: str) -> Locale:
    return Locale.parse(name)  # parsed once: half of a formatting call's cost otherwise


@lru_cache(maxsize=4096)
def _when(starts_at: datetime, language: str) -> str:
    """The time as the client reads it; cached: babel's formatting costs more than
    the rest of a booking's answer, and a station's slots repeat."""
    texts = TEXTS[language]
    # after "Aika:" the weekday stays lowercase, as Finnish and Swedish write it
    return format_datetime(starts_at.astimezone(HELSINKI), texts["format"], locale=_locale(texts["locale"]))


def client_instructions(
    *,
    language: str,
    starts_at: datetime,
    station_name_fi: str,
    station_name_sv: str,
    address: str,
    video_link: str | None,
) -> Instructions:
    texts = TEXTS.get(language, TEXTS["fi"])
    when = _when(starts_at, language if language in TEXTS else "fi")
    place = station_name_sv if language == "sv" else station_name_fi
    lines = [texts["title"], f"{texts['time']}: {when}"]
    if video_link:
        lines += [f"{texts['video']}: {video_link}", texts["video_advice"]]
    else:
        lines += [f"{texts['place']}: {place}, {address}", texts["advice"]]
    return Instructions(language, texts["title"], when, place, address, video_link, tuple(lines))


def with_feedback(instructions: Instructions, feedback_url: str | None) -> Instructions:
    """The instructions with the link to the client's feedback form, where there is one."""
    if not feedback_url:
        return instructions
    texts = TEXTS.get(instructions.language, TEXTS["fi"])
    line = f"{texts['feedback']}: {feedback_url}"
    return msgspec.structs.replace(instructions, lines=(*instructions.lines, line), feedback_url=feedback_url)
