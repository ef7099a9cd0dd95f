"""What other features may use of this one: the only module they import from it."""

from sotesilta.core.feedback.domain import (
    YES_PARTLY_NO,
    YES_PARTLY_NO_TEXTS,
    Audience,
    FeedbackChannel,
    FeedbackForm,
    QuestionKind,
    Texts,
)
from sotesilta.core.feedback.service.links import feedback_url, walk_in_feedback_url
from sotesilta.core.feedback.service.responses import FREE_TEXT_CONTEXT, FeedbackFormView, form_view
from sotesilta.core.feedback.tables import FeedbackAnswer, FeedbackResponse

__all__ = [
    "FREE_TEXT_CONTEXT",
    "YES_PARTLY_NO",
    "YES_PARTLY_NO_TEXTS",
    "Audience",
    "FeedbackAnswer",
    "FeedbackChannel",
    "FeedbackForm",
    "FeedbackFormView",
    "FeedbackResponse",
    "QuestionKind",
    "Texts",
    "feedback_url",
    "form_view",
    "walk_in_feedback_url",
]
