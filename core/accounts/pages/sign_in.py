"""Signing in and out, and choosing the pages' language (``/`` is the public front page:
``core/intake/pages/front.py``, which sends signed-in staff on to ``home_of``)."""

from __future__ import annotations

import math
from datetime import timedelta
from functools import partial
from typing import Annotated, Any

import anyio
from litestar import Request, Response, get, post
from litestar.datastructures import Cookie
from litestar.di import NamedDependency
from litestar.params import QueryParameter
from litestar.response import Redirect, Template

from sotesilta.core.accounts import service as accounts
from sotesilta.core.accounts import service as preferences
from sotesilta.core.accounts.domain import home_of
from sotesilta.core.accounts.pages.providers import end_session_url
from sotesilta.core.accounts.service import IssuedToken, PasswordSignInOff
from sotesilta.core.kernel.errors import AuthenticationFailed, InputInvalid, LoginThrottled
from sotesilta.core.kernel.principals import Principal
from sotesilta.core.kernel.runtime import Runtime
from sotesilta.core.kernel.uow import UnitOfWork
from sotesilta.core.kernel.web.common import PUBLIC
from sotesilta.core.kernel.web.i18n import LANGUAGES, N_, Dates
from sotesilta.core.kernel.web.rendering import (
    PAGE_HEADERS,
    language_cookie,
    language_of,
    page,
    principal_of,
    safe_next,
    see_other,
)
from sotesilta.core.kernel.web.security import SESSION_COOKIE


def session_cookie(runtime: Runtime, issued: IssuedToken) -> Cookie:
    """The same session cookie the JSON API's login sets (core/accounts/api/auth.py)."""
    return Cookie(
        key=SESSION_COOKIE,
        value=issued.token,
        httponly=True,
        samesite="lax",
        secure=runtime.settings.secure_cookies,
        path="/",
        max_age=int(runtime.settings.session_policy.absolute_lifetime.total_seconds()),
    )


def _providers(request: Request[Any, Any, Any]) -> list[tuple[str, str]]:
    """The identity providers' buttons: (name, label), by label."""
    configured = request.app.state.runtime.settings.oidc_providers
    return sorted(((name, p.label) for name, p in configured.items()), key=lambda item: item[1])


def login_form(
    request: Request[Any, Any, Any],
    status: int = 200,
    error: str | None = None,
    *,
    next_path: str = "/",
    username: str = "",
    **params: Any,
) -> Template:
    """The sign-in page: the providers' buttons and the password form, with an error if any."""
    return page(
        request,
        "login.html",
        status_code=status,
        next_path=next_path,
        username=username,
        error=error,
        error_params=params,
        providers=_providers(request),
    )


@get("/login", opt=PUBLIC, name="web-login")
async def login_page(
    request: Request[Any, Any, Any], next_path: Annotated[str | None, QueryParameter(name="next")] = None
) -> Template:
    return login_form(request, next_path=safe_next(next_path, "/"))


def _sign_in(
    uow: UnitOfWork, runtime: Runtime, username: str, password: str, remote_addr: str
) -> tuple[IssuedToken, Principal]:
    policy = runtime.settings.session_policy
    issued = accounts.login(
        uow,
        username=username,
        password=password,
        secret=runtime.secret,
        policy=policy,
        remote_addr=remote_addr,
        password_off_counties=runtime.settings.password_off_counties,
    )
    principal = accounts.authenticate(uow, token=issued.token, policy=policy, profiles=runtime.profiles)
    return issued, principal


@post("/login", opt=PUBLIC, name="web-login-submit", status_code=200)
async def login(
    request: Request[Any, Any, Any], uow: NamedDependency[UnitOfWork], runtime: NamedDependency[Runtime]
) -> Response[Any]:
    form = await request.form()
    username = str(form.get("username") or "").strip()[:200]
    password = str(form.get("password") or "")[:1024]
    target = safe_next(str(form.get("next_path") or ""), "/")

    def again(status: int, error: str, **params: Any) -> Template:
        return login_form(request, status, error, next_path=target, username=username, **params)

    if not username or not password:
        return again(422, N_("Enter your username and password."))
    remote = request.client.host if request.client else ""
    try:
        # argon2 is slow on purpose: keep it off the event loop
        issued, principal = await anyio.to_thread.run_sync(
            partial(_sign_in, uow, runtime, username, password, remote)
        )
    except LoginThrottled as exc:
        # the clock time, not "in N minutes": a time needs no plural forms and stays true
        allowed = runtime.clock.now() + timedelta(seconds=math.ceil(exc.retry_after_seconds / 60) * 60)
        response = again(
            429,
            N_("Too many failed logins. You can try again at %(time)s."),
            time=Dates(language_of(request)).time(allowed),
        )
        response.headers["Retry-After"] = str(exc.retry_after_seconds)
        return response
    except PasswordSignInOff:
        return again(
            403, N_("Password sign-in is turned off for your organisation: sign in with its account.")
        )
    except AuthenticationFailed:
        return again(422, N_("Wrong username or password, or the account is disabled."))
    secure = runtime.settings.secure_cookies
    # the user's own language from now on, whatever the login page was shown in
    cookies = [session_cookie(runtime, issued), language_cookie(principal.language, secure=secure)]
    return see_other(target if target != "/" else home_of(principal), cookies)


@post("/logout", name="web-logout", status_code=303)
async def logout(
    request: Request[Principal, Any, Any],
    uow: NamedDependency[UnitOfWork],
    runtime: NamedDependency[Runtime],
) -> Response[Any]:
    session_name = await runtime.run_db(accounts.logout, uow, principal=request.user, secret=runtime.secret)
    forget = [Cookie(key=SESSION_COOKIE, value="", max_age=0, path="/")]
    # signed in through an identity provider: out of it too, where it offers that
    provider_logout = await end_session_url(request, runtime, session_name)
    if provider_logout is not None:
        return Redirect(path=provider_logout, status_code=303, cookies=forget, headers=PAGE_HEADERS)
    return see_other("/login", forget)


async def _chosen_language(request: Request[Any, Any, Any]) -> tuple[str, str]:
    form = await request.form()
    language = str(form.get("language") or "")
    if language not in LANGUAGES:
        raise InputInvalid("language must be fi, sv or en", field="language")
    return language, safe_next(str(form.get("next_path") or ""), "/")


@post("/language", opt=PUBLIC, name="web-language", status_code=303)
async def choose_language(
    request: Request[Any, Any, Any], runtime: NamedDependency[Runtime]
) -> Response[Any]:
    """Before signing in: the choice lives in a cookie only."""
    language, target = await _chosen_language(request)
    return see_other(target, [language_cookie(language, secure=runtime.settings.secure_cookies)])


@post("/me/language", name="web-my-language", status_code=303)
async def choose_my_language(
    request: Request[Principal, Any, Any],
    uow: NamedDependency[UnitOfWork],
    runtime: NamedDependency[Runtime],
) -> Response[Any]:
    """Signed in: stored as the user's preference, and in the cookie for every instance at once."""
    language, target = await _chosen_language(request)
    principal = principal_of(request)
    assert principal is not None
    await runtime.run_db(
        preferences.set_language, uow, principal=principal, language=language, profiles=runtime.profiles
    )
    return see_other(target, [language_cookie(language, secure=runtime.settings.secure_cookies)])


ROUTES = [login_page, login, logout, choose_language, choose_my_language]
