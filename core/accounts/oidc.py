"""The relying party's side of OpenID Connect: discovery, the authorization code flow with
PKCE, the provider's keys and the id_token's validation.

Signatures are verified by joserfc, never by hand. The provider's keys (JWKS) are kept and
fetched again when a token names a key id they lack (the provider rotated its keys), at
most once a ``JWKS_REFETCH_INTERVAL``: a stream of tokens with made-up key ids cannot make
this server hammer the provider; and after ``KEYS_TTL`` in any case. The discovery document
is kept for ``DISCOVERY_TTL``.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlencode

import httpx
from joserfc import jws, jwt
from joserfc.errors import ExpiredTokenError, InvalidKeyIdError, JoseError
from joserfc.jwk import KeySet

from sotesilta.core.kernel.clock import Clock
from sotesilta.core.kernel.errors import AuthenticationFailed
from sotesilta.core.kernel.settings import OidcProvider

log = logging.getLogger("sotesilta.security")

DISCOVERY_TTL = timedelta(hours=1)
JWKS_REFETCH_INTERVAL = timedelta(minutes=1)
#: keys kept longer are fetched again at the next sign-in: a key the provider withdrew
#: (compromised, say) stops being trusted within this time even if no token names a new one
KEYS_TTL = timedelta(hours=1)
HTTP_TIMEOUT = 10.0
#: asymmetric signatures only: never "none", never an HMAC keyed by the client secret
SIGNING_ALGORITHMS = ("RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512")


class SignInRefused(AuthenticationFailed):
    """The provider's answer is not one to sign anybody in with; ``reason`` says why, for the
    log and the tests (the page says only that signing in failed)."""

    def __init__(self, reason: str, detail: str = "signing in through the identity provider failed") -> None:
        super().__init__(detail)
        self.reason = reason


@dataclass(frozen=True)
class Discovery:
    issuer: str
    authorization_endpoint: str
    token_endpoint: str
    jwks_uri: str
    end_session_endpoint: str | None
    algorithms: tuple[str, ...]


def _challenge(verifier: str) -> str:
    return base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()


def _with_query(endpoint: str, parameters: dict[str, str]) -> str:
    """A provider's endpoint with ``parameters`` added: the endpoint may carry a query of its
    own (Azure AD B2C's name their policy as ``?p=…``)."""
    separator = "&" if "?" in endpoint else "?"
    return f"{endpoint}{separator}{urlencode(parameters)}"


@dataclass(frozen=True)
class FlowSecrets:
    """The nonce and the PKCE verifier of one sign-in, derived from the server secret, the
    browser's cookie and the state: nothing of them is stored, and only the browser that
    started the sign-in can finish it."""

    nonce: str
    verifier: str

    @classmethod
    def derive(cls, secret: bytes, browser: str, state: str) -> FlowSecrets:
        def mac(purpose: str) -> bytes:
            return hmac.new(secret, f"oidc-{purpose}:{browser}:{state}".encode(), hashlib.sha256).digest()

        return cls(
            nonce=mac("nonce").hex(),
            # 43 characters of base64url: the shortest verifier RFC 7636 allows, 256 bits
            verifier=base64.urlsafe_b64encode(mac("pkce")).rstrip(b"=").decode(),
        )

    @property
    def challenge(self) -> str:
        return _challenge(self.verifier)


@dataclass
class RelyingParty:
    """One configured provider, as this server talks to it (one per provider and process)."""

    name: str
    config: OidcProvider
    clock: Clock
    _discovery: Discovery | None = None
    _discovered_at: datetime | None = None
    _keys: KeySet | None = None
    _keys_fetched_at: datetime | None = None
    #: how often the keys were fetched (the tests read it)
    key_fetches: int = field(default=0)

    def _http(self) -> httpx.AsyncClient:
        return httpx.AsyncClient(timeout=HTTP_TIMEOUT, follow_redirects=False)

    async def _get_json(self, url: str, what: str) -> dict[str, Any]:
        try:
            async with self._http() as http:
                response = await http.get(url, headers={"Accept": "application/json"})
            response.raise_for_status()
            document = response.json()
        except (httpx.HTTPError, ValueError) as exc:
            log.warning("oidc %s unavailable", what, extra={"provider": self.name, "error": str(exc)})
            raise SignInRefused(f"{what}-unavailable") from None
        if not isinstance(document, dict):
            raise SignInRefused(f"{what}-malformed")
        return document

    async def discovery(self) -> Discovery:
        now = self.clock.now()
        if self._discovery is not None and self._discovered_at and now - self._discovered_at < DISCOVERY_TTL:
            return self._discovery
        url = self.config.issuer.rstrip("/") + "/.well-known/openid-configuration"
        document = await self._get_json(url, "discovery")
        if document.get("issuer") != self.config.issuer:
            # OpenID Connect Discovery 1.0 §4.3: the document must name the issuer we asked
            raise SignInRefused("discovery-issuer-mismatch")
        try:
            offered = document.get("id_token_signing_alg_values_supported") or ["RS256"]
            discovery = Discovery(
                issuer=document["issuer"],
                authorization_endpoint=str(document["authorization_endpoint"]),
                token_endpoint=str(document["token_endpoint"]),
                jwks_uri=str(document["jwks_uri"]),
                end_session_endpoint=str(document.get("end_session_endpoint") or "") or None,
                algorithms=tuple(a for a in SIGNING_ALGORITHMS if a in offered),
            )
        except KeyError as exc:
            raise SignInRefused(f"discovery-lacks-{exc.args[0]}") from None
        self._discovery, self._discovered_at = discovery, now
        return discovery

    async def authorization_url(self, *, state: str, flow: FlowSecrets, redirect_uri: str) -> str:
        discovery = await self.discovery()
        return _with_query(
            discovery.authorization_endpoint,
            {
                "response_type": "code",
                "client_id": self.config.client_id,
                "redirect_uri": redirect_uri,
                "scope": " ".join(self.config.scopes),
                "state": state,
                "nonce": flow.nonce,
                "code_challenge": flow.challenge,
                "code_challenge_method": "S256",
            },
        )

    async def exchange(self, *, code: str, flow: FlowSecrets, redirect_uri: str) -> str:
        """The authorization code for an id_token (the token endpoint's answer, unverified)."""
        discovery = await self.discovery()
        form = {
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": redirect_uri,
            "code_verifier": flow.verifier,
            "client_id": self.config.client_id,
        }
        secret = self.config.client_secret
        # a confidential client authenticates by HTTP Basic; a public one by its PKCE verifier alone
        auth = (self.config.client_id, secret.get_secret_value()) if secret else None
        try:
            async with self._http() as http:
                response = await http.post(
                    discovery.token_endpoint,
                    data=form,
                    auth=auth or httpx.USE_CLIENT_DEFAULT,
                    headers={"Accept": "application/json"},
                )
            answer = response.json()
        except (httpx.HTTPError, ValueError) as exc:
            log.warning("oidc token endpoint unavailable", extra={"provider": self.name, "error": str(exc)})
            raise SignInRefused("token-endpoint-unavailable") from None
        if response.status_code != 200 or not isinstance(answer, dict):
            error = answer.get("error") if isinstance(answer, dict) else None
            log.warning("oidc code refused", extra={"provider": self.name, "error": str(error)[:100]})
            raise SignInRefused("code-refused")
        id_token = answer.get("id_token")
        if not isinstance(id_token, str):
            raise SignInRefused("no-id-token")
        return id_token

    async def _key_set(self, *, refresh: bool) -> KeySet:
        now = self.clock.now()
        fresh = self._keys_fetched_at is not None and now - self._keys_fetched_at < KEYS_TTL
        if self._keys is not None and not refresh and fresh:
            return self._keys
        if (
            self._keys is not None
            and self._keys_fetched_at is not None
            and now - self._keys_fetched_at < JWKS_REFETCH_INTERVAL
        ):
            return self._keys  # fetched a moment ago: an unknown key id stays unknown
        discovery = await self.discovery()
        document = await self._get_json(discovery.jwks_uri, "jwks")
        try:
            # only signing keys; a provider's JWKS may list encryption keys beside them
            keys = [
                k for k in document.get("keys", []) if isinstance(k, dict) and k.get("use", "sig") == "sig"
            ]
            key_set = KeySet.import_key_set({"keys": keys})
        except (JoseError, ValueError, TypeError):
            raise SignInRefused("jwks-malformed") from None
        self._keys, self._keys_fetched_at = key_set, now
        self.key_fetches += 1
        return key_set

    async def verify(self, id_token: str, *, nonce: str) -> dict[str, Any]:
        """The id_token's claims once its signature, issuer, audience, times and nonce hold
        (OpenID Connect Core 1.0 §3.1.3.7); ``SignInRefused`` otherwise."""
        discovery = await self.discovery()
        try:
            header = jws.extract_compact(id_token.encode()).headers()
        except (JoseError, ValueError):
            raise SignInRefused("id-token-malformed") from None
        if header.get("alg") not in discovery.algorithms:
            raise SignInRefused("id-token-algorithm")
        keys = await self._key_set(refresh=False)
        kid = header.get("kid")
        if kid is not None and not any(k.kid == kid for k in keys.keys):
            keys = await self._key_set(refresh=True)  # the provider rotated its keys
        try:
            token = jwt.decode(id_token, keys, algorithms=list(discovery.algorithms))
        except InvalidKeyIdError:
            raise SignInRefused("id-token-unknown-key") from None
        except (JoseError, ValueError):
            raise SignInRefused("id-token-signature") from None
        claims = dict(token.claims)
        self._check_claims(claims, nonce=nonce)
        return claims

    def _check_claims(self, claims: dict[str, Any], *, nonce: str) -> None:
        now = int(self.clock.now().timestamp())
        leeway = self.config.leeway_seconds
        if claims.get("iss") != self.config.issuer:
            raise SignInRefused("id-token-issuer")
        audience = claims.get("aud")
        audiences = audience if isinstance(audience, list) else [audience]
        if self.config.client_id not in audiences:
            raise SignInRefused("id-token-audience")
        if len(audiences) > 1 and claims.get("azp") != self.config.client_id:
            raise SignInRefused("id-token-authorized-party")
        registry = jwt.JWTClaimsRegistry(
            now=now,
            leeway=leeway,
            exp={"essential": True},
            iat={"essential": True},
            sub={"essential": True},
        )
        try:
            registry.validate(claims)
        except ExpiredTokenError:
            raise SignInRefused("id-token-expired") from None
        except JoseError:
            raise SignInRefused("id-token-claims") from None
        if not isinstance(claims.get("nonce"), str) or not hmac.compare_digest(claims["nonce"], nonce):
            raise SignInRefused("id-token-nonce")
        if not isinstance(claims["sub"], str) or not 0 < len(claims["sub"]) <= 255:
            raise SignInRefused("id-token-subject")

    async def end_session_url(self, *, post_logout_redirect_uri: str) -> str | None:
        """Where to send the browser to sign out of the provider too (RP-Initiated Logout
        1.0), or ``None`` when the provider offers no such endpoint."""
        try:
            discovery = await self.discovery()
        except SignInRefused:
            return None  # signing out here must not wait on the provider
        if not discovery.end_session_endpoint:
            return None
        return _with_query(
            discovery.end_session_endpoint,
            {"client_id": self.config.client_id, "post_logout_redirect_uri": post_logout_redirect_uri},
        )
