"""What other features and the composition may use of the messages feature."""

from sotesilta.core.kernel.outbox import MessageKind, OutgoingMessage
from sotesilta.core.messages.service.outbox import MessageOutbox

__all__ = ["MessageKind", "MessageOutbox", "OutgoingMessage"]
