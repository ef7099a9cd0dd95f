"""Staff sign in through their county's OpenID provider: a real one (oidc-provider from npm)
started on 127.0.0.1, the app in process with a clock that starts at the real time (the
provider's tokens carry real times) and moves when a test says so."""

from __future__ import annotations

import asyncio
import base64
import json
import re
import secrets
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from conftest import FakeClock
from oidc_support import (
    APP_BASE,
    OTHER_CLIENT_ID,
    OpenIdProvider,
    callback_path,
    log_in_at_provider,
    query_of,
    signing_key,
)
from sqlalchemy import select
from support import TEST_SECRET

from sotesilta.core.accounts.oidc import FlowSecrets, RelyingParty, SignInRefused
from sotesilta.core.accounts.tables import AuthToken, UserAccount, UserIdentity, UserRole
from sotesilta.core.kernel.runtime import Runtime
from sotesilta.core.kernel.settings import load_settings


@pytest.fixture(scope="module")
def idp(tmp_path_factory: pytest.TempPathFactory) -> Iterator[OpenIdProvider]:
    provider = OpenIdProvider(tmp_path_factory.mktemp("idp"))
    provider.start()
    yield provider
    provider.stop()


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(datetime.now(UTC))


@pytest.fixture
def provider_settings() -> dict[str, Any]:
    return {}


@pytest.fixture
def settings(tmp_path: Path, database_url: str, idp: OpenIdProvider, provider_settings: dict[str, Any]):  # type: ignore[no-untyped-def]
    return load_settings(
        data_dir=tmp_path,
        database_url=database_url,
        secret_key=TEST_SECRET,
        public_base_url=APP_BASE,
        oidc_providers={"lu": idp.settings(**provider_settings)},
    )


def account(idp: OpenIdProvider, *groups: str, username: str | None = None) -> str:
    """A new person at the provider, in ``groups``; her account id."""
    account_id = f"person-{secrets.token_hex(4)}"
    idp.set_account(
        account_id,
        preferred_username=username or f"{account_id}@lu.example",
        name="Nora Nurse",
        email="nora@lu.example",
        groups=list(groups),
    )
    return account_id


def csrf(client: Any, path: str = "/login") -> str:
    page = client.get(path)
    match = re.search(r'name="_csrf_token" value="([^"]+)"', page.text)
    assert match, page.text
    return match.group(1)


def start(client: Any, next_path: str = "/") -> str:
    """Press the provider's button on the sign-in page: the provider's authorization URL."""
    response = client.post(
        "/login/oidc/lu", data={"_csrf_token": csrf(client), "next_path": next_path}, follow_redirects=False
    )
    assert response.status_code == 303, response.text
    return str(response.headers["location"])


def sign_in(client: Any, account_id: str) -> Any:
    """The whole round: our button, the provider's form, back to our callback."""
    back = log_in_at_provider(start(client), account_id)
    return client.get(callback_path(back), follow_redirects=False)


def refusals(caplog: pytest.LogCaptureFixture) -> list[str]:
    """The reasons of the sign-ins refused so far (the log says them; the page does not)."""
    return [r.reason for r in caplog.records if r.getMessage() == "oidc sign-in refused"]  # type: ignore[attr-defined]  # a log record's extra


def user_of(runtime: Runtime, username: str) -> tuple[int, set[str]]:
    """The user's id and roles."""
    with runtime.uow() as uow:
        user_id = uow.session.scalar(select(UserAccount.id).where(UserAccount.username == username))
        assert user_id is not None
        roles = set(uow.session.scalars(select(UserRole.role).where(UserRole.user_id == user_id)))
        return user_id, roles


def test_a_nurse_signs_in_through_the_provider_and_her_account_is_made_from_her_claims(
    client: Any, runtime: Runtime, idp: OpenIdProvider
) -> None:
    person = account(idp, "sg-nurses", "sg-espoo", "sg-other-team")
    authorization = start(client)
    asked = query_of(authorization)
    assert authorization.startswith(f"{idp.issuer}/")
    assert asked["code_challenge_method"] == "S256" and asked["client_id"] == "sotesilta"
    assert asked["redirect_uri"] == f"{APP_BASE}/login/oidc/lu/callback"
    back = log_in_at_provider(authorization, person)
    response = client.get(callback_path(back), follow_redirects=False)
    assert response.status_code == 303, response.text
    assert response.headers["location"] == "/book"
    me = client.get("/api/v1/me").json()
    assert me["username"] == f"{person}@lu.example"
    assert me["roles"] == ["health_staff"] and me["municipalities"] == ["049"]
    assert me["display_name"] == "Nora Nurse"
    with runtime.uow() as uow:
        identity = uow.session.scalar(select(UserIdentity).where(UserIdentity.subject == person))
        assert identity is not None and identity.issuer == idp.issuer and identity.user_id == me["id"]
    # the account has no password: the form cannot open it
    refused = client.post("/api/v1/auth/login", json={"username": me["username"], "password": "!"})
    assert refused.status_code == 401


