"""Fictional feedback for the demo: a year of answers to a registered form, mostly content.

Deterministic for a seed and a day; written once per form and municipality.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from datetime import datetime, time, timedelta

from sqlalchemy import func, select
from sqlmodel import col

from sotesilta.core.feedback.domain import Answer, Audience, FeedbackForm, Question, QuestionKind
from sotesilta.core.feedback.service.responses import record_response
from sotesilta.core.feedback.tables import FeedbackResponse
from sotesilta.core.kernel.clock import HELSINKI, local_to_utc
from sotesilta.core.kernel.errors import InputInvalid
from sotesilta.core.kernel.plugins.feedback_forms import FeedbackFormRegistry
from sotesilta.core.kernel.uow import UnitOfWork

#: neutral sentences of our own (the demo holds no real feedback)
DEMO_TEXTS = (
    "Sain selkeät ohjeet siitä, mihin ottaa yhteyttä.",
    "Olisin toivonut pidemmän ajan.",
    "Hyvä, että ajan sai saman päivän aikana.",
    "Asiat selvisivät yhdellä käynnillä.",
    "Ohjaaja kuunteli ja auttoi varaamaan ajan.",
    "Tieto sosiaaliohjaajasta voisi näkyä paremmin terveysasemalla.",
)


def _answer(rng: random.Random, question: Question) -> Answer | None:
    if question.kind is QuestionKind.FREE_TEXT:
        return rng.choice(DEMO_TEXTS) if rng.random() < 0.25 else None
    if not question.required and rng.random() < 0.2:
        return None
    values = question.values()
    # most answers lean to the content end (the last scale steps, "yes", the first options)
    weights = range(1, len(values) + 1) if question.kind is QuestionKind.SCALE else range(len(values), 0, -1)
    value = rng.choices(values, weights=[w * w for w in weights])[0]
    return int(value) if question.kind is QuestionKind.SCALE else value


def write_demo_feedback(
    uow_factory: Callable[..., UnitOfWork],
    forms: FeedbackFormRegistry,
    *,
    form_key: str,
    municipality: str,
    responses: int,
    station_keys: tuple[str, ...],
    now: datetime,
    seed: int,
) -> int:
    form: FeedbackForm | None = forms.get(form_key)
    if form is None or municipality not in forms.municipalities_of(form) or form.audience is Audience.REHAB:
        raise InputInvalid(f"no client or staff form {form_key} for municipality {municipality}")
    with uow_factory() as uow:
        existing = uow.session.scalar(
            select(func.count()).where(
                col(FeedbackResponse.form_key) == form_key,
                col(FeedbackResponse.municipality_code) == municipality,
            )
        )
    if existing:
        return 0
    rng = random.Random(seed)
    today = now.astimezone(HELSINKI).date()
    for _ in range(responses):
        answers = {q.key: a for q in form.questions if (a := _answer(rng, q)) is not None}
        day = today - timedelta(days=rng.randint(0, 364))
        station = (
            rng.choice(station_keys) if station_keys and form.audience is Audience.CLIENT_VISIT else None
        )
        with uow_factory(now=local_to_utc(day, time(12))) as uow:
            record_response(
                uow, form, form.check_answers(answers), municipality=municipality, station_key=station
            )
            uow.commit()
    return responses
