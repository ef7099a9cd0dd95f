"""What other features may use of this one: the only module they import from it."""

from sotesilta.core.accounts.tables import UserAccount, UserStation

__all__ = [
    "UserAccount",
    "UserStation",
]
