"""Feedback in numbers, for the statistics: counts per form, question and answer, and the
free texts with no link to anyone.

Client and staff responses come from ``feedback_response``; the Päijät-Häme
period feedback that workers enter (``period_feedback``) is read as answers to
the municipality's registered ``rehab`` form. Counts are raw: suppressing small
numbers is the report's job, and so is deciding who may read the free texts.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy import func, select
from sqlmodel import col

from sotesilta.core.feedback.public import (
    FREE_TEXT_CONTEXT,
    Audience,
    FeedbackAnswer,
    FeedbackChannel,
    FeedbackForm,
    FeedbackResponse,
    QuestionKind,
)
from sotesilta.core.kernel.clock import local_date
from sotesilta.core.kernel.plugins.feedback_forms import FeedbackFormRegistry
from sotesilta.core.kernel.uow import UnitOfWork
from sotesilta.core.rehab.public import IntensivePeriod, PeriodFeedback


@dataclass(frozen=True)
class QuestionSummary:
    key: str
    kind: QuestionKind | None  # None: no registered version of the form has this question any more
    answered: int
    #: closed questions: answer value ("1".."5", "yes", an option key) -> count, every allowed value included
    counts: dict[str, int]
    #: free text, opened and sorted: no order that could hint at when or by whom
    texts: tuple[str, ...] = ()

    @property
    def mean(self) -> float | None:
        """The mean of a scale question's answers."""
        if self.kind is not QuestionKind.SCALE or not self.answered:
            return None
        return sum(int(value) * n for value, n in self.counts.items()) / self.answered


@dataclass(frozen=True)
class FormSummary:
    form_key: str
    version: int
    audience: Audience
    responses: int
    questions: tuple[QuestionSummary, ...]
    #: the registered definition (titles and labels), None for a version no plugin registers any more
    form: FeedbackForm | None = field(default=None, compare=False)
    #: client forms: responses by how they came (``FeedbackChannel``: link, oral, paper), every channel
    by_channel: dict[str, int] = field(default_factory=dict)


@dataclass
class _Tally:
    audience: Audience
    responses: int = 0
    counts: dict[str, dict[str, int]] = field(default_factory=lambda: defaultdict(dict))
    texts: dict[str, list[str]] = field(default_factory=lambda: defaultdict(list))
    channels: dict[str, int] = field(default_factory=dict)

    def count(self, question: str, value: str, n: int = 1) -> None:
        self.counts[question][value] = self.counts[question].get(value, 0) + n


def _day(value: date | datetime) -> date:
    """A Helsinki day; an aware instant (e.g. a bucket's bound at Helsinki midnight) becomes its day."""
    return local_date(value) if isinstance(value, datetime) else value


