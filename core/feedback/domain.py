"""Feedback forms: versioned definitions that plugins register, and checking a submission.

A form is identified by its key and version: a plugin that changes a question
registers a new version and keeps the old one registered, so responses given
to it can still be read. Questions and options have stable keys; display texts
come in Finnish, Swedish and English.

A response keeps no trace of who gave it; that is the persistence layer's and
the use cases' concern. This module only says what a valid answer is.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from sotesilta.core.kernel.errors import InputInvalid

_KEY = re.compile(r"^[a-z][a-z0-9_]{0,63}$")
_MUNICIPALITY_CODE = re.compile(r"^\d{3}$")
_COUNTY_CODE = re.compile(r"^\d{2}$")
#: line breaks and tabs are fine in free text; other control characters are not
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
YES_PARTLY_NO: tuple[str, ...] = ("yes", "partly", "no")
FREE_TEXT_MAX = 2000
MAX_QUESTIONS = 40
SCALE_MIN, SCALE_MAX, SCALE_MAX_STEPS = 0, 100, 11

Answer = int | str


class Audience(StrEnum):
    CLIENT_VISIT = (
        "client_visit"  # the client, anonymously, after a guidance visit (link on the instructions)
    )
    STAFF_SURVEY = "staff_survey"  # health staff, once a year
    REHAB = "rehab"  # intensive rehabilitation: period feedback that workers enter (submitPeriodFeedback)
    #: the public's online self-assessment (a county form): its answers are stored by the
    #: intake feature with the contact request they may end in, never as feedback
    SELF_ASSESSMENT = "self_assessment"


class FeedbackChannel(StrEnum):
    """How a client's answers reached us: through the link (the client's own, on the instructions
    or a walk-in's queue ticket), or entered by the instructor from what the client said or wrote."""

    LINK = "link"
    ORAL = "oral"
    PAPER = "paper"


class QuestionKind(StrEnum):
    SCALE = "scale"
    YES_PARTLY_NO = "yes_partly_no"
    CHOICE = "choice"
    FREE_TEXT = "free_text"


#: rehabilitation feedback is stored by its own use case (period_feedback); a
#: rehab form describes those fields, so its questions are fixed
REHAB_QUESTIONS: Mapping[str, QuestionKind] = {
    "useful": QuestionKind.YES_PARTLY_NO,
    "towards_goals": QuestionKind.YES_PARTLY_NO,
    "free_text": QuestionKind.FREE_TEXT,
}


def _check_key(key: object, what: str) -> None:
    if not isinstance(key, str) or not _KEY.match(key):
        raise InputInvalid(
            f"{what} key {key!r} must be lower-case letters, digits or '_' (1-64)", field="key"
        )


@dataclass(frozen=True)
class Texts:
    """One text in the three languages; all are required."""

    fi: str
    sv: str
    en: str

    def __post_init__(self) -> None:
        missing = [lang for lang in ("fi", "sv", "en") if not str(getattr(self, lang) or "").strip()]
        if missing:
            raise InputInvalid(f"text {self.fi!r} lacks: {', '.join(missing)}", field="texts")

    def get(self, language: str) -> str:
        return str(getattr(self, language)) if language in ("fi", "sv", "en") else self.fi


#: the answers of a yes/partly/no question, as every form shows them
YES_PARTLY_NO_TEXTS: dict[str, Texts] = {
    "yes": Texts("Kyllä", "Ja", "Yes"),
    "partly": Texts("Osittain", "Delvis", "Partly"),
    "no": Texts("Ei", "Nej", "No"),
}


@dataclass(frozen=True)
class Option:
    key: str
    label: Texts

    def __post_init__(self) -> None:
        _check_key(self.key, "option")


