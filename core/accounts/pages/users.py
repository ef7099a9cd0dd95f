"""Administration of users and their roles."""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from typing import Any

from litestar import Request, Response, get, post
from litestar.datastructures import FormMultiDict
from litestar.di import NamedDependency
from litestar.params import FromPath
from litestar.response import Template

from sotesilta.core.accounts import service as accounts
from sotesilta.core.accounts.service import UserSummary
from sotesilta.core.kernel.errors import DomainError, InputInvalid
from sotesilta.core.kernel.principals import Principal, Role
from sotesilta.core.kernel.runtime import Runtime
from sotesilta.core.kernel.uow import UnitOfWork
from sotesilta.core.kernel.web.common import ADMINS
from sotesilta.core.kernel.web.forms import FormError, text_field
from sotesilta.core.kernel.web.i18n import N_
from sotesilta.core.kernel.web.rendering import page, see_other

ROLES = tuple(r.value for r in Role)


@dataclass
class UserForm:
    username: str = ""
    display_name: str = ""
    roles: list[str] = field(default_factory=list)
    municipalities: list[str] = field(default_factory=list)
    language: str = "fi"
    password: str = ""

    @classmethod
    def from_form(cls, form: FormMultiDict) -> UserForm:
        return cls(
            username=text_field(form, "username", 100),
            display_name=text_field(form, "display_name", 400),
            roles=[str(r)[:20] for r in form.getall("roles", [])][:10],
            municipalities=[str(m)[:3] for m in form.getall("municipalities", [])][:40],
            language=text_field(form, "language", 2),
            password=str(form.get("password") or "")[:1100],
        )


USER_MESSAGES = {
    "username": N_("Give a user name of 3–64 characters: letters a–z, digits, '.', '_', '@' or '-'."),
    "display_name": N_("Give the name to show (1–200 characters)."),
    "roles": N_("Choose at least one role."),
    "municipalities": N_("Choose at least one of your municipalities."),
    "language": N_("Choose the user's language."),
    "password": N_("A password has at least 12 characters; leave it empty to have one made."),
}


def user_error(exc: DomainError) -> FormError:
    if exc.field in USER_MESSAGES:
        return FormError(USER_MESSAGES[exc.field or ""], {}, exc.field or "")
    return FormError(N_("The user was not added: %(reason)s"), {"reason": exc.detail}, "")


async def _render_users(
    request: Request[Principal, Any, Any],
    uow: UnitOfWork,
    runtime: Runtime,
    *,
    form: UserForm | None = None,
    errors: list[FormError] | None = None,
    created: UserSummary | None = None,
    password: str | None = None,
    status_code: int = 200,
    flash: str | None = None,
) -> Template:
    def read(uow: UnitOfWork) -> list[UserSummary]:
        return accounts.list_users(uow, municipalities=request.user.municipalities)

    users = await runtime.run_db(read, uow)
    errors = errors or []
    return page(
        request,
        "admin_users.html",
        status_code=status_code,
        users=users,
        form=form or UserForm(),
        errors=errors,
        field_errors={e.target: e for e in errors if e.target},
        roles=ROLES,
        municipalities=sorted(request.user.municipalities),
        created=created,
        password=password,
        flash=flash,
    )


@get("/admin/users", guards=ADMINS, name="web-admin-users")
async def users_page(
    request: Request[Principal, Any, Any],
    uow: NamedDependency[UnitOfWork],
    runtime: NamedDependency[Runtime],
) -> Template:
    """Users of my municipalities; add one; disable one."""
    flash = "disabled" if request.query_params.get("disabled") == "1" else None
    return await _render_users(request, uow, runtime, flash=flash)


@post("/admin/users", guards=ADMINS, name="web-admin-add-user")
async def add_user(
    request: Request[Principal, Any, Any],
    uow: NamedDependency[UnitOfWork],
    runtime: NamedDependency[Runtime],
) -> Template:
    """Add a user; the password (given, or made here) is shown once, on this response only."""
    form = UserForm.from_form(await request.form())
    password = form.password or secrets.token_urlsafe(12)
    try:
        if form.language not in ("fi", "sv", "en"):
            raise InputInvalid("choose the language", field="language")
        if not form.municipalities:
            raise InputInvalid("choose a municipality", field="municipalities")
        created = await runtime.run_db(
            accounts.create_user_as_admin,
            uow,
            principal=request.user,
            username=form.username,
            display_name=form.display_name,
            password=password,
            roles=form.roles,
            municipalities=form.municipalities,
            language=form.language,
        )
    except DomainError as exc:
        uow.rollback()
        if exc.kind == "forbidden":
            raise
        form.password = ""  # never sent back
        status = 409 if exc.kind == "conflict" else 422
        return await _render_users(
            request, uow, runtime, form=form, errors=[user_error(exc)], status_code=status
        )
    return await _render_users(
        request, uow, runtime, created=created, password=None if form.password else password, status_code=201
    )


@post("/admin/users/{user_id:int}/disable", guards=ADMINS, name="web-admin-disable-user", status_code=303)
async def disable_user(
    request: Request[Principal, Any, Any],
    user_id: FromPath[int],
    uow: NamedDependency[UnitOfWork],
    runtime: NamedDependency[Runtime],
) -> Response[Any]:
    await runtime.run_db(accounts.disable_user_as_admin, uow, principal=request.user, user_id=user_id)
    return see_other("/admin/users?disabled=1")


ROUTES = [users_page, add_user, disable_user]
