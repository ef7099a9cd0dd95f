"""Signing in through the county's OpenID provider: the button's form sends the browser to the
provider, and the provider sends it back to the callback with a code.

The sign-in is bound to the browser by a cookie of its own (``sotesilta_oidc``, HttpOnly,
SameSite=Lax so that it comes along on the provider's redirect back, which is a top-level
GET from another site). The callback is a GET, which the pages' form check lets through; what
protects it is the state (single-use, of this browser's cookie) and the PKCE verifier and
nonce, derived from that cookie: a code or a state taken from another browser finishes nothing.
"""

from __future__ import annotations

import hashlib
import logging
import secrets
from typing import Annotated, Any

from litestar import Request, Response, get, post
from litestar.datastructures import Cookie
from litestar.di import NamedDependency
from litestar.exceptions import NotFoundException
from litestar.params import FromPath, QueryParameter
from litestar.response import Redirect, Template

from sotesilta.core.accounts import service as accounts
from sotesilta.core.accounts import sso
from sotesilta.core.accounts.domain import home_of
from sotesilta.core.accounts.oidc import FlowSecrets, SignInRefused
from sotesilta.core.accounts.pages.providers import COOKIE_PATH, provider_config, redirect_uri, relying_party
from sotesilta.core.accounts.pages.sign_in import login_form, session_cookie
from sotesilta.core.kernel.principals import Principal
from sotesilta.core.kernel.runtime import Runtime
from sotesilta.core.kernel.web.common import PUBLIC
from sotesilta.core.kernel.web.i18n import N_
from sotesilta.core.kernel.web.input_checks import OPAQUE_QUERY
from sotesilta.core.kernel.web.rendering import PAGE_HEADERS, language_cookie, page, safe_next, see_other

log = logging.getLogger("sotesilta.security")

BROWSER_COOKIE = "sotesilta_oidc"