def test_a_second_sign_in_finds_the_same_account_by_subject_and_a_removed_group_takes_its_role(
    client: Any, runtime: Runtime, idp: OpenIdProvider
) -> None:
    person = account(idp, "sg-nurses", "sg-instructors", "sg-espoo", "sg-lohja")
    assert sign_in(client, person).status_code == 303
    username = f"{person}@lu.example"
    user, roles = user_of(runtime, username)
    assert roles == {"health_staff", "instructor"}
    # the county takes her out of the instructors' group and Lohja's
    idp.set_account(person, preferred_username=username, name="Nora N.", groups=["sg-nurses", "sg-espoo"])
    client.cookies.clear()
    assert sign_in(client, person).status_code == 303
    again, roles = user_of(runtime, username)
    assert again == user and roles == {"health_staff"}
    me = client.get("/api/v1/me").json()
    assert me["roles"] == ["health_staff"] and me["municipalities"] == ["049"]
    assert me["display_name"] == "Nora N."


def test_a_user_whose_groups_give_no_role_is_refused_and_loses_her_roles_and_sessions(
    client: Any, runtime: Runtime, idp: OpenIdProvider
) -> None:
    person = account(idp, "sg-nurses", "sg-espoo")
    assert sign_in(client, person).status_code == 303
    assert client.get("/api/v1/me").status_code == 200
    idp.set_account(person, preferred_username=f"{person}@lu.example", name="Nora", groups=["sg-espoo"])
    browser_two = client.__class__(app=client.app)
    with browser_two:
        refused = sign_in(browser_two, person)
    assert refused.status_code == 403
    assert "eivät anna sinulle roolia" in refused.text  # the page says why, in Finnish by default
    _, roles = user_of(runtime, f"{person}@lu.example")
    assert roles == set()
    # her session in the first browser went with the role
    assert client.get("/api/v1/me").status_code == 401


def test_a_group_of_another_countys_municipality_gives_nothing(
    client: Any, runtime: Runtime, idp: OpenIdProvider, caplog: pytest.LogCaptureFixture
) -> None:
    # Päijät-Häme's municipality (county 09) mapped by a slip in Länsi-Uusimaa's provider
    person = account(idp, "sg-nurses", "sg-paijat-hame")
    refused = sign_in(client, person)
    assert refused.status_code == 403
    assert refusals(caplog) == ["no-role"]
    with runtime.uow() as uow:
        assert uow.session.scalar(select(UserIdentity).where(UserIdentity.subject == person)) is None


def test_the_state_is_used_once(client: Any, idp: OpenIdProvider, caplog: pytest.LogCaptureFixture) -> None:
    person = account(idp, "sg-nurses", "sg-espoo")
    back = log_in_at_provider(start(client), person)
    assert client.get(callback_path(back), follow_redirects=False).status_code == 303
    client.post("/logout", data={"_csrf_token": csrf(client, "/login")}, follow_redirects=False)
    replayed = client.get(callback_path(back), follow_redirects=False)
    assert replayed.status_code == 400
    assert "sotesilta_session" not in replayed.cookies
    assert refusals(caplog) == ["state-unknown-or-used"]


def test_a_state_from_another_browser_finishes_nothing(
    client: Any, idp: OpenIdProvider, caplog: pytest.LogCaptureFixture
) -> None:
    person = account(idp, "sg-nurses", "sg-espoo")
    back = log_in_at_provider(start(client), person)
    # an attacker's code and state, sent to a victim's browser: its cookie is not the one
    # the sign-in was started with
    with client.__class__(app=client.app) as victim:
        refused = victim.get(callback_path(back), follow_redirects=False)
        assert refused.status_code == 400
        assert victim.get("/api/v1/me").status_code == 401
    # and the state was used up by the try
    assert client.get(callback_path(back), follow_redirects=False).status_code == 400
    assert refusals(caplog) == ["state-of-another-browser", "state-unknown-or-used"]


def _party(runtime: Runtime, name: str = "lu", **changes: Any) -> RelyingParty:
    config = runtime.settings.oidc_providers[name]
    return RelyingParty(name=name, config=config.model_copy(update=changes), clock=runtime.clock)


def _id_token(
    runtime: Runtime, idp: OpenIdProvider, person: str, *, client_id: str | None = None
) -> tuple[str, str]:
    """A real id_token from the provider (for ``client_id``), and its nonce."""
    party = _party(runtime, **({"client_id": client_id} if client_id else {}))
    state = secrets.token_urlsafe(16)
    flow = FlowSecrets.derive(b"k" * 32, "browser", state)
    redirect = f"{APP_BASE}/login/oidc/lu/callback"
    url = asyncio.run(party.authorization_url(state=state, flow=flow, redirect_uri=redirect))
    code = query_of(log_in_at_provider(url, person))["code"]
    return asyncio.run(party.exchange(code=code, flow=flow, redirect_uri=redirect)), flow.nonce