def feedback_summary(
    uow: UnitOfWork,
    municipality_codes: Sequence[str],
    start: date | datetime,
    end: date | datetime,
    *,
    forms: FeedbackFormRegistry,
    audience: Audience | None = None,
) -> list[FormSummary]:
    """Feedback given in ``municipality_codes`` from ``start`` to ``end`` (exclusive), per form version.

    Days are Helsinki days. Every registered form of these municipalities
    appears, with zero responses if none came, so a report can show "0".
    """
    sealer = uow.sealer
    codes, first, stop = list(municipality_codes), _day(start), _day(end)
    tallies: dict[tuple[str, int], _Tally] = {}

    def tally(key: str, version: int, of: Audience) -> _Tally:
        return tallies.setdefault((key, version), _Tally(of))

    for form in forms.all():
        if (
            set(forms.municipalities_of(form)) & set(codes)
            and form == forms.get(form.key)
            and not form.retired
            # the self-assessment's answers are not feedback (they go with contact requests)
            and form.audience is not Audience.SELF_ASSESSMENT
        ):
            tally(form.key, form.version, form.audience)
    scope = (
        col(FeedbackResponse.municipality_code).in_(codes),
        col(FeedbackResponse.submitted_on) >= first,
        col(FeedbackResponse.submitted_on) < stop,
    )
    response_counts = select(
        col(FeedbackResponse.form_key),
        col(FeedbackResponse.form_version),
        col(FeedbackResponse.audience),
        col(FeedbackResponse.channel),
        func.count(),
    ).where(*scope)
    for key, version, of, channel, n in uow.session.execute(
        response_counts.group_by(*response_counts.selected_columns[:4])
    ):
        found = tally(key, version, Audience(of))
        found.responses += n
        found.channels[channel] = found.channels.get(channel, 0) + n
    closed = (
        select(
            col(FeedbackResponse.form_key),
            col(FeedbackResponse.form_version),
            col(FeedbackAnswer.question_key),
            col(FeedbackAnswer.number),
            col(FeedbackAnswer.choice),
            func.count(),
        )
        .join(FeedbackResponse, col(FeedbackResponse.id) == col(FeedbackAnswer.response_id))
        .where(*scope, col(FeedbackAnswer.free_text).is_(None))
    )
    for key, version, question, number, choice, n in uow.session.execute(
        closed.group_by(*closed.selected_columns[:5])
    ):
        answer = str(number) if number is not None else choice
        if answer is not None:  # always: an answer holds one value (ck_feedback_answer_one_value)
            tallies[(key, version)].count(question, answer, n)
    texts = (
        select(
            col(FeedbackResponse.form_key),
            col(FeedbackResponse.form_version),
            col(FeedbackAnswer.question_key),
            col(FeedbackAnswer.free_text),
        )
        .join(FeedbackResponse, col(FeedbackResponse.id) == col(FeedbackAnswer.response_id))
        .where(*scope, col(FeedbackAnswer.free_text).is_not(None))
    )
    for key, version, question, sealed in uow.session.execute(texts):
        if sealed is not None:  # always: the query reads the free texts only
            tallies[(key, version)].texts[question].append(sealer.open(sealed, context=FREE_TEXT_CONTEXT))
    if audience in (None, Audience.REHAB):
        _period_feedback(uow, codes, first, stop, forms, tally)
    return [
        _summary(key, version, t, forms.get(key, version))
        for (key, version), t in sorted(tallies.items())
        if audience is None or t.audience is audience
    ]


def _period_feedback(
    uow: UnitOfWork,
    codes: list[str],
    first: date,
    stop: date,
    forms: FeedbackFormRegistry,
    tally: Callable[[str, int, Audience], _Tally],
) -> None:
    """Period feedback counts as answers to the municipality's rehab form, if it registers one."""
    sealer = uow.sealer
    rows = uow.session.execute(
        select(
            col(IntensivePeriod.municipality_code),
            col(PeriodFeedback.useful),
            col(PeriodFeedback.towards_goals),
            col(PeriodFeedback.free_text),
        )
        .join(IntensivePeriod, col(IntensivePeriod.id) == col(PeriodFeedback.period_id))
        .where(
            col(IntensivePeriod.municipality_code).in_(codes),
            col(PeriodFeedback.submitted_on) >= first,
            col(PeriodFeedback.submitted_on) < stop,
        )
    )
    for municipality, useful, towards_goals, sealed in rows:
        form = forms.current(Audience.REHAB, municipality)
        if form is None:
            continue
        t = tally(form.key, form.version, Audience.REHAB)
        t.responses += 1
        t.count("useful", useful)
        t.count("towards_goals", towards_goals)
        if sealed is not None:
            t.texts["free_text"].append(sealer.open(sealed, context="period_feedback.free_text"))


def _summary(key: str, version: int, t: _Tally, form: FeedbackForm | None) -> FormSummary:
    questions: list[QuestionSummary] = []
    known = {q.key for q in form.questions} if form else set()
    for question in form.questions if form else ():
        if question.kind is QuestionKind.FREE_TEXT:
            texts = tuple(sorted(t.texts.get(question.key, ())))
            questions.append(QuestionSummary(question.key, question.kind, len(texts), {}, texts))
            continue
        seen = t.counts.get(question.key, {})
        counts = {value: seen.get(value, 0) for value in question.values()}
        counts |= {
            value: n for value, n in sorted(seen.items()) if value not in counts
        }  # never drop an answer
        questions.append(QuestionSummary(question.key, question.kind, sum(counts.values()), counts))
    for question_key in sorted((set(t.counts) | set(t.texts)) - known):
        counts = dict(sorted(t.counts.get(question_key, {}).items()))
        texts = tuple(sorted(t.texts.get(question_key, ())))
        questions.append(
            QuestionSummary(question_key, None, sum(counts.values()) + len(texts), counts, texts)
        )
    channels = (
        {c.value: t.channels.get(c.value, 0) for c in FeedbackChannel}
        if t.audience is Audience.CLIENT_VISIT
        else {}
    )
    return FormSummary(key, version, t.audience, t.responses, tuple(questions), form, channels)