def _digest(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()


@post(f"{COOKIE_PATH}/{{provider:str}}", opt=PUBLIC, name="web-oidc-start", status_code=303)
async def start(
    request: Request[Any, Any, Any], provider: FromPath[str], runtime: NamedDependency[Runtime]
) -> Response[Any]:
    form = await request.form()
    return await _send_to_provider(
        request, runtime, provider, safe_next(str(form.get("next_path") or ""), "/")
    )


@get("/me/sign-in", name="web-my-sign-in")
async def my_sign_in(request: Request[Principal, Any, Any], runtime: NamedDependency[Runtime]) -> Template:
    """Her county's provider, and whether her account is connected to it."""
    linked = await runtime.run_in_uow(sso.linked_providers, user_id=request.user.user_id)
    providers = [
        (name, config.label, name in linked)
        for name, config in sorted(runtime.settings.oidc_providers.items())
        if config.county in request.user.counties
    ]
    return page(request, "my_sign_in.html", providers=providers)


@post(f"/me{COOKIE_PATH}/{{provider:str}}/link", name="web-oidc-link", status_code=303)
async def link(
    request: Request[Principal, Any, Any], provider: FromPath[str], runtime: NamedDependency[Runtime]
) -> Response[Any]:
    """Connect her account to her county's provider: she signs in there, and the identity it
    vouches for becomes this account's (she has proved both)."""
    if provider_config(runtime, provider).county not in request.user.counties:
        raise NotFoundException(f"no identity provider {provider!r} of yours")
    return await _send_to_provider(
        request, runtime, provider, "/me/sign-in", link_user_id=request.user.user_id
    )


async def _send_to_provider(
    request: Request[Any, Any, Any],
    runtime: Runtime,
    provider: str,
    target: str,
    *,
    link_user_id: int | None = None,
) -> Response[Any]:
    party = relying_party(request, runtime, provider)
    browser, state = secrets.token_urlsafe(32), secrets.token_urlsafe(32)
    flow = FlowSecrets.derive(runtime.secret, browser, state)
    try:
        url = await party.authorization_url(
            state=state, flow=flow, redirect_uri=redirect_uri(runtime, provider)
        )
    except SignInRefused as exc:
        log.warning("oidc sign-in not started", extra={"provider": provider, "reason": exc.reason})
        return login_form(request, 503, N_("The identity provider cannot be reached. Try again in a moment."))
    await runtime.run_in_uow(
        sso.start_sign_in,
        provider=provider,
        state_digest=_digest(state),
        browser_digest=_digest(browser),
        next_path=target,
        link_user_id=link_user_id,
    )
    cookie = Cookie(
        key=BROWSER_COOKIE,
        value=browser,
        httponly=True,
        samesite="lax",
        secure=runtime.settings.secure_cookies,
        path=COOKIE_PATH,
        max_age=int(sso.SIGN_IN_TTL.total_seconds()),
    )
    return Redirect(path=url, status_code=303, cookies=[cookie], headers=PAGE_HEADERS)


#: what the page says for each refusal (the log has the reason)
_REFUSALS = {
    "no-role": N_(
        "Your groups give you no role in sotesilta. Ask your organisation's administrator for access."
    ),
    "username-taken": N_(
        "An account with your username exists already. Sign in with your password and connect it "
        "under your name at the top of the page, or ask an administrator."
    ),
    "account-disabled": N_("Wrong username or password, or the account is disabled."),
    "identity-linked-elsewhere": N_("This account of your organisation is connected to another user."),
}


@get(
    f"{COOKIE_PATH}/{{provider:str}}/callback",
    opt={**PUBLIC, OPAQUE_QUERY: True},
    name="web-oidc-callback",
    status_code=303,
)
async def callback(
    request: Request[Any, Any, Any],
    provider: FromPath[str],
    runtime: NamedDependency[Runtime],
    code: Annotated[str | None, QueryParameter(max_length=2048)] = None,
    # "state" is Litestar's name for the app's state: the parameter is renamed
    oidc_state: Annotated[str | None, QueryParameter(name="state", max_length=512)] = None,
    error: Annotated[str | None, QueryParameter(max_length=200)] = None,
) -> Response[Any]:
    party = relying_party(request, runtime, provider)
    browser = request.cookies.get(BROWSER_COOKIE, "")
    forget = Cookie(key=BROWSER_COOKIE, value="", max_age=0, path=COOKIE_PATH)
    try:
        if not oidc_state:
            raise SignInRefused("no-state")
        # the state is used up here, also when the provider answers with an error
        pending = await runtime.run_in_uow(
            sso.take_sign_in, state_digest=_digest(oidc_state), browser_digest=_digest(browser)
        )
        if pending.provider != provider:
            raise SignInRefused("state-of-another-provider")
        if error is not None:
            raise SignInRefused(f"provider-error:{error[:50]}")
        if not code:
            raise SignInRefused("no-code")
        flow = FlowSecrets.derive(runtime.secret, browser, oidc_state)
        id_token = await party.exchange(code=code, flow=flow, redirect_uri=redirect_uri(runtime, provider))
        claims = await party.verify(id_token, nonce=flow.nonce)
        issued, user_id = await runtime.run_in_uow(
            sso.sign_in_with_claims,
            provider=provider,
            config=party.config,
            claims=claims,
            secret=runtime.secret,
            absolute_lifetime=runtime.settings.session_policy.absolute_lifetime,
            remote_addr=request.client.host if request.client else "",
            link_user_id=pending.link_user_id,
        )
    except SignInRefused as exc:
        log.warning("oidc sign-in refused", extra={"provider": provider, "reason": exc.reason})
        message = _REFUSALS.get(exc.reason, N_("Signing in through the identity provider failed. Try again."))
        response = login_form(request, 403 if exc.reason == "no-role" else 400, message)
        response.cookies.append(forget)
        return response
    runtime.profiles.forget(user_id)  # her roles may have changed with her groups
    principal = await runtime.run_in_uow(
        accounts.authenticate,
        token=issued.token,
        policy=runtime.settings.session_policy,
        profiles=runtime.profiles,
    )
    secure = runtime.settings.secure_cookies
    cookies = [session_cookie(runtime, issued), language_cookie(principal.language, secure=secure), forget]
    target = pending.next_path if pending.next_path != "/" else home_of(principal)
    return see_other(safe_next(target, "/"), cookies)


ROUTES = [start, callback, my_sign_in, link]
