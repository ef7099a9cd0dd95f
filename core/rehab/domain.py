"""Intensive social rehabilitation (Päijät-Häme model): periods, contacts, intensity.

A fixed-term decision by client guidance opens the way to an *intensive
period* of at most a few months (the municipality's plugin says how many),
with a weekly contact target. Contacts are counted in ISO weeks of
Europe/Helsinki; the first and last week of a period are usually partial and
their target is prorated by the days of the week that fall inside the period.
"""

from __future__ import annotations

import calendar
import math
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from enum import StrEnum

import msgspec

from sotesilta.core.kernel.clock import HELSINKI
from sotesilta.core.kernel.errors import InputInvalid
from sotesilta.core.organisations.domain import AgeGroup

SOCIAL_REHABILITATION = "social_rehabilitation"  # sosiaalinen kuntoutus


@dataclass(frozen=True)
class RehabPolicy:
    """What a municipality's plugin declares about its intensive rehabilitation."""

    max_months: int = 6
    age_groups: tuple[AgeGroup, ...] = (AgeGroup(18, 29),)
    weekly_contact_target: int = 2
    #: may a worker open a period for a client outside the age groups, with a recorded reason?
    age_exception_allowed: bool = False
    #: a client with no realised contact for this many days is flagged
    days_without_contact_alert: int = 10
    #: the follow-up 3X10D measurement is due this many months after the start
    follow_up_months: int = 6

    def __post_init__(self) -> None:
        if not 1 <= self.max_months <= 24:
            raise InputInvalid("an intensive period lasts 1-24 months at most")
        if not 1 <= self.weekly_contact_target <= 14:
            raise InputInvalid("the weekly contact target must be 1-14")
        if not self.age_groups:
            raise InputInvalid("an intensive service needs at least one age group")
        if not 1 <= self.days_without_contact_alert <= 90:
            raise InputInvalid("the days-without-contact alert must be 1-90 days")

    def accepts_age(self, age: int) -> bool:
        return any(group.contains(age) for group in self.age_groups)


class ContactKind(StrEnum):
    INDIVIDUAL_MEETING = "individual_meeting"  # yksilötapaaminen
    GROUP_SESSION = "group_session"  # ryhmätapaaminen
    NETWORK_MEETING = "network_meeting"  # verkostotapaaminen
    VIDEO_CALL = "video_call"  # videopuhelu
    PHONE_CALL = "phone_call"  # puhelu


class ContactStatus(StrEnum):
    """FHIR Appointment codes, as for bookings."""

    BOOKED = "booked"
    FULFILLED = "fulfilled"
    CANCELLED = "cancelled"
    NOSHOW = "noshow"


#: what a worker may record once a contact has happened (or did not)
CONTACT_OUTCOMES = (ContactStatus.FULFILLED, ContactStatus.CANCELLED, ContactStatus.NOSHOW)


class EndReason(StrEnum):
    COMPLETED = "completed"  # the planned period ran its course
    GOALS_REACHED = "goals_reached"
    CLIENT_WITHDREW = "client_withdrew"
    NO_ENGAGEMENT = "no_engagement"  # the client could not be reached or did not commit
    OTHER_SERVICE = "other_service"  # moved to a service that suits better
    MOVED_AWAY = "moved_away"
    OTHER = "other"


class MeasurementPoint(StrEnum):
    START = "start"
    FOLLOW_UP = "follow_up"  # at the follow-up month, or at the end if earlier


class FeedbackAnswer(StrEnum):
    YES = "yes"
    PARTLY = "partly"
    NO = "no"


class FeedbackKind(StrEnum):
    END = "end"  # at the end of the period
    QUARTERLY = "quarterly"  # in the two-week window at the start of each quarter


#: the 3X10D items by stable key; display texts come from a catalogue the
#: deployment supplies (the questionnaire is a registered name)
MEASUREMENT_ITEMS: tuple[str, ...] = (
    "health",
    "overcoming_difficulties",
    "housing",
    "daily_coping",
    "family_and_close_ones",
    "trusted_friends",
    "finances",
    "own_strengths",
    "self_esteem",
    "life_as_a_whole",
)
ANSWER_MIN, ANSWER_MAX = 0, 10
FEEDBACK_WINDOW_DAYS = 14
#: end feedback is taken from this many days before the planned end until this many after the end
END_FEEDBACK_DAYS_BEFORE, END_FEEDBACK_DAYS_AFTER = 14, 30


