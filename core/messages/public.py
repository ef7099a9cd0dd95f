"""What other features and the composition may use of the messages feature."""

from sotesilta.core.kernel.outbox import OutgoingMessage
from sotesilta.core.messages.service.outbox import MessageOutbox

__all__ = ["MessageOutbox", "OutgoingMessage"]
