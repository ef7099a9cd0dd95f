"""Feedback in a statistics report: answers per question, small numbers suppressed.

Free texts are shown to managers only, sorted so their order hints at
nothing, and only when at least five people answered the form in the span.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal

import msgspec

from sotesilta.core.feedback.public import YES_PARTLY_NO_TEXTS, QuestionKind, Texts
from sotesilta.core.kernel.principals import Principal, Role
from sotesilta.core.kernel.uow import UnitOfWork
from sotesilta.core.statistics.domain import disclosure
from sotesilta.core.statistics.domain.disclosure import Shown
from sotesilta.core.statistics.domain.reports import Bucket, Title
from sotesilta.core.statistics.service.feedback_summary import feedback_summary

ANSWER_TITLES = {value: Title(t.fi, t.sv, t.en) for value, t in YES_PARTLY_NO_TEXTS.items()}


#: a question's kind (``QuestionKind``), or "retired" for one no version of the form asks now
ReportQuestionKind = Literal["scale", "yes_partly_no", "choice", "free_text", "retired"]


class ReportQuestion(msgspec.Struct, frozen=True, kw_only=True):
    """Answers per value with their "total"; counts under 5 read "<5". Free texts only for managers,
    and only when at least five answered the form."""

    key: str
    kind: ReportQuestionKind
    text: Title
    answered: Shown
    counts: dict[str, Shown]  # answer value -> count, with "total"
    answer_titles: dict[str, Title]
    mean: Shown  # scale questions; undefined otherwise
    texts: tuple[str, ...]  # free text questions, for managers


class ReportFeedback(msgspec.Struct, frozen=True, kw_only=True):
    """The answers to one version of a feedback form in a report's span."""

    form_key: str
    version: int
    audience: str
    title: Title
    responses: Shown
    questions: tuple[ReportQuestion, ...]
    #: county-wide: responses per municipality, suppressed together with ``responses`` (their total)
    by_municipality: dict[str, Shown] = {}
    #: client forms: responses by channel (link, oral, paper), suppressed with the breakdown above
    by_channel: dict[str, Shown] = {}


def _title(texts: Texts | None, fallback: str) -> Title:
    return Title(texts.fi, texts.sv, texts.en) if texts is not None else Title(fallback, fallback, fallback)


def read_feedback(
    uow: UnitOfWork,
    *,
    principal: Principal,
    codes: Sequence[str],
    buckets: Sequence[Bucket],
    breakdown: bool = False,
) -> tuple[ReportFeedback, ...]:
    """Each form version's answers in ``codes``; with ``breakdown``, its responses per municipality too.

    Versions are never merged: a county that adopted one shared form compares
    its municipalities on the same questions, and older forms show apart.
    """
    plugins = uow.plugins
    start, end = buckets[0].starts_at, buckets[-1].ends_at
    summaries = feedback_summary(uow, codes, start, end, forms=plugins.feedback_forms)
    per_code: dict[str, dict[tuple[str, int], int]] = {}
    if breakdown:
        for code in codes:
            found = feedback_summary(uow, [code], start, end, forms=plugins.feedback_forms)
            per_code[code] = {(s.form_key, s.version): s.responses for s in found}
    may_read_texts = principal.has_any_role(Role.MANAGER)
    views = []
    for summary in summaries:
        questions = {q.key: q for q in summary.form.questions} if summary.form else {}
        enough = summary.responses >= disclosure.THRESHOLD
        items = []
        for q in summary.questions:
            definition = questions.get(q.key)
            titles: dict[str, Title] = {}
            if definition is not None and definition.kind is QuestionKind.CHOICE:
                titles = {o.key: _title(o.label, o.key) for o in definition.options}
            titles = {
                value: titles.get(value) or ANSWER_TITLES.get(value) or Title(value, value, value)
                for value in q.counts
            }
            counts = disclosure.row({**q.counts, disclosure.TOTAL: q.answered}) if q.counts else {}
            items.append(
                ReportQuestion(
                    key=q.key,
                    kind=q.kind.value if q.kind else "retired",
                    text=_title(definition.text if definition else None, q.key),
                    answered=disclosure.count(q.answered).shown,
                    counts=disclosure.shown(counts),
                    answer_titles=titles,
                    mean=disclosure.statistic(q.mean, q.answered).shown,
                    texts=q.texts if (may_read_texts and enough) else (),
                )
            )
        responses = disclosure.count(summary.responses).shown
        by_municipality: dict[str, Shown] = {}
        # the municipality and channel splits share one total: suppressed together
        parts: dict[str, dict[str, dict[str, int]]] = {}
        if breakdown:
            parts["municipality"] = {
                code: {"responses": found.get((summary.form_key, summary.version), 0)}
                for code, found in per_code.items()
            }
        if summary.by_channel:
            parts["channel"] = {channel: {"responses": n} for channel, n in summary.by_channel.items()}
        grids = disclosure.tables(parts) if parts else {}
        if breakdown:
            grid = grids["municipality"]
            by_municipality = {code: cells["responses"].shown for code, cells in grid.cells.items()}
            responses = grid.total["responses"].shown
        by_channel = (
            {channel: cells["responses"].shown for channel, cells in grids["channel"].cells.items()}
            if "channel" in grids
            else {}
        )
        views.append(
            ReportFeedback(
                form_key=summary.form_key,
                version=summary.version,
                audience=summary.audience.value,
                title=_title(summary.form.title if summary.form else None, summary.form_key),
                responses=responses,
                questions=tuple(items),
                by_municipality=by_municipality,
                by_channel=by_channel,
            )
        )
    return tuple(views)
