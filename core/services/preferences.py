"""A staff member's own preferences: the language of the pages."""

from __future__ import annotations

from ..domain.accounts import Principal
from ..domain.errors import InputInvalid, RecordNotFound
from ..persistence.tables import UserAccount
from ..persistence.uow import UnitOfWork
from .accounts import ProfileCache

LANGUAGES = ("fi", "sv", "en")


def set_language(
    uow: UnitOfWork, *, principal: Principal, language: str, profiles: ProfileCache | None = None
) -> None:
    """Store the user's language. This process sees it at once; others within
    the profile cache's lifetime (the pages also keep it in a cookie)."""
    if language not in LANGUAGES:
        raise InputInvalid("language must be fi, sv or en", field="language")
    user = uow.session.get(UserAccount, principal.user_id)
    if user is None:
        raise RecordNotFound(f"no user {principal.user_id}")
    user.language = language
    uow.commit()
    if profiles is not None:
        profiles.forget(principal.user_id)
