"""What other features may use of this one: the only module they import from it."""

from sotesilta.core.accounts.staff import StaffContact, staff_contact
from sotesilta.core.accounts.tables import UserAccount, UserStation

__all__ = [
    "StaffContact",
    "UserAccount",
    "UserStation",
    "staff_contact",
]
