"""What other features and the composition may use of the messages feature."""

from sotesilta.core.kernel.outbox import MessageKind, OutgoingMessage
from sotesilta.core.kernel.settings import Settings
from sotesilta.core.messages.service.outbox import MessageOutbox


def outbox_for(settings: Settings) -> MessageOutbox:
    """The outbox as the composition binds it: links in messages lead to the public address."""
    return MessageOutbox(public_base_url=settings.public_base_url, link_secret=settings.secret())


__all__ = ["MessageKind", "MessageOutbox", "OutgoingMessage", "outbox_for"]
