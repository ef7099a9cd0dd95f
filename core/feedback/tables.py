"""Tables of the feedback forms: client links, anonymous responses and their answers,
and who has answered a staff survey.

Anonymity is a property of the schema: a response names its form, municipality,
optional station and the day it was given, never a client, a booking or a user;
its day is a date (a time of day beside a station could point at one visit).
A used link (kept as a hash) and the staff-survey record (tied to a user) say
only *that* someone answered, not which response is theirs. Free text is
sealed (``feedback_answer.free_text``, listed in ``clients.SEALED_COLUMNS``).

Invariants held by the database: a link is used once, one answer per response
and question, each answer exactly one of number, choice or text, one
staff-survey answer per user, form and year (by primary and unique keys).
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import CheckConstraint, Column, Date, ForeignKey, Index, Integer, String, Text
from sqlmodel import Field, SQLModel

_ONE_VALUE = (
    "(CASE WHEN number IS NULL THEN 0 ELSE 1 END) + (CASE WHEN choice IS NULL THEN 0 ELSE 1 END)"
    " + (CASE WHEN free_text IS NULL THEN 0 ELSE 1 END) = 1"
)


class FeedbackLinkUsed(SQLModel, table=True):
    """A client's feedback link that has been used, by the SHA-256 of its token only.

    Nothing is stored when a link is handed out: its token is derived from the
    booking's reference and the server secret. The hash alone does not say
    which booking it was without that secret; its primary key makes the link
    single-use.
    """

    __tablename__ = "feedback_link_used"

    token_hash: str = Field(max_length=64, primary_key=True)


class FeedbackResponse(SQLModel, table=True):
    __tablename__ = "feedback_response"
    __table_args__ = (
        CheckConstraint(
            "audience IN ('client_visit', 'staff_survey', 'rehab')", name="ck_feedback_response_audience"
        ),
        CheckConstraint("form_version >= 1", name="ck_feedback_response_version"),
        CheckConstraint("channel IN ('link', 'oral', 'paper')", name="ck_feedback_response_channel"),
        Index("ix_feedback_response_scope", "municipality_code", "submitted_on"),
    )

    id: int | None = Field(default=None, primary_key=True)
    form_key: str = Field(max_length=64)
    form_version: int
    audience: str = Field(max_length=16)
    municipality_code: str = Field(foreign_key="municipality.code", max_length=3)
    station_key: str | None = Field(default=None, max_length=64)
    submitted_on: date = Field(sa_column=Column(Date(), nullable=False))  # Helsinki day
    #: FeedbackChannel: the client's link, or entered by the instructor (oral, paper); migration 0021
    channel: str = Field(default="link", sa_column=Column(String(8), nullable=False, server_default="link"))


class FeedbackAnswer(SQLModel, table=True):
    __tablename__ = "feedback_answer"
    __table_args__ = (
        CheckConstraint(_ONE_VALUE, name="ck_feedback_answer_one_value"),
        Index("uq_feedback_answer_question", "response_id", "question_key", unique=True),
    )

    id: int | None = Field(default=None, primary_key=True)
    response_id: int = Field(
        sa_column=Column(Integer, ForeignKey("feedback_response.id", ondelete="CASCADE"), nullable=False)
    )
    question_key: str = Field(max_length=64)
    number: int | None = None
    choice: str | None = Field(default=None, max_length=64)
    free_text: str | None = Field(default=None, sa_column=Column(Text(), nullable=True))  # sealed


class FeedbackRespondent(SQLModel, table=True):
    """That a user has answered a staff survey in a year: no time, no link to the response."""

    __tablename__ = "feedback_respondent"

    form_key: str = Field(max_length=64, primary_key=True)
    survey_year: int = Field(primary_key=True)
    user_id: int = Field(
        sa_column=Column(
            Integer, ForeignKey("user_account.id", ondelete="CASCADE"), primary_key=True, nullable=False
        )
    )


__all__ = ["FeedbackAnswer", "FeedbackLinkUsed", "FeedbackRespondent", "FeedbackResponse"]