@dataclass(frozen=True)
class Question:
    key: str
    kind: QuestionKind
    text: Texts
    required: bool = False
    minimum: int | None = None  # scale
    maximum: int | None = None  # scale
    options: tuple[Option, ...] = ()  # choice
    max_length: int = FREE_TEXT_MAX  # free text

    def __post_init__(self) -> None:
        _check_key(self.key, "question")
        kind = QuestionKind(self.kind)
        if kind is QuestionKind.SCALE:
            low, high = self.minimum, self.maximum
            if not (isinstance(low, int) and isinstance(high, int) and SCALE_MIN <= low < high <= SCALE_MAX):
                raise InputInvalid(f"scale {self.key}: {SCALE_MIN} <= minimum < maximum <= {SCALE_MAX}")
            if high - low + 1 > SCALE_MAX_STEPS:
                raise InputInvalid(f"scale {self.key} has more than {SCALE_MAX_STEPS} steps")
        elif self.minimum is not None or self.maximum is not None:
            raise InputInvalid(f"question {self.key}: only a scale has a minimum and a maximum")
        if kind is QuestionKind.CHOICE:
            keys = [o.key for o in self.options]
            if len(keys) < 2 or len(set(keys)) != len(keys):
                raise InputInvalid(f"choice {self.key} needs at least two options with distinct keys")
        elif self.options:
            raise InputInvalid(f"question {self.key}: only a choice has options")
        if not 1 <= self.max_length <= FREE_TEXT_MAX:
            raise InputInvalid(f"question {self.key}: max_length is 1-{FREE_TEXT_MAX}")

    # constructors that read like the form itself

    @classmethod
    def scale(
        cls, key: str, text: Texts, minimum: int = 1, maximum: int = 5, *, required: bool = False
    ) -> Question:
        return cls(key, QuestionKind.SCALE, text, required, minimum=minimum, maximum=maximum)

    @classmethod
    def yes_partly_no(cls, key: str, text: Texts, *, required: bool = False) -> Question:
        return cls(key, QuestionKind.YES_PARTLY_NO, text, required)

    @classmethod
    def choice(cls, key: str, text: Texts, options: Iterable[Option], *, required: bool = False) -> Question:
        return cls(key, QuestionKind.CHOICE, text, required, options=tuple(options))

    @classmethod
    def free_text(cls, key: str, text: Texts, *, max_length: int = FREE_TEXT_MAX) -> Question:
        return cls(key, QuestionKind.FREE_TEXT, text, max_length=max_length)

    def values(self) -> tuple[str, ...]:
        """Every answer a closed question allows, as the statistics count them ("1".."5", "yes"...)."""
        if self.kind is QuestionKind.SCALE:
            assert self.minimum is not None and self.maximum is not None
            return tuple(str(v) for v in range(self.minimum, self.maximum + 1))
        if self.kind is QuestionKind.YES_PARTLY_NO:
            return YES_PARTLY_NO
        if self.kind is QuestionKind.CHOICE:
            return tuple(o.key for o in self.options)
        return ()

    def check(self, value: object) -> Answer | None:
        """The answer in its stored form, ``None`` for no answer; refuse anything else."""
        field = f"answers.{self.key}"
        if value is None:
            return None
        if self.kind is QuestionKind.SCALE:
            if isinstance(value, bool) or not isinstance(value, int):
                raise InputInvalid(f"{self.key}: give a whole number", field=field)
            assert self.minimum is not None and self.maximum is not None  # a scale has both
            if not self.minimum <= value <= self.maximum:
                raise InputInvalid(f"{self.key}: give a number {self.minimum}-{self.maximum}", field=field)
            return value
        if not isinstance(value, str):
            raise InputInvalid(f"{self.key}: give text", field=field)
        if self.kind is QuestionKind.FREE_TEXT:
            text = value.strip()
            if len(text) > self.max_length:
                raise InputInvalid(f"{self.key}: at most {self.max_length} characters", field=field)
            if _CONTROL.search(text):
                raise InputInvalid(f"{self.key}: contains control characters", field=field)
            return text or None
        if value not in self.values():
            raise InputInvalid(f"{self.key}: choose one of {', '.join(self.values())}", field=field)
        return value


