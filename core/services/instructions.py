"""The client's printable instructions, in the client's language.

Place, address, time and video link only: nothing about why the client comes.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from babel.dates import format_datetime

from ..domain.clock import HELSINKI

TEXTS = {
    "fi": {
        "title": "Aika sosiaaliohjaajalle",
        "time": "Aika",
        "place": "Paikka",
        "video": "Videovastaanotto",
        "advice": "Tule paikalle muutama minuutti ennen aikaa. Jos et pääse, ilmoita siitä terveysasemalle.",
        "video_advice": "Avaa linkki muutama minuutti ennen aikaa.",
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
        "format": "EEEE d.M.yyyy 'kl.' HH.mm",
        "locale": "sv_FI",
    },
    "en": {
        "title": "Appointment with a social instructor",
        "time": "Time",
        "place": "Place",
        "video": "Video appointment",
        "advice": "Please arrive a few minutes early. If you cannot come, let the health station know.",
        "video_advice": "Open the link a few minutes before the appointment.",
        "format": "EEEE d MMMM yyyy, HH:mm",
        "locale": "en_GB",
    },
}


@dataclass(frozen=True)
class Instructions:
    language: str
    title: str
    when: str
    place: str
    address: str
    video_link: str | None
    lines: tuple[str, ...]


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
    when = format_datetime(starts_at.astimezone(HELSINKI), texts["format"], locale=texts["locale"])
    when = when[:1].upper() + when[1:]
    place = station_name_sv if language == "sv" else station_name_fi
    lines = [texts["title"], f"{texts['time']}: {when}"]
    if video_link:
        lines += [f"{texts['video']}: {video_link}", texts["video_advice"]]
    else:
        lines += [f"{texts['place']}: {place}, {address}", texts["advice"]]
    return Instructions(language, texts["title"], when, place, address, video_link, tuple(lines))
