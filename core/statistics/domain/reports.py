"""Statistics reports: what a municipality's plugin declares, and the time buckets they are read in.

A plugin composes a report from the core's measures (each one aggregate
query) rather than writing SQL of its own: the core keeps every report on
aggregates only, suppresses small numbers the same way everywhere, and can
make its charts. Buckets are calendar months, quarters or years in
Europe/Helsinki; their bounds are instants, so a visit at 00:30 local time on
the first of a month counts in that month on every database.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum

from sotesilta.core.kernel.clock import HELSINKI

FIRST_YEAR = 2000
LAST_YEAR = 2100


class GroupBy(StrEnum):
    MONTH = "month"
    QUARTER = "quarter"
    YEAR = "year"


class Measure(StrEnum):
    """The aggregates the core knows how to read (docs/api.md defines each)."""

    #: bookings whose referrer is staff (who reported the need, not who booked), by booked_at's month
    STAFF_REFERRALS = "staff_referrals"
    CLIENTS_BY_REFERRER = "clients_by_referrer"  # realised visits (not people) by the visit's referrer
    VISITS_BY_OUTCOME = "visits_by_outcome"  # realised, no-show, late and earlier cancellations
    TOPICS = "topics"  # realised visits by main topic
    ONWARD_REFERRALS = "onward_referrals"  # onward referrals of realised visits, by target
    REHAB_OUTCOMES = "rehab_outcomes"  # intensive rehabilitation: 3X10D change and satisfaction
    FEEDBACK = "feedback"  # client feedback answers, by answer


#: measures whose cells are counts that add up (suppressed as a table with totals)
COUNT_MEASURES = frozenset(Measure) - {Measure.REHAB_OUTCOMES, Measure.FEEDBACK}

#: measures that may be kept as imported monthly figures from before the system
HISTORICAL_MEASURES = frozenset(
    {
        Measure.STAFF_REFERRALS,
        Measure.CLIENTS_BY_REFERRER,
        Measure.VISITS_BY_OUTCOME,
        Measure.TOPICS,
        Measure.ONWARD_REFERRALS,
    }
)


class ChartKind(StrEnum):
    BARS = "bars"  # one bar per column per bucket
    STACKED = "stacked"  # columns stacked in each bucket
    TOTALS = "totals"  # horizontal bars of the period's totals (many categories)
    TARGETS = "targets"  # values per bucket against a target line


@dataclass(frozen=True)
class Title:
    fi: str
    sv: str
    en: str

    def get(self, language: str) -> str:
        return {"fi": self.fi, "sv": self.sv}.get(language, self.en)


@dataclass(frozen=True)
class TableSpec:
    """One table of a report and the chart drawn from it (None: no chart is drawn)."""

    key: str
    measure: Measure
    title: Title
    chart: ChartKind | None = ChartKind.BARS
    columns: tuple[str, ...] = ()  # a subset and order of the measure's columns; empty: all


@dataclass(frozen=True)
class ReportDefinition:
    """A report a plugin registers for its municipalities (or its county)."""

    key: str
    title: Title
    municipalities: tuple[str, ...]
    tables: tuple[TableSpec, ...]
    county: str | None = None  # when set, managers of the whole county read it county-wide too
    description: Title | None = None
    targets: dict[str, float] = field(default_factory=dict)  # column -> target (e.g. 0.25)

    def __post_init__(self) -> None:
        keys = [spec.key for spec in self.tables]
        if not self.tables or len(set(keys)) != len(keys):
            raise ValueError(f"report {self.key!r} needs tables with distinct keys")


@dataclass(frozen=True)
class Bucket:
    label: str  # "2025-03", "2025-Q1" or "2025"
    first: date
    last: date

    @property
    def starts_at(self) -> datetime:
        return instant(self.first)

    @property
    def ends_at(self) -> datetime:
        """The first instant after the bucket."""
        return instant(_next_day(self.last))


def instant(day: date) -> datetime:
    """Midnight at the start of ``day`` in Helsinki, as an aware datetime."""
    return datetime(day.year, day.month, day.day, tzinfo=HELSINKI)


def _next_day(day: date) -> date:
    return date.fromordinal(day.toordinal() + 1)


def _month_end(year: int, month: int) -> date:
    return _next_day(date(year, 12, 31)) if month == 12 else date(year, month + 1, 1)


def buckets(first_year: int, last_year: int, group_by: GroupBy) -> list[Bucket]:
    if not FIRST_YEAR <= first_year <= last_year <= LAST_YEAR:
        raise ValueError(f"years must run forward within {FIRST_YEAR}-{LAST_YEAR}")
    out: list[Bucket] = []
    for year in range(first_year, last_year + 1):
        if group_by is GroupBy.YEAR:
            out.append(Bucket(str(year), date(year, 1, 1), date(year, 12, 31)))
            continue
        step = 1 if group_by is GroupBy.MONTH else 3
        for month in range(1, 13, step):
            end = _month_end(year, month + step - 1)
            last = date.fromordinal(end.toordinal() - 1)
            label = f"{year}-{month:02d}" if step == 1 else f"{year}-Q{(month - 1) // 3 + 1}"
            out.append(Bucket(label, date(year, month, 1), last))
    return out


def change(current: int | float | None, previous: int | float | None) -> float | None:
    """Relative change from the previous period; undefined without both, or from zero."""
    if current is None or previous is None or previous == 0:
        return None
    return (current - previous) / previous


#: labels of categories that are not in a code list
CATEGORY_TITLES: dict[str, Title] = {
    "realised": Title("Toteutunut", "Genomförd", "Realised"),
    "no_show": Title("Ei saapunut", "Uteblev", "No-show"),
    "late_cancellation": Title("Myöhäinen peruutus", "Sen avbokning", "Late cancellation"),
    "cancelled": Title("Peruttu", "Avbokad", "Cancelled"),
    "none": Title("Ei kirjattu", "Inte antecknat", "Not recorded"),
    "total": Title("Yhteensä", "Totalt", "Total"),
    "periods_started": Title("Alkaneet jaksot", "Påbörjade perioder", "Periods started"),
    "periods_ended": Title("Päättyneet jaksot", "Avslutade perioder", "Periods ended"),
    "ended_early": Title("Ennenaikaisesti päättyneet", "Avslutade i förtid", "Ended early"),
    "measured_pairs": Title("3X10D-mittauspareja", "3X10D-mätpar", "3X10D measurement pairs"),
    "mean_change_of_mean": Title(
        "3X10D-keskiarvon muutos", "Förändring av 3X10D-medelvärdet", "3X10D change"
    ),
    "feedback_answers": Title("Palautteita", "Responser", "Feedback answers"),
    "useful_yes_share": Title("Hyödylliseksi kokeneet", "Upplevde nytta", "Found it useful"),
    "goals_yes_share": Title(
        "Edistyi tavoitteissaan", "Gick framåt mot sina mål", "Progressed towards goals"
    ),
    "contacts_per_week": Title("Kontakteja viikossa", "Kontakter per vecka", "Contacts per week"),
}

#: the columns of the rehabilitation outcome table, and which of them are shares or means
REHAB_COLUMNS = (
    "periods_started",
    "periods_ended",
    "ended_early",
    "measured_pairs",
    "mean_change_of_mean",
    "feedback_answers",
    "useful_yes_share",
    "goals_yes_share",
    "contacts_per_week",
)

#: the fixed columns of a count measure; code-list measures take theirs from the lists
FIXED_COLUMNS: dict[Measure, tuple[str, ...]] = {
    Measure.STAFF_REFERRALS: ("staff",),
    Measure.CLIENTS_BY_REFERRER: ("staff", "self"),
    Measure.VISITS_BY_OUTCOME: ("realised", "no_show", "late_cancellation", "cancelled"),
}

#: the code list a measure's categories come from
CODE_LISTS: dict[Measure, str] = {Measure.TOPICS: "topic", Measure.ONWARD_REFERRALS: "referral_target"}


#: the tables of the Länsi-Uusimaa model's statistics, ready for any municipality's report
STANDARD_TABLES: dict[Measure, TableSpec] = {
    Measure.STAFF_REFERRALS: TableSpec(
        "referrals",
        Measure.STAFF_REFERRALS,
        Title("Terveydenhuollon ohjaamat", "Hänvisade av hälsovården", "Referred by health staff"),
    ),
    Measure.CLIENTS_BY_REFERRER: TableSpec(
        "clients",
        Measure.CLIENTS_BY_REFERRER,
        Title(
            "Omatoimisesti tulleet ja ohjatut asiakkaat",
            "Klienter som kom själva och som hänvisades",
            "Self-referred and staff-referred clients",
        ),
        ChartKind.STACKED,
    ),
    Measure.VISITS_BY_OUTCOME: TableSpec(
        "visits",
        Measure.VISITS_BY_OUTCOME,
        Title(
            "Toteutuneet ja perutut käynnit", "Genomförda och avbokade besök", "Realised and cancelled visits"
        ),
        ChartKind.STACKED,
    ),
    Measure.TOPICS: TableSpec(
        "topics",
        Measure.TOPICS,
        Title("Ohjauksen tarpeen pääaihe", "Huvudämne för behovet av handledning", "Main topic of the need"),
        ChartKind.TOTALS,
    ),
    Measure.ONWARD_REFERRALS: TableSpec(
        "onward",
        Measure.ONWARD_REFERRALS,
        Title("Jatko-ohjaukset", "Vidare hänvisningar", "Onward referrals"),
        ChartKind.TOTALS,
    ),
    # no chart: the answers are read by form and question, in the report's feedback part
    Measure.FEEDBACK: TableSpec("feedback", Measure.FEEDBACK, Title("Palaute", "Respons", "Feedback"), None),
}


def standard_table(measure: Measure) -> TableSpec:
    """The core's table of a count measure or of feedback, titled in three languages."""
    return STANDARD_TABLES[measure]