@dataclass(frozen=True)
class FeedbackForm:
    """One version of a form, for an audience in some municipalities or in a whole county.

    A county form (``county="03"``, no municipalities) serves every municipality
    of that wellbeing services county; a municipality's own form of the same
    audience overrides it there. A ``retired`` version is kept only so that its
    responses can still be read: it is never offered.
    """

    key: str
    version: int
    audience: Audience
    municipalities: tuple[str, ...]
    title: Texts
    questions: tuple[Question, ...]
    intro: Texts | None = None
    #: staff surveys: the months (1-12) when the survey is open; empty means all year
    open_months: tuple[int, ...] = ()
    county: str | None = None
    retired: bool = False

    def __post_init__(self) -> None:
        _check_key(self.key, "form")
        if isinstance(self.version, bool) or not isinstance(self.version, int) or self.version < 1:
            raise InputInvalid(f"form {self.key}: version is a whole number from 1", field="version")
        audience = Audience(self.audience)
        if self.county is not None:
            if not isinstance(self.county, str) or not _COUNTY_CODE.match(self.county) or self.municipalities:
                raise InputInvalid(
                    f"form {self.key}: a county form names its county (two digits) and no municipalities"
                )
        elif not self.municipalities or not all(
            isinstance(c, str) and _MUNICIPALITY_CODE.match(c) for c in self.municipalities
        ):
            raise InputInvalid(
                f"form {self.key}: name its municipalities by three-digit codes, or its county"
            )
        keys = [q.key for q in self.questions]
        if not 1 <= len(keys) <= MAX_QUESTIONS or len(set(keys)) != len(keys):
            raise InputInvalid(f"form {self.key}: 1-{MAX_QUESTIONS} questions with distinct keys")
        if not all(1 <= m <= 12 for m in self.open_months):
            raise InputInvalid(f"form {self.key}: open months are 1-12")
        if audience is Audience.REHAB:
            kinds = {q.key: q.kind for q in self.questions}
            if not set(kinds) <= set(REHAB_QUESTIONS) or any(
                REHAB_QUESTIONS[k] != v for k, v in kinds.items()
            ):
                raise InputInvalid(
                    f"form {self.key}: a rehab form describes period feedback, so its questions are "
                    "useful and towards_goals (yes_partly_no) and free_text (free_text)"
                )

    @property
    def label(self) -> str:
        return f"{self.key} v{self.version}"

    def question(self, key: str) -> Question | None:
        return next((q for q in self.questions if q.key == key), None)

    def is_open(self, day: date) -> bool:
        return not self.open_months or day.month in self.open_months

    def check_answers(self, answers: Mapping[str, object]) -> dict[str, Answer]:
        """The answered questions in stored form; refuse with the field named.

        Unknown questions are refused (a typo must not pass as "no answer"),
        empty answers count as unanswered, and every required question needs one.
        """
        clean: dict[str, Answer] = {}
        for key in sorted(answers, key=str):
            question = self.question(key) if isinstance(key, str) else None
            if question is None:
                raise InputInvalid(f"form {self.label} has no question {key!r}", field=f"answers.{key}")
            value = question.check(answers[key])
            if value is not None:
                clean[key] = value
        for question in self.questions:
            if question.required and question.key not in clean:
                raise InputInvalid(
                    f"{question.key}: this question needs an answer", field=f"answers.{question.key}"
                )
        if not clean:
            raise InputInvalid("answer at least one question", field="answers")
        return clean


@dataclass(frozen=True)
class AnswerRow:
    """An answer as stored: exactly one of number, choice and text."""

    question_key: str
    number: int | None = None
    choice: str | None = None
    text: str | None = None


def answer_rows(form: FeedbackForm, answers: Mapping[str, Answer]) -> list[AnswerRow]:
    rows = []
    for key, value in answers.items():
        question = form.question(key)
        assert question is not None, key
        if question.kind is QuestionKind.SCALE:
            rows.append(AnswerRow(key, number=int(value)))
        elif question.kind is QuestionKind.FREE_TEXT:
            rows.append(AnswerRow(key, text=str(value)))
        else:
            rows.append(AnswerRow(key, choice=str(value)))
    return rows


def answers_of(rows: Iterable[AnswerRow]) -> dict[str, Answer]:
    found: dict[str, Answer] = {}
    for row in rows:
        value = row.number if row.number is not None else row.choice if row.choice is not None else row.text
        assert value is not None, row
        found[row.question_key] = value
    return found


def survey_year(day: date) -> int:
    """Staff answer a survey once per calendar year (Helsinki)."""
    return day.year
