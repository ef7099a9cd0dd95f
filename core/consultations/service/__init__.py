"""Use cases: consultations (``consultations``) and SHL §35 notifications (``shl``)."""

from sotesilta.core.consultations.service.consultations import (
    TEXT_MAX,
    Channel,
    ConsultationView,
    MessageView,
    NamedClient,
    create_consultation,
    identify_client,
    list_consultations,
    news_count,
    post_message,
    read_thread,
    sees_the_name,
    unread_counts,
)

__all__ = [
    "TEXT_MAX",
    "Channel",
    "ConsultationView",
    "MessageView",
    "NamedClient",
    "create_consultation",
    "identify_client",
    "list_consultations",
    "news_count",
    "post_message",
    "read_thread",
    "sees_the_name",
    "unread_counts",
]