def _refusal(party: RelyingParty, token: str, nonce: str) -> str:
    with pytest.raises(SignInRefused) as refused:
        asyncio.run(party.verify(token, nonce=nonce))
    return refused.value.reason


def test_an_id_token_for_another_client_is_refused(runtime: Runtime, idp: OpenIdProvider) -> None:
    person = account(idp, "sg-nurses", "sg-espoo")
    token, nonce = _id_token(runtime, idp, person, client_id=OTHER_CLIENT_ID)
    assert asyncio.run(_party(runtime, client_id=OTHER_CLIENT_ID).verify(token, nonce=nonce))["sub"] == person
    assert _refusal(_party(runtime), token, nonce) == "id-token-audience"
    # the audience rewritten to ours, the provider's signature kept: the signature fails
    header, payload, signature = token.split(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    forged = base64.urlsafe_b64encode(json.dumps({**claims, "aud": "sotesilta"}).encode()).rstrip(b"=")
    assert _refusal(_party(runtime), f"{header}.{forged.decode()}.{signature}", nonce) == "id-token-signature"


def test_an_id_token_of_another_sign_in_or_expired_is_refused(
    runtime: Runtime, idp: OpenIdProvider, clock: FakeClock
) -> None:
    person = account(idp, "sg-nurses", "sg-espoo")
    token, nonce = _id_token(runtime, idp, person)
    party = _party(runtime)
    assert _refusal(party, token, "another nonce") == "id-token-nonce"
    # an hour's token (the provider's default), a minute's leeway
    clock.advance(seconds=3600 + 30)
    assert asyncio.run(party.verify(token, nonce=nonce))["sub"] == person
    assert party.key_fetches == 2  # keys an hour old are fetched again, rotated or not
    clock.advance(seconds=31)
    assert _refusal(party, token, nonce) == "id-token-expired"


def test_a_token_signed_with_a_rotated_key_is_accepted_after_the_keys_are_fetched_again(
    client: Any, runtime: Runtime, tmp_path: Path, clock: FakeClock, caplog: pytest.LogCaptureFixture
) -> None:
    rotating = OpenIdProvider(tmp_path)
    rotating.start()
    try:
        runtime.settings = load_settings(
            data_dir=tmp_path,
            database_url=runtime.settings.database_url,
            secret_key=TEST_SECRET,
            public_base_url=APP_BASE,
            oidc_providers={"lu": rotating.settings()},
        )
        person = account(rotating, "sg-nurses", "sg-espoo")
        assert sign_in(client, person).status_code == 303
        party = client.app.state["oidc_relying_parties"]["lu"]
        assert party.key_fetches == 1
        # the provider's next key signs from now on; the old one is gone
        rotating.restart([signing_key("key-2")])
        client.cookies.clear()
        # within a minute of the last fetch an unknown key stays unknown: no fetch per token
        assert sign_in(client, person).status_code == 400
        assert party.key_fetches == 1
        assert refusals(caplog) == ["id-token-unknown-key"]
        clock.advance(seconds=61)
        client.cookies.clear()
        assert sign_in(client, person).status_code == 303
        assert party.key_fetches == 2
        assert client.get("/api/v1/me").status_code == 200
    finally:
        rotating.stop()


@pytest.mark.parametrize("provider_settings", [{"password_sign_in": False}])
def test_a_county_without_passwords_refuses_its_staff_the_password_form_and_keeps_api_tokens(
    client: Any, make_user: Any, idp: OpenIdProvider, provider_settings: dict[str, Any]
) -> None:
    from support import PASSWORD, bearer, login

    # a user of Päijät-Häme, whose county keeps passwords
    make_user("ph.nurse", ["health_staff"], ["398"])
    assert login(client, "ph.nurse")
    # Espoo is Länsi-Uusimaa's: passwords are off there
    make_user("lu.nurse", ["health_staff"], ["049"])
    refused = client.post("/api/v1/auth/login", json={"username": "lu.nurse", "password": PASSWORD})
    assert refused.status_code == 401
    assert "password-sign-in-off" in refused.json()["type"]
    page = client.post(
        "/login",
        data={"_csrf_token": csrf(client), "username": "lu.nurse", "password": PASSWORD},
        follow_redirects=False,
    )
    assert page.status_code == 403 and "sotesilta_session" not in page.cookies
    # the wrong password is still just wrong: the refusal does not tell who exists
    wrong = client.post("/api/v1/auth/login", json={"username": "lu.nurse", "password": "x" * 20})
    assert "password-sign-in-off" not in wrong.json()["type"]
    # an API token made before keeps working
    person = account(idp, "sg-nurses", "sg-espoo")
    assert sign_in(client, person).status_code == 303
    token = client.post("/api/v1/me/tokens", json={"name": "script"}).json()["token"]
    client.cookies.clear()
    assert client.get("/api/v1/me", headers=bearer(token)).status_code == 200


def test_signing_out_signs_out_of_the_provider_too(
    client: Any, runtime: Runtime, idp: OpenIdProvider
) -> None:
    person = account(idp, "sg-nurses", "sg-espoo")
    assert sign_in(client, person).status_code == 303
    response = client.post("/logout", data={"_csrf_token": csrf(client, "/login")}, follow_redirects=False)
    assert response.status_code == 303
    target = response.headers["location"]
    assert target.startswith(f"{idp.issuer}/")
    assert query_of(target) == {"client_id": "sotesilta", "post_logout_redirect_uri": f"{APP_BASE}/login"}
    assert client.get("/api/v1/me").status_code == 401
    with runtime.uow() as uow:
        sessions = uow.session.scalars(select(AuthToken).where(AuthToken.name == "oidc:lu")).all()
        assert sessions and all(s.revoked_at is not None for s in sessions)


def test_a_sign_in_cancelled_at_the_provider_says_so_and_uses_up_its_state(
    client: Any, caplog: pytest.LogCaptureFixture
) -> None:
    state = query_of(start(client))["state"]
    cancelled = client.get(
        f"/login/oidc/lu/callback?error=access_denied&state={state}", follow_redirects=False
    )
    assert cancelled.status_code == 400 and "sotesilta_session" not in cancelled.cookies
    assert (
        client.get(f"/login/oidc/lu/callback?code=x&state={state}", follow_redirects=False).status_code == 400
    )
    assert refusals(caplog) == ["provider-error:access_denied", "state-unknown-or-used"]


def test_a_signed_in_password_user_connects_her_account_and_keeps_it(
    client: Any, runtime: Runtime, idp: OpenIdProvider, make_user: Any, caplog: pytest.LogCaptureFixture
) -> None:
    from support import login

    nurse = make_user("nora.connect", ["health_staff", "admin"], ["049"])
    person = account(idp, "sg-nurses", "sg-espoo", username="nora.connect")
    # her provider's username is her account's: a first sign-in is refused, not linked
    refused = sign_in(client, person)
    assert refused.status_code == 400 and refusals(caplog) == ["username-taken"]
    # signed in with her password, she connects the account herself
    client.cookies.clear()
    login(client, "nora.connect")
    page = client.get("/me/sign-in")
    assert 'action="/me/login/oidc/lu/link"' in page.text
    response = client.post(
        "/me/login/oidc/lu/link", data={"_csrf_token": csrf(client, "/me/sign-in")}, follow_redirects=False
    )
    assert response.status_code == 303
    back = client.get(
        callback_path(log_in_at_provider(response.headers["location"], person)), follow_redirects=False
    )
    assert back.status_code == 303 and back.headers["location"] == "/me/sign-in"
    # the same account, its roles from her groups now (the admin role is not among them)
    assert user_of(runtime, "nora.connect") == (nurse.id, {"health_staff"})
    assert 'action="/me/login/oidc/lu/link"' not in client.get("/me/sign-in").text
    # and from another browser, the provider's sign-in finds it
    with client.__class__(app=client.app) as other:
        assert sign_in(other, person).status_code == 303
        assert other.get("/api/v1/me").json()["id"] == nurse.id


def test_an_identity_connected_to_one_account_is_not_connected_to_another(
    client: Any, idp: OpenIdProvider, make_user: Any, caplog: pytest.LogCaptureFixture
) -> None:
    from support import login

    person = account(idp, "sg-nurses", "sg-espoo")
    assert sign_in(client, person).status_code == 303  # her own account, made at first sign-in
    make_user("someone.else", ["health_staff"], ["049"])
    client.cookies.clear()
    login(client, "someone.else")
    response = client.post(
        "/me/login/oidc/lu/link", data={"_csrf_token": csrf(client, "/me/sign-in")}, follow_redirects=False
    )
    refused = client.get(
        callback_path(log_in_at_provider(response.headers["location"], person)), follow_redirects=False
    )
    assert refused.status_code == 400
    assert refusals(caplog) == ["identity-linked-elsewhere"]
    # a user of another county cannot even start
    make_user("lahti.nurse", ["health_staff"], ["398"])
    client.cookies.clear()
    login(client, "lahti.nurse")
    token = csrf(client, "/me/sign-in")
    assert (
        client.post("/me/login/oidc/lu/link", data={"_csrf_token": token}, follow_redirects=False).status_code
        == 404
    )
