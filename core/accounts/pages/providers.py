"""The configured identity providers as the pages reach them: one client per provider, kept
by the app (its discovery document and keys are fetched once, not per sign-in)."""

from __future__ import annotations

from typing import Any

from litestar import Request
from litestar.exceptions import NotFoundException

from sotesilta.core.accounts import sso
from sotesilta.core.accounts.oidc import RelyingParty
from sotesilta.core.kernel.runtime import Runtime
from sotesilta.core.kernel.settings import OidcProvider

COOKIE_PATH = "/login/oidc"
_PARTIES = "oidc_relying_parties"


def provider_config(runtime: Runtime, name: str) -> OidcProvider:
    config = runtime.settings.oidc_providers.get(name)
    if config is None:
        raise NotFoundException(f"no identity provider {name!r}")
    return config


def relying_party(request: Request[Any, Any, Any], runtime: Runtime, name: str) -> RelyingParty:
    """The provider's client, kept by the app so its discovery and keys are fetched once."""
    config = provider_config(runtime, name)
    parties: dict[str, RelyingParty] = request.app.state.setdefault(_PARTIES, {})
    party = parties.get(name)
    # a test's app serves one runtime after another: a party is its runtime's, clock and all
    if party is None or party.config is not config or party.clock is not runtime.clock:
        party = parties[name] = RelyingParty(name=name, config=config, clock=runtime.clock)
    return party


def redirect_uri(runtime: Runtime, name: str) -> str:
    return f"{runtime.settings.public_base_url}{COOKIE_PATH}/{name}/callback"


async def end_session_url(request: Request[Any, Any, Any], runtime: Runtime, session_name: str) -> str | None:
    """Where to sign out of the provider that opened the session, if it offers that."""
    if not session_name.startswith(sso.SESSION_PREFIX):
        return None
    name = session_name.removeprefix(sso.SESSION_PREFIX)
    if name not in runtime.settings.oidc_providers:
        return None
    party = relying_party(request, runtime, name)
    return await party.end_session_url(post_logout_redirect_uri=f"{runtime.settings.public_base_url}/login")