def add_months(day: date, months: int) -> date:
    """The same day ``months`` later, or the month's last day when it has no such day."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def age_on(birth: date, day: date) -> int:
    return day.year - birth.year - ((day.month, day.day) < (birth.month, birth.day))


def check_period_dates(starts_on: date, planned_end: date, policy: RehabPolicy) -> date:
    """Return the latest allowed end, or refuse dates that break the policy."""
    latest = add_months(starts_on, policy.max_months)
    if planned_end < starts_on:
        raise InputInvalid("the period must end on or after its start", field="planned_end")
    if planned_end > latest:
        raise InputInvalid(
            f"an intensive period lasts at most {policy.max_months} months: end on {latest} at the latest",
            field="planned_end",
            latest_end=latest.isoformat(),
        )
    return latest


def validate_answers(answers: dict[str, int]) -> dict[str, int]:
    """3X10D answers: known item keys, whole numbers 0-10, at least one item answered."""
    if not answers:
        raise InputInvalid("answer at least one item", field="answers")
    unknown = sorted(set(answers) - set(MEASUREMENT_ITEMS))
    if unknown:
        raise InputInvalid(f"unknown item key(s): {', '.join(unknown)}", field="answers")
    for key, value in answers.items():
        if isinstance(value, bool) or not isinstance(value, int) or not ANSWER_MIN <= value <= ANSWER_MAX:
            raise InputInvalid(f"answer to {key} must be a whole number 0-10", field=f"answers.{key}")
    return dict(answers)


def mean_of(answers: dict[str, int]) -> float | None:
    return sum(answers.values()) / len(answers) if answers else None


def change_of_mean(baseline: dict[str, int] | None, follow_up: dict[str, int] | None) -> float | None:
    """Relative change of the mean of answered items, e.g. 0.25 for a 25 % rise.

    Undefined (None) when either measurement is missing or the baseline mean is
    0: a rise from nothing has no ratio, and reporting 0 would hide the client.
    """
    if not baseline or not follow_up:
        return None
    before, after = mean_of(baseline), mean_of(follow_up)
    if before is None or after is None or before == 0:
        return None
    return (after - before) / before


def item_changes(baseline: dict[str, int] | None, follow_up: dict[str, int] | None) -> dict[str, int | None]:
    """Change per item in points (follow-up minus start); None where either is unanswered."""
    before, after = baseline or {}, follow_up or {}
    return {
        key: (after[key] - before[key]) if key in before and key in after else None
        for key in MEASUREMENT_ITEMS
    }


def follow_up_due(starts_on: date, ends_on: date, policy: RehabPolicy) -> date:
    """The follow-up measurement is due at the follow-up month, or at the end if earlier."""
    return min(add_months(starts_on, policy.follow_up_months), ends_on)


#: a follow-up taken this many days or more before it is due is flagged as early
FOLLOW_UP_EARLY_DAYS = 30


def follow_up_early_by(starts_on: date, ends_on: date, measured_on: date, policy: RehabPolicy) -> int:
    """Days the follow-up was taken before it was due (0 when on time or later).

    The model measures at the follow-up month, or at the end when the period
    ends earlier; a follow-up taken much before either shows less change than
    the period made, so the page warns at ``FOLLOW_UP_EARLY_DAYS``.
    """
    return max(0, (follow_up_due(starts_on, ends_on, policy) - measured_on).days)


def quarter_window(day: date) -> tuple[date, date] | None:
    """The feedback window (first two weeks of the quarter) that ``day`` falls in, if any."""
    first = date(day.year, 3 * ((day.month - 1) // 3) + 1, 1)
    last = first + timedelta(days=FEEDBACK_WINDOW_DAYS - 1)
    return (first, last) if first <= day <= last else None


def quarter_key(day: date) -> str:
    return f"{day.year}Q{(day.month - 1) // 3 + 1}"


# --- intensity ---------------------------------------------------------------


@dataclass(frozen=True)
class ContactMoment:
    starts_at: datetime  # aware
    status: ContactStatus


class WeekIntensity(msgspec.Struct, frozen=True, kw_only=True):
    """One ISO week of a period: what was planned and realised against the prorated target."""

    week: str  # ISO week, e.g. "2026-W10"
    starts_on: date  # Monday
    days_in_period: int  # 1-7: the first and last week are often partial
    planned: int  # contacts not cancelled (booked, fulfilled or no-show)
    realised: int  # fulfilled
    target: float  # weekly target prorated by days_in_period / 7
    below_target: bool  # realised < target, judged once the week (or the period) is over
    complete: bool  # the week (within the period) has ended


def iso_week_key(day: date) -> str:
    year, week, _ = day.isocalendar()
    return f"{year}-W{week:02d}"


def weekly_intensity(
    contacts: Iterable[ContactMoment], starts_on: date, ends_on: date, weekly_target: int, today: date
) -> list[WeekIntensity]:
    """Planned and realised contacts per ISO week (Europe/Helsinki) from start to end."""
    if ends_on < starts_on:
        return []
    planned: dict[date, int] = {}
    realised: dict[date, int] = {}
    for contact in contacts:
        day = contact.starts_at.astimezone(HELSINKI).date()
        if not starts_on <= day <= ends_on or contact.status is ContactStatus.CANCELLED:
            continue
        monday = day - timedelta(days=day.weekday())
        planned[monday] = planned.get(monday, 0) + 1
        if contact.status is ContactStatus.FULFILLED:
            realised[monday] = realised.get(monday, 0) + 1
    weeks = []
    monday = starts_on - timedelta(days=starts_on.weekday())
    while monday <= ends_on:
        first, last = max(monday, starts_on), min(monday + timedelta(days=6), ends_on)
        days = (last - first).days + 1
        target = weekly_target * days / 7
        complete = last < today
        done = realised.get(monday, 0)
        weeks.append(
            WeekIntensity(
                week=iso_week_key(monday),
                starts_on=monday,
                days_in_period=days,
                planned=planned.get(monday, 0),
                realised=done,
                target=round(target, 2),
                below_target=complete and done < target - 1e-9,
                complete=complete,
            )
        )
        monday += timedelta(days=7)
    return weeks


def days_without_contact(realised_days: Iterable[date], starts_on: date, today: date, ends_on: date) -> int:
    """Whole days since the last realised contact (or since the start), up to today or the end."""
    until = min(today, ends_on)
    past = [d for d in realised_days if starts_on <= d <= until]
    since = max(past) if past else starts_on
    return max(0, (until - since).days)


def contacts_per_week(realised: int, days: int) -> float | None:
    return None if days <= 0 else realised / (days / 7)


def weeks_between(first: date, last: date) -> int:
    return math.ceil(((last - first).days + 1) / 7)


# --- recurring plans and group meetings ------------------------------------------------

MAX_PLAN_WEEKS = 26  # the longest period is six months
MAX_SCAN_WEEKS = 104  # a series skipping holidays never needs to look further


@dataclass(frozen=True)
class Recurrence:
    """Contacts on some weekdays at one time for a number of weeks, e.g. Tue and Thu for 8 weeks.

    The weeks count from ``first_day``: eight weeks from a Wednesday end on the
    Tuesday seven weeks later, so every chosen weekday occurs eight times.
    """

    weekdays: tuple[int, ...]  # 0 = Monday
    start: time  # Europe/Helsinki
    first_day: date
    weeks: int

    def __post_init__(self) -> None:
        if not self.weekdays or any(not 0 <= d <= 6 for d in self.weekdays):
            raise InputInvalid("choose at least one weekday, 0 (Monday) - 6 (Sunday)", field="weekdays")
        if not 1 <= self.weeks <= MAX_PLAN_WEEKS:
            raise InputInvalid(f"a plan lasts 1-{MAX_PLAN_WEEKS} weeks", field="weeks")

    def days(self, closed: Callable[[date], bool]) -> tuple[list[date], list[date]]:
        """The days of the plan and, apart, the closed days (public holidays) left out."""
        kept: list[date] = []
        skipped: list[date] = []
        wanted = set(self.weekdays)
        for offset in range(7 * self.weeks):
            day = self.first_day + timedelta(days=offset)
            if day.weekday() in wanted:
                (skipped if closed(day) else kept).append(day)
        return kept, skipped


def weekly_meeting_days(
    first_date: date, weekday: int, meetings: int, closed: Callable[[date], bool]
) -> tuple[list[date], list[date]]:
    """A closed group's meeting days: weekly on ``weekday`` from ``first_date``, a closed day
    (a public holiday) skipped and the series run a week longer, so the group keeps its number
    of meetings; the skipped days apart."""
    first = first_date + timedelta(days=(weekday - first_date.weekday()) % 7)
    kept: list[date] = []
    skipped: list[date] = []
    for week in range(MAX_SCAN_WEEKS):
        if len(kept) == meetings:
            break
        day = first + timedelta(weeks=week)
        (skipped if closed(day) else kept).append(day)
    return kept, skipped
